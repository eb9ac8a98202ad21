"""The online-softmax, tiled attention: equal to the reference, and it never holds the pattern."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from attnlab.attention import causal_mask, scaled_dot_product_attention, softmax
from attnlab.efficient import online_softmax_attention, online_softmax_update
from attnlab.measure import peak_bytes

FLOATS = st.floats(-30, 30, allow_nan=False, width=64)


def reference(q, k, v, causal):
    mask = causal_mask(q.shape[-2], k.shape[-2]) if causal else None
    return scaled_dot_product_attention(q, k, v, mask=mask)[0]


@st.composite
def attention_inputs(draw):
    """q, k, v with random leading axes (broadcasting), Tq ≠ Tk allowed, odd lengths included."""
    lead = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    n_q, n_k = draw(st.integers(1, 23)), draw(st.integers(1, 23))
    d_k, d_v = draw(st.integers(1, 5)), draw(st.integers(1, 5))

    def some_leading_axes():  # each input may drop or shrink leading axes to 1: they broadcast
        return tuple(draw(st.sampled_from([1, n])) for n in lead)

    q = draw(hnp.arrays(np.float64, some_leading_axes() + (n_q, d_k), elements=FLOATS))
    k = draw(hnp.arrays(np.float64, some_leading_axes() + (n_k, d_k), elements=FLOATS))
    v = draw(hnp.arrays(np.float64, some_leading_axes() + (n_k, d_v), elements=FLOATS))
    return q, k, v


@settings(max_examples=150, deadline=None)
@given(inputs=attention_inputs(), block_size=st.integers(1, 9), causal=st.booleans())
def test_equals_the_reference(inputs, block_size, causal):
    q, k, v = inputs
    got = online_softmax_attention(q, k, v, block_size=block_size, causal=causal)
    expected = reference(q, k, v, causal)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-8)


@pytest.mark.parametrize("n_q, n_k", [(257, 257), (300, 129), (129, 300), (1, 1), (128, 128)])
@pytest.mark.parametrize("causal", [False, True])
def test_default_block_with_lengths_that_are_not_multiples_of_it(n_q, n_k, causal):
    rng = np.random.default_rng(n_q * 1000 + n_k)
    q, k = rng.normal(size=(2, n_q, 16)), rng.normal(size=(2, n_k, 16))
    v = rng.normal(size=(2, n_k, 8))
    got = online_softmax_attention(q, k, v, causal=causal)
    np.testing.assert_allclose(got, reference(q, k, v, causal), rtol=0, atol=1e-8)


def test_float32_in_float32_out():
    rng = np.random.default_rng(0)
    q, k, v = (rng.normal(size=(40, 8)).astype(np.float32) for _ in range(3))
    got = online_softmax_attention(q, k, v, block_size=16, causal=True)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, reference(q, k, v, True), rtol=1e-5, atol=1e-5)


def test_one_block_update_rescales_what_came_before():
    """Two blocks folded in one after the other give softmax(all scores) @ values."""
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(3, 10)) * 5  # (bq, Tk)
    values = rng.normal(size=(10, 4))  # (Tk, d_v)
    state = (np.full((3, 1), -np.inf), np.zeros((3, 1)), np.zeros((3, 4)))
    state = online_softmax_update(*state, scores[:, :6], values[:6])
    m, denom, numer = online_softmax_update(*state, scores[:, 6:], values[6:])
    np.testing.assert_allclose(m[:, 0], scores.max(axis=1))
    np.testing.assert_allclose(denom[:, 0], np.exp(scores - m).sum(axis=1))
    np.testing.assert_allclose(numer / denom, softmax(scores) @ values, atol=1e-12)


def test_huge_scores_do_not_overflow():
    q = np.array([[100.0, 0.0]])
    k = np.array([[100.0, 0.0], [-100.0, 0.0], [99.0, 0.0]])
    v = np.eye(3)
    got = online_softmax_attention(q, k, v, block_size=1)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, reference(q, k, v, False), atol=1e-12)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"k": np.ones((4, 3))}, r"q has shape \(4, 2\) and k has shape \(4, 3\)"),
        ({"v": np.ones((5, 2))}, r"so their sequence axes \(Tk\) must match, got 4 and 5"),
        ({"q": np.ones((3, 4, 2)), "k": np.ones((2, 4, 2))}, "do not broadcast"),
        ({"q": np.ones(2)}, r"q must have at least 2 dimensions, but has shape \(2,\)"),
        ({"v": np.full((4, 2), np.nan)}, "v contains NaN"),
        ({"k": np.ones((4, 2), dtype=bool)}, "dtype is bool"),
        ({"block_size": 0}, "block_size must be at least 1"),
        ({"block_size": 2.5}, "block_size must be a whole number"),
        ({"causal": "yes"}, "causal must be True or False"),
    ],
)
def test_bad_input_raises_a_clear_value_error(kwargs, message):
    args = {"q": np.ones((4, 2)), "k": np.ones((4, 2)), "v": np.ones((4, 2))} | kwargs
    with pytest.raises(ValueError, match=message):
        online_softmax_attention(**args)


def test_peak_memory_is_far_below_the_pattern():
    n, d, block = 2048, 64, 128
    rng = np.random.default_rng(2)
    q, k, v = (rng.normal(size=(n, d)) for _ in range(3))
    pattern = n * n * 8  # bytes of one float64 (T, T) pattern: 32 MiB
    naive = peak_bytes(scaled_dot_product_attention, q, k, v)
    online = peak_bytes(online_softmax_attention, q, k, v, block_size=block)
    assert naive >= pattern  # the reference really holds the pattern (and more)
    assert online < 0.1 * pattern
    # what it does hold: the output (T, d) and a handful of (block, block) tiles, not T² numbers
    assert online < n * d * 8 + 8 * block * block * 8
