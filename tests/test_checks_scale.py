"""Lesson 11's checks pass the reference answers and fail plausible wrong ones with a useful line."""

import numpy as np
import pytest

from attnlab.attention import scaled_dot_product_attention
from attnlab.checks import (
    check_block_update,
    check_cache_step,
    check_kv_cache_bytes,
    check_online_max_and_sum,
    scale_slips,  # the sentences, not retyped here
)
from attnlab.efficient import online_softmax_update
from attnlab.kvcache import kv_cache_bytes


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


def cache_step(q, k, v, k_cache, v_cache):
    k_cache, v_cache = np.vstack([k_cache, k]), np.vstack([v_cache, v])  # (S + 1, D)
    scores = q @ k_cache.T / np.sqrt(q.shape[-1])  # (1, S + 1)
    weights = np.exp(scores - scores.max())
    return weights / weights.sum() @ v_cache, k_cache, v_cache


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_kv_cache_bytes, lambda c, n, b: 2 * c.n_layers * c.n_heads * c.d_head * n * b),
    (check_kv_cache_bytes, kv_cache_bytes),
    (check_online_max_and_sum, online_max_and_sum),
    (check_block_update, block_update),
    (check_block_update, online_softmax_update),
    (check_cache_step, cache_step),
    (check_cache_step, lambda q, k, v, kc, vc: (scaled_dot_product_attention(q, np.concatenate([kc, k]),
                                                                             np.concatenate([vc, v]))[0],
                                                np.concatenate([kc, k]), np.concatenate([vc, v]))),
    (check_cache_step, lambda *a: list(cache_step(*a))),  # a list is a fine tuple
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
    (sum_without_rescaling, "case 3 of 6 (the max grows: [0, 1] then [5, 2])"),
    (sum_without_rescaling, "That forgets the rescale"),
    (sum_with_each_blocks_own_max, "That sums each block against its own max"),
    (sum_without_the_max, "That sums exp(score) without subtracting the max"),
    (lambda blocks: online_max_and_sum(blocks[:1]), "case 2 of 6"),  # only the first block
    (lambda blocks: online_max_and_sum(blocks[:1]), "That reads only the first block"),
])
def test_online_max_and_sum_catches(wrong, says):
    result = check_online_max_and_sum(wrong)
    assert not result.passed and says in repr(result), repr(result)


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
    (update_with_the_wrong_sign, "That rescales the wrong way"),
    (update_normalising_each_block, "the running numerator numer"),
    (lambda m, d, n, s, v: (m, d, n), "case 1 of 4 (the first block"),
    (lambda m, d, n, s, v: block_update(m, d, n, s, v)[:2], "expected a tuple (m, denom, numer), got tuple"),
])
def test_block_update_catches(wrong, says):
    result = check_block_update(wrong)
    assert not result.passed
    assert says in repr(result), repr(result)
    assert "\n" not in result.line


@pytest.mark.parametrize("wrong, says", [
    (lambda c, n, b: c.n_layers * c.n_heads * c.d_head * n * b, "That stores only the keys"),
    (lambda c, n, b: 2 * c.n_layers * c.d_model * n * b, "case 1 of 4 (a tiny model"),  # d_model, not H·D
    (lambda c, n, b: 2 * c.n_layers * c.d_model * n * b, "That uses d_model"),
    (lambda c, n, b: 2 * c.n_heads * c.d_head * n * b, "That is one layer's cache"),
    (lambda c, n, b: 2 * c.n_layers * c.n_heads * c.d_head * n * n * b, "That grows with n_tokens²"),
    (lambda c, n, b: 2 * c.n_layers * c.n_heads * c.d_head * n, "That counts numbers, not bytes"),
    (lambda c, n, b: 2 * c.n_layers * c.n_heads * c.d_head * n * b if c.n_layers < 96 else 0,
     "case 2 of 4 (GPT-3 175B, one token, fp16): expected 4,718,592, got 0"),
    (lambda c, n, b: 2 * c.n_layers * c.n_heads * c.d_head * n * b / 1e6,
     "expected 2,880, got 0.00288 (1e-06 (= 1/1000000, 10**6: bytes to MB) × the expected value)"),
])
def test_kv_cache_bytes_catches(wrong, says):
    result = check_kv_cache_bytes(wrong)
    assert not result.passed and says in repr(result), repr(result)


def cached_without_itself(q, k, v, k_cache, v_cache):
    scores = q @ k_cache.T / np.sqrt(q.shape[-1])
    weights = np.exp(scores - scores.max())
    return weights / weights.sum() @ v_cache, np.vstack([k_cache, k]), np.vstack([v_cache, v])


@pytest.mark.parametrize("wrong, says", [
    (cached_without_itself, "the output: that attends only the cached positions"),
    (lambda q, k, v, kc, vc: cache_step(q, k, v, kc, vc)[0], "expected a tuple (output, k_cache, v_cache)"),
    (lambda q, k, v, kc, vc: (cache_step(q, k, v, kc, vc)[0], kc, vc), "the caches come back unchanged"),
    (lambda q, k, v, kc, vc: (cache_step(q, k, v, kc, vc)[0], np.vstack([k, kc]), np.vstack([v, vc])),
     "the new key goes at the END"),
    (lambda q, k, v, kc, vc: (cache_step(q, k, v, kc, vc)[0] * 2, *cache_step(q, k, v, kc, vc)[1:]),
     "the output: every entry differs"),
])
def test_cache_step_catches(wrong, says):
    result = check_cache_step(wrong)
    assert not result.passed and says in repr(result), repr(result)


# --- a wrong running max is named whatever sum was built on it; a NaN sum says where NaN comes from ---


def online_with(m_of=None, rescale=None, blocks_term=None):
    """online_max_and_sum written a learner's way: how m moves, how s is rescaled, each block's terms."""
    def online(blocks):
        m, s = -np.inf, 0.0
        for block in blocks:
            m_new = (m_of or (lambda m, b: max(m, np.max(b))))(m, block)
            with np.errstate(all="ignore"):
                r = (rescale or (lambda m, n: np.exp(m - n)))(m, m_new)
                s = s * r + (blocks_term or (lambda b, m_, n: np.sum(np.exp(b - n))))(block, m, m_new)
            m = m_new
        return m, s
    return online


def _says(i):
    return scale_slips.ONLINE_PARTS[i].says


@pytest.mark.parametrize("wrong, says", [
    (online_with(m_of=lambda m, b: min(m if np.isfinite(m) else np.inf, np.min(b))), _says(0)),  # running min
    (online_with(m_of=lambda m, b: np.max(b), rescale=lambda m, n: 1.0), _says(1)),  # own max, no rescale
    (online_with(m_of=lambda m, b: m), _says(2)),  # m never set: still -inf
])
def test_a_wrong_running_max_is_named_whatever_the_sum(wrong, says):
    result = check_online_max_and_sum(wrong)
    assert not result.passed and says in result.line, result.line


def test_a_nan_sum_with_the_right_max_says_where_nan_comes_from():
    wrong_way = online_with(rescale=lambda m, n: np.exp(n - m))  # no guard: 0 · exp(+inf) = NaN
    line = check_online_max_and_sum(wrong_way).line
    assert scale_slips._NAN in line and not any(m.says in line for m in scale_slips.ONLINE_MORE), line


def test_the_right_max_is_never_called_a_wrong_one():
    doubled = online_with(blocks_term=lambda b, m, n: 2 * np.sum(np.exp(b - n)))  # s twice too big
    line = check_online_max_and_sum(doubled).line
    assert not any(m.says in line for m in scale_slips.ONLINE_PARTS), line
