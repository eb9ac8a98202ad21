"""Multi-head latent attention (MLA, DeepSeek-V2/V3): keys and values from one small shared latent.

GQA shrinks the KV cache by sharing heads. MLA shrinks it by **compressing**: each token's d_model
vector is pressed into one latent ``c = x @ W_down_kv`` of r numbers (r ≪ H·D), and that is all the
cache keeps. Each head expands its own keys and values from it: ``k_h = c @ W_up_k[h]``,
``v_h = c @ W_up_v[h]``. Because ``q_h · k_h = (q_h @ W_up_k[h]ᵀ) · c``, the expansion of the keys
can be folded into the queries (and that of the values into the output) — attention then reads the
latent directly, and the cache is r numbers per token per layer.

The caveat: RoPE rotates keys by position, and a rotated key can no longer be folded into the query
(the rotation sits between the two matrices). DeepSeek therefore keeps a small **decoupled** RoPE
part: ``d_rope`` extra numbers per token, one key shared by all heads, rotated and cached beside the
latent. Cache per token per layer: ``r + d_rope`` numbers (DeepSeek-V3: 512 + 64), against
``2 · G · D`` for GQA. This module builds the no-RoPE core to show the compression; the tests check
that it equals multi-head attention on the expanded keys and values.
Shapes: x ``(T, C)``, latent ``(T, r)``, per head ``(H, T, D)``.
"""

from __future__ import annotations

import numpy as np

from attnlab.attention import causal_mask, scaled_dot_product_attention
from attnlab.validate import as_float_array


def compress(x, W_down_kv) -> np.ndarray:
    """The latent each token leaves in the cache: ``(T, C) @ (C, r) → (T, r)``."""
    return as_float_array(x, "x", min_ndim=2) @ as_float_array(W_down_kv, "W_down_kv", min_ndim=2)


def expand(latent, W_up) -> np.ndarray:
    """Per-head keys or values from the latent: ``(T, r) @ (H, r, D) → (H, T, D)``."""
    return as_float_array(latent, "latent", min_ndim=2) @ as_float_array(W_up, "W_up", min_ndim=3)


def latent_attention(x, W_Q, W_down_kv, W_up_k, W_up_v, causal: bool = True):
    """MLA without its RoPE part: queries ``x @ W_Q`` ``(H, T, D)``, keys and values expanded from the
    latent → (outputs ``(H, T, D)``, patterns ``(H, T, T)``, latent ``(T, r)`` — what is cached)."""
    latent = compress(x, W_down_kv)
    q = as_float_array(x, "x", min_ndim=2) @ as_float_array(W_Q, "W_Q", min_ndim=3)  # (H, T, D)
    mask = causal_mask(len(latent)) if causal else None
    out, pattern = scaled_dot_product_attention(q, expand(latent, W_up_k), expand(latent, W_up_v), mask)
    return out, pattern, latent


def absorbed_scores(x, W_Q, W_down_kv, W_up_k) -> np.ndarray:
    """The same scores read straight from the latent: ``(q_h @ W_up_k[h]ᵀ) · c / √D`` ``(H, T, T)`` —
    the keys are never expanded."""
    q = np.asarray(x) @ np.asarray(W_Q)  # (H, T, D)
    q_latent = q @ np.swapaxes(np.asarray(W_up_k), -1, -2)  # (H, T, D) @ (H, D, r) -> (H, T, r)
    return q_latent @ compress(x, W_down_kv).T / np.sqrt(q.shape[-1])  # (H, T, r) @ (r, T)
