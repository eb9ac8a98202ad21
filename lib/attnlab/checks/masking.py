"""Checks for ``04_masking``: the causal mask, the masked pattern, the size of a pattern.

Expected answers come from :mod:`attnlab.attention` and :func:`attnlab.costs.pattern_bytes`; each
exercise's usual mistakes are catalogued below (:mod:`attnlab.checks.mistakes`) and named when a
learner makes one.
"""

from __future__ import annotations

import numpy as np

from attnlab.attention import apply_mask, causal_mask, softmax
from attnlab.checks.compare import (
    compare_exact,
    compare_exactly,
    compare_values,
    where_they_differ,
    wrong_container,
)
from attnlab.checks.core import CheckResult, run_check
from attnlab.checks.mistakes import Mistake, cases, recognising
from attnlab.costs import pattern_bytes

_TRIANGLE_HINT = ("query i may see keys 0 … i — itself and the tokens before it: the lower triangle "
                  "INCLUDING the diagonal, np.tril(...).")


def compare_mask(got, expected) -> str | None:
    """The same True/False grid as ``expected``, as a bool array (0/1 numbers are refused: a mask of
    floats is easily mistaken for weights)."""
    if got is None:
        return "got None — did you forget to `return` the result?"
    container = wrong_container(got, expected)
    if container:
        return container
    arr = np.asarray(got)
    if arr.dtype != bool:
        return (f"expected a bool array (True = may attend), got dtype {arr.dtype}: np.ones(..., dtype=bool) "
                "or a comparison such as j <= i gives one")
    return where_they_differ(arr, expected) or compare_exact(arr, expected)


# --- the causal mask -------------------------------------------------------------------------------


def _ones(T):
    return np.ones((T, T), dtype=bool)


CAUSAL_MASK_MISTAKES = [
    Mistake("That is the mask inverted: True must mean 'may attend' — query i may see keys 0 … i "
            "(np.tril), and the future is False.", lambda T: ~np.tril(_ones(T))),
    Mistake("That leaves out the diagonal: a token may attend to itself — j ≤ i, np.tril(..., k=0).",
            lambda T: np.tril(_ones(T), k=-1)),
    Mistake("That is the upper triangle: row i is query i, and it sees the keys BEFORE it, j ≤ i — "
            "np.tril, not np.triu.", lambda T: np.triu(_ones(T))),
    Mistake("That lets every query see one key ahead: the diagonal is the last allowed key, "
            "np.tril(..., k=0).", lambda T: np.tril(_ones(T), k=1)),
    Mistake("That allows every key: a causal mask forbids the future, j > i.", _ones),
]
CAUSAL_MASK_CASES = cases(causal_mask, CAUSAL_MASK_MISTAKES, [
    ("3 tokens", (3,), _TRIANGLE_HINT),
    ("1 token", (1,), "a single token may see itself."),
    ("5 tokens", (5,), _TRIANGLE_HINT),
    ("64 tokens", (64,), _TRIANGLE_HINT),
], compare=compare_mask)


def check_causal_mask(fn) -> CheckResult:
    """Check ``causal_mask(T)``: bool ``(T, T)``, True where query i may attend key j (j ≤ i)."""
    return run_check("causal_mask", fn, CAUSAL_MASK_CASES, compare=recognising(compare_mask))


# --- the masked pattern ----------------------------------------------------------------------------

_BEFORE_HINT = ("set the forbidden scores to -inf BEFORE softmax (np.where(mask, scores, -np.inf)), so "
                "their weights are exactly 0 and each row still sums to 1.")


