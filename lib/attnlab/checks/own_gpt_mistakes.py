"""The usual mistakes of ``10_your_own_gpt``'s torch modules, computed from the course's own modules,
and how a probe's measurements (:mod:`attnlab.checks.own_gpt_probes`) name them.

:func:`attention_variant` and :func:`block_variant` run the course's ``MultiHeadAttention`` and
``Block`` the wrong way on purpose — the split (B, T, H, 3, D), no transpose back, √C or no √D, the
mask after softmax or filled with 0, softmax over the queries, the diagonal masked, heads averaged,
a missing residual, post-LN — so a check can say which mistake a learner's output equals. When it
equals none (two slips at once), the probes still say which property fails: causality, the heads'
permutation invariance, rows summing to 1, or the factor that would cancel a wrong scale.
"""

from __future__ import annotations

import functools

from attnlab.checks.own_gpt_weights import is_mistake, mistake_text
from attnlab.errors import AttnlabError

D_MODEL, N_HEADS, T, B = 12, 3, 5, 2
ATOL = 1e-5


def torch_module():
    import torch

    return torch


# --- the course's modules with large random weights, and the usual mistakes -----------------------


@functools.cache
def reference_modules():
    torch = torch_module()
    from attnlab.models.layers import Block, MultiHeadAttention

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        mha = MultiHeadAttention(D_MODEL, N_HEADS, causal=True).eval().requires_grad_(False)
        block = Block(D_MODEL, N_HEADS, causal=True).eval().requires_grad_(False)
    with torch.no_grad():
        g = torch.Generator().manual_seed(0)
        for p in [*mha.parameters(), *block.parameters()]:
            p.copy_(0.5 * torch.randn(p.shape, generator=g))
    x = torch.randn(B, T, D_MODEL, generator=torch.Generator().manual_seed(1))
    return mha, block, x


def attention_variant(mha, x, split: str = "3HD", transpose_back: bool = True, scale: str = "D",
                      mask: str = "before", fill: float = float("-inf"), dim: int = -1, diagonal: int = 1,
                      combine: str = "sum"):
    """The course's ``mha`` (its weights) on x ``(B, T, C)``, right or with one usual slip: ``split``
    ``"H3D"`` (the fused output read as (B, T, H, 3, D)), ``transpose_back=False`` (``(B, H, T, D)``
    reshaped straight to (B, T, C)), ``scale`` ``"C"``/``"D1"``/``"none"`` (√C, D, nothing),
    ``mask`` ``"after"`` (weights zeroed after softmax) or ``"none"``, ``fill`` (the masked score),
    ``dim`` (softmax's axis), ``diagonal`` (0: a token cannot see itself), ``combine="mean"``."""
    torch = torch_module()
    b, t, c = x.shape
    H, D = mha.n_heads, mha.d_head
    fused = mha.qkv(x)  # (B, T, 3·H·D)
    if split == "3HD":
        q, k, v = fused.view(b, t, 3, H, D).permute(2, 0, 3, 1, 4)  # 3 × (B, H, T, D)
    else:
        q, k, v = fused.view(b, t, H, 3, D).permute(3, 0, 2, 1, 4)
    scores = q @ k.transpose(-2, -1) / {"D": D ** 0.5, "C": c ** 0.5, "none": 1.0, "D1": float(D)}[scale]
    future = torch.ones(t, t, dtype=torch.bool).triu(diagonal)
    if mask == "before":
        scores = scores.masked_fill(future, fill)
    pattern = scores.softmax(dim)
    if mask == "after":
        pattern = pattern.masked_fill(future, 0.0)
    y = pattern @ v  # (B, H, T, D)
    y = y.transpose(1, 2).reshape(b, t, H * D) if transpose_back else y.reshape(b, t, H * D)
    change = y @ mha.out.weight.T  # (B, T, C): the heads' changes, summed
    if combine == "mean":
        change = change / H
    return change + mha.out.bias


SPLIT = ("the split reads the fused output as (B, T, H, 3, D): `qkv` holds all queries, then all "
         "keys, then all values — view it as (B, T, 3, H, D), then permute(2, 0, 3, 1, 4)")
TRANSPOSE = ("the heads are merged without the transpose back: y is (B, H, T, D) — "
             "y.transpose(1, 2).reshape(B, T, C) puts each position's heads side by side; a plain "
             "reshape mixes positions and heads")
SCALES = {
    "none": "no √d: divide the scores by math.sqrt(d_head) before softmax",
    "C": "the scores are divided by √C (√d_model): divide by √D, the size of one head (d_head = C / H)",
    "D1": "the scores are divided by D: divide by its square root, math.sqrt(d_head)",
}
NOT_CAUSAL = ("not causal: mask the future (position i may see only 0 … i) with "
              "scores.masked_fill(future, float('-inf'))")
