"""Attention, in NumPy — the reference the lessons build, step by step.

One attention head turns a sequence of embeddings into proposed changes to those embeddings:

1. every token asks a question, its **query** ``q``; every token offers an answer, its **key** ``k``;
2. the dot product of each query with each key says how relevant that key is: the **score grid**,
   divided by √d_k so its spread does not grow with the size of the vectors;
3. a **mask** may forbid some pairs (a token must not look at later tokens): their score becomes -∞;
4. **softmax** turns each query's row of scores into weights that are ≥ 0 and sum to 1: the
   **attention pattern**;
5. the output for each query is the weighted sum of the **values** ``v``, weighted by the pattern.

Shapes follow one convention everywhere: ``(..., T, d)`` — any leading batch/head axes, then the
sequence axis, then the feature axis. ``Tq`` queries attend ``Tk`` keys.
The test oracle for this module is torch's ``F.scaled_dot_product_attention``.
"""

from __future__ import annotations

import math

import numpy as np

from attnlab.errors import AttnlabError
from attnlab.validate import (
    as_bool_array,
    as_float_array,
    broadcast_shape,
    positive_float,
    positive_int,
)


def softmax(x, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    """Turn scores into weights that are ≥ 0 and sum to 1 along ``axis``.

    ``softmax(x)_i = exp(x_i / t) / Σ_j exp(x_j / t)``, with temperature ``t``: a high ``t``
    flattens the weights towards uniform, a low one sharpens them towards the maximum.

    Stable: the maximum is subtracted before ``exp`` (which changes nothing mathematically), so
    logits of 1e4 do not overflow. Entries of -inf get weight 0; a slice whose entries are all -inf
    has no meaningful weights and raises ``ValueError``.
    """
    x = as_float_array(x, "x", min_ndim=1)
    t = positive_float(temperature, "temperature")
    if not -x.ndim <= axis < x.ndim:
        raise AttnlabError(f"axis {axis} is out of range for x of shape {x.shape}")
    z = x / t
    z_max = np.max(z, axis=axis, keepdims=True)
    if np.isneginf(z_max).any():
        raise AttnlabError(
            f"x has a slice along axis {axis} whose entries are all -inf: softmax is undefined there"
        )
    e = np.exp(z - z_max)
    return e / np.sum(e, axis=axis, keepdims=True)


def causal_mask(n_queries: int, n_keys: int | None = None) -> np.ndarray:
    """Bool array ``(n_queries, n_keys)``, True where query ``i`` may attend key ``j`` (j ≤ i).

    The lower triangle including the diagonal, anchored top-left: the same convention as torch's
    ``scaled_dot_product_attention(..., is_causal=True)``. ``n_keys`` defaults to ``n_queries``.
    """
    n_queries = positive_int(n_queries, "n_queries")
    n_keys = n_queries if n_keys is None else positive_int(n_keys, "n_keys")
    return np.tril(np.ones((n_queries, n_keys), dtype=bool))


def check_shapes(q_shape=None, k_shape=(), v_shape=None) -> None:
    """Raise ``ValueError`` unless the given shapes fit together: queries ``(..., Tq, d_k)`` and
    keys ``(..., Tk, d_k)`` share d_k; keys and values ``(..., Tk, d_v)`` come one value per key."""
    if len(k_shape) < 2:
        return  # k itself is checked (and refused) where it is turned into an array
    if q_shape is not None and q_shape[-1] != k_shape[-1]:
        raise AttnlabError(
            f"q has shape {q_shape} and k has shape {k_shape}: "
            f"their last axes (d_k) must match, got {q_shape[-1]} and {k_shape[-1]}"
        )
    if v_shape is not None and k_shape[-2] != v_shape[-2]:
        raise AttnlabError(
            f"k has shape {k_shape} and v has shape {v_shape}: every key needs one value, "
            f"so their sequence axes (Tk) must match, got {k_shape[-2]} and {v_shape[-2]}"
        )


def attention_scores(q, k, scale: bool = True) -> np.ndarray:
    """The score grid: every query dotted with every key.

    q ``(..., Tq, d_k)``, k ``(..., Tk, d_k)`` → scores ``(..., Tq, Tk)``; row ``i`` holds how much
    query ``i`` aligns with each key. With ``scale`` (the default) divided by √d_k.
    """
    q = as_float_array(q, "q", min_ndim=2)
    k = as_float_array(k, "k", min_ndim=2)
    check_shapes(q_shape=q.shape, k_shape=k.shape)
    broadcast_shape({"q's leading axes": q.shape[:-2], "k's leading axes": k.shape[:-2]})
    scores = q @ np.swapaxes(k, -1, -2)  # (..., Tq, d_k) @ (..., d_k, Tk) -> (..., Tq, Tk)
    return scores / math.sqrt(q.shape[-1]) if scale else scores  # a Python float keeps float32


def apply_mask(scores, mask) -> np.ndarray:
    """Set the scores of forbidden pairs to -inf, so softmax gives them weight exactly 0.

    scores ``(..., Tq, Tk)``; mask bool, broadcastable to it, True = may attend. Raises
    ``ValueError`` if a query would be left with no key at all (its weights would be 0/0 = NaN).
    """
    scores = as_float_array(scores, "scores", min_ndim=2)
    mask = as_bool_array(mask, "mask")
    shape = broadcast_shape({"mask": mask.shape, "scores": scores.shape})
    if shape != scores.shape:
        raise AttnlabError(
            f"mask of shape {mask.shape} must broadcast to the scores' shape {scores.shape} "
            f"(..., Tq, Tk), but together they make {shape}"
        )
    mask = np.broadcast_to(mask, shape)
    blind = ~mask.any(axis=-1)  # (..., Tq): queries that may attend nothing
    if blind.any():
        where = tuple(int(i) for i in np.argwhere(blind)[0])
        raise AttnlabError(
            f"mask leaves {int(blind.sum())} query row(s) with no key to attend, the first at "
            f"index {where}: every query must be allowed at least one key (a row of all -inf has "
            f"no softmax)"
        )
    return np.where(mask, scores, -np.inf)


def attention_pattern(q, k, mask=None) -> np.ndarray:
    """The attention pattern ``softmax(mask(q kᵀ / √d_k))`` over each query's row.

    q ``(..., Tq, d_k)``, k ``(..., Tk, d_k)``; mask bool broadcastable to ``(..., Tq, Tk)``, True =
    may attend → pattern ``(..., Tq, Tk)``, every row summing to 1.
    """
    scores = attention_scores(q, k)  # (..., Tq, Tk)
    if mask is not None:
        scores = apply_mask(scores, mask)
    return softmax(scores, axis=-1)  # (..., Tq, Tk), each row sums to 1


def scaled_dot_product_attention(q, k, v, mask=None) -> tuple[np.ndarray, np.ndarray]:
    """One attention head: ``(output, pattern)``.

    q ``(..., Tq, d_k)``, k ``(..., Tk, d_k)``, v ``(..., Tk, d_v)``; mask bool broadcastable to
    ``(..., Tq, Tk)``, True = may attend. Returns output ``(..., Tq, d_v)`` — for each query, the
    pattern-weighted sum of the values — and the pattern ``(..., Tq, Tk)``, whose rows sum to 1.
    A query that the mask leaves with no key raises ``ValueError`` instead of producing NaN.
    """
    v = as_float_array(v, "v", min_ndim=2)
    check_shapes(k_shape=np.shape(k), v_shape=v.shape)
    pattern = attention_pattern(q, k, mask)  # (..., Tq, Tk)
    broadcast_shape({"pattern's leading axes": pattern.shape[:-2], "v's leading axes": v.shape[:-2]})
    output = pattern @ v  # (..., Tq, Tk) @ (..., Tk, d_v) -> (..., Tq, d_v)
    return output, pattern
