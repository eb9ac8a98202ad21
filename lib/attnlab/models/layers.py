"""Attention, in torch — the modules the course's tiny models are built from.

The NumPy reference (:mod:`attnlab.attention`) computes one head step by step. Here the same idea
becomes trainable torch modules, GPT-2 style:

- :class:`AttentionHead` — one head, readable: query, key, value-down and value-up maps. It returns
  the change it proposes to each embedding and its attention pattern.
- :class:`MultiHeadAttention` — all heads at once: one fused Linear makes every head's queries, keys
  and values; the heads attend in parallel; one Linear maps their outputs back (the value-up maps of
  all heads side by side: the output matrix W_O). Two paths: a **readable** one that builds the
  pattern (scores, mask, softmax) and returns it, and a **fast** one through
  ``F.scaled_dot_product_attention`` (a fused kernel that never stores the T×T pattern) when the
  pattern is not needed.
- :class:`Block` — pre-LayerNorm transformer block: attention, (optional cross-attention), MLP,
  each added to the residual stream.

The models built from them: :mod:`attnlab.models.gpt` (decoder-only) and
:mod:`attnlab.models.translator` (encoder–decoder).

Shapes: B batch, T query positions, S context (key/value) positions, H heads, D d_head,
C d_model, V vocabulary. Masks are bool, True = may attend (as in :mod:`attnlab.attention`),
causal masks anchored top-left (query i sees keys j ≤ i).
Test oracles: ``torch.nn.MultiheadAttention``, attnlab's NumPy attention, ``transformers``' GPT-2.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from attnlab.errors import AttnlabError
from attnlab.validate import default_d_head, positive_int

# --- input checks ----------------------------------------------------------------------------


def check_embeddings(x, name: str, d_model: int, batch: int | None = None) -> None:
    """Raise ``ValueError`` unless ``x`` is a floating tensor ``(B, T, d_model)`` (with ``batch`` rows)."""
    if not isinstance(x, torch.Tensor):
        raise AttnlabError(f"{name} must be a torch.Tensor (B, T, d_model), but got {type(x).__name__}")
    if x.ndim != 3 or x.shape[-1] != d_model:
        raise AttnlabError(f"{name} must have shape (B, T, d_model={d_model}), but has shape "
                           f"{tuple(x.shape)}")
    if not x.is_floating_point():
        raise AttnlabError(f"{name} must hold floats, but its dtype is {x.dtype}")
    if x.shape[1] == 0:
        raise AttnlabError(f"{name} has shape {tuple(x.shape)}: it needs at least one position")
    if batch is not None and x.shape[0] != batch:
        raise AttnlabError(f"{name} has batch size {x.shape[0]} but the queries have batch size {batch}")


def check_token_ids(idx, name: str, vocab_size: int, context_length: int) -> None:
    """Raise ``ValueError`` unless ``idx`` is an integer tensor ``(B, T)``, 1 ≤ T ≤ context_length,
    every id in ``[0, vocab_size)``."""
    integer = isinstance(idx, torch.Tensor) and not idx.is_floating_point() and idx.dtype != torch.bool
    if not integer or idx.ndim != 2:
        shape = tuple(idx.shape) if isinstance(idx, torch.Tensor) else type(idx).__name__
        raise AttnlabError(f"{name} must be an integer tensor of token ids (B, T), but got {shape}")
    if not 1 <= idx.shape[1] <= context_length:
        raise AttnlabError(f"{name} has {idx.shape[1]} positions; this model reads 1 to {context_length}")
    if idx.numel() and (idx.min() < 0 or idx.max() >= vocab_size):
        raise AttnlabError(f"{name} holds ids from {int(idx.min())} to {int(idx.max())}, "
                         f"but the vocabulary has ids 0 to {vocab_size - 1}")


def causal_mask(n_queries: int, n_keys: int, device=None) -> torch.Tensor:
    """Bool ``(n_queries, n_keys)``, True where query i may attend key j (j ≤ i, anchored top-left)."""
    return torch.ones(n_queries, n_keys, dtype=torch.bool, device=device).tril()


def pattern_from_scores(scores: torch.Tensor, causal: bool) -> torch.Tensor:
    """scores ``(..., T, S)`` → pattern ``(..., T, S)``: mask the future if causal, softmax each row."""
    if causal:
        allowed = causal_mask(scores.shape[-2], scores.shape[-1], scores.device)
        scores = scores.masked_fill(~allowed, float("-inf"))
    return scores.softmax(dim=-1)


# --- one head --------------------------------------------------------------------------------


class AttentionHead(nn.Module):
    """One attention head, written out: the 3Blue1Brown picture, trainable.

    ``query`` and ``key`` map each embedding (C) to a small space (D) where their dot products say
    how relevant key j is to query i; ``value`` (value-down, C → D) and ``value_up`` (D → C, no bias)
    together say what a relevant token adds to the one attending to it.

    ``forward(x, context=None)`` → ``(delta (B, T, C), pattern (B, T, S))``: the change the head
    proposes to each embedding, and its pattern (rows sum to 1). Keys and values come from
    ``context`` (cross-attention) or from ``x`` itself (self-attention).
    """

    def __init__(self, d_model: int, d_head: int, causal: bool = False, bias: bool = True):
        super().__init__()
        self.d_model, self.d_head = positive_int(d_model, "d_model"), positive_int(d_head, "d_head")
        self.causal = bool(causal)
        self.query = nn.Linear(d_model, d_head, bias=bias)  # W_Q: C -> D
        self.key = nn.Linear(d_model, d_head, bias=bias)  # W_K: C -> D
        self.value = nn.Linear(d_model, d_head, bias=bias)  # value-down: C -> D
        self.value_up = nn.Linear(d_head, d_model, bias=False)  # value-up: D -> C

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None):
        check_embeddings(x, "x", self.d_model)
        if context is None:
            context = x
        else:
            check_embeddings(context, "context", self.d_model, batch=x.shape[0])
        q = self.query(x)  # (B, T, D)
        k = self.key(context)  # (B, S, D)
        v = self.value(context)  # (B, S, D)
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # (B, T, S)
        pattern = pattern_from_scores(scores, self.causal)  # (B, T, S)
        return self.value_up(pattern @ v), pattern  # (B, T, C), (B, T, S)


# --- all heads at once -----------------------------------------------------------------------


class MultiHeadAttention(nn.Module):
    """``n_heads`` attention heads in parallel, as GPT-2 computes them.

    Parameters: ``qkv`` (C → 3·H·D: every head's queries, keys and values from one matrix product;
    rows ordered queries, keys, values, head by head — the layout of ``nn.MultiheadAttention``'s
    ``in_proj_weight``) and ``out`` (H·D → C: the value-up maps of all heads side by side, plus one
    bias). ``d_head`` defaults to ``d_model // n_heads``; it may be set so that H·D ≠ C.

    ``forward(x, context=None, need_weights=False)``: x ``(B, T, C)``; ``context`` ``(B, S, C)``
    supplies the keys and values for cross-attention (default: x itself, S = T). Returns the output
    ``(B, T, C)``, or with ``need_weights=True`` ``(output, patterns (B, H, T, S))`` computed on the
    readable path. ``causal=True`` lets query i see only keys j ≤ i.
    """

    def __init__(self, d_model: int, n_heads: int, causal: bool = False, bias: bool = True,
                 d_head: int | None = None):
        super().__init__()
        self.d_model, self.n_heads = positive_int(d_model, "d_model"), positive_int(n_heads, "n_heads")
        self.d_head = default_d_head(d_model, n_heads) if d_head is None else positive_int(d_head, "d_head")
        self.causal = bool(causal)
        inner = self.n_heads * self.d_head  # H·D
        self.qkv = nn.Linear(d_model, 3 * inner, bias=bias)  # C -> (queries, keys, values) of all heads
        self.out = nn.Linear(inner, d_model, bias=bias)  # H·D -> C: all value-up maps, side by side

    def split_heads(self, x: torch.Tensor, context: torch.Tensor | None):
        """Queries, keys and values of every head: ``(B, H, T, D)``, ``(B, H, S, D)``, ``(B, H, S, D)``."""
        B, T, _ = x.shape
        H, D = self.n_heads, self.d_head
        if context is None:  # self-attention: one matrix product for q, k and v
            qkv = self.qkv(x).view(B, T, 3, H, D)  # (B, T, 3, H, D)
            return qkv.permute(2, 0, 3, 1, 4).unbind(0)  # 3 x (B, H, T, D), views, no copy
        inner = H * D
        w, b = self.qkv.weight, self.qkv.bias
        q = F.linear(x, w[:inner], None if b is None else b[:inner])  # (B, T, H·D)
        kv = F.linear(context, w[inner:], None if b is None else b[inner:])  # (B, S, 2·H·D)
        q = q.view(B, T, H, D).transpose(1, 2)  # (B, H, T, D)
        k, v = kv.view(B, context.shape[1], 2, H, D).permute(2, 0, 3, 1, 4).unbind(0)  # (B, H, S, D)
        return q, k, v

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None, need_weights: bool = False):
        check_embeddings(x, "x", self.d_model)
        if context is not None:
            check_embeddings(context, "context", self.d_model, batch=x.shape[0])
        if x.dtype != self.qkv.weight.dtype:
            raise AttnlabError(f"x has dtype {x.dtype} but the weights are {self.qkv.weight.dtype}")
        B, T, _ = x.shape
        q, k, v = self.split_heads(x, context)  # (B, H, T, D), (B, H, S, D), (B, H, S, D)
        if need_weights:  # the readable path: build the pattern and keep it
            scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # (B, H, T, S)
            patterns = pattern_from_scores(scores, self.causal)  # (B, H, T, S)
            y = patterns @ v  # (B, H, T, D)
        else:  # the fast path: one fused kernel, the pattern is never stored
            y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)  # (B, H, T, D)
        y = self.out(y.transpose(1, 2).reshape(B, T, self.n_heads * self.d_head))  # (B, T, C)
        return (y, patterns) if need_weights else y

    def head(self, i: int) -> AttentionHead:
        """A standalone :class:`AttentionHead` holding copies of head ``i``'s weights.

        The heads' changes add up to the module's output: ``sum(mha.head(i)(x)[0]) + mha.out.bias``.
        """
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < self.n_heads:
            raise AttnlabError(f"head index must be an int from 0 to {self.n_heads - 1}, but got {i!r}")
        inner, D = self.n_heads * self.d_head, self.d_head
        w, b = self.qkv.weight.detach(), self.qkv.bias
        head = AttentionHead(self.d_model, D, causal=self.causal, bias=b is not None)
        head.to(device=w.device, dtype=w.dtype)
        with torch.no_grad():
            for part, linear in enumerate((head.query, head.key, head.value)):
                rows = slice(part * inner + i * D, part * inner + (i + 1) * D)
                linear.weight.copy_(w[rows])
                if b is not None:
                    linear.bias.copy_(b.detach()[rows])
            head.value_up.weight.copy_(self.out.weight.detach()[:, i * D:(i + 1) * D])
        return head


# --- the transformer block -------------------------------------------------------------------


class MLP(nn.Module):
    """Position-wise feed-forward: C → d_mlp → GELU (tanh approximation, as GPT-2) → C."""

    def __init__(self, d_model: int, d_mlp: int, bias: bool = True):
        super().__init__()
        self.up = nn.Linear(d_model, d_mlp, bias=bias)
        self.down = nn.Linear(d_mlp, d_model, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.gelu(self.up(x), approximate="tanh"))  # (B, T, C)


class Block(nn.Module):
    """Pre-LayerNorm transformer block: ``x += attn(ln(x))``; ``x += cross(ln(x), context)`` if
    ``cross_attention``; ``x += mlp(ln(x))``.

    ``forward(x, context=None, need_weights=False)``: x ``(B, T, C)``; ``context`` ``(B, S, C)`` (the
    encoder's output) is required exactly when the block has cross-attention. Returns x, or
    ``(x, patterns)`` with ``patterns = {"self": (B, H, T, T)}`` plus ``"cross": (B, H, T, S)``.
    """

    def __init__(self, d_model: int, n_heads: int, causal: bool = False, d_head: int | None = None,
                 d_mlp: int | None = None, bias: bool = True, cross_attention: bool = False):
        super().__init__()
        d_mlp = 4 * d_model if d_mlp is None else positive_int(d_mlp, "d_mlp")
        self.ln_1 = nn.LayerNorm(d_model, bias=bias)
        self.attn = MultiHeadAttention(d_model, n_heads, causal=causal, bias=bias, d_head=d_head)
        self.cross_attention = bool(cross_attention)
        if self.cross_attention:
            self.ln_cross = nn.LayerNorm(d_model, bias=bias)
            self.cross_attn = MultiHeadAttention(d_model, n_heads, causal=False, bias=bias, d_head=d_head)
        self.ln_2 = nn.LayerNorm(d_model, bias=bias)
        self.mlp = MLP(d_model, d_mlp, bias=bias)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None, need_weights: bool = False):
        if self.cross_attention and context is None:
            raise AttnlabError("this block has cross-attention: pass context (B, S, d_model), "
                             "the encoder's output")
        if not self.cross_attention and context is not None:
            raise AttnlabError("this block has no cross-attention: it takes no context")
        patterns = {}
        a = self.attn(self.ln_1(x), need_weights=need_weights)
        if need_weights:
            a, patterns["self"] = a  # (B, H, T, T)
        x = x + a  # (B, T, C)
        if self.cross_attention:
            c = self.cross_attn(self.ln_cross(x), context=context, need_weights=need_weights)
            if need_weights:
                c, patterns["cross"] = c  # (B, H, T, S)
            x = x + c
        x = x + self.mlp(self.ln_2(x))  # (B, T, C)
        return (x, patterns) if need_weights else x


def through_blocks(blocks, x: torch.Tensor, context: torch.Tensor | None = None,
                   need_weights: bool = False) -> tuple[torch.Tensor, dict[str, list[torch.Tensor]]]:
    """x ``(B, T, C)`` through every block in turn → ``(x, patterns)``: with ``need_weights``,
    ``patterns["self"]`` holds one ``(B, H, T, T)`` pattern per layer (and ``patterns["cross"]`` one
    ``(B, H, T, S)`` per layer for decoder blocks); otherwise ``{}``."""
    patterns: dict[str, list[torch.Tensor]] = {}
    for block in blocks:
        x = block(x, context=context, need_weights=need_weights)
        if need_weights:
            x, p = x
            for kind, pattern in p.items():
                patterns.setdefault(kind, []).append(pattern)
    return x, patterns


def init_gpt2_(model: nn.Module, n_layers: int) -> None:
    """GPT-2's initialisation: weights N(0, 0.02), biases 0, LayerNorms 1/0, and the projections that
    write into the residual stream (attention ``out``, MLP ``down``) scaled by 1/√(2·n_layers)."""
    for name, p in model.named_parameters():
        if p.is_meta:  # built under torch.device("meta") to be counted: no values to set
            continue
        if p.ndim == 1:
            nn.init.ones_(p) if name.split(".")[-2].startswith("ln") else nn.init.zeros_(p)
        else:
            std = 0.02 / math.sqrt(2 * n_layers) if name.endswith(("out.weight", "down.weight")) else 0.02
            nn.init.normal_(p, mean=0.0, std=std)


