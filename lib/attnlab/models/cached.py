"""Generating with a KV cache, on the course's tiny GPT: the same tokens, a fraction of the arithmetic.

:func:`generate` runs a :class:`~attnlab.models.gpt.TinyGPT` greedily, token by token, either the
plain way — every step feeds the whole text through the model again — or with a **KV cache**: each
layer keeps the keys and values of the positions already seen (they never change under a causal
mask), so each step computes one position's query, key and value and attends to the cache.
Both paths write attention out as matrix products, so torch's FLOP counter sees all of it
(:func:`counted_flops`); the counts match :func:`attnlab.kvcache.generation_flops`.
"""

from __future__ import annotations

import math

import torch
from torch.utils.flop_counter import FlopCounterMode

from attnlab.errors import AttnlabError
from attnlab.models.gpt import TinyGPT
from attnlab.models.layers import pattern_from_scores
from attnlab.validate import positive_int

Cache = list[tuple[torch.Tensor, torch.Tensor]]  # per layer: keys, values (B, H, S, D)


def _attend(attn, x: torch.Tensor, cache: Cache, layer: int) -> torch.Tensor:
    """One layer's attention for the new positions x ``(B, T_new, C)``: their keys and values join
    the layer's cache, their queries attend every cached position → ``(B, T_new, C)``."""
    q, k, v = attn.split_heads(x, None)  # (B, H, T_new, D) each
    if layer < len(cache):
        k = torch.cat([cache[layer][0], k], dim=2)  # (B, H, S, D)
        v = torch.cat([cache[layer][1], v], dim=2)
        cache[layer] = (k, v)
    else:
        cache.append((k, v))
    B, H, T_new, D = q.shape
    scores = q @ k.transpose(-2, -1) / math.sqrt(D)  # (B, H, T_new, S)
    if T_new > 1:  # the prompt: causal among its own positions (the cache is empty then)
        pattern = pattern_from_scores(scores, causal=True)
    else:  # one new position: it may see every cached one
        pattern = scores.softmax(dim=-1)
    y = (pattern @ v).transpose(1, 2).reshape(B, T_new, H * D)  # (B, T_new, H·D)
    return attn.out(y)  # (B, T_new, C)


def _step(model: TinyGPT, new: torch.Tensor, start: int, cache: Cache) -> torch.Tensor:
    """new ids ``(B, T_new)`` at positions start … → the last position's logits ``(B, V)``."""
    positions = torch.arange(start, start + new.shape[1])  # (T_new,)
    x = model.tok_emb(new) + model.pos_emb(positions)  # (B, T_new, C)
    for layer, block in enumerate(model.blocks):
        x = x + _attend(block.attn, block.ln_1(x), cache, layer)
        x = x + block.mlp(block.ln_2(x))
    return model.unembed(model.ln_f(x[:, -1]))  # (B, V)


@torch.no_grad()
def generate(model: TinyGPT, idx: torch.Tensor, n_new: int, cached: bool = True) -> torch.Tensor:
    """Greedy generation of ``n_new`` tokens after idx ``(B, T)`` → ``(B, T + n_new)``, with a KV cache
    or (``cached=False``) feeding the whole text each step. The text must fit the context."""
    if not isinstance(model, TinyGPT):
        raise AttnlabError(f"model must be a TinyGPT, but got {type(model).__name__}")
    if not model.config.causal:
        raise AttnlabError("a KV cache needs a causal model: without the mask, old positions' keys and "
                         "values change whenever a token is added")
    n_new = positive_int(n_new, "n_new")
    if idx.ndim != 2 or idx.shape[1] + n_new > model.config.context_length:
        raise AttnlabError(f"idx (B, T) with T + n_new ≤ context_length={model.config.context_length}, "
                         f"but got shape {tuple(idx.shape)} and n_new={n_new}")
    cache: Cache = []
    new, start = idx, 0
    for _ in range(n_new):
        if cached:
            logits = _step(model, new, start, cache)
            start += new.shape[1]
        else:
            logits = model(idx, need_weights=True)[0][:, -1]  # (B, V): the readable path, all T again
        new = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
        idx = torch.cat([idx, new], dim=1)
    return idx


def counted_flops(model: TinyGPT, idx: torch.Tensor, n_new: int, cached: bool) -> tuple[torch.Tensor, int]:
    """:func:`generate`'s output and the FLOPs torch's ``FlopCounterMode`` counted while it ran."""
    with FlopCounterMode(display=False) as counter:
        out = generate(model, idx, n_new, cached=cached)
    return out, counter.get_total_flops()
