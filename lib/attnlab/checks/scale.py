"""Checks for ``11_attention_at_scale``: the KV cache's bytes, the online softmax, one tile of it, and one
generation step with a KV cache. Each exercise's usual mistakes are catalogued below
(:mod:`attnlab.checks.mistakes`) and named when a learner makes one."""

from __future__ import annotations

import numpy as np

import attnlab.checks.relations as relations
from attnlab.attention import scaled_dot_product_attention, softmax
from attnlab.checks.compare import compare_exact, compare_exactly, compare_values, show
from attnlab.checks.core import CheckResult, run_check
from attnlab.checks.mistakes import Mistake, cases, recognising
from attnlab.checks.scale_slips import BLOCK_MORE, ONLINE_MORE, ONLINE_PARTS, compare_online_parts
from attnlab.efficient import online_softmax_update
from attnlab.kvcache import kv_cache_bytes as reference_kv_cache_bytes
from attnlab.params import PRESETS, ModelConfig

# --- the KV cache's bytes ---------------------------------------------------------------------------


def _kv(c, n_tokens, b, keys_and_values=2, layers=None, width=None):
    layers = c.n_layers if layers is None else layers
    width = c.n_heads * c.d_head if width is None else width
    return keys_and_values * layers * width * n_tokens * b


KV_CACHE_MISTAKES = [
    Mistake("That stores only the keys: every position keeps a key AND a value — the factor 2.",
            lambda c, n, b: _kv(c, n, b, keys_and_values=1)),
    Mistake("That also stores the queries: a query is used once, by its own position, and never again — "
            "only keys and values are cached (2, not 3).", lambda c, n, b: _kv(c, n, b, keys_and_values=3)),
    Mistake("That is one layer's cache: every layer has its own keys and values — multiply by n_layers.",
            lambda c, n, b: _kv(c, n, b, layers=1)),
    Mistake("That is one head's width: a layer's keys have n_heads × d_head numbers per position.",
            lambda c, n, b: _kv(c, n, b, width=c.d_head)),
    Mistake("That uses d_model: the keys and values have n_heads × d_head numbers per position, which "
            "need not equal d_model (GPT-3 13B: 40 × 128 = 5120, d_model 5140).",
            lambda c, n, b: _kv(c, n, b, width=c.d_model)),
    Mistake("That is in bits: bytes_per_number is already in bytes.", lambda c, n, b: 8 * _kv(c, n, b)),
    Mistake("That counts numbers, not bytes: multiply by bytes_per_number (2 for fp16).",
            lambda c, n, b: _kv(c, n, 1)),
    Mistake("That grows with n_tokens²: the cache holds one key and one value per position — it grows "
            "linearly (the pattern is what grows as T²).", lambda c, n, b: _kv(c, n * n, b)),
]
_TINY = ModelConfig(10, 8, 7, 3, 5, d_head=4)  # H·D = 12 ≠ d_model = 7, 5 layers
KV_CACHE_CASES = cases(reference_kv_cache_bytes, KV_CACHE_MISTAKES, [
    ("a tiny model: 5 layers, 3 heads of 4 (≠ d_model 7), 6 tokens, float32", (_TINY, 6, 4),
     "2 (key and value) × n_layers × n_heads × d_head × n_tokens × bytes_per_number."),
    ("GPT-3 175B, one token, fp16", (PRESETS["gpt3-175b"], 1, 2), "≈ 4.7 MB per token."),
    ("GPT-3 13B (n_heads × d_head ≠ d_model), 2048 tokens, fp16", (PRESETS["gpt3-13b"], 2048, 2), ""),
    ("GPT-2 small, 1024 tokens, float32", (PRESETS["gpt2-small"], 1024, 4), ""),
], compare=compare_exact)


def check_kv_cache_bytes(fn) -> CheckResult:
    """Check ``kv_cache_bytes(config, n_tokens, bytes_per_number) -> int``: the keys and values of
    ``n_tokens`` positions, every layer and head."""
    return run_check("kv_cache_bytes", fn, KV_CACHE_CASES, compare=recognising(compare_exactly))


# --- the online softmax over a stream of blocks ----------------------------------------------------