def _learners_softmax(s):
    """The stable softmax a learner writes: NaN (not an error) for a row of -inf."""
    e = np.exp(s - np.max(s, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _zero_then_renormalise(s, mask):
    p = _learners_softmax(s) * mask
    return p / p.sum(axis=-1, keepdims=True)


def _naive_softmax(s):
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


MASKED_PATTERN_MISTAKES = [
    Mistake("That zeroes the forbidden weights AFTER softmax, so the rows no longer sum to 1: set the "
            "forbidden SCORES to -inf before softmax (np.where(mask, scores, -np.inf)).",
            lambda s, mask: softmax(s) * mask),
    Mistake("That zeroes after softmax and renormalises: right on paper, but here the future key took "
            "all the weight, the allowed ones underflowed to 0, and 0 / 0 is NaN — mask the scores "
            "before softmax.", _zero_then_renormalise),
    Mistake("That hides the keys the mask ALLOWS: True = may attend — np.where(mask, scores, -np.inf).",
            lambda s, mask: _learners_softmax(np.where(mask, -np.inf, s))),
    Mistake("That multiplies the scores by the mask: a forbidden score becomes 0, which still gets "
            "weight — it must become -inf.", lambda s, mask: softmax(s * mask)),
    Mistake("That builds its own causal mask: use the mask you are given (it need not be causal).",
            lambda s, mask: softmax(apply_mask(s, causal_mask(s.shape[-1])))),
    Mistake("That overflows: exp(1000) is inf — subtract each row's maximum before exp (lesson 03).",
            lambda s, mask: _naive_softmax(apply_mask(s, mask))),
]


def _masked_rows():
    rng = np.random.default_rng(4)
    grid4 = rng.normal(size=(4, 4)) * 2
    future_giant = np.array([[0.0, 1000.0], [0.0, 1.0]])  # query 0's future key has a huge score
    return [
        ("3 × 3 scores of zeros, causal", (np.zeros((3, 3)), causal_mask(3)), _BEFORE_HINT),
        ("4 × 4 random scores, causal", (grid4, causal_mask(4)), _BEFORE_HINT),
        ("a future key with score 1000", (future_giant, causal_mask(2)), "mask before softmax."),
        ("a mask that is not causal", (grid4, np.array([[True, False, True, False]] * 4)),
         "use the mask you are given: True = may attend, False = score becomes -inf."),
        ("a batch of 2 grids, one mask", (np.stack([grid4, -grid4]), causal_mask(4)),
         "the mask (T, T) broadcasts over leading axes; softmax over the last axis."),
        ("huge scores the mask allows [[1000, 0], [999, 1000]]",
         (np.array([[1000.0, 0.0], [999.0, 1000.0]]), causal_mask(2)),
         "exp(1000) overflows: subtract each row's maximum before exp (lesson 03)."),
    ]


MASKED_PATTERN_CASES = cases(lambda s, m: softmax(apply_mask(s, m)), MASKED_PATTERN_MISTAKES, _masked_rows(),
                             compare=compare_values)


def check_masked_pattern(fn) -> CheckResult:
    """Check ``masked_pattern(scores, mask)``: ``(..., Tq, Tk)`` scores, bool mask (True = may
    attend) → the pattern, softmax over each row with the forbidden scores set to -inf first."""
    return run_check("masked_pattern", fn, MASKED_PATTERN_CASES, compare=recognising(compare_values))


# --- the size of a pattern -------------------------------------------------------------------------

_SQUARE_HINT = ("one weight for every (query, key) pair: context_length × context_length numbers, "
                "each np.dtype(dtype).itemsize bytes.")


def pattern_size(T, dtype):
    return pattern_bytes(T, itemsize=np.dtype(dtype).itemsize)


PATTERN_SIZE_MISTAKES = [
    Mistake("That is one row of the pattern: every query has a weight for EVERY key — T × T of them.",
            lambda T, dtype: T * np.dtype(dtype).itemsize),
    Mistake("That counts only the allowed half: the pattern is a full (T, T) array, the masked zeros "
            "stored too.", lambda T, dtype: T * (T + 1) // 2 * np.dtype(dtype).itemsize),
    Mistake("That is in bits: np.dtype(dtype).itemsize is already in bytes.",
            lambda T, dtype: T * T * np.dtype(dtype).itemsize * 8),
    Mistake("That counts numbers, not bytes: multiply by np.dtype(dtype).itemsize.", lambda T, dtype: T * T),
    Mistake("That ignores the dtype (8 bytes each): a float32 number takes 4 bytes, a float16 2 — "
            "np.dtype(dtype).itemsize.", lambda T, dtype: T * T * 8),
]
PATTERN_SIZE_CASES = cases(pattern_size, PATTERN_SIZE_MISTAKES, [
    ("1 token, float32", (1, "float32"), "a float32 number takes 4 bytes: np.dtype('float32').itemsize."),
    ("3 tokens, float64", (3, "float64"),
     "every query has a weight for every key, T × T of them — and the masked half is still stored."),
    ("1024 tokens, float32", (1024, "float32"), _SQUARE_HINT),
    ("2048 tokens, float16", (2048, "float16"), _SQUARE_HINT),
    ("131 072 tokens, float16", (131072, "float16"), _SQUARE_HINT),
], compare=compare_exact)


def check_pattern_size(fn) -> CheckResult:
    """Check ``pattern_size(context_length, dtype) -> int``: bytes of one head's ``(T, T)`` pattern."""
    return run_check("pattern_size", fn, PATTERN_SIZE_CASES, compare=recognising(compare_exactly))


CATALOGUES = {"causal_mask": (check_causal_mask, CAUSAL_MASK_MISTAKES),
              "masked_pattern": (check_masked_pattern, MASKED_PATTERN_MISTAKES),
              "pattern_size": (check_pattern_size, PATTERN_SIZE_MISTAKES)}
