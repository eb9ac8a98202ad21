"""Checks for ``04_masking``: the causal mask, the masked pattern, the size of a pattern.

Expected answers come from :mod:`attnlab.attention` and :func:`attnlab.costs.pattern_bytes`.
"""

from __future__ import annotations

import numpy as np

from attnlab.attention import apply_mask, causal_mask, softmax
from attnlab.checks.core import Case, CheckResult, compare_exact, run_check
from attnlab.costs import pattern_bytes

_TRIANGLE_HINT = ("query i may see keys 0 … i — itself and the tokens before it: the lower triangle "
                  "INCLUDING the diagonal, np.tril(...).")


def compare_mask(got, expected) -> str | None:
    """The same True/False grid as ``expected``, as a bool array (0/1 numbers are refused: a mask of
    floats is easily mistaken for weights)."""
    if got is None:
        return "got None — did you forget to `return` the result?"
    arr = np.asarray(got)
    if arr.dtype != bool:
        return (f"expected a bool array (True = may attend), got dtype {arr.dtype}: np.ones(..., dtype=bool) "
                "or a comparison such as j <= i gives one")
    return compare_exact(arr, expected)


CAUSAL_MASK_CASES = [
    Case("1 token", (1,), expected=causal_mask(1), hint="a single token may see itself."),
    Case("3 tokens", (3,), expected=causal_mask(3), hint=_TRIANGLE_HINT),
    Case("5 tokens", (5,), expected=causal_mask(5), hint=_TRIANGLE_HINT),
    Case("64 tokens", (64,), expected=causal_mask(64), hint=_TRIANGLE_HINT),
]


def check_causal_mask(fn) -> CheckResult:
    """Check ``causal_mask(T)``: bool ``(T, T)``, True where query i may attend key j (j ≤ i)."""
    return run_check("causal_mask", fn, CAUSAL_MASK_CASES, compare=compare_mask)


_BEFORE_HINT = ("set the forbidden scores to -inf BEFORE softmax (np.where(mask, scores, -np.inf)), so "
                "their weights are exactly 0 and each row still sums to 1.")


def _masked_cases():
    rng = np.random.default_rng(4)
    grid4 = rng.normal(size=(4, 4)) * 2
    future_giant = np.array([[0.0, 1000.0], [0.0, 1.0]])  # query 0's future key has a huge score
    cases = [
        ("3 × 3 scores of zeros, causal", np.zeros((3, 3)), causal_mask(3), _BEFORE_HINT),
        ("4 × 4 random scores, causal", grid4, causal_mask(4), _BEFORE_HINT),
        ("a future key with score 1000", future_giant, causal_mask(2),
         "zeroing after softmax and then renormalising fails here: the future key took all the weight, "
         "the allowed ones underflowed to 0, and 0/0 is NaN. Mask before softmax."),
        ("a mask that is not causal", grid4, np.array([[True, False, True, False]] * 4),
         "use the mask you are given: True = may attend, False = score becomes -inf."),
        ("a batch of 2 grids, one mask", np.stack([grid4, -grid4]), causal_mask(4),
         "the mask (T, T) broadcasts over leading axes; softmax over the last axis."),
        ("huge scores the mask allows [[1000, 0], [999, 1000]]", np.array([[1000.0, 0.0], [999.0, 1000.0]]),
         causal_mask(2), "exp(1000) overflows: subtract each row's maximum before exp (lesson 03)."),
    ]
    return [Case(label, (s, m), expected=softmax(apply_mask(s, m)), hint=hint) for label, s, m, hint in cases]


MASKED_PATTERN_CASES = _masked_cases()


def check_masked_pattern(fn) -> CheckResult:
    """Check ``masked_pattern(scores, mask)``: ``(..., Tq, Tk)`` scores, bool mask (True = may
    attend) → the pattern, softmax over each row with the forbidden scores set to -inf first."""
    return run_check("masked_pattern", fn, MASKED_PATTERN_CASES)


_SQUARE_HINT = ("one weight for every (query, key) pair: context_length × context_length numbers, "
                "each np.dtype(dtype).itemsize bytes.")

PATTERN_SIZE_CASES = [
    Case("1 token, float32", (1, "float32"), expected=pattern_bytes(1, itemsize=4),
         hint="a float32 number takes 4 bytes: np.dtype('float32').itemsize."),
    Case("3 tokens, float64", (3, "float64"), expected=pattern_bytes(3, itemsize=8),
         hint="every query has a weight for every key, T × T of them — and the masked half is still "
              "stored: the pattern is a full (T, T) array, zeros included."),
    Case("1024 tokens, float32", (1024, "float32"), expected=pattern_bytes(1024, itemsize=4),
         hint=_SQUARE_HINT),
    Case("2048 tokens, float16", (2048, "float16"), expected=pattern_bytes(2048, itemsize=2),
         hint=_SQUARE_HINT),
    Case("131 072 tokens, float16", (131072, "float16"), expected=pattern_bytes(131072, itemsize=2),
         hint=_SQUARE_HINT),
]


def check_pattern_size(fn) -> CheckResult:
    """Check ``pattern_size(context_length, dtype) -> int``: bytes of one head's ``(T, T)`` pattern."""
    return run_check("pattern_size", fn, PATTERN_SIZE_CASES, compare=compare_exact)