def _max_and_sum(blocks):
    scores = np.concatenate(blocks)
    m = np.max(scores)
    return np.array([m, np.sum(np.exp(scores - m))])


def _streamed(blocks, rescale):
    m, s = -np.inf, 0.0
    for block in blocks:
        m_new = max(m, np.max(block))
        s = s * rescale(m, m_new) + np.sum(np.exp(block - m_new))
        m = m_new
    return m, s


ONLINE_MISTAKES = [
    Mistake("That sums exp(score) without subtracting the max: s is Σ exp(score − m), and exp(1000) "
            "overflows.", lambda blocks: (max(np.max(b) for b in blocks),
                                          sum(np.sum(np.exp(b)) for b in blocks))),
    Mistake("That forgets the rescale: when a block brings a larger max, the sum so far was made with the "
            "old max — multiply it by exp(old max − new max).",
            lambda blocks: _streamed(blocks, lambda m, n: 1.0)),
    Mistake("That rescales the wrong way: multiply by exp(old max − new max), which is at most 1.",
            lambda blocks: _streamed(blocks, lambda m, n: np.exp(n - m) if np.isfinite(m) else 0.0)),
    Mistake("That sums each block against its own max: the terms of different blocks must share one max — "
            "rescale the sum so far by exp(old max − new max) when the max grows.",
            lambda blocks: (max(np.max(b) for b in blocks),
                            sum(np.sum(np.exp(b - np.max(b))) for b in blocks))),
    Mistake("That reads only the first block: go through every block of the list.",
            lambda blocks: _streamed(blocks[:1], lambda m, n: np.exp(m - n))),
    Mistake("m is the max of ALL the scores, not of the last block.",
            lambda blocks: (np.max(blocks[-1]), _streamed(blocks, lambda m, n: np.exp(m - n))[1])),
]
_STREAMS = [
    ("one block [1, 2, 3]", [[1.0, 2.0, 3.0]], ""),
    ("the max shrinks: [5] then [0, 1]", [[5.0], [0.0, 1.0]],
     "a block whose scores are all below the max adds exp(score - max) and changes nothing else."),
    ("the max grows: [0, 1] then [5, 2]", [[0.0, 1.0], [5.0, 2.0]],
     "when a block brings a new max, the sum so far was made with the old max: multiply it by "
     "exp(old max - new max)."),
    ("huge scores [1000] then [1001, 999]", [[1000.0], [1001.0, 999.0]],
     "exp(1000) overflows: only ever take exp of (score - running max), which is ≤ 0."),
    ("masked scores [-inf, 0] then [2, -inf]", [[-np.inf, 0.0], [2.0, -np.inf]],
     "a masked score (-inf) contributes exp(-inf) = 0."),
    ("five blocks of one score", [[0.5], [3.0], [-1.0], [3.5], [2.0]], ""),
]
ONLINE_MAX_AND_SUM_CASES = cases(
    _max_and_sum, ONLINE_MISTAKES + ONLINE_MORE,
    [(label, ([np.array(b) for b in blocks],), hint) for label, blocks, hint in _STREAMS],
    compare=compare_online_parts)


def check_online_max_and_sum(fn) -> CheckResult:
    """Check ``online_max_and_sum(blocks) -> (m, s)``: the max of all scores and Σ exp(score - m)."""
    return run_check("online_max_and_sum", fn, ONLINE_MAX_AND_SUM_CASES,
                     compare=recognising(compare_online_parts))


# --- one block of the online-softmax attention -----------------------------------------------------

STATE_NAMES = ("the running max m", "the running sum denom", "the running numerator numer")


def compare_parts(names, got, expected, rtol=1e-7, atol=1e-9) -> str | None:
    """Compare a tuple of arrays with the expected one, naming the first part that differs."""
    if not isinstance(got, tuple | list) or len(got) != len(names):
        return f"expected a tuple ({', '.join(n.split()[-1] for n in names)}), got {type(got).__name__}"
    short = [n.split()[-1] for n in names]
    swapped = relations.parts_in_another_order(got, expected, short,
                                               lambda g, e: compare_values(g, e, rtol=rtol, atol=atol))
    if swapped:
        return swapped
    for name, g, e in zip(names, got, expected, strict=True):
        problem = compare_values(g, e, rtol=rtol, atol=atol)
        if problem is not None:
            return f"{name}: {problem}"
    return None


