"""attnlab.multihead against torch's nn.MultiheadAttention, and the output-matrix form against the sum."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attnlab.attention import causal_mask, scaled_dot_product_attention
from attnlab.models.torch_heads import to_torch
from attnlab.multihead import (
    concat_heads,
    head_changes,
    head_update,
    multi_head_attention,
    output_matrix_form,
    stack_value_up,
    value_update,
)


def random_heads(n_heads=3, d_model=12, d_head=4, seed=0):
    rng = np.random.default_rng(seed)
    maps = [rng.normal(size=(n_heads, d_model, d_head)) / np.sqrt(d_model) for _ in range(3)]
    W_V_up = rng.normal(size=(n_heads, d_head, d_model)) / np.sqrt(d_head)
    return (*maps, W_V_up)


def torch_oracle(weights, x, context=None, mask=None):
    """nn.MultiheadAttention with the same weights: (output (T, C), patterns (H, T, S))."""
    mha = to_torch(*weights)
    q = torch.from_numpy(x)[None]
    kv = q if context is None else torch.from_numpy(context)[None]
    forbidden = None if mask is None else torch.from_numpy(~mask)  # torch: True = may NOT attend
    out, patterns = mha(q, kv, kv, attn_mask=forbidden, need_weights=True, average_attn_weights=False)
    return out[0].detach().numpy(), patterns[0].detach().numpy()


@pytest.mark.parametrize("masked", [False, True])
def test_self_attention_equals_torch(masked):
    weights = random_heads()
    x = np.random.default_rng(1).normal(size=(5, 12))
    mask = causal_mask(5) if masked else None
    out, patterns = multi_head_attention(x, *weights, mask=mask)
    want_out, want_patterns = torch_oracle(weights, x, mask=mask)
    assert out.shape == (5, 12) and patterns.shape == (3, 5, 5)
    np.testing.assert_allclose(out, want_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(patterns, want_patterns, rtol=1e-10, atol=1e-12)
    if masked:
        assert np.all(patterns[:, ~mask] == 0)


def test_cross_attention_equals_torch():
    weights = random_heads(n_heads=2, d_model=8, d_head=4)
    rng = np.random.default_rng(2)
    x, context = rng.normal(size=(3, 8)), rng.normal(size=(7, 8))
    out, patterns = multi_head_attention(x, *weights, context=context)
    want_out, want_patterns = torch_oracle(weights, x, context=context)
    assert patterns.shape == (2, 3, 7)
    np.testing.assert_allclose(out, want_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(patterns, want_patterns, rtol=1e-10, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(n_heads=st.integers(1, 4), d_head=st.integers(1, 5), T=st.integers(1, 6), S=st.integers(1, 6),
       seed=st.integers(0, 10**6), cross=st.booleans())
def test_equals_torch_for_any_shape(n_heads, d_head, T, S, seed, cross):
    weights = random_heads(n_heads, n_heads * d_head, d_head, seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.normal(size=(T, n_heads * d_head))
    context = rng.normal(size=(S, n_heads * d_head)) if cross else None
    out, patterns = multi_head_attention(x, *weights, context=context)
    want_out, want_patterns = torch_oracle(weights, x, context=context)
    np.testing.assert_allclose(out, want_out, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(patterns, want_patterns, rtol=1e-9, atol=1e-12)


def test_each_head_is_one_head_of_the_reference_and_the_changes_sum():
    W_Q, W_K, W_V_down, W_V_up = random_heads()
    x = np.random.default_rng(3).normal(size=(4, 12))
    changes, patterns = head_changes(x, W_Q, W_K, W_V_down, W_V_up)
    for h in range(3):
        out, pattern = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
        np.testing.assert_allclose(changes[h], out @ W_V_up[h], rtol=1e-12)
        np.testing.assert_allclose(patterns[h], pattern, rtol=1e-12)
    np.testing.assert_allclose(multi_head_attention(x, W_Q, W_K, W_V_down, W_V_up)[0], changes.sum(0))


def test_the_output_matrix_form_equals_the_per_head_sum_even_when_h_times_d_is_not_d_model():
    W_Q, W_K, W_V_down, W_V_up = random_heads(n_heads=3, d_model=10, d_head=7)  # H·D = 21 ≠ 10
    x = np.random.default_rng(4).normal(size=(6, 10))
    mask = causal_mask(6)
    outputs, _ = scaled_dot_product_attention(x @ W_Q, x @ W_K, x @ W_V_down, mask)  # (H, T, D)
    W_O = stack_value_up(W_V_up)
    assert W_O.shape == (21, 10)
    np.testing.assert_array_equal(W_O[7:14], W_V_up[1])  # head 1's block of rows
    assert concat_heads(outputs).shape == (6, 21)
    np.testing.assert_array_equal(concat_heads(outputs)[:, 14:], outputs[2])
    np.testing.assert_allclose(output_matrix_form(outputs, W_O),
                               multi_head_attention(x, W_Q, W_K, W_V_down, W_V_up, mask=mask)[0], rtol=1e-12)


def test_a_permuted_output_matrix_does_not_equal_the_sum():
    W_Q, W_K, W_V_down, W_V_up = random_heads()
    x = np.random.default_rng(5).normal(size=(4, 12))
    outputs, _ = scaled_dot_product_attention(x @ W_Q, x @ W_K, x @ W_V_down)
    wrong = stack_value_up(W_V_up[::-1])  # heads' value-ups in the wrong order
    assert not np.allclose(output_matrix_form(outputs, wrong),
                           multi_head_attention(x, W_Q, W_K, W_V_down, W_V_up)[0])


# --- bad input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(x=np.zeros((4, 11))), r"x has shape \(4, 11\), but the maps need .* d_model=12"),
    (lambda a: a.update(x=np.zeros(12)), r"x must have shape \(T, d_model\)"),
    (lambda a: a.update(W_Q=np.zeros((3, 12))), r"W_Q must have shape \(n_heads, d_model, d_head\)"),
    (lambda a: a.update(W_K=np.zeros((3, 12, 5))), r"W_K has shape \(3, 12, 5\).*shape \(3, 12, 4\)"),
    (lambda a: a.update(W_V_up=np.zeros((3, 12, 4))), r"W_V_up has shape \(3, 12, 4\).*\(3, 4, 12\)"),
    (lambda a: a.update(context=np.zeros((5, 8))), r"context must have shape \(T_ctx, d_model=12\)"),
    (lambda a: a.update(mask=np.ones((4, 4))), "mask must be a bool array"),
    (lambda a: a.update(mask=np.ones((4, 3), dtype=bool)), r"mask \(4, 3\), scores \(3, 4, 4\)"),
    (lambda a: a.update(x=np.full((4, 12), np.nan)), "x contains NaN"),
])
def test_bad_input_raises_a_clear_value_error(change, message):
    W_Q, W_K, W_V_down, W_V_up = random_heads()
    args = dict(x=np.zeros((4, 12)), W_Q=W_Q, W_K=W_K, W_V_down=W_V_down, W_V_up=W_V_up)
    change(args)
    with pytest.raises(ValueError, match=message):
        multi_head_attention(**args)


def test_helpers_refuse_bad_shapes():
    with pytest.raises(ValueError, match="W_V_up must have shape"):
        stack_value_up(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="head_outputs must have shape"):
        concat_heads(np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"W_O must have shape \(n_heads·d_head=8, d_model\)"):
        output_matrix_form(np.zeros((2, 3, 4)), np.zeros((6, 5)))
    with pytest.raises(ValueError, match="nn.MultiheadAttention needs n_heads·d_head = d_model"):
        to_torch(*random_heads(n_heads=3, d_model=10, d_head=7))


# --- one head, by itself ----------------------------------------------------------------------------


def test_one_heads_update_is_multi_head_attention_with_one_head_plus_x():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(5, 6))
    W_Q, W_K, W_V_down = (rng.normal(size=(6, 3)) for _ in range(3))
    W_V_up = rng.normal(size=(3, 6))
    change, _ = multi_head_attention(x, W_Q[None], W_K[None], W_V_down[None], W_V_up[None],
                                     mask=causal_mask(5))
    np.testing.assert_allclose(head_update(x, W_Q, W_K, W_V_down, W_V_up), x + change, atol=1e-12)
    _, pattern = scaled_dot_product_attention(x @ W_Q, x @ W_K, x @ W_V_down)
    np.testing.assert_allclose(value_update(x, pattern, W_V_down, W_V_up),
                               head_update(x, W_Q, W_K, W_V_down, W_V_up, causal=False), atol=1e-12)


def test_value_update_names_a_wrong_shape():
    x = np.zeros((4, 6))
    with pytest.raises(ValueError, match=r"pattern has shape \(4, 3\).*\(4, 4\)"):
        value_update(x, np.zeros((4, 3)), np.zeros((6, 2)), np.zeros((2, 6)))
    with pytest.raises(ValueError, match=r"W_V_up has shape \(3, 6\).*\(2, 6\)"):
        value_update(x, np.eye(4), np.zeros((6, 2)), np.zeros((3, 6)))
