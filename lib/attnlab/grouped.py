"""Grouped-query and multi-query attention: fewer key/value heads than query heads (NumPy reference).

Multi-head attention gives every one of its H query heads its own keys and values. Generating text,
those keys and values are what the KV cache stores, token after token. **Grouped-query attention**
(GQA; Llama 2 70B, Llama 3, Mistral, Qwen, SmolLM2) keeps H query heads but only G key/value heads:
query head h reads key/value head ``h // (H / G)`` — consecutive query heads form a group. The cache
shrinks H / G times. G = 1 is **multi-query attention** (MQA); G = H is multi-head attention again.

``repeat_kv`` copies each key/value head H / G times, *next to itself*, so a plain multi-head
attention can run on the result — what ``transformers`` does (its ``repeat_kv`` is the test oracle).
Shapes: queries ``(H, T, D)``, keys and values ``(G, T, D)``.
"""

from __future__ import annotations

import numpy as np

from attnlab.attention import causal_mask, scaled_dot_product_attention
from attnlab.errors import AttnlabError
from attnlab.validate import as_float_array, positive_int


def group_size(n_heads: int, n_kv_heads: int) -> int:
    """H / G: how many query heads share one key/value head (G must divide H)."""
    n_heads, n_kv_heads = positive_int(n_heads, "n_heads"), positive_int(n_kv_heads, "n_kv_heads")
    if n_heads % n_kv_heads:
        raise AttnlabError(f"{n_kv_heads} key/value heads cannot be shared evenly by {n_heads} query heads: "
                         f"n_kv_heads must divide n_heads")
    return n_heads // n_kv_heads


def kv_head_of(n_heads: int, n_kv_heads: int) -> np.ndarray:
    """The key/value head each query head reads ``(H,)``: ``h // (H / G)``."""
    return np.arange(n_heads) // group_size(n_heads, n_kv_heads)


def repeat_kv(x, n_rep: int) -> np.ndarray:
    """``(..., G, T, D)`` → ``(..., G·n_rep, T, D)``: each key/value head repeated ``n_rep`` times in
    place (head g becomes heads g·n_rep … g·n_rep + n_rep − 1)."""
    x = as_float_array(x, "x", min_ndim=3)
    return np.repeat(x, positive_int(n_rep, "n_rep"), axis=-3)


def grouped_query_attention(q, k, v, mask=None, causal: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Attention of H query heads ``q (H, T, D)`` over G shared key/value heads ``k, v (G, T, D)``:
    (outputs ``(H, T, D)``, patterns ``(H, T, T)``). ``causal`` adds the causal mask."""
    q, k = as_float_array(q, "q", min_ndim=3), as_float_array(k, "k", min_ndim=3)
    n_rep = group_size(q.shape[-3], k.shape[-3])
    if causal:
        mask = causal_mask(q.shape[-2], k.shape[-2]) if mask is None else mask & causal_mask(*mask.shape[-2:])
    return scaled_dot_product_attention(q, repeat_kv(k, n_rep), repeat_kv(v, n_rep), mask)
