"""Lesson 11's checks pass the reference answers and fail plausible wrong ones with a useful line."""

import numpy as np
import pytest

from attnlab.checks import (
    check_block_update,
    check_online_max_and_sum,
    check_pattern_bytes,
    check_value_map_parameters,
)
from attnlab.costs import pattern_bytes, value_map_parameters
from attnlab.efficient import online_softmax_update


def stub(*args):
    raise NotImplementedError()


# --- reference answers, written the way a learner would ---------------------------------------------


def online_max_and_sum(blocks):
    m, s = -np.inf, 0.0
    for block in blocks:
        m_new = max(m, float(np.max(block)))
        s = s * np.exp(m - m_new) + float(np.sum(np.exp(block - m_new)))
        m = m_new
    return m, s


def block_update(m, denom, numer, scores, v_block):
    m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
    p = np.exp(scores - m_new)
    rescale = np.exp(m - m_new)
    return m_new, denom * rescale + p.sum(axis=1, keepdims=True), numer * rescale + p @ v_block


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_pattern_bytes, lambda t, h, b: t * t * h * b),
    (check_pattern_bytes, lambda t, h, b: pattern_bytes(t, n_heads=h, itemsize=b)),
    (check_online_max_and_sum, online_max_and_sum),
    (check_block_update, block_update),
    (check_block_update, online_softmax_update),
    (check_value_map_parameters, lambda d, dh, factored: 2 * d * dh if factored else d * d),
    (check_value_map_parameters, value_map_parameters),
]


# --- plausible wrong answers --------------------------------------------------------------------------


def sum_without_rescaling(blocks):
    m, s = -np.inf, 0.0
    for block in blocks:
        m = max(m, float(np.max(block)))
        s = s + float(np.sum(np.exp(block - m)))  # forgot: s * exp(m_old - m_new)
    return m, s


def sum_with_each_blocks_own_max(blocks):
    return max(float(np.max(b)) for b in blocks), sum(float(np.sum(np.exp(b - np.max(b)))) for b in blocks)


def sum_without_the_max(blocks):
    return max(float(np.max(b)) for b in blocks), sum(float(np.sum(np.exp(b))) for b in blocks)


@pytest.mark.parametrize("wrong, says", [
    (sum_without_rescaling, "case 2 of 6 (the max grows"),
    (sum_with_each_blocks_own_max, "case 2 of 6 (the max grows"),
    (sum_without_the_max, "case 1 of 6"),
    (lambda blocks: online_max_and_sum(blocks[:1]), "case 2 of 6"),  # only the first block
])
def test_online_max_and_sum_catches(wrong, says):
    result = check_online_max_and_sum(wrong)
    assert not result.passed and says in result.line
    if "grows" in says:
        assert "exp(old max - new max)" in result.line  # the hint names the fix


def update_without_rescaling(m, denom, numer, scores, v_block):
    m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
    p = np.exp(scores - m_new)
    return m_new, denom + p.sum(axis=1, keepdims=True), numer + p @ v_block


def update_rescaling_only_the_sum(m, denom, numer, scores, v_block):
    m_new, denom_new, _ = block_update(m, denom, numer, scores, v_block)
    return m_new, denom_new, numer + np.exp(scores - m_new) @ v_block


def update_with_the_wrong_sign(m, denom, numer, scores, v_block):
    m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
    p = np.exp(scores - m_new)
    rescale = np.exp(m_new - m)
    return m_new, denom * rescale + p.sum(axis=1, keepdims=True), numer * rescale + p @ v_block


def update_normalising_each_block(m, denom, numer, scores, v_block):
    m_new, denom_new, numer_new = block_update(m, denom, numer, scores, v_block)
    return m_new, denom_new, numer_new / denom_new


@pytest.mark.parametrize("wrong, says", [
    (update_without_rescaling, "case 2 of 4 (the second block, one query's max jumps to 9): the running sum"),
    (update_rescaling_only_the_sum, "case 2 of 4 (the second block, one query's max jumps to 9): the running "
                                    "numerator"),
    (update_with_the_wrong_sign, "the running sum denom"),
    (update_normalising_each_block, "the running numerator numer"),
    (lambda m, d, n, s, v: (m, d, n), "case 1 of 4 (the first block"),
    (lambda m, d, n, s, v: block_update(m, d, n, s, v)[:2], "expected a tuple (m, denom, numer), got tuple"),
])
def test_block_update_catches(wrong, says):
    result = check_block_update(wrong)
    assert not result.passed
    assert says in result.line, result.line
    assert "\n" not in result.line


@pytest.mark.parametrize("wrong, says", [
    (lambda t, h, b: t * h * b, "case 2 of 5 (T = 1024"),  # linear in T, not quadratic
    (lambda t, h, b: t * t * b, "case 3 of 5 (T = 3, 2 heads"),  # forgot the heads
    (lambda t, h, b: t * (t + 1) // 2 * h * b, "case 2 of 5"),  # only the causal triangle
    (lambda t, h, b: t * t * h * b * 8, "case 1 of 5"),  # bits, not bytes
])
def test_pattern_bytes_catches(wrong, says):
    result = check_pattern_bytes(wrong)
    assert not result.passed and says in result.line, result.line


@pytest.mark.parametrize("wrong, says", [
    (lambda d, dh, f: d * dh if f else d * d, "case 2 of 5 (GPT-3, factored)"),  # forgot value-up
    (lambda d, dh, f: 2 * d * dh if f else d * dh, "case 1 of 5"),  # the square matrix is d × d
    (lambda d, dh, f: 2 * d * dh, "case 1 of 5"),  # ignored `factored`
])
def test_value_map_parameters_catches(wrong, says):
    result = check_value_map_parameters(wrong)
    assert not result.passed and says in result.line, result.line
