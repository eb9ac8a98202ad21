"""Lesson 04's checks pass the reference answers and fail plausible wrong ones with a useful line."""

import numpy as np
import pytest

from attnlab.attention import apply_mask, causal_mask, softmax
from attnlab.checks import check_causal_mask, check_masked_pattern, check_pattern_size


def stub(*args):
    raise NotImplementedError()


def stable_softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def masked_pattern(scores, mask):
    return stable_softmax(np.where(mask, scores, -np.inf))


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_causal_mask, lambda T: np.tril(np.ones((T, T), dtype=bool))),
    (check_causal_mask, lambda T: np.arange(T)[None, :] <= np.arange(T)[:, None]),
    (check_causal_mask, causal_mask),
    (check_masked_pattern, masked_pattern),
    (check_masked_pattern, lambda s, m: softmax(apply_mask(s, m))),
    (check_masked_pattern, lambda s, m: stable_softmax(np.where(m, s, -1e9))),  # a huge negative works too
    (check_pattern_size, lambda T, dtype: T * T * np.dtype(dtype).itemsize),
]


@pytest.mark.parametrize("wrong, says", [
    (lambda T: np.triu(np.ones((T, T), dtype=bool)),  # the future, not the past
     "case 1 of 4 (3 tokens): 6 of 9 entries differ, the first at query 0, key 1: got True, expected False. "
     "That is the upper triangle"),
    (lambda T: np.tril(np.ones((T, T), dtype=bool), k=-1), "That leaves out the diagonal"),  # not even itself
    (lambda T: np.arange(T)[None, :] > np.arange(T)[:, None], "That is the mask inverted"),  # True = future
    (lambda T: np.tril(np.ones((T, T))), "expected a bool array"),  # 0/1 floats
    (lambda T: np.ones((T, T), dtype=bool), "That allows every key"),  # no mask at all
    (lambda T: np.tril(np.ones((T, T), dtype=bool))[:, :-1], "case 1 of 4"),  # wrong shape
])
def test_causal_mask_catches(wrong, says):
    result = check_causal_mask(wrong)
    assert not result.passed
    assert says in repr(result), repr(result)


def zero_after(scores, mask):
    return stable_softmax(scores) * mask


def zero_after_and_renormalise(scores, mask):
    p = stable_softmax(scores) * mask
    return p / p.sum(axis=-1, keepdims=True)


def not_stable(scores, mask):
    e = np.exp(np.where(mask, scores, -np.inf))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("wrong, says", [
    (zero_after, "case 1 of 6"),
    (zero_after_and_renormalise, "case 3 of 6 (a future key with score 1000)"),
    (lambda s, m: stable_softmax(np.where(m, s, 0.0)), "case 1 of 6"),  # "masked" with score 0
    (lambda s, m: stable_softmax(np.where(m, -np.inf, s)), "case 1 of 6"),  # the mask inverted
    (lambda s, m: stable_softmax(np.where(causal_mask(s.shape[-1]), s, -np.inf)), "case 4 of 6"),  # own mask
    (not_stable, "case 6 of 6 (huge scores"),
    (lambda s, m: softmax(np.where(m, s, -np.inf), axis=-2), "case 1 of 6"),  # columns
])
def test_masked_pattern_catches(wrong, says):
    result = check_masked_pattern(wrong)
    assert not result.passed
    assert says in repr(result), repr(result)


def test_the_renormalising_trap_is_explained():
    result = check_masked_pattern(zero_after_and_renormalise)
    assert "0 / 0 is NaN" in result.line and "case 3 of 6 (a future key with score 1000)" in repr(result)


@pytest.mark.parametrize("wrong, says", [
    (lambda T, dtype: T * np.dtype(dtype).itemsize, "case 2 of 5 (3 tokens, float64)"),  # linear
    (lambda T, dtype: T * (T + 1) // 2 * np.dtype(dtype).itemsize, "case 2 of 5"),  # only the triangle
    (lambda T, dtype: T * T, "case 1 of 5"),  # entries, not bytes
    (lambda T, dtype: T * T * np.dtype(dtype).itemsize * 8, "case 1 of 5"),  # bits
    (lambda T, dtype: T * T * 4, "case 2 of 5"),  # always float32
])
def test_pattern_size_catches(wrong, says):
    result = check_pattern_size(wrong)
    assert not result.passed
    assert says in repr(result), repr(result)


def test_the_triangle_answer_is_told_the_zeros_are_stored():
    line = check_pattern_size(lambda T, dtype: T * (T + 1) // 2 * np.dtype(dtype).itemsize).line
    assert "expected 72, got 48" in line and "the masked zeros stored too" in line
