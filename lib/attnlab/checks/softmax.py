"""Checks for ``03_softmax``: a stable softmax, temperature, and the attention pattern.

Every expected answer comes from the reference :func:`attnlab.attention.softmax`; each exercise's
usual mistakes are catalogued below (:mod:`attnlab.checks.mistakes`) and named when a learner makes one.
"""

from __future__ import annotations

import math

import numpy as np

from attnlab.attention import attention_pattern, softmax
from attnlab.checks.compare import compare_values
from attnlab.checks.core import CheckResult, run_check
from attnlab.checks.mistakes import Mistake, cases, recognising

_ROW_HINT = ("take the max and the sum over the LAST axis (each query's row), with keepdims=True so "
             "they broadcast back: np.max(scores, axis=-1, keepdims=True).")


def naive_softmax(scores, axis=-1):
    """exp, then divide by the sum — without subtracting the maximum (overflows for large scores)."""
    e = np.exp(scores)
    return e / np.sum(e, axis=axis, keepdims=True)


def _column_softmax(scores):
    return softmax(scores, axis=0)


# --- a stable softmax ------------------------------------------------------------------------------

_OVERFLOW = ("That is softmax without subtracting the maximum: exp(1000) overflows to inf, and inf / inf "
             "is NaN — subtract each row's maximum before exp (a shift changes no weight).")
STABLE_SOFTMAX_MISTAKES = [
    Mistake(_OVERFLOW, naive_softmax),
    Mistake("That is a softmax over each COLUMN (axis=0): each query's ROW must sum to 1 — max and sum "
            "over axis=-1, with keepdims=True.", _column_softmax),
    Mistake("That divides by the sum over the whole array: each ROW must sum to 1 — sum over axis=-1 "
            "with keepdims=True.",
            lambda s: np.exp(s - np.max(s, axis=-1, keepdims=True))
            / np.sum(np.exp(s - np.max(s, axis=-1, keepdims=True)))),
    Mistake("That subtracts the maximum of the whole grid: a row far below it underflows to 0 / 0 — "
            "subtract each ROW's own maximum (np.max(scores, axis=-1, keepdims=True)).",
            lambda s: np.exp(s - np.max(s)) / np.sum(np.exp(s - np.max(s)), axis=-1, keepdims=True)),
    Mistake("That divides by the largest exp: divide by the SUM of the exps, so the weights add up to 1.",
            lambda s: np.exp(s - np.max(s, axis=-1, keepdims=True))
            / np.max(np.exp(s - np.max(s, axis=-1, keepdims=True)), axis=-1, keepdims=True)),
    Mistake("That normalises the scores without exp: exp each score first — exp makes every weight "
            "positive.", lambda s: s / np.sum(s, axis=-1, keepdims=True)),
]


def _softmax_rows():
    grid = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])  # (2, 3): two queries, three keys
    return [
        ("three scores [1, 2, 3]", (np.array([1.0, 2.0, 3.0]),),
         "exp each score, then divide by the sum of those exps."),
        ("a grid (2, 3): one softmax per row", (grid,), _ROW_HINT),
        ("huge scores [1000, 999, 998]", (np.array([1000.0, 999.0, 998.0]),),
         "subtract the maximum before exp."),
        ("large scores [500, 499, 498] (exp(500) fits in a float, exp(1000) does not)",
         (np.array([500.0, 499.0, 498.0]),), "subtract the maximum before exp: a shift changes no weight."),
        ("very negative scores [-1000, -1001]", (np.array([-1000.0, -1001.0]),),
         "exp(-1000) underflows to 0, and 0 / 0 is NaN: subtract the maximum first."),
        ("a masked score [0, -inf, 1]", (np.array([0.0, -np.inf, 1.0]),),
         "exp(-inf) is 0: a masked key gets weight 0, nothing special is needed."),
        ("rows far apart [[0, 1], [2000, 2001]]", (np.array([[0.0, 1.0], [2000.0, 2001.0]]),),
         "subtract each ROW's own maximum (keepdims=True), not the maximum of the whole grid."),
        ("a single score [5]", (np.array([5.0]),), "one score gets all the weight: 1."),
        ("a batch of two grids (2, 2, 3)", (np.stack([grid, grid[::-1] * 2]),), _ROW_HINT),
    ]


SOFTMAX_CASES = cases(softmax, STABLE_SOFTMAX_MISTAKES, _softmax_rows(), compare=compare_values)
# The later exercises may call the learner's stable_softmax: the course's stands in if it is wrong.
HELPERS = {"stable_softmax": softmax}


def check_stable_softmax(fn) -> CheckResult:
    """Check ``stable_softmax(scores)``: softmax along the last axis, for any shape, without overflow."""
    return run_check("stable_softmax", fn, SOFTMAX_CASES, compare=recognising(compare_values))


# --- temperature -----------------------------------------------------------------------------------

TEMPERATURE_MISTAKES = [
    Mistake("That multiplies the scores by the temperature: DIVIDE them, softmax(scores / temperature) "
            "— a small t sharpens, a large one flattens.", lambda s, t: softmax(s * t)),
    Mistake("That ignores the temperature: softmax(scores / temperature).", lambda s, t: softmax(s)),
    Mistake("That divides the weights, not the scores: divide the scores by t BEFORE softmax, so the "
            "weights still sum to 1.", lambda s, t: softmax(s) / t),
    Mistake("That overflows at a low temperature: scores / 0.01 are in the thousands — subtract the "
            "maximum before exp (before or after dividing by t: both work, since max(s / t) = max(s) / t).",
            lambda s, t: naive_softmax(s / t)),
    Mistake("That is a softmax over each COLUMN: each ROW must sum to 1 (axis=-1).",
            lambda s, t: _column_softmax(s / t)),
]


