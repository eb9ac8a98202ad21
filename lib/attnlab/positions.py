"""Where a token is: four answers today's models give (NumPy reference).

* **learned absolute** (GPT-2, the course's tiny GPT): a learned vector per position, added to the
  token's embedding — it knows nothing past the trained length;
* **RoPE**, rotary positions (Llama, Qwen, Mistral, SmolLM, Gemma): each query and key is cut into
  pairs of numbers and pair i is *rotated* by the angle ``position · θ_i``, with
  ``θ_i = base^(-2i/D)``. A rotation keeps lengths, and the dot product of a query rotated by m with a
  key rotated by n depends only on **m − n** — the score sees how far apart two tokens are, not
  where they sit;
* **ALiBi** (BLOOM, MPT): no position in the vectors at all; each head adds ``-slope · (i − j)`` to
  the score of query i and key j, a penalty growing linearly with the distance;
* **NoPE**: nothing — a causal mask alone still lets a model count (the tokens before it).

Two layouts of RoPE's pairs exist: ``"half"`` pairs number i with number i + D/2 (Hugging Face's
``rotate_half``, the layout of a hub checkpoint) and ``"interleaved"`` pairs 2i with 2i + 1 (Meta's
original and llama.cpp's GGUF files, whose converter permutes the query and key rows to match).
Shapes: ``(..., T, D)``; positions ``(T,)``. The test oracle is ``transformers``'
``apply_rotary_pos_emb``.
"""

from __future__ import annotations

import numpy as np

from attnlab.errors import AttnlabError
from attnlab.validate import as_float_array, positive_float, positive_int

LAYOUTS = ("half", "interleaved")


def rope_frequencies(d_head: int, base: float = 10_000.0) -> np.ndarray:
    """The D/2 angular speeds ``θ_i = base^(-2i/D)``, i = 0 … D/2 − 1 ``(D/2,)``: pair 0 turns by one
    radian per position, the last pair barely turns."""
    d_head = positive_int(d_head, "d_head")
    if d_head % 2:
        raise AttnlabError(f"RoPE rotates pairs of numbers: d_head must be even, but got {d_head}")
    return 1.0 / positive_float(base, "base") ** (np.arange(0, d_head, 2, dtype=np.float64) / d_head)


def rope_angles(positions, d_head: int, base: float = 10_000.0) -> np.ndarray:
    """``position · θ_i`` for every position and pair: ``(T, D/2)``."""
    positions = np.asarray(positions, dtype=np.float64)
    if positions.ndim != 1:
        raise AttnlabError(f"positions must be one number per token (T,), but got shape {positions.shape}")
    return positions[:, None] * rope_frequencies(d_head, base)[None, :]


def rope(x, positions=None, base: float = 10_000.0, layout: str = "half") -> np.ndarray:
    """Rotate every pair of ``x`` ``(..., T, D)`` by ``positions[t] · θ_i`` (positions default to
    0 … T − 1). Applied to queries and keys, never to values. Returns ``x``'s shape and dtype."""
    x = as_float_array(x, "x", min_ndim=2)
    T, D = x.shape[-2:]
    if layout not in LAYOUTS:
        raise AttnlabError(f"layout must be one of {LAYOUTS}, but got {layout!r}")
    angles = rope_angles(np.arange(T) if positions is None else positions, D, base)  # (T, D/2)
    if angles.shape[0] != T:
        raise AttnlabError(f"x has {T} positions but {angles.shape[0]} positions were given")
    cos, sin = np.cos(angles).astype(x.dtype), np.sin(angles).astype(x.dtype)
    if layout == "half":
        a, b = x[..., : D // 2], x[..., D // 2:]
        return np.concatenate([a * cos - b * sin, b * cos + a * sin], axis=-1)
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2], out[..., 1::2] = a * cos - b * sin, b * cos + a * sin
    return out


def alibi_slopes(n_heads: int) -> np.ndarray:
    """ALiBi's slope per head ``(H,)``: the geometric sequence ``2^(-8/H), 2^(-16/H), …`` (Press et
    al. 2022); for H not a power of two, the closest power's slopes then every other of twice it."""
    n_heads = positive_int(n_heads, "n_heads")
    nearest = 2 ** int(np.floor(np.log2(n_heads)))
    slopes = 2.0 ** (-8.0 * np.arange(1, nearest + 1) / nearest)
    if nearest < n_heads:
        extra = 2.0 ** (-4.0 * np.arange(1, 2 * nearest + 1) / nearest)[0::2]
        slopes = np.concatenate([slopes, extra[: n_heads - nearest]])
    return slopes


def alibi_bias(n_heads: int, n_queries: int, n_keys: int | None = None) -> np.ndarray:
    """The bias ALiBi adds to the scores ``(H, Tq, Tk)``: ``-slope[h] · (i − j)`` for a key j before
    query i (0 on the diagonal; keys after i get ``+slope · (j − i)``, which a causal mask hides)."""
    n_keys = n_queries if n_keys is None else positive_int(n_keys, "n_keys")
    distance = np.arange(positive_int(n_queries, "n_queries"))[:, None] - np.arange(n_keys)[None, :]
    return -alibi_slopes(n_heads)[:, None, None] * distance[None]
