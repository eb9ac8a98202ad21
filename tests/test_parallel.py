"""Heads in a loop = heads batched = torch's multi-head attention; the RNN = torch's RNN."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from attnlab.parallel import example_layer, heads_batched, heads_in_a_loop, rnn_states, stack_heads


def random_heads(seed, n_tokens=7, d_model=12, n_heads=3, d_head=4):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_tokens, d_model))
    maps = [rng.normal(size=(n_heads, d_model, d_head)) for _ in range(3)]
    W_V_up = rng.normal(size=(n_heads, d_head, d_model))
    return x, maps, W_V_up


@pytest.mark.parametrize("causal", [False, True])
def test_loop_and_batched_heads_equal_torch_multi_head_attention(causal):
    x, (W_Q, W_K, W_V_down), W_V_up = random_heads(0)
    W_QKV, W_O = stack_heads(W_Q, W_K, W_V_down, W_V_up)
    loop = heads_in_a_loop(x, W_Q, W_K, W_V_down, W_V_up, causal=causal)
    batched = heads_batched(x, W_QKV, W_O, n_heads=3, causal=causal)
    xt = torch.from_numpy(x)[:, None, :]  # (T, batch=1, d_model), torch's default layout
    mask = torch.ones(7, 7, dtype=torch.bool).triu(1) if causal else None  # True = hidden
    expected, _ = F.multi_head_attention_forward(
        xt, xt, xt, 12, 3, torch.from_numpy(W_QKV.T.copy()), None, None, None, False, 0.0,
        torch.from_numpy(W_O.T.copy()), None, need_weights=False, attn_mask=mask)
    np.testing.assert_allclose(loop, expected[:, 0].numpy(), atol=1e-10)
    np.testing.assert_allclose(batched, expected[:, 0].numpy(), atol=1e-10)


def test_rnn_states_equal_torch_rnn():
    rng = np.random.default_rng(1)
    x, W_x, W_h = rng.normal(size=(9, 5)), rng.normal(size=(5, 6)), rng.normal(size=(6, 6)) / 3
    rnn = torch.nn.RNN(5, 6, bias=False, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(W_x.T))
        rnn.weight_hh_l0.copy_(torch.from_numpy(W_h.T))
        expected, _ = rnn(torch.from_numpy(x))
    np.testing.assert_allclose(rnn_states(x, W_x, W_h), expected.numpy(), atol=1e-12)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x, m, o: heads_in_a_loop(x[:, :5], *m, o), r"x has shape \(7, 5\)"),
        (lambda x, m, o: heads_in_a_loop(x, m[0], m[1][:2], m[2], o), r"W_K has shape \(2, 12, 4\)"),
        (lambda x, m, o: heads_in_a_loop(x, *m, o[:, :, :5]), "W_V_up has shape"),
        (lambda x, m, o: heads_batched(x, *stack_heads(*m, o), n_heads=5), "n_heads=5"),
        (lambda x, m, o: heads_batched(x, *stack_heads(*m, o), n_heads=0), "n_heads must be at least 1"),
        (lambda x, m, o: rnn_states(x, np.ones((12, 3)), np.ones((4, 4))), r"W_h \(4, 4\)"),
    ],
)
def test_bad_shapes_raise_value_error(call, message):
    x, maps, W_V_up = random_heads(2)
    with pytest.raises(ValueError, match=message):
        call(x, maps, W_V_up)


def test_example_layer_shapes_and_errors():
    x, (W_Q, W_K, W_V_down), W_V_up = example_layer(5, 12, 3)
    assert x.shape == (5, 12) and W_Q.shape == W_K.shape == W_V_down.shape == (3, 12, 4)
    assert W_V_up.shape == (3, 4, 12) and x.dtype == np.float32
    with pytest.raises(ValueError, match="not divisible by n_heads"):
        example_layer(5, 12, 5)