def compare_state(got, expected) -> str | None:
    """Compare ``(m, denom, numer)`` with the expected triple, naming the first part that differs."""
    return compare_parts(STATE_NAMES, got, expected)


def _update(m, denom, numer, scores, v, rescale_numer=True, rescale_denom=True, row_max=True, inverted=False):
    m_new = np.maximum(m, scores.max(axis=1, keepdims=True) if row_max else scores.max())  # (bq, 1)
    rescale = np.exp(m_new - m) if inverted else np.exp(m - m_new)
    p = np.exp(scores - m_new)  # (bq, bk)
    denom = (denom * rescale if rescale_denom else denom) + p.sum(axis=1, keepdims=True)
    numer = (numer * rescale if rescale_numer else numer) + p @ v
    return m_new, denom, numer


BLOCK_MISTAKES = [
    Mistake("numer is not rescaled: multiply numer AND denom by exp(m − m_new) before adding this "
            "block's part.",
            lambda *a: _update(*a, rescale_numer=False)),
    Mistake("denom is not rescaled: multiply denom AND numer by exp(m − m_new) before adding this "
            "block's part.",
            lambda *a: _update(*a, rescale_denom=False)),
    Mistake("That rescales the wrong way: exp(m − m_new), the old max minus the new, at most 1.",
            lambda *a: _update(*a, inverted=True)),
    Mistake("That takes one max for the whole tile: each query keeps its own running max, its ROW's max "
            "(scores.max(axis=1, keepdims=True)).", lambda *a: _update(*a, row_max=False)),
]


def _block_rows():
    rng = np.random.default_rng(10)
    scores = rng.normal(size=(3, 8)) * 2  # (bq, Tk): 3 queries, 8 keys in blocks of 4
    scores[0, 5] = 9.0  # query 0 finds a much larger score in the second block
    v = rng.normal(size=(8, 2))  # (Tk, d_v)
    start = (np.full((3, 1), -np.inf), np.zeros((3, 1)), np.zeros((3, 2)))
    after_one = online_softmax_update(*start, scores[:, :4], v[:4])
    masked = scores[:, 4:].copy()
    masked[1, :3] = -np.inf
    return [
        ("the first block (m = -inf, denom = 0, numer = 0)", (*start, scores[:, :4], v[:4]),
         "on the first block exp(m - m_new) = exp(-inf) = 0: nothing to rescale yet."),
        ("the second block, one query's max jumps to 9", (*after_one, scores[:, 4:], v[4:]),
         "multiply denom AND numer by exp(m - m_new) before adding this block's part."),
        ("the second block with masked scores (-inf)", (*after_one, masked, v[4:]),
         "exp(-inf - m_new) = 0: a masked key adds nothing."),
        ("one query, one key", (np.array([[1.0]]), np.array([[1.0]]), np.array([[2.0, 0.0]]),
                                np.array([[3.0]]), np.array([[0.0, 4.0]])),
         "the new max is 3: rescale by exp(1 - 3)."),
    ]


BLOCK_UPDATE_CASES = cases(online_softmax_update, BLOCK_MISTAKES + BLOCK_MORE, _block_rows(),
                           compare=compare_state)


def check_block_update(fn) -> CheckResult:
    """Check ``block_update(m, denom, numer, scores, v_block) -> (m, denom, numer)``, one block of the
    online softmax (shapes (bq, 1), (bq, 1), (bq, d_v), (bq, bk), (bk, d_v))."""
    return run_check("block_update", fn, BLOCK_UPDATE_CASES, compare=recognising(compare_state))


# --- one generation step with a KV cache -------------------------------------------------------------

STEP_NAMES = ("the output", "the keys k_cache", "the values v_cache")


