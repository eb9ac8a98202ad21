"""The properties every check tests, whatever its catalogue: each with a wrong function that only
that property catches (its answers are right)."""

import numpy as np
import torch

from attnlab import checks
from attnlab.checks.calling import call
from attnlab.checks.core import Case


def _softmax_in_place(scores):
    scores -= np.max(scores, axis=-1, keepdims=True)  # the caller's array changes
    e = np.exp(scores)
    return e / e.sum(axis=-1, keepdims=True)


def test_a_function_that_changes_its_argument_in_place_fails_and_names_it():
    result = checks.check_stable_softmax(_softmax_in_place)
    assert not result.passed
    assert "changed its argument `scores` (entry [0] was 1, is now -2) in place" in result.line, result.line
    assert "`scores -= m`" in result.line and "Hint" not in result.line


def test_the_same_computation_into_a_new_array_passes():
    def softmax(scores):
        scores = scores - np.max(scores, axis=-1, keepdims=True)
        return np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)

    assert checks.check_stable_softmax(softmax).passed


def test_writing_minus_infinity_into_the_callers_scores_is_named():
    def masked_pattern(scores, mask):
        scores[..., ~mask] = -np.inf
        e = np.exp(scores - scores.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    line = checks.check_masked_pattern(masked_pattern).line
    assert line.startswith("❌") and "changed its argument `scores`" in line and "is now -inf" in line, line


def test_adding_into_the_embeddings_in_place_is_named():
    def update(E, pattern, W_down, W_up):
        E += pattern @ (E @ W_down) @ W_up
        return E

    assert "changed its argument `E`" in checks.check_update(update).line


def test_a_torch_tensor_changed_in_place_is_named():
    def residual_block(block, x):
        x += block.attn(block.ln_1(x))
        return x + block.mlp(block.ln_2(x))

    line = checks.check_residual_block(residual_block).line
    assert "changed its argument `x`" in line, line


def test_a_list_argument_emptied_is_named():
    def online_max_and_sum(blocks):
        m, s = -np.inf, 0.0
        while blocks:
            block = blocks.pop(0)
            m_new = max(m, np.max(block))
            s = s * np.exp(m - m_new) + np.sum(np.exp(block - m_new))
            m = m_new
        return m, s

    line = checks.check_online_max_and_sum(online_max_and_sum).line
    assert "changed its argument `blocks` (it had" in line, line


def test_a_model_the_function_is_given_may_change_and_a_plain_value_is_not_watched():
    model = torch.nn.Linear(2, 2)

    def step(model, k):
        with torch.no_grad():
            model.weight += 1  # a model is there to be changed (training does)
        return k

    assert call(step, Case("m", (model, 3))).kind == "value"
