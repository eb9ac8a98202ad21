"""The KV cache, counted: what generating text token by token stores, and the arithmetic it saves.

A GPT writes one token at a time. Step t needs the keys and values of every earlier position, in
every layer — and they never change once computed (a causal mask keeps position j from seeing
anything after it). So generation **stores** them, the *KV cache*, and each new token computes only
its own query, key and value before attending to the cache:

    bytes per token = 2 (a key and a value) · n_layers · n_heads·d_head · bytes per number

GPT-3 175B at fp16: 2 · 96 · 12 288 · 2 = 4 718 592 bytes ≈ 4.7 MB per token, ≈ 9.7 GB for a full
2048-token context. Without the cache every step runs the whole prefix through the model again.

FLOPs count one multiply and one add as 2; softmax, LayerNorm and GELU (a few per number) are left
out, as in :mod:`attnlab.costs`. Measured against torch's FLOP counter on the tiny GPT in
:mod:`attnlab.models.cached`.
"""

from __future__ import annotations

from attnlab.costs import matmul_flops
from attnlab.errors import AttnlabError
from attnlab.params import ModelConfig
from attnlab.validate import positive_int


def kv_cache_bytes(config: ModelConfig, n_tokens: int = 1, itemsize: int = 2) -> int:
    """Bytes of the keys and values of ``n_tokens`` positions, every layer and head, at ``itemsize``
    bytes per number (2 = fp16): ``2 · n_layers · n_heads · d_head · n_tokens · itemsize``."""
    if not isinstance(config, ModelConfig):
        raise AttnlabError(f"config must be a ModelConfig (e.g. attnlab.params.PRESETS['gpt3-175b']), "
                         f"but got {type(config).__name__}")
    n_tokens, itemsize = positive_int(n_tokens, "n_tokens"), positive_int(itemsize, "itemsize")
    return 2 * config.n_layers * config.attention_width * n_tokens * itemsize


def forward_flops(config: ModelConfig, n_new: int, n_keys: int, n_unembedded: int) -> int:
    """FLOPs of ``n_new`` positions through every block, each attending ``n_keys`` keys, and
    ``n_unembedded`` of them through the unembedding.

    Per layer: queries, keys and values ``(n_new, C) @ (C, 3·H·D)``; scores and weighted sum
    ``2 · H · (n_new, D) @ (D, n_keys)``; output ``(n_new, H·D) @ (H·D, C)``; MLP up and down.
    """
    C, HD, M = config.d_model, config.attention_width, config.d_mlp
    n_new, n_keys = positive_int(n_new, "n_new"), positive_int(n_keys, "n_keys")
    per_layer = (matmul_flops(n_new, C, 3 * HD)
                 + 2 * config.n_heads * matmul_flops(n_new, config.d_head, n_keys)
                 + matmul_flops(n_new, HD, C)
                 + matmul_flops(n_new, C, M) + matmul_flops(n_new, M, C))
    unembed = matmul_flops(n_unembedded, C, config.vocab_size) if n_unembedded else 0
    return config.n_layers * per_layer + unembed


def generation_flops(config: ModelConfig, n_prompt: int, n_new: int, cached: bool) -> int:
    """FLOPs of generating ``n_new`` tokens after a prompt of ``n_prompt``, greedily.

    Without the cache step t runs all ``n_prompt + t`` positions again (and, like
    ``TinyGPT.forward``, unembeds every one); with it the first step runs the prompt and every later
    step one position against the cache, unembedding only the last position.
    """
    n_prompt, n_new = positive_int(n_prompt, "n_prompt"), positive_int(n_new, "n_new")
    if not cached:
        return sum(forward_flops(config, T, T, T) for T in range(n_prompt, n_prompt + n_new))
    steps = forward_flops(config, n_prompt, n_prompt, 1)
    return steps + sum(forward_flops(config, 1, T, 1) for T in range(n_prompt + 1, n_prompt + n_new))


# --- what today's models cache: shared heads, windows, latents -------------------------------------


def grouped_kv_cache_bytes(n_layers: int, n_kv_heads: int, d_head: int, n_tokens: int = 1,
                           itemsize: int = 2, window: int | None = None) -> int:
    """Bytes of the KV cache of a model whose layers keep ``n_kv_heads`` key/value heads (all query
    heads for MHA, G for GQA, 1 for MQA): ``2 · n_layers · n_kv_heads · d_head · tokens · itemsize``,
    where a sliding ``window`` keeps at most ``window`` tokens."""
    kept = positive_int(n_tokens, "n_tokens")
    if window is not None:
        kept = min(kept, positive_int(window, "window"))
    return (2 * positive_int(n_layers, "n_layers") * positive_int(n_kv_heads, "n_kv_heads")
            * positive_int(d_head, "d_head") * kept * positive_int(itemsize, "itemsize"))


def latent_kv_cache_bytes(n_layers: int, d_latent: int, d_rope: int, n_tokens: int = 1,
                          itemsize: int = 2) -> int:
    """Bytes of multi-head latent attention's cache: one latent of ``d_latent`` numbers and one
    decoupled RoPE key of ``d_rope`` per token per layer (:mod:`attnlab.latent`)."""
    return (positive_int(n_layers, "n_layers") * (positive_int(d_latent, "d_latent") + int(d_rope))
            * positive_int(n_tokens, "n_tokens") * positive_int(itemsize, "itemsize"))


def cache_comparison(n_layers: int, n_heads: int, d_head: int, n_tokens: int, itemsize: int = 2, *,
                     n_kv_heads: int, window: int, d_latent: int, d_rope: int) -> dict[str, int]:
    """The KV cache of one model shape with each kind of attention, in bytes: ``"MHA"`` (every head),
    ``"GQA"`` (``n_kv_heads``), ``"MQA"`` (one), ``"GQA + window"`` and ``"MLA"``."""
    kv = lambda g, w=None: grouped_kv_cache_bytes(n_layers, g, d_head, n_tokens, itemsize, w)  # noqa: E731
    return {"MHA": kv(n_heads), "GQA": kv(n_kv_heads), "MQA": kv(1), "GQA + window": kv(n_kv_heads, window),
            "MLA": latent_kv_cache_bytes(n_layers, d_latent, d_rope, n_tokens, itemsize)}
