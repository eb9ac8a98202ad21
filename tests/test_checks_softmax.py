"""Lesson 03's checks pass the reference answers and fail plausible wrong ones with a useful line."""

import math

import numpy as np
import pytest

from attnlab.attention import softmax
from attnlab.checks import check_attention_pattern, check_softmax_with_temperature, check_stable_softmax


def stub(*args):
    raise NotImplementedError()


# --- reference answers, written the way a learner would ---------------------------------------------


def stable_softmax(scores):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def attention_pattern(q, k):
    return stable_softmax(q @ k.T / math.sqrt(q.shape[-1]))


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_stable_softmax, stable_softmax),
    (check_stable_softmax, softmax),
    (check_softmax_with_temperature, lambda s, t: stable_softmax(s / t)),
    (check_softmax_with_temperature, lambda s, t: softmax(s, temperature=t)),
    (check_attention_pattern, attention_pattern),
]


# --- plausible wrong answers --------------------------------------------------------------------------


def naive_softmax(scores):
    e = np.exp(scores)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_over_columns(scores):
    e = np.exp(scores - np.max(scores, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def softmax_with_the_global_max(scores):
    e = np.exp(scores - np.max(scores))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_summing_everything(scores):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return e / np.sum(e)


@pytest.mark.parametrize("wrong, says", [
    (naive_softmax, "case 3 of 9 (huge scores [1000, 999, 998])"),
    (softmax_over_columns, "case 2 of 9 (a grid (2, 3): one softmax per row)"),
    (softmax_with_the_global_max, "case 7 of 9 (rows far apart"),
    (softmax_summing_everything, "case 2 of 9"),
    (lambda s: np.exp(s) / np.max(np.exp(s)), "case 1 of 9"),  # divided by the max, not the sum
    (lambda s: s / np.sum(s, axis=-1, keepdims=True), "case 1 of 9"),  # no exp at all
])
def test_stable_softmax_catches(wrong, says):
    result = check_stable_softmax(wrong)
    assert not result.passed
    assert says in repr(result), repr(result)
    assert "\n" not in result.line


def test_the_overflow_hint_names_the_fix():
    assert "subtract each row's maximum" in check_stable_softmax(naive_softmax).line
    assert "keepdims=True" in check_stable_softmax(softmax_over_columns).line


@pytest.mark.parametrize("wrong, says", [
    (lambda s, t: stable_softmax(s * t), "case 2 of 6 (temperature 0.5 sharpens)"),  # multiplied
    (lambda s, t: stable_softmax(s), "case 2 of 6"),  # ignored the temperature
    (lambda s, t: naive_softmax(s / t), "case 4 of 6 (temperature 0.01"),  # overflows at low t
    (lambda s, t: stable_softmax(s) / t, "case 2 of 6"),  # divided the weights, not the scores
    (lambda s, t: softmax_over_columns(s / t), "case 5 of 6 (rows (2, 3)"),
])
def test_softmax_with_temperature_catches(wrong, says):
    result = check_softmax_with_temperature(wrong)
    assert not result.passed
    assert says in repr(result), repr(result)


@pytest.mark.parametrize("wrong, says", [
    (lambda q, k: stable_softmax(q @ k.T), "case 2 of 4 (3 queries, 5 keys, d_k = 16)"),  # no √d_k
    (lambda q, k: stable_softmax(q @ k.T / q.shape[-1]), "case 2 of 4"),  # divided by d_k
    (lambda q, k: softmax_over_columns(q @ k.T / math.sqrt(q.shape[-1])), "case 1 of 4"),  # columns
    (lambda q, k: stable_softmax(k @ q.T / math.sqrt(q.shape[-1])), "case 1 of 4"),  # keys as rows
    (lambda q, k: naive_softmax(q @ k.T / math.sqrt(q.shape[-1])), "case 4 of 4 (large vectors"),
    (lambda q, k: q @ k.T / math.sqrt(q.shape[-1]), "case 1 of 4"),  # scores, no softmax
])
def test_attention_pattern_catches(wrong, says):
    result = check_attention_pattern(wrong)
    assert not result.passed
    assert says in repr(result), repr(result)


def test_the_pattern_hint_names_the_convention():
    line = check_attention_pattern(lambda q, k: softmax_over_columns(q @ k.T / math.sqrt(q.shape[-1]))).line
    assert "each ROW sums to 1" in line
