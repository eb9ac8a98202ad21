"""Attention without the T×T pattern: the online softmax, tiled (the idea behind FlashAttention).

The reference (:func:`attnlab.attention.scaled_dot_product_attention`) builds the whole pattern
``(Tq, Tk)`` and then multiplies it by the values. At a context of 8192 tokens that is 67 million
numbers — 512 MiB in float64 — for ONE head of ONE layer. Yet every output row only needs

    output_i = Σ_j exp(s_ij - m_i) v_j  /  Σ_j exp(s_ij - m_i)        (m_i = max_j s_ij)

and both sums can be built **block by block**, seeing a few keys at a time, if we keep three running
quantities per query:

* ``m``     — the largest score seen so far (for a stable ``exp``),
* ``denom`` — the running sum of ``exp(score - m)`` (the softmax's denominator),
* ``numer`` — the running sum of ``exp(score - m) · value`` (the numerator, a d_v-vector).

When a new block brings a larger maximum ``m_new``, everything summed so far was computed against
the old ``m``; multiplying it by ``exp(m - m_new)`` rescales it exactly as if ``m_new`` had been
used from the start. After the last block, ``numer / denom`` is the attention output — equal to the
reference up to rounding — and no more than one ``(block, block)`` tile of scores ever existed.

Queries are processed in blocks too, so the working memory is a few tiles plus the output.
"""

from __future__ import annotations

import math

import numpy as np

from attnlab.attention import check_shapes
from attnlab.errors import AttnlabError
from attnlab.validate import as_float_array, broadcast_shape, positive_int


def online_softmax_update(m, denom, numer, scores, v_block):
    """Fold one block of keys into the running state ``(m, denom, numer)``; return the new state.

    m ``(..., bq, 1)``           running max of each query's scores (-inf before the first block)
    denom ``(..., bq, 1)``       running Σ exp(score - m), the softmax's denominator
    numer ``(..., bq, d_v)``     running Σ exp(score - m) · value, the output's numerator
    scores ``(..., bq, bk)``     this block's scores (already scaled; -inf where masked)
    v_block ``(..., bk, d_v)``   this block's values

    The first block a query sees must give it at least one finite score (else ``m`` stays -inf).
    """
    m_new = np.maximum(m, scores.max(axis=-1, keepdims=True))  # (..., bq, 1)
    rescale = np.exp(m - m_new)  # (..., bq, 1): ≤ 1; 0 on the first block (m = -inf)
    p = np.exp(scores - m_new)  # (..., bq, bk): this block's weights, not yet normalised
    denom = denom * rescale + p.sum(axis=-1, keepdims=True)  # (..., bq, 1)
    numer = numer * rescale + p @ v_block  # (..., bq, d_v)
    return m_new, denom, numer


def _check_inputs(q, k, v, block_size, causal):
    """Validate the arguments; return ``(q, k, v, block_size, leading shape)``."""
    q = as_float_array(q, "q", min_ndim=2)
    k = as_float_array(k, "k", min_ndim=2)
    v = as_float_array(v, "v", min_ndim=2)
    check_shapes(q.shape, k.shape, v.shape)
    lead = broadcast_shape({"q's leading axes": q.shape[:-2], "k's leading axes": k.shape[:-2],
                            "v's leading axes": v.shape[:-2]})
    if not isinstance(causal, bool | np.bool_):
        raise AttnlabError(f"causal must be True or False, but got {causal!r}")
    return q, k, v, positive_int(block_size, "block_size"), lead


def online_softmax_attention(q, k, v, block_size: int = 128, causal: bool = False) -> np.ndarray:
    """Attention output ``(..., Tq, d_v)`` computed tile by tile, never holding the T×T pattern.

    q ``(..., Tq, d_k)``, k ``(..., Tk, d_k)``, v ``(..., Tk, d_v)``, leading axes broadcast.
    Equal to ``scaled_dot_product_attention(q, k, v, mask)[0]`` (with ``mask = causal_mask(Tq,
    Tk)`` when ``causal``), for any Tq, Tk — the last block of each axis may be shorter.
    Extra memory: the output plus a few ``(..., block_size, block_size)`` tiles.
    """
    q, k, v, block, lead = _check_inputs(q, k, v, block_size, causal)
    (n_q, d_k), (n_k, d_v) = q.shape[-2:], v.shape[-2:]
    dtype = np.result_type(q, k, v)
    out = np.empty(lead + (n_q, d_v), dtype=dtype)  # (..., Tq, d_v), filled block by block
    for q0 in range(0, n_q, block):  # one block of queries at a time
        q1 = min(q0 + block, n_q)
        q_blk = q[..., q0:q1, :] / math.sqrt(d_k)  # (..., bq, d_k), the √d_k folded in once
        m = np.full(lead + (q1 - q0, 1), -np.inf, dtype=dtype)  # (..., bq, 1)
        denom = np.zeros(lead + (q1 - q0, 1), dtype=dtype)  # (..., bq, 1)
        numer = np.zeros(lead + (q1 - q0, d_v), dtype=dtype)  # (..., bq, d_v)
        for k0 in range(0, n_k, block):  # stream the keys past these queries
            if causal and k0 > q1 - 1:
                break  # every later key is in the future of every query in this block
            k1 = min(k0 + block, n_k)
            scores = q_blk @ np.swapaxes(k[..., k0:k1, :], -1, -2)  # (..., bq, bk)
            if causal and k1 - 1 > q0:  # a tile on the diagonal: hide the future keys
                allowed = np.arange(q0, q1)[:, None] >= np.arange(k0, k1)[None, :]  # (bq, bk)
                scores = np.where(allowed, scores, -np.inf)
            m, denom, numer = online_softmax_update(m, denom, numer, scores, v[..., k0:k1, :])
        out[..., q0:q1, :] = numer / denom  # normalise once, at the end
    return out
