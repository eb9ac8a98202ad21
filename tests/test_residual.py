"""attnlab.models.residual: the step-by-step pass equals the model's own forward pass (the oracle)."""

import numpy as np
import pytest
import torch

from attnlab.checks.gpt import random_gpt  # large random weights: every step matters
from attnlab.models import corpus, residual
from attnlab.models.trained import load_tiny_gpt


@pytest.fixture(scope="module")
def gpt():
    return load_tiny_gpt()


@pytest.fixture(scope="module")
def rows():
    return corpus.lm_sequences(4, 20, seed=7, split="heldout")


@pytest.mark.parametrize("make", ["trained", "random"])
def test_the_trace_ends_in_the_models_logits_and_patterns(gpt, rows, make):
    model = gpt.model if make == "trained" else random_gpt()
    idx = torch.from_numpy(rows % model.config.vocab_size)[:, :model.config.context_length]
    t = residual.trace(model, idx)
    logits, patterns = model(idx, need_weights=True)
    L, H = model.config.n_layers, model.config.n_heads
    B, T = idx.shape
    assert t.steps[0] == "embeddings" and len(t.steps) == 2 * L + 1 == t.stream.shape[1]
    assert t.stream.shape == (B, 2 * L + 1, T, model.config.d_model)
    assert t.head_changes.shape == (B, L, H, T, model.config.d_model)
    np.testing.assert_allclose(t.logits, logits.numpy(), atol=2e-5, rtol=1e-4)
    np.testing.assert_allclose(t.patterns, torch.stack(patterns, dim=1).numpy(), atol=1e-6)


def test_each_step_adds_its_change(gpt, rows):
    t = residual.trace(gpt.model, rows[:, :-1])
    for layer in range(gpt.model.config.n_layers):
        before, after_attn, after_mlp = (t.stream[:, 2 * layer + i] for i in range(3))
        np.testing.assert_allclose(after_attn - before, t.head_changes[:, layer].sum(axis=1)
                                   + t.attention_bias[layer], atol=1e-5)
        np.testing.assert_allclose(after_mlp - after_attn, t.mlp_changes[:, layer], atol=1e-5)
    block = gpt.model.blocks[0]
    x = torch.from_numpy(t.stream[:, 0])
    np.testing.assert_allclose(t.stream[:, 2], block(x).numpy(), atol=1e-5)  # the block's own forward


def test_the_lens_on_the_last_step_is_the_models_softmax(gpt, rows):
    t = residual.trace(gpt.model, rows[:, :-1])
    probs = residual.logit_lens(gpt.model, t.stream[:, -1])  # (B, T, V)
    expected = gpt.model(torch.from_numpy(rows[:, :-1])).double().softmax(-1).numpy()
    np.testing.assert_allclose(probs, expected, atol=1e-5)
    np.testing.assert_allclose(probs.sum(-1), 1.0)
    hot = residual.logit_lens(gpt.model, t.stream[:, -1], temperature=0.5)
    assert (hot.max(-1) >= probs.max(-1) - 1e-12).all()  # a low temperature sharpens


def test_knocking_out_a_head_changes_only_what_comes_after_it(gpt, rows):
    full = residual.trace(gpt.model, rows[:, :-1])
    out = residual.trace(gpt.model, rows[:, :-1], skip_heads=[(1, 2)])
    np.testing.assert_array_equal(out.stream[:, :3], full.stream[:, :3])  # up to layer 1's attention
    np.testing.assert_allclose(out.stream[:, 3], full.stream[:, 3] - full.head_changes[:, 1, 2], atol=1e-5)
    assert not np.allclose(out.logits, full.logits)


@pytest.mark.parametrize("call, message", [
    (lambda m: residual.trace("gpt", [[1, 2]]), "TinyGPT"),
    (lambda m: residual.trace(m, [1, 2]), "(B, T)"),
    (lambda m: residual.trace(m, [[1, 99]]), "vocabulary"),
    (lambda m: residual.trace(m, [[1, 2]], skip_heads=[(0, 9)]), "skip_heads"),
    (lambda m: residual.trace(m, [[1, 2]], skip_heads=[0]), "skip_heads"),
    (lambda m: residual.logit_lens(m, np.zeros((2, 5))), "d_model=32"),
    (lambda m: residual.logit_lens(m, np.zeros(32), temperature=0), "temperature"),
])
def test_bad_input_is_a_clear_value_error(gpt, call, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(gpt.model)