HEADS_AVERAGED = ("heads averaged: the heads' changes are ADDED (self.out on the heads side by side "
                  "sums them), not averaged")
HEADS_MERGED = ("the heads are averaged (or summed) before self.out: each head has its own value-up map "
                "(its D columns of out) — put the heads side by side, y.transpose(1, 2).reshape(B, T, H·D), "
                "and self.out adds up their changes (your output is right only when every head's map is "
                "the same)")
MASK_AFTER = ("the mask comes after softmax: set the future's scores to -inf BEFORE softmax (zeroing "
              "weights afterwards leaves rows that no longer sum to 1)")
WRONG_AXIS = ("softmax over the wrong axis: each row of the pattern (one query) must sum to 1 — "
              "softmax(dim=-1), over the keys, not dim=-2")
# Slips named by the output they give on the case's weights; the scale, the softmax's axis and the
# mask after softmax are named by the probes instead (attention_probes_say), whatever else is wrong.
ATTENTION_MISTAKES = {
    SPLIT: dict(split="H3D"),
    TRANSPOSE: dict(transpose_back=False),
    "the mask value is 0: a masked score must be -inf (masked_fill(future, float('-inf'))) — a "
    "score of 0 still gets weight exp(0) after softmax, so the future leaks in": dict(fill=0.0),
    "the diagonal is masked too: a token must see itself — triu(1) marks only the future (position 0 "
    "is left with nothing to attend to, hence NaN)": dict(diagonal=0),
    NOT_CAUSAL: dict(mask="none"),
    HEADS_AVERAGED: dict(combine="mean"),
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


# --- comparing tensors, NaN said as NaN -------------------------------------------------------------


def same(got, want, atol: float = ATOL) -> bool:
    torch = torch_module()
    if not isinstance(got, torch.Tensor) or tuple(got.shape) != tuple(want.shape):
        return False
    return bool(torch.allclose(got.double(), want.double(), rtol=0, atol=atol, equal_nan=True))


def nan_text(got, what: str = "output") -> str | None:
    """``"your output is NaN at 12 of 120 entries, all at position 0"`` — or None if it has none."""
    torch = torch_module()
    bad = torch.isnan(got)
    if not bad.any():
        return None
    positions = sorted({int(t) for t in torch.nonzero(bad)[:, 1]}) if got.dim() >= 2 else []
    where = (f", all at position {positions[0]}" if len(positions) == 1
             else f", at positions {', '.join(map(str, positions[:6]))}" if positions else "")
    return f"your {what} is NaN at {int(bad.sum()):,} of {bad.numel():,} entries{where}"


def differs_text(got, want, what: str = "output", whose: str = "the course's module") -> str:
    """How far ``got`` is from ``want`` (same shape), NaN named as NaN."""
    nan = nan_text(got, what)
    if nan is not None:
        return nan + " (a row of the pattern with every score at -inf gives NaN after softmax)"
    diff = float((got.double() - want.double()).abs().max())
    return f"your {what} differs from {whose}'s by up to {diff:.3g} — none of the usual slips"


def shape_text(got, want, axes: str) -> str | None:
    if tuple(got.shape) != tuple(want.shape):
        return f"expected shape {tuple(want.shape)} {axes}, got {tuple(got.shape)}"
    return None


def moved_text(out, later, what: str) -> str | None:
    """``"not causal: …"`` if changing the last position moved an earlier one's output."""
    torch = torch_module()
    if is_mistake(later):
        return mistake_text(later)
    a, b = out[:, :-1], later[:, :-1]
    moved = torch.where(torch.isnan(a) & torch.isnan(b), 0.0, torch.nan_to_num((a - b).abs(), nan=1.0))
    moved = moved.amax(dim=tuple(i for i in range(moved.dim()) if i != 1))
    if not (moved > 1e-6).any():
        return None
    first = int(torch.nonzero(moved > 1e-6)[0])
    return (f"not causal: changing the last {what} moved the output at position {first} "
            f"(by {float(moved[first]):.3g}) — a position must not see later ones")


def unused_text(names: list[str], what: str) -> str | None:
    """``"your Block never uses ln_2 (…)"`` for the weights a probe found the output not to depend on
    (the course's modules use every one of theirs)."""
    if not names:
        return None
    layers = list(dict.fromkeys(n.rsplit(".", 1)[0] if "." in n else n for n in names))
    said = ", ".join(f"`{layer}`" for layer in layers[:3]) + (" …" if len(layers) > 3 else "")
    shown = ", ".join(names[:4]) + (" …" if len(names) > 4 else "")
    return (f"your {what} never uses {said}: changing {shown} leaves its output exactly as it was — "
            "call each layer where the course's forward does, once")


def heads_counted(got, block, x) -> str | None:
    """If ``got`` is the course's ``block`` (its weights) with its attention split into another number
    of heads: how many the learner's Block used."""
    from attnlab.models.layers import Block

    torch = torch_module()
    C, H = block.attn.d_model, block.attn.n_heads
    for h in (h for h in range(1, C + 1) if C % h == 0 and h != H):
        other = Block(C, h, causal=True).eval()
        with torch.no_grad():
            other.load_state_dict(block.state_dict())
            if same(got, other(x)):
                return (f"your Block's attention runs {h} heads, not n_heads = {H}: build it as "
                        "MultiHeadAttention(d_model, n_heads) — the heads' count, not their size")
    return None


def variant_named(got, mistakes: dict, variant, module, x) -> str | None:
    """The line of the first usual mistake whose output ``got`` equals."""
    torch = torch_module()
    for line, kwargs in mistakes.items():
        with torch.no_grad():
            wrong = variant(module, x, **kwargs) if isinstance(kwargs, dict) else variant(module, x, kwargs)
        if same(got, wrong):
            return line
    return None


def course_attention(mha, state: dict, x):
    """The course's module of ``mha``'s sizes holding ``state``, on ``x``."""
    torch = torch_module()
    from attnlab.models.layers import MultiHeadAttention

    module = MultiHeadAttention(mha.d_model, mha.n_heads, causal=True).eval()
    with torch.no_grad():
        module.load_state_dict(state)
        return module(x)


def thirds_read(got, mha, x) -> str | None:
    """If ``got`` is the course's output with ``qkv``'s three thirds (queries, keys, values) in another
    order: which order the learner read them in (k @ q.T is queries and keys swapped)."""
    import itertools

    torch = torch_module()
    state = {k: v.detach().clone() for k, v in mha.state_dict().items()}
    w, b = state["qkv.weight"].chunk(3), state["qkv.bias"].chunk(3)
    for order in itertools.permutations(range(3)):
        if order == (0, 1, 2):
            continue
        swapped = {**state, "qkv.weight": torch.cat([w[i] for i in order]),
                   "qkv.bias": torch.cat([b[i] for i in order])}
        if same(got, course_attention(mha, swapped, x)):
            read = ", ".join("qkv"[order.index(i)] for i in range(3))
            return (f"your module uses qkv's thirds as ({read}): they are the queries, then the keys, then "
                    "the values — q, k, v = that order, and the scores are q @ k.transpose(-2, -1) (a "
                    "query's row against every key)")
    return None


def attention_probes_say(found: dict, expected, mha, x) -> str | None:
    """What the probes show of a wrong attention (outputs differ and no single slip explains them)."""
    from attnlab.checks.own_gpt_probes import altered

    torch = torch_module()
    out = found["out"]
    weights = altered({k: v.detach().clone() for k, v in mha.state_dict().items()}, mha.n_heads, mha.d_head)
    said = unused_text(found.get("unused"), "MultiHeadAttention") or thirds_read(out, mha, x)
    if said:
        return said
    for name in SCALES:
        scaled = found.get(f"q_scaled_{name}")
        if not is_mistake(scaled) and same(scaled, expected):
            return SCALES[name]
    shared, course_shared = found.get("shared_out"), course_attention(mha, weights["shared_out"], x)
    if not is_mistake(shared) and same(shared * mha.n_heads, course_shared):
        return HEADS_AVERAGED
    if not is_mistake(shared) and same(shared, course_shared):  # right whenever the heads share W_O
        return HEADS_MERGED
    permuted = found["heads_permuted"]
    if not is_mistake(permuted) and not same(permuted, out):
        return ("permuting the heads (their rows of qkv with their columns of out) changed your "
                f"output, so the heads get mixed up: {SPLIT.split(': ', 1)[1]}; then transpose "
                "(B, H, T, D) back to (B, T, H, D) before merging")
    sums = found["row_sums"]
    if not is_mistake(sums) and sums.dim() == 3 and not torch.isnan(sums).any():
        if (sums - 1).abs().max() > 1e-4:
            more = bool((sums > 1 + 1e-4).any())
            reaches = float(sums.max() if more else sums.min())
            return (f"{WRONG_AXIS if more else MASK_AFTER} (with every value 1 your output should be 1 "
                    f"everywhere, the sum of each row; it reaches {reaches:.3g})")
    moved = moved_text(out, found["later"], "token")
    if moved is not None:
        return moved
    return None
