"""Checks for ``11_attention_at_scale``: the pattern's bytes, the online softmax, the value map's
parameters."""

from __future__ import annotations

import numpy as np

from attnlab.checks.core import Case, CheckResult, compare_arrays, compare_exact, run_check
from attnlab.costs import pattern_bytes, value_map_parameters
from attnlab.efficient import online_softmax_update

# --- the pattern's bytes ---------------------------------------------------------------------------

PATTERN_BYTES_CASES = [
    Case("1 token, 1 head, float32", (1, 1, 4), expected=4,
         hint="one query and one key make a pattern of 1 × 1 weight."),
    Case("T = 1024, 1 head, float32", (1024, 1, 4), expected=pattern_bytes(1024, itemsize=4),
         hint="every query has one weight for every key: T × T weights."),
    Case("T = 3, 2 heads, float64", (3, 2, 8), expected=pattern_bytes(3, n_heads=2, itemsize=8),
         hint="each head has its own pattern."),
    Case("GPT-3: T = 2048, 96 heads, float16", (2048, 96, 2),
         expected=pattern_bytes(2048, n_heads=96, itemsize=2)),
    Case("T = 100 000, 1 head, float16", (100_000, 1, 2), expected=pattern_bytes(100_000, itemsize=2),
         hint="T × T × heads × bytes per number."),
]


def check_pattern_bytes(fn) -> CheckResult:
    """Check ``pattern_bytes(context_length, n_heads, bytes_per_number) -> int``."""
    return run_check("pattern_bytes", fn, PATTERN_BYTES_CASES, compare=compare_exact)


# --- the online softmax over a stream of blocks ----------------------------------------------------


def _max_and_sum(blocks):
    scores = np.concatenate(blocks)
    m = np.max(scores)
    return np.array([m, np.sum(np.exp(scores - m))])


_STREAMS = [
    ("one block [1, 2, 3]", [[1.0, 2.0, 3.0]], ""),
    ("the max grows: [0, 1] then [5, 2]", [[0.0, 1.0], [5.0, 2.0]],
     "when a block brings a new max, the sum so far was made with the old max: multiply it by "
     "exp(old max - new max)."),
    ("the max shrinks: [5] then [0, 1]", [[5.0], [0.0, 1.0]],
     "a block whose scores are all below the max adds exp(score - max) and changes nothing else."),
    ("huge scores [1000] then [1001, 999]", [[1000.0], [1001.0, 999.0]],
     "exp(1000) overflows: only ever take exp of (score - running max), which is ≤ 0."),
    ("masked scores [-inf, 0] then [2, -inf]", [[-np.inf, 0.0], [2.0, -np.inf]],
     "a masked score (-inf) contributes exp(-inf) = 0."),
    ("five blocks of one score", [[0.5], [3.0], [-1.0], [3.5], [2.0]], ""),
]
ONLINE_MAX_AND_SUM_CASES = [
    Case(label, ([np.array(b) for b in blocks],), expected=_max_and_sum([np.array(b) for b in blocks]),
         hint=hint)
    for label, blocks, hint in _STREAMS
]


def check_online_max_and_sum(fn) -> CheckResult:
    """Check ``online_max_and_sum(blocks) -> (m, s)``: the max of all scores and Σ exp(score - m)."""
    return run_check("online_max_and_sum", fn, ONLINE_MAX_AND_SUM_CASES)


# --- one block of the online-softmax attention -----------------------------------------------------

STATE_NAMES = ("the running max m", "the running sum denom", "the running numerator numer")


def compare_state(got, expected) -> str | None:
    """Compare ``(m, denom, numer)`` with the expected triple, naming the first part that differs."""
    if not isinstance(got, tuple | list) or len(got) != 3:
        return f"expected a tuple (m, denom, numer), got {type(got).__name__}"
    for name, g, e in zip(STATE_NAMES, got, expected, strict=True):
        problem = compare_arrays(g, e, rtol=1e-7, atol=1e-9)
        if problem is not None:
            return f"{name}: {problem}"
    return None


def _block_cases():
    rng = np.random.default_rng(10)
    scores = rng.normal(size=(3, 8)) * 2  # (bq, Tk): 3 queries, 8 keys in blocks of 4
    scores[0, 5] = 9.0  # query 0 finds a much larger score in the second block
    v = rng.normal(size=(8, 2))  # (Tk, d_v)
    start = (np.full((3, 1), -np.inf), np.zeros((3, 1)), np.zeros((3, 2)))
    after_one = online_softmax_update(*start, scores[:, :4], v[:4])
    masked = scores[:, 4:].copy()
    masked[1, :3] = -np.inf
    cases = [
        ("the first block (m = -inf, denom = 0, numer = 0)", start, scores[:, :4], v[:4],
         "on the first block exp(m - m_new) = exp(-inf) = 0: nothing to rescale yet."),
        ("the second block, one query's max jumps to 9", after_one, scores[:, 4:], v[4:],
         "multiply denom AND numer by exp(m - m_new) before adding this block's part."),
        ("the second block with masked scores (-inf)", after_one, masked, v[4:],
         "exp(-inf - m_new) = 0: a masked key adds nothing."),
        ("one query, one key", (np.array([[1.0]]), np.array([[1.0]]), np.array([[2.0, 0.0]])),
         np.array([[3.0]]), np.array([[0.0, 4.0]]), "the new max is 3: rescale by exp(1 - 3)."),
    ]
    return [Case(label, (*state, s, vb), expected=online_softmax_update(*state, s, vb), hint=hint)
            for label, state, s, vb, hint in cases]


BLOCK_UPDATE_CASES = _block_cases()


def check_block_update(fn) -> CheckResult:
    """Check ``block_update(m, denom, numer, scores, v_block) -> (m, denom, numer)``, one block of the
    online softmax (shapes (bq, 1), (bq, 1), (bq, d_v), (bq, bk), (bk, d_v))."""
    return run_check("block_update", fn, BLOCK_UPDATE_CASES, compare=compare_state)


# --- the value map's parameters ---------------------------------------------------------------------

VALUE_MAP_CASES = [
    Case("GPT-3, one square value matrix", (12288, 128, False),
         expected=value_map_parameters(12288, 128, factored=False),
         hint="a square d_model × d_model matrix."),
    Case("GPT-3, factored", (12288, 128, True), expected=value_map_parameters(12288, 128),
         hint="value-down is d_model × d_head, value-up is d_head × d_model: count both."),
    Case("d_model = 768, d_head = 64, factored", (768, 64, True), expected=value_map_parameters(768, 64)),
    Case("d_model = 4, d_head = 4, factored", (4, 4, True), expected=value_map_parameters(4, 4),
         hint="with d_head = d_model, factoring doubles the count."),
    Case("d_model = 1, square", (1, 1, False), expected=1),
]


def check_value_map_parameters(fn) -> CheckResult:
    """Check ``value_map_parameters(d_model, d_head, factored) -> int``."""
    return run_check("value_map_parameters", fn, VALUE_MAP_CASES, compare=compare_exact)
