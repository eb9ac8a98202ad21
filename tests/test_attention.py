"""The NumPy attention core, against torch as the oracle and against bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from attnlab.attention import (
    apply_mask,
    attention_pattern,
    attention_scores,
    causal_mask,
    scaled_dot_product_attention,
    softmax,
)

FLOATS = st.floats(-50, 50, allow_nan=False, width=64)


# --- softmax --------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=6), elements=FLOATS),
    temperature=st.floats(0.05, 20),
    data=st.data(),
)
def test_softmax_matches_torch(x, temperature, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    expected = torch.softmax(torch.from_numpy(x) / temperature, dim=axis).numpy()
    got = softmax(x, axis=axis, temperature=temperature)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got.sum(axis=axis), 1.0, rtol=1e-12)


def test_softmax_is_stable_on_huge_logits():
    got = softmax(np.array([1e4, 0.0, -1e4]))
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, [1.0, 0.0, 0.0])


def test_softmax_gives_minus_inf_zero_weight():
    np.testing.assert_allclose(softmax([0.0, -np.inf, 0.0]), [0.5, 0.0, 0.5])


def test_softmax_temperature_flattens_and_sharpens():
    x = np.array([1.0, 2.0, 3.0])
    assert softmax(x, temperature=100).max() < softmax(x).max() < softmax(x, temperature=0.1).max()


@pytest.mark.parametrize(
    "args, message",
    [
        (([[-np.inf, -np.inf], [0.0, 1.0]],), "all -inf"),
        (([1.0, np.nan],), "x contains NaN"),
        (([1.0, np.inf],), r"x contains \+inf"),
        (([True, False],), "dtype is bool"),
        ((["a", "b"],), "must hold real numbers"),
        ((3.0,), "at least 1 dimensions"),
        (([1.0, 2.0], 1), "axis 1 is out of range"),
        (([1.0, 2.0], -1, 0), "temperature must be a finite number greater than 0, but got 0"),
        (([1.0, 2.0], -1, -1.5), "temperature"),
        (([1.0, 2.0], -1, "hot"), "temperature must be a number"),
    ],
)
def test_softmax_rejects_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        softmax(*args)


def test_softmax_accepts_ints_and_keeps_float32():
    assert softmax([1, 2]).dtype == np.float64
    assert softmax(np.ones(3, dtype=np.float32)).dtype == np.float32


# --- causal mask ----------------------------------------------------------------------------


@pytest.mark.parametrize("tq, tk", [(1, 1), (4, 4), (3, 5), (5, 3)])
def test_causal_mask_is_torchs_is_causal_convention(tq, tk):
    q, k, v = (torch.randn(1, tq, 2), torch.randn(1, tk, 2), torch.randn(1, tk, 2))
    with_mask = F.scaled_dot_product_attention(q, k, v, attn_mask=torch.from_numpy(causal_mask(tq, tk)))
    is_causal = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    torch.testing.assert_close(with_mask, is_causal)


def test_causal_mask_values():
    np.testing.assert_array_equal(
        causal_mask(3), [[True, False, False], [True, True, False], [True, True, True]]
    )
    assert causal_mask(2, 4).shape == (2, 4)


@pytest.mark.parametrize("args", [(0,), (2.5,), (True,), (3, 0), ("3",)])
def test_causal_mask_rejects_bad_sizes(args):
    with pytest.raises(ValueError, match="n_queries|n_keys"):
        causal_mask(*args)


# --- scaled dot-product attention ------------------------------------------------------------


@st.composite
def attention_inputs(draw):
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    tq, tk, d_k, d_v = (draw(st.integers(1, 7)) for _ in range(4))
    arrays = [
        draw(hnp.arrays(np.float64, batch + shape, elements=st.floats(-4, 4, width=64)))
        for shape in [(tq, d_k), (tk, d_k), (tk, d_v)]
    ]
    mask = None
    if draw(st.booleans()):
        mask_batch = batch[len(batch) - draw(st.integers(0, len(batch))):]  # broadcast over some
        mask = draw(hnp.arrays(bool, mask_batch + (tq, tk)))
        mask[..., 0] |= ~mask.any(axis=-1)  # every query keeps at least one key
    return (*arrays, mask)


@settings(max_examples=120, deadline=None)
@given(attention_inputs())
def test_attention_matches_torch(inputs):
    q, k, v, mask = inputs
    output, pattern = scaled_dot_product_attention(q, k, v, mask=mask)
    tq, tk = q.shape[-2], k.shape[-2]
    attn_mask = None if mask is None else torch.from_numpy(mask)
    expected = F.scaled_dot_product_attention(
        *(torch.from_numpy(a) for a in (q, k, v)), attn_mask=attn_mask
    )
    np.testing.assert_allclose(output, expected.numpy(), rtol=1e-10, atol=1e-12)
    assert pattern.shape == q.shape[:-2] + (tq, tk)
    np.testing.assert_allclose(pattern.sum(-1), 1.0, rtol=1e-12)
    if mask is not None:
        assert (pattern[~np.broadcast_to(mask, pattern.shape)] == 0).all()


def test_attention_is_the_lessons_steps_composed():
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(4, 3)), rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    mask = causal_mask(4, 5)
    pattern = softmax(apply_mask(attention_scores(q, k), mask))
    output, got_pattern = scaled_dot_product_attention(q, k, v, mask)
    np.testing.assert_allclose(got_pattern, pattern)
    np.testing.assert_allclose(output, pattern @ v)
    np.testing.assert_allclose(attention_scores(q, k, scale=False), q @ k.T)


def test_attention_float32_stays_float32_and_close_to_torch():
    rng = np.random.default_rng(1)
    q, k, v = (rng.normal(size=(2, 6, 8)).astype(np.float32) for _ in range(3))
    output, pattern = scaled_dot_product_attention(q, k, v, causal_mask(6))
    assert output.dtype == np.float32 and pattern.dtype == np.float32
    expected = F.scaled_dot_product_attention(*map(torch.from_numpy, (q, k, v)), is_causal=True)
    np.testing.assert_allclose(output, expected.numpy(), rtol=1e-5, atol=1e-6)


def test_a_query_with_no_key_raises_instead_of_nan():
    q = k = v = np.ones((3, 2))
    mask = causal_mask(3)
    mask[1] = False
    with pytest.raises(ValueError, match=r"1 query row\(s\) with no key to attend.*index \(1,\)"):
        scaled_dot_product_attention(q, k, v, mask)


@pytest.mark.parametrize(
    "shapes, message",
    [
        (((4, 8), (4, 16), (4, 16)), r"q has shape \(4, 8\) and k has shape \(4, 16\).*d_k"),
        (((4, 8), (5, 8), (4, 8)), r"k has shape \(5, 8\) and v has shape \(4, 8\).*Tk"),
        (((8,), (4, 8), (4, 8)), r"q must have at least 2 dimensions, but has shape \(8,\)"),
        (((2, 4, 8), (3, 4, 8), (3, 4, 8)), "do not broadcast"),
    ],
)
def test_attention_rejects_bad_shapes(shapes, message):
    q, k, v = (np.zeros(s) for s in shapes)
    with pytest.raises(ValueError, match=message):
        scaled_dot_product_attention(q, k, v)


@pytest.mark.parametrize(
    "mask, message",
    [
        (np.ones((3, 3)), "mask must be a bool array.*dtype is float64"),
        (np.ones((2, 2), dtype=bool), "do not broadcast"),
        (np.ones((2, 3, 3), dtype=bool), r"must broadcast to the scores' shape \(3, 3\)"),
    ],
)
def test_attention_rejects_bad_masks(mask, message):
    x = np.zeros((3, 4))
    with pytest.raises(ValueError, match=message):
        scaled_dot_product_attention(x, x, x, mask)


def test_attention_rejects_bad_dtypes():
    x = np.zeros((3, 4))
    with pytest.raises(ValueError, match="v must hold real numbers.*complex"):
        scaled_dot_product_attention(x, x, x.astype(complex))
    with pytest.raises(ValueError, match="q contains NaN"):
        scaled_dot_product_attention(np.full((3, 4), np.nan), x, x)


def test_the_pattern_alone_is_the_pattern_attention_returns():
    rng = np.random.default_rng(5)
    q, k, v = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 6, 2))
    mask = causal_mask(4, 6)
    pattern = attention_pattern(q, k, mask)
    np.testing.assert_allclose(pattern, scaled_dot_product_attention(q, k, v, mask)[1], atol=0)
    np.testing.assert_allclose(pattern.sum(-1), 1.0, atol=1e-12)
    assert (pattern[..., ~mask] == 0).all()