def _temperature_rows():
    scores = np.array([2.0, 1.0, 0.0, -1.0])
    return [
        ("temperature 1: plain softmax", (scores, 1.0), "at t = 1 nothing changes."),
        ("temperature 0.5 sharpens", (scores, 0.5),
         "DIVIDE the scores by the temperature before softmax: a small t makes differences larger."),
        ("temperature 10 flattens", (scores, 10.0), "scores / 10 are close together: nearly uniform."),
        ("temperature 0.01 on [10, 9]: almost one-hot", (np.array([10.0, 9.0]), 0.01),
         "scores / 0.01 are [1000, 900]: subtract the maximum before exp."),
        ("rows (2, 3) at temperature 3", (np.array([[3.0, 0.0, -3.0], [1.0, 1.0, 4.0]]), 3.0), _ROW_HINT),
        ("temperature 100 on [0, -800]: exp(-800) underflows to 0, exp(-800 / 100) does not",
         (np.array([0.0, -800.0]), 100.0),
         "divide the scores by t first, then exp: exp(s - max) ** (1 / t) is the same number only on "
         "paper — exp(-800) is already 0 before the power."),
    ]


TEMPERATURE_CASES = cases(lambda s, t: softmax(s, temperature=t), TEMPERATURE_MISTAKES, _temperature_rows(),
                          compare=compare_values)


def check_softmax_with_temperature(fn) -> CheckResult:
    """Check ``softmax_with_temperature(scores, temperature)``: softmax of scores / temperature."""
    return run_check("softmax_with_temperature", fn, TEMPERATURE_CASES, compare=recognising(compare_values),
                     helpers=HELPERS)


# --- the attention pattern -------------------------------------------------------------------------


ATTENTION_PATTERN_MISTAKES = [
    Mistake("That skips the scale: divide the scores by √d_k = √(q.shape[-1]) before softmax.",
            lambda q, k: softmax(q @ k.T)),
    Mistake("That divides the scores by d_k: divide by its square root, √d_k = √(q.shape[-1]).",
            lambda q, k: softmax(q @ k.T / q.shape[-1])),
    Mistake("That divides by √(number of keys): the scale is √d_k, the length of one query.",
            lambda q, k: softmax(q @ k.T / math.sqrt(len(k)))),
    Mistake("That is a softmax over each COLUMN: in this course row i is query i, so softmax each row "
            "(axis=-1) and each ROW sums to 1 (3Blue1Brown draws queries as columns).",
            lambda q, k: _column_softmax(q @ k.T / math.sqrt(q.shape[-1]))),
    Mistake("That is the keys' grid against the queries (k @ q.T): rows are queries — q @ k.T.",
            lambda q, k: softmax(k @ q.T / math.sqrt(q.shape[-1]))),
    Mistake("Those are the scaled scores themselves: softmax each row to turn them into weights.",
            lambda q, k: q @ k.T / math.sqrt(q.shape[-1])),
    Mistake("That scales the weights after softmax: divide the SCORES by √d_k, then softmax.",
            lambda q, k: softmax(q @ k.T) / math.sqrt(q.shape[-1])),
    Mistake(_OVERFLOW, lambda q, k: naive_softmax(q @ k.T / math.sqrt(q.shape[-1]))),
]


def _pattern_rows():
    rng = np.random.default_rng(3)
    q3, k5 = rng.normal(size=(3, 16)), rng.normal(size=(5, 16))  # 3 queries, 5 keys, d_k = 16
    q4, k4 = rng.normal(size=(4, 4)) * 3, rng.normal(size=(4, 4)) * 3
    return [
        ("one query, two keys, d_k = 1", (np.array([[1.0]]), np.array([[1.0], [-1.0]])),
         "scores = q @ k.T has one row per query; softmax each row (axis=-1), so each ROW sums to 1."),
        ("3 queries, 5 keys, d_k = 16", (q3, k5),
         "the pattern is (Tq, Tk) = (3, 5): softmax(q @ k.T / √d_k)."),
        ("4 queries, 4 keys, d_k = 4", (q4, k4), "divide the scores by √d_k, then softmax each row."),
        ("large vectors: scores in the hundreds", (q4 * 20, k4 * 20),
         "subtract each row's maximum before exp."),
    ]


PATTERN_CASES = cases(attention_pattern, ATTENTION_PATTERN_MISTAKES, _pattern_rows(), compare=compare_values)


def check_attention_pattern(fn) -> CheckResult:
    """Check ``attention_pattern(q, k)``: softmax(q kᵀ / √d_k), rows = queries, each summing to 1."""
    return run_check("attention_pattern", fn, PATTERN_CASES, compare=recognising(compare_values),
                     helpers=HELPERS)


CATALOGUES = {"stable_softmax": (check_stable_softmax, STABLE_SOFTMAX_MISTAKES),
              "softmax_with_temperature": (check_softmax_with_temperature, TEMPERATURE_MISTAKES),
              "attention_pattern": (check_attention_pattern, ATTENTION_PATTERN_MISTAKES)}
