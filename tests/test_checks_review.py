"""Lesson 13's check passes the reference and fails plausible wrong answers with a useful line."""

import numpy as np
import pytest
import torch

from attnlab.attention import causal_mask, softmax
from attnlab.checks import check_head_update
from attnlab.checks.review import HEAD_UPDATE_CASES
from attnlab.multihead import head_update


def by_hand(x, W_Q, W_K, W_V_down, W_V_up, causal=True):
    """How a learner writes it, from scratch."""
    scores = (x @ W_Q) @ (x @ W_K).T / np.sqrt(W_Q.shape[1])
    if causal:
        scores = np.where(causal_mask(len(x)), scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    return x + weights @ (x @ W_V_down) @ W_V_up


def test_the_reference_agrees_with_torch():
    for case in HEAD_UPDATE_CASES:
        x, W_Q, W_K, W_V_down, W_V_up, causal = (torch.as_tensor(a) if isinstance(a, np.ndarray) else a
                                                  for a in case.args)
        delta = torch.nn.functional.scaled_dot_product_attention(x @ W_Q, x @ W_K, x @ W_V_down,
                                                                 is_causal=causal)
        np.testing.assert_allclose(case.expected.right, (x + delta @ W_V_up).numpy(), rtol=1e-10, atol=1e-10)


REFERENCE_ANSWERS = [(check_head_update, head_update), (check_head_update, by_hand)]


def only_the_change(x, *weights):
    return by_hand(x, *weights) - x


def no_scaling(x, W_Q, W_K, W_V_down, W_V_up, causal=True):
    return by_hand(x, W_Q * np.sqrt(W_Q.shape[1]), W_K, W_V_down, W_V_up, causal)


def scaled_by_d_model(x, W_Q, W_K, W_V_down, W_V_up, causal=True):
    return by_hand(x, W_Q * np.sqrt(W_Q.shape[1] / x.shape[1]), W_K, W_V_down, W_V_up, causal)


def softmax_over_queries(x, W_Q, W_K, W_V_down, W_V_up, causal=True):
    scores = (x @ W_Q) @ (x @ W_K).T / np.sqrt(W_Q.shape[1])
    if causal:
        scores = np.where(causal_mask(len(x)), scores, -np.inf)
    return x + softmax(scores, axis=0) @ (x @ W_V_down) @ W_V_up


def zeroed_after_softmax(x, W_Q, W_K, W_V_down, W_V_up, causal=True):
    weights = softmax((x @ W_Q) @ (x @ W_K).T / np.sqrt(W_Q.shape[1]))
    if causal:
        weights = weights * causal_mask(len(x))
    return x + weights @ (x @ W_V_down) @ W_V_up


def naive_exp(x, W_Q, W_K, W_V_down, W_V_up, causal=True):
    scores = (x @ W_Q) @ (x @ W_K).T / np.sqrt(W_Q.shape[1])
    if causal:
        scores = np.where(causal_mask(len(x)), scores, -np.inf)
    weights = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return x + weights @ (x @ W_V_down) @ W_V_up


@pytest.mark.parametrize("wrong, says", [
    (only_the_change, "case 1 of 6 (4 tokens, d_model 6, d_head 3, causal): every entry differs, the first "
                      "at [0, 0]: got -0.166432, expected -0.0407022. That is only the change"),
    (lambda x, *w: by_hand(x, *w[:4], causal=False), "case 1 of 6"),  # ignores the mask
    (lambda x, *w: by_hand(x, *w[:4], causal=False), "That ignores causal=True"),
    (no_scaling, "That skips the scale"),
    (scaled_by_d_model, "That scales by √d_model"),
    (softmax_over_queries, "case 1 of 6"),
    (zeroed_after_softmax, "That zeroes the future weights AFTER softmax"),
    (naive_exp, "case 5 of 6 (large embeddings"),
    (lambda x, *w: by_hand(x, *w)[:, :2], "expected shape"),
])
def test_plausible_wrong_answers_fail(wrong, says):
    result = check_head_update(wrong)
    assert not result.passed and says in result.line, result.line
    assert "Hint:" in repr(result) or "shape" in result.line or "That " in result.line