def cache_step(q, k, v, k_cache, v_cache, mask=None, attend_old=False, append=True, first=False, scale=True):
    """The new position attends every cached position and itself: ``q, k, v`` ``(1, D)``, caches
    ``(S, D)`` → ``(output (1, D), k_cache (S+1, D), v_cache (S+1, D))``; the knobs are the usual slips."""
    keys = np.concatenate([k, k_cache] if first else [k_cache, k])  # (S+1, D)
    values = np.concatenate([v, v_cache] if first else [v_cache, v])
    seen_k, seen_v = (k_cache, v_cache) if attend_old else (keys, values)
    scores = q @ seen_k.T / (np.sqrt(q.shape[-1]) if scale else 1.0)  # (1, S+1)
    if mask is not None:
        scores = np.where(mask(*scores.shape), scores, -np.inf)
    out = softmax(scores) @ seen_v  # (1, D)
    return (out, keys, values) if append else (out, k_cache, v_cache)


def _reference_step(q, k, v, k_cache, v_cache):
    keys, values = np.concatenate([k_cache, k]), np.concatenate([v_cache, v])  # (S+1, D)
    return scaled_dot_product_attention(q, keys, values)[0], keys, values


STEP_MISTAKES = [
    Mistake("the output: that attends only the cached positions — append the new key and value first: the "
            "new token may attend itself.", lambda *a: cache_step(*a, attend_old=True)),
    Mistake("the caches come back unchanged: return them with the new key and value appended "
            "(np.concatenate([k_cache, k])), or the next step forgets this token.",
            lambda *a: cache_step(*a, append=False)),
    Mistake("That applies a causal mask anchored top-left (np.tril of (1, S+1)), so the new query sees only "
            "key 0: the new position is the LAST, and it may see every cached one — no mask is needed.",
            lambda *a: cache_step(*a, mask=lambda n, m: np.tril(np.ones((n, m), dtype=bool)))),
    Mistake("the keys k_cache: the new key goes at the END — position S, after the S cached ones.",
            lambda *a: cache_step(*a, first=True)),
    Mistake("the output: that skips the scale — divide the scores by √d_head.",
            lambda *a: cache_step(*a, scale=False)),
]


def compare_step(got, expected) -> str | None:
    """Compare ``(output, k_cache, v_cache)`` with the expected triple, naming the first part that differs."""
    if got is None:
        return "got None — did you forget to `return` the result?"
    if not isinstance(got, tuple | list):
        return f"expected a tuple (output, k_cache, v_cache), got {type(got).__name__} {show(got)}"
    return compare_parts(STEP_NAMES, got, expected, rtol=1e-7, atol=1e-9)


def _step_rows():
    rng = np.random.default_rng(11)

    def step(n_cached, d):
        return tuple(rng.normal(size=(1, d)) for _ in range(3)) + (rng.normal(size=(n_cached, d)),
                                                                   rng.normal(size=(n_cached, d)))

    return [
        ("3 cached positions, d_head 4", step(3, 4),
         "append k and v to the caches, then the query attends all S + 1 keys: softmax(q kᵀ / √d) @ values."),
        ("1 cached position, d_head 2", step(1, 2), ""),
        ("8 cached positions, d_head 8", step(8, 8), ""),
        ("an empty cache: the first token", tuple(rng.normal(size=(1, 3)) for _ in range(3))
         + (np.zeros((0, 3)), np.zeros((0, 3))), "with nothing cached, the token attends only itself."),
    ]


CACHE_STEP_CASES = cases(_reference_step, STEP_MISTAKES, _step_rows(), compare=compare_step)


def check_cache_step(fn) -> CheckResult:
    """Check ``cache_step(q, k, v, k_cache, v_cache) -> (output, k_cache, v_cache)``: the new position's
    query, key and value ``(1, D)``, the caches ``(S, D)`` → its output ``(1, D)`` and the caches with its
    key and value appended ``(S + 1, D)``."""
    return run_check("cache_step", fn, CACHE_STEP_CASES, compare=recognising(compare_step))


CATALOGUES = {"kv_cache_bytes": (check_kv_cache_bytes, KV_CACHE_MISTAKES),
              "online_max_and_sum": (check_online_max_and_sum,  # a Parts slip has no whole answer to run
                                     ONLINE_MISTAKES + [m for m in ONLINE_MORE if m not in ONLINE_PARTS]),
              "block_update": (check_block_update, BLOCK_MISTAKES + BLOCK_MORE),
              "cache_step": (check_cache_step, STEP_MISTAKES)}
