"""Checks for ``03_softmax``: a stable softmax, temperature, and the attention pattern.

Every expected answer comes from the reference :func:`attnlab.attention.softmax`.
"""

from __future__ import annotations

import numpy as np

from attnlab.attention import attention_pattern, softmax
from attnlab.checks.core import Case, CheckResult, run_check

_MAX_HINT = ("exp of a large score overflows to inf (and inf / inf is NaN): subtract each row's "
             "maximum before exp — softmax does not change when every score moves by the same amount.")
_ROW_HINT = ("take the max and the sum over the LAST axis (each query's row), with keepdims=True so "
             "they broadcast back: np.max(scores, axis=-1, keepdims=True).")


def _softmax_cases():
    grid = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])  # (2, 3): two queries, three keys
    cases = [
        ("three scores [1, 2, 3]", np.array([1.0, 2.0, 3.0]),
         "exp each score, then divide by the sum of those exps."),
        ("a grid (2, 3): one softmax per row", grid, _ROW_HINT),
        ("huge scores [1000, 999, 998]", np.array([1000.0, 999.0, 998.0]), _MAX_HINT),
        ("very negative scores [-1000, -1001]", np.array([-1000.0, -1001.0]),
         "exp(-1000) underflows to 0, and 0 / 0 is NaN: subtract the maximum first."),
        ("a masked score [0, -inf, 1]", np.array([0.0, -np.inf, 1.0]),
         "exp(-inf) is 0: a masked key gets weight 0, nothing special is needed."),
        ("rows far apart [[0, 1], [2000, 2001]]", np.array([[0.0, 1.0], [2000.0, 2001.0]]),
         "subtract each ROW's own maximum (keepdims=True), not the maximum of the whole grid."),
        ("a single score [5]", np.array([5.0]), "one score gets all the weight: 1."),
        ("a batch of two grids (2, 2, 3)", np.stack([grid, grid[::-1] * 2]), _ROW_HINT),
    ]
    return [Case(label, (x,), expected=softmax(x), hint=hint) for label, x, hint in cases]


SOFTMAX_CASES = _softmax_cases()
# The later exercises may call the learner's stable_softmax: the course's stands in if it is wrong.
HELPERS = {"stable_softmax": softmax}


def check_stable_softmax(fn) -> CheckResult:
    """Check ``stable_softmax(scores)``: softmax along the last axis, for any shape, without overflow."""
    return run_check("stable_softmax", fn, SOFTMAX_CASES)


def _temperature_cases():
    scores = np.array([2.0, 1.0, 0.0, -1.0])
    cases = [
        ("temperature 1: plain softmax", scores, 1.0, "at t = 1 nothing changes."),
        ("temperature 0.5 sharpens", scores, 0.5,
         "DIVIDE the scores by the temperature before softmax: a small t makes differences larger."),
        ("temperature 10 flattens", scores, 10.0, "scores / 10 are close together: nearly uniform."),
        ("temperature 0.01 on [10, 9]: almost one-hot", np.array([10.0, 9.0]), 0.01,
         "scores / 0.01 are [1000, 900]: subtract the maximum after dividing, before exp."),
        ("rows (2, 3) at temperature 3", np.array([[3.0, 0.0, -3.0], [1.0, 1.0, 4.0]]), 3.0, _ROW_HINT),
    ]
    return [Case(label, (x, t), expected=softmax(x, temperature=t), hint=hint)
            for label, x, t, hint in cases]


TEMPERATURE_CASES = _temperature_cases()


def check_softmax_with_temperature(fn) -> CheckResult:
    """Check ``softmax_with_temperature(scores, temperature)``: softmax of scores / temperature."""
    return run_check("softmax_with_temperature", fn, TEMPERATURE_CASES, helpers=HELPERS)


def _pattern_cases():
    rng = np.random.default_rng(3)
    q3, k5 = rng.normal(size=(3, 16)), rng.normal(size=(5, 16))  # 3 queries, 5 keys, d_k = 16
    q4, k4 = rng.normal(size=(4, 4)) * 3, rng.normal(size=(4, 4)) * 3
    cases = [
        ("one query, two keys, d_k = 1", np.array([[1.0]]), np.array([[1.0], [-1.0]]),
         "scores = q @ k.T has one row per query; softmax each row (axis=-1), so each ROW sums to 1."),
        ("3 queries, 5 keys, d_k = 16", q3, k5,
         "rows = queries: the pattern is (Tq, Tk) = (3, 5), q @ k.T, and each ROW sums to 1."),
        ("4 queries, 4 keys, d_k = 4", q4, k4,
         "divide the scores by √d_k = √(q.shape[-1]) before softmax, and softmax each row (axis=-1) — "
         "in this course row i is query i, so rows sum to 1 (3Blue1Brown's columns)."),
        ("large vectors: scores in the hundreds", q4 * 20, k4 * 20, _MAX_HINT),
    ]
    return [Case(label, (q, k), expected=attention_pattern(q, k), hint=hint) for label, q, k, hint in cases]


PATTERN_CASES = _pattern_cases()


def check_attention_pattern(fn) -> CheckResult:
    """Check ``attention_pattern(q, k)``: softmax(q kᵀ / √d_k), rows = queries, each summing to 1."""
    return run_check("attention_pattern", fn, PATTERN_CASES, helpers=HELPERS)
