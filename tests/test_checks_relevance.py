"""Lesson 02's checks pass the reference answers and fail plausible wrong ones with a useful line."""

import math

import numpy as np
import pytest

from attnlab.attention import attention_scores
from attnlab.checks import check_picked_keys, check_scaled_scores, check_score_grid


def stub(*args):
    raise NotImplementedError()


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_score_grid, lambda x, W_Q, W_K: (x @ W_Q) @ (x @ W_K).T),
    (check_score_grid, lambda x, W_Q, W_K: attention_scores(x @ W_Q, x @ W_K, scale=False)),
    (check_scaled_scores, lambda q, k: q @ k.T / math.sqrt(q.shape[-1])),
    (check_scaled_scores, attention_scores),
    (check_picked_keys, lambda s: np.argmax(s, axis=-1)),
    (check_picked_keys, lambda s: [int(np.argmax(row)) for row in s]),  # a list of ints is fine
]


@pytest.mark.parametrize("wrong, says", [
    (lambda x, W_Q, W_K: (x @ W_K) @ (x @ W_Q).T, "case 2 of 4 (5 tokens"),  # keys as rows
    (lambda x, W_Q, W_K: x @ x.T, "case 1 of 4"),  # forgot the projections
    (lambda x, W_Q, W_K: (x @ W_Q) @ (x @ W_Q).T, "case 1 of 4"),  # W_Q for both
    (lambda x, W_Q, W_K: (x @ W_Q) * (x @ W_K), "case 2 of 4"),  # element-wise, not a grid
    (lambda x, W_Q, W_K: attention_scores(x @ W_Q, x @ W_K), "case 2 of 4"),  # scaled too early
])
def test_score_grid_catches(wrong, says):
    result = check_score_grid(wrong)
    assert not result.passed
    assert says in result.line, result.line


@pytest.mark.parametrize("wrong, says", [
    (lambda q, k: q @ k.T, "case 1 of 4"),  # no scaling
    (lambda q, k: q @ k.T / q.shape[-1], "case 1 of 4"),  # by d_head, not its square root
    (lambda q, k: q @ k.T / math.sqrt(k.shape[0]), "case 1 of 4"),  # by the number of keys
    (lambda q, k: q @ k.T / math.sqrt(q.shape[0]), "case 1 of 4"),  # by the number of queries
    (lambda q, k: k @ q.T / math.sqrt(q.shape[-1]), "case 1 of 4"),  # transposed
])
def test_scaled_scores_catches(wrong, says):
    result = check_scaled_scores(wrong)
    assert not result.passed
    assert says in result.line, result.line
    assert "√d_head" in result.line or "shape" in result.line


@pytest.mark.parametrize("wrong, says", [
    (lambda s: np.argmax(s, axis=0), "case 1 of 5"),  # per key, not per query
    (lambda s: np.argmin(s, axis=-1), "case 1 of 5"),
    (lambda s: np.max(s, axis=-1), "expected whole numbers (indices)"),  # the score, not its index
    (lambda s: np.argmax(np.abs(s), axis=-1), "case 2 of 5"),  # the largest size, not value
    (lambda s: np.array([np.argmax(s)]), "case 2 of 5"),  # over the whole grid
])
def test_picked_keys_catches(wrong, says):
    result = check_picked_keys(wrong)
    assert not result.passed
    assert says in result.line, result.line
