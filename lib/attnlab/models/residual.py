"""The residual stream: a GPT's forward pass, one addition at a time (lesson 09).

A GPT never overwrites a token's vector. It starts from the token's embedding plus its position's
embedding, and then every attention layer and every MLP **adds a change** to it:

    x = tok_emb[ids] + pos_emb[0..T-1]           # (B, T, C)   the stream starts
    for each block:
        x = x + Σ_heads head_change + out_bias   # (B, T, C)   attention: tokens exchange information
        x = x + mlp(ln_2(x))                     # (B, T, C)   MLP: each token on its own
    logits = unembed(ln_f(x))                    # (B, T, V)
    probabilities = softmax(logits)              # (B, T, V)   the next token, at every position

:func:`trace` runs that pass on a :class:`~attnlab.models.gpt.TinyGPT` and keeps every intermediate —
the stream after each step, each head's proposed change, each MLP's change, the patterns — so a
lesson can follow one token through the model. :func:`logit_lens` reads a next-token prediction off
the stream at *any* step, with the model's own final LayerNorm and unembedding ("logit lens").

Shapes: B batch, L layers, H heads, T positions, C d_model, V vocabulary; ``S = 2L + 1`` steps
(the embeddings, then one attention and one MLP per layer). The oracle is the model's own
``forward``: the last step's logits are the model's logits (tested).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch

from attnlab.attention import softmax
from attnlab.errors import AttnlabError
from attnlab.models.gpt import TinyGPT
from attnlab.models.layers import check_token_ids
from attnlab.validate import positive_float


@dataclass(frozen=True)
class Trace:
    """Everything a forward pass adds to the residual stream (NumPy float arrays).

    ``steps``: ``S = 2L + 1`` names — ``"embeddings"``, ``"layer 0 attention"``, ``"layer 0 MLP"``, …
    ``stream`` ``(B, S, T, C)``: the stream *after* each step (``stream[:, 0]`` = token + position).
    ``head_changes`` ``(B, L, H, T, C)``: each head's proposed change (its value-up output).
    ``attention_bias`` ``(L, C)``: the output bias each attention layer adds besides the heads.
    ``mlp_changes`` ``(B, L, T, C)``. ``patterns`` ``(B, L, H, T, T)``. ``logits`` ``(B, T, V)``.
    """

    steps: tuple[str, ...]
    stream: np.ndarray
    head_changes: np.ndarray
    attention_bias: np.ndarray
    mlp_changes: np.ndarray
    patterns: np.ndarray
    logits: np.ndarray


def _check_model(model) -> TinyGPT:
    if not isinstance(model, TinyGPT):
        raise AttnlabError(f"model must be an attnlab.models.gpt.TinyGPT, but got {type(model).__name__}")
    return model


def _skipped(skip_heads, n_layers: int, n_heads: int) -> set[tuple[int, int]]:
    out = set()
    for pair in skip_heads:
        ok = (isinstance(pair, tuple | list) and len(pair) == 2
              and all(isinstance(i, int | np.integer) and not isinstance(i, bool) for i in pair))
        if not ok or not (0 <= pair[0] < n_layers and 0 <= pair[1] < n_heads):
            raise AttnlabError(f"skip_heads must hold (layer, head) pairs with layer < {n_layers} and "
                             f"head < {n_heads}, but got {pair!r}")
        out.add((int(pair[0]), int(pair[1])))
    return out


@torch.no_grad()
def trace(model: TinyGPT, idx, skip_heads: Iterable[tuple[int, int]] = ()) -> Trace:
    """Run ``model`` on token ids ``idx`` ``(B, T)`` step by step and keep every change (see :class:`Trace`).

    ``skip_heads``: ``(layer, head)`` pairs whose proposed changes are *not* added (the head knocked
    out); the rest of the pass runs as usual on the changed stream. Without it, ``logits`` equal
    ``model(idx)``.
    """
    model = _check_model(model)
    idx = torch.as_tensor(np.asarray(idx)) if not isinstance(idx, torch.Tensor) else idx
    c = model.config
    check_token_ids(idx, "idx", c.vocab_size, c.context_length)
    skipped = _skipped(skip_heads, c.n_layers, c.n_heads)
    x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))  # (B, T, C)
    stream, heads, mlps, patterns = [x], [], [], []
    for layer, block in enumerate(model.blocks):
        a = block.ln_1(x)  # (B, T, C): what the heads read
        changes, layer_patterns = zip(*(block.attn.head(h)(a) for h in range(c.n_heads)), strict=True)
        changes = torch.stack(changes, dim=1)  # (B, H, T, C)
        keep = torch.tensor([(layer, h) not in skipped for h in range(c.n_heads)], dtype=x.dtype)
        x = x + (changes * keep[:, None, None]).sum(dim=1) + block.attn.out.bias  # (B, T, C)
        stream.append(x)
        m = block.mlp(block.ln_2(x))  # (B, T, C)
        x = x + m
        stream.append(x)
        heads.append(changes)
        mlps.append(m)
        patterns.append(torch.stack(layer_patterns, dim=1))  # (B, H, T, T)
    logits = model.unembed(model.ln_f(x))  # (B, T, V)
    steps = ("embeddings", *(f"layer {i} {part}" for i in range(c.n_layers) for part in ("attention", "MLP")))
    return Trace(steps=steps, stream=torch.stack(stream, dim=1).numpy(),
                 head_changes=torch.stack(heads, dim=1).numpy(),
                 attention_bias=torch.stack([b.attn.out.bias for b in model.blocks]).numpy(),
                 mlp_changes=torch.stack(mlps, dim=1).numpy(),
                 patterns=torch.stack(patterns, dim=1).numpy(), logits=logits.numpy())


@torch.no_grad()
def logit_lens(model: TinyGPT, stream, temperature: float = 1.0) -> np.ndarray:
    """Next-token probabilities read off residual-stream vectors ``(..., C)`` → ``(..., V)``.

    ``softmax(unembed(ln_f(x)) / temperature)`` over the vocabulary — exactly what the model does
    after its last block, applied to the stream at any step.
    """
    model = _check_model(model)
    temperature = positive_float(temperature, "temperature")
    x = torch.as_tensor(np.asarray(stream, dtype=np.float32))
    if x.ndim == 0 or x.shape[-1] != model.config.d_model:
        raise AttnlabError(f"stream must have shape (..., d_model={model.config.d_model}), "
                         f"but has shape {tuple(x.shape)}")
    logits = model.unembed(model.ln_f(x)).double().numpy()  # (..., V)
    return softmax(logits, axis=-1, temperature=temperature)
