"""The usual mistakes of ``10_your_own_gpt``'s torch modules, computed from the course's own modules.

:func:`attention_variant` and :func:`block_variant` run the course's ``MultiHeadAttention`` and
``Block`` the wrong way on purpose — no √d, the mask after softmax, heads averaged, no mask, a missing
residual, post-LN — so a check can say which mistake a learner's output equals
(:func:`compare_with_mistakes`), not just that the numbers differ.
"""

from __future__ import annotations

import functools
import math

from attnlab.checks.own_gpt_weights import Mistake, is_mistake, mistake_text
from attnlab.errors import AttnlabError

D_MODEL, N_HEADS, T, B = 12, 3, 5, 2


def torch_module():
    import torch

    return torch


# --- the course's modules with large random weights, and the usual mistakes -----------------------


@functools.cache
def reference_modules():
    torch = torch_module()
    from attnlab.models.layers import Block, MultiHeadAttention

    torch.manual_seed(0)
    mha = MultiHeadAttention(D_MODEL, N_HEADS, causal=True).eval().requires_grad_(False)
    block = Block(D_MODEL, N_HEADS, causal=True).eval().requires_grad_(False)
    with torch.no_grad():
        for p in [*mha.parameters(), *block.parameters()]:
            p.normal_(0.0, 0.5)
    x = torch.randn(B, T, D_MODEL, generator=torch.Generator().manual_seed(1))
    return mha, block, x


def attention_variant(mha, x, scale: bool = True, mask: str = "before", combine: str = "sum"):
    """The course's ``mha`` on x ``(B, T, C)``, computed right or with one usual mistake:
    ``scale=False`` (no √d), ``mask`` ``"after"`` (weights zeroed after softmax) or ``"none"``,
    ``combine="mean"`` (the heads' changes averaged, not summed)."""
    torch = torch_module()
    q, k, v = mha.split_heads(x, None)  # (B, H, T, D) each
    scores = q @ k.transpose(-2, -1) / (math.sqrt(mha.d_head) if scale else 1.0)  # (B, H, T, T)
    future = torch.ones(x.shape[1], x.shape[1], dtype=torch.bool).triu(1)
    if mask == "before":
        pattern = scores.masked_fill(future, float("-inf")).softmax(-1)
    else:
        pattern = scores.softmax(-1)
        if mask == "after":
            pattern = pattern.masked_fill(future, 0.0)
    heads = (pattern @ v).transpose(1, 2).reshape(*x.shape[:2], -1)  # (B, T, H·D)
    change = heads @ mha.out.weight.T  # (B, T, C): the heads' changes, summed
    if combine == "mean":
        change = change / mha.n_heads
    return change + mha.out.bias


ATTENTION_MISTAKES = {
    "no √d: divide the scores by math.sqrt(d_head) before softmax": dict(scale=False),
    "the mask comes after softmax: set the future's scores to -inf BEFORE softmax (zeroing weights "
    "afterwards leaves rows that no longer sum to 1)": dict(mask="after"),
    "not causal: mask the future (position i may see only 0 … i) with scores.masked_fill(future, "
    "-inf)": dict(mask="none"),
    "heads averaged: the heads' changes are ADDED (self.out on the heads side by side sums them), "
    "not averaged": dict(combine="mean"),
}


def block_variant(block, x, mistake: str):
    """The course's ``block`` on x with one usual mistake (``"no_attention_residual"``,
    ``"no_mlp_residual"``, ``"post_ln"``, ``"mlp_reads_old_x"``)."""
    attn = block.attn(block.ln_1(x))
    if mistake == "no_attention_residual":
        return attn + block.mlp(block.ln_2(attn))
    if mistake == "no_mlp_residual":
        return block.mlp(block.ln_2(x + attn))
    if mistake == "post_ln":
        y = block.ln_1(x + block.attn(x))
        return block.ln_2(y + block.mlp(y))
    if mistake == "mlp_reads_old_x":
        return x + attn + block.mlp(block.ln_2(x))
    raise AttnlabError(f"unknown mistake {mistake!r}")


BLOCK_MISTAKES = {
    "missing residual around attention: x = x + self.attn(self.ln_1(x)) — ADD the change to x, "
    "do not replace x by it": "no_attention_residual",
    "missing residual around the MLP: return x + self.mlp(self.ln_2(x))": "no_mlp_residual",
    "post-LayerNorm: this block is pre-LN — each part reads self.ln_…(x), and x itself is never "
    "normalised": "post_ln",
    "the MLP reads the stream from before attention: compute x = x + attention first, then the "
    "MLP on ln_2 of that new x": "mlp_reads_old_x",
}


def as_tensor(got):
    torch = torch_module()
    if isinstance(got, tuple) and got and isinstance(got[0], torch.Tensor):
        return Mistake(f"forward returned a tuple of {len(got)} — return only the output tensor (B, T, C)")
    if not isinstance(got, torch.Tensor):
        return Mistake(f"forward returned {type(got).__name__}, expected a tensor (B, T, C)")
    return got


def compare_with_mistakes(mistakes: dict, variant, atol: float = 1e-5):
    """A compare for run_check: ``got`` (output or Mistake) against ``expected`` — and, if wrong,
    against each usual mistake ``variant(kwargs)``."""
    torch = torch_module()

    def compare(got, expected):
        if is_mistake(got):
            return mistake_text(got)
        got = as_tensor(got)
        if is_mistake(got):
            return mistake_text(got)
        out, module_and_x = expected
        if tuple(got.shape) != tuple(out.shape):
            return f"expected shape {tuple(out.shape)} (B, T, C), got {tuple(got.shape)}"
        got = got.detach().double()
        if torch.allclose(got, out.double(), rtol=0, atol=atol):
            return None
        for line, kwargs in mistakes.items():
            with torch.no_grad():
                wrong = variant(*module_and_x, kwargs).double()
            if torch.allclose(got, wrong, rtol=0, atol=atol):
                return line
        diff = float((got - out.double()).abs().max())
        return f"your output differs from the course's module by up to {diff:.3g}"

    return compare
