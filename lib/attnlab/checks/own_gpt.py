"""Checks for ``10_your_own_gpt``: the learner's torch ``MultiHeadAttention``, ``Block``, ``GPT`` and
``train``.

Each module check builds the learner's class, loads the course's weights into it (state_dict names
as the course's modules: ``qkv``/``out`` — or per-head ``W_Q, W_K, W_V_down`` ``(H, C, D)``,
``b_Q, b_K, b_V`` ``(H, D)`` with ``out`` — ``ln_1, attn, ln_2, mlp.up, mlp.down``, ``tok_emb,
pos_emb, blocks, ln_f, unembed``) and compares its output with the course's module on the same
input. A wrong answer is matched against the usual mistakes, each computed from the same weights
— no √d, the mask after softmax, heads averaged, not causal, a missing residual, post-LN — so the
line names the mistake, not just the numbers. Causality is measured: a later token is changed and
every earlier output must stay exactly as it was.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math

from attnlab.checks.core import Case, CheckResult, run_check, standing_in
from attnlab.checks.own_gpt_weights import (
    Mistake,
    fused_state,
    is_mistake,
    load_course_weights,
    mistake_text,
    per_head_state,
)

__all__ = ["check_multi_head_attention", "check_block", "check_gpt", "check_train", "load_into",
           "fused_state", "per_head_state", "attention_variant", "block_variant"]

D_MODEL, N_HEADS, T, B = 12, 3, 5, 2


def _torch():
    import torch

    return torch


# --- the course's modules with large random weights, and the usual mistakes -----------------------


@functools.cache
def _reference():
    torch = _torch()
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
    torch = _torch()
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
    raise ValueError(f"unknown mistake {mistake!r}")


BLOCK_MISTAKES = {
    "missing residual around attention: x = x + self.attn(self.ln_1(x)) — ADD the change to x, "
    "do not replace x by it": "no_attention_residual",
    "missing residual around the MLP: return x + self.mlp(self.ln_2(x))": "no_mlp_residual",
    "post-LayerNorm: this block is pre-LN — each part reads self.ln_…(x), and x itself is never "
    "normalised": "post_ln",
    "the MLP reads the stream from before attention: compute x = x + attention first, then the "
    "MLP on ln_2 of that new x": "mlp_reads_old_x",
}


def _as_tensor(got):
    torch = _torch()
    if isinstance(got, tuple) and got and isinstance(got[0], torch.Tensor):
        return Mistake(f"forward returned a tuple of {len(got)} — return only the output tensor (B, T, C)")
    if not isinstance(got, torch.Tensor):
        return Mistake(f"forward returned {type(got).__name__}, expected a tensor (B, T, C)")
    return got


def _compare(mistakes: dict, variant, atol: float = 1e-5):
    """A compare for run_check: ``got`` (output or Mistake) against ``expected`` — and, if wrong,
    against each usual mistake ``variant(kwargs)``."""
    torch = _torch()

    def compare(got, expected):
        if is_mistake(got):
            return mistake_text(got)
        got = _as_tensor(got)
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


# --- MultiHeadAttention ---------------------------------------------------------------------------


def _build(cls, *args):
    torch = _torch()
    torch.manual_seed(0)
    return cls(*args)


def _loaded_attention(cls):
    return load_course_weights(_build(cls, D_MODEL, N_HEADS), _reference()[0].state_dict(), N_HEADS)


def _loaded_block(cls):
    return load_course_weights(_build(cls, D_MODEL, N_HEADS), _reference()[1].state_dict(), N_HEADS)


def _output(load, cls, x):
    """The learner's module built by ``load(cls)`` (the course's weights in it), run on ``x``."""
    module = load(cls)
    if is_mistake(module):
        return module
    with _torch().no_grad():
        return module(x)


def _unmoved(load, cls, x, later, what: str):
    """Run the loaded module on ``x`` and on ``later`` (the same but its last position): every
    earlier position's output must stay exactly the same."""
    torch = _torch()
    a, b = _output(load, cls, x), _output(load, cls, later)
    for out in (a, b):
        if is_mistake(out):
            return out
        if not isinstance(out, torch.Tensor):
            return Mistake(f"forward returned {type(out).__name__}, expected a tensor")
    moved = (a[:, :-1] - b[:, :-1]).abs().amax(dim=(0, 2))  # (T - 1,)
    if (moved > 1e-6).any():
        first = int(torch.nonzero(moved > 1e-6)[0])
        return Mistake(f"not causal: changing the last {what} moved the output at position {first} "
                       f"(by {float(moved[first]):.3g}) — a position must not see later ones")
    return "unchanged"


def _causality(cls, x):
    later = x.clone()
    later[:, -1] += 3.0
    return _unmoved(_loaded_attention, cls, x, later, "token")


def check_multi_head_attention(cls) -> CheckResult:
    """Check ``MultiHeadAttention(d_model, n_heads)``: causal, ``forward(x (B, T, C)) → (B, T, C)``,
    loading the course's weights and matching its module."""
    mha, _, x = _reference()
    with _torch().no_grad():
        expected = mha(x)

    def variant(module, x, kwargs):
        return attention_variant(module, x, **kwargs)

    compare = _compare(ATTENTION_MISTAKES, variant)

    def run(action, *args):
        return action(cls, *args)

    output = functools.partial(_output, _loaded_attention)
    cases = [
        Case("builds with the course's weights; a batch of 2, 5 tokens", (output, x),
             expected=(expected, (mha, x))),
        Case("one token", (output, x[:1, :1]), expected=(expected[:1, :1], (mha, x[:1, :1]))),
    ]
    result = run_check("MultiHeadAttention", run, cases, compare=compare, time_limit_s=10)
    if not result.passed:
        return result
    causal = run_check("MultiHeadAttention", run, [Case("causality measured", (_causality, x),
                                                         expected="unchanged")],
                       compare=lambda got, exp: mistake_text(got) if is_mistake(got) else None)
    if not causal.passed:
        return CheckResult("MultiHeadAttention", False, causal.message.replace("case 1 of 1", "case 3 of 3"),
                           2, 3)
    return CheckResult("MultiHeadAttention", True, "all 3 cases pass (outputs within 1e-5, causality "
                       "measured). Well done!", 3, 3)


# --- Block ----------------------------------------------------------------------------------------


class _CourseCausalMHA:
    """The course's causal MultiHeadAttention, called as the learner's ``MultiHeadAttention(C, H)``."""

    def __new__(cls, d_model, n_heads):
        from attnlab.models.layers import MultiHeadAttention

        return MultiHeadAttention(d_model, n_heads, causal=True)


def _with_course_attention(check, fn, name: str = "MultiHeadAttention"):
    """One mistake is marked once: if ``fn`` fails only because the learner's ``MultiHeadAttention``
    is wrong, it passes with the course's standing in — and the line says so."""
    result = check(fn)
    namespace = getattr(getattr(fn, "__init__", None), "__globals__", {})
    if result.passed or name not in namespace or check_multi_head_attention(namespace[name]).passed:
        return result
    with standing_in(namespace, {name: _CourseCausalMHA}):
        again = check(fn)
    if not again.passed:
        return result
    return CheckResult(result.title, True, f"all {again.n_cases} cases pass once the course's `{name}` "
                       f"stands in for yours: this class is right, and your `{name}` is what goes wrong "
                       "here — its own check says where.", again.n_cases, again.n_cases)


def _check_block(cls) -> CheckResult:
    _, block, x = _reference()
    with _torch().no_grad():
        expected = block(x)
    compare = _compare(BLOCK_MISTAKES, lambda module, x, mistake: block_variant(module, x, mistake))
    run = functools.partial(_output, _loaded_block)
    cases = [Case("builds with the course's weights; a batch of 2, 5 tokens", (run, x),
                  expected=(expected, (block, x))),
             Case("one token", (run, x[:1, :1]), expected=(expected[:1, :1], (block, x[:1, :1])))]
    return run_check("Block", lambda action, *a: action(cls, *a), cases, compare=compare, time_limit_s=10)


def check_block(cls) -> CheckResult:
    """Check ``Block(d_model, n_heads)``: pre-LN, ``x + attn(ln_1(x))`` then ``+ mlp(ln_2(x))``."""
    return _with_course_attention(_check_block, cls)


# --- the model ------------------------------------------------------------------------------------

SENTENCE = "a tiny fluffy blue creature squeaks . the"


@functools.cache
def _course_gpt():
    from attnlab.models.trained import load_tiny_gpt

    return load_tiny_gpt()


def load_into(cls, gpt=None):
    """The learner's ``GPT(config)`` holding the course's tiny-GPT checkpoint, or a Mistake."""
    gpt = _course_gpt() if gpt is None else gpt
    c = gpt.model.config
    return load_course_weights(_build(cls, c), gpt.model.state_dict(), c.n_heads)


def _gpt_causality(cls, idx):
    later = idx.clone()
    later[:, -1] = (later[:, -1] + 1) % _course_gpt().model.config.vocab_size
    return _unmoved(load_into, cls, idx, later, "word")


def _logits_compare(got, expected):
    torch = _torch()
    if is_mistake(got):
        return mistake_text(got)
    if not isinstance(got, torch.Tensor):
        return f"forward returned {type(got).__name__}, expected logits (B, T, V)"
    if tuple(got.shape) != tuple(expected.shape):
        return f"expected logits of shape {tuple(expected.shape)} (B, T, V), got {tuple(got.shape)}"
    diff = float((got.detach().double() - expected.double()).abs().max())
    if diff <= 1e-5:
        return None
    return (f"your logits differ from the course's tiny GPT by up to {diff:.3g}: token + position "
            "embeddings → each block → ln_f → unembed (tied to tok_emb)")


def _check_gpt(cls) -> CheckResult:
    torch = _torch()
    gpt = _course_gpt()
    one = torch.tensor([gpt.encode(SENTENCE)])  # (1, 8)
    rows = torch.from_numpy(gpt.rows("heldout")[:4, :-1])  # (4, 32)
    with torch.no_grad():
        logits = functools.partial(_output, load_into)
        cases = [Case("the course's checkpoint, one sentence", (logits, one), expected=gpt.model(one)),
                 Case("four held-out rows of 32 words", (logits, rows), expected=gpt.model(rows))]
    result = run_check("GPT", lambda action, *a: action(cls, *a), cases, compare=_logits_compare,
                       time_limit_s=20)
    if not result.passed:
        return result
    causal = run_check("GPT", lambda action, *a: action(cls, *a), [Case("causality", (_gpt_causality, rows),
                                                                       expected="unchanged")],
                       compare=lambda got, exp: mistake_text(got) if is_mistake(got) else None)
    if not causal.passed:
        return CheckResult("GPT", False, causal.message.replace("case 1 of 1", "case 3 of 3"), 2, 3)
    return CheckResult("GPT", True, "all 3 cases pass: your GPT runs the course's checkpoint to within "
                       "1e-5, causally. Well done!", 3, 3)


def check_gpt(cls) -> CheckResult:
    """Check ``GPT(config)``: loads the course's tiny-GPT checkpoint and reproduces its logits."""
    return _with_course_attention(_check_gpt, cls)


# --- training ---------------------------------------------------------------------------------------


def _small_gpt():
    from attnlab.models.gpt import GPTConfig, TinyGPT

    _torch().manual_seed(0)
    gpt = _course_gpt()
    return TinyGPT(GPTConfig(vocab_size=gpt.model.config.vocab_size, context_length=16, d_model=16,
                             n_heads=2, n_layers=1))


def _train_result(train, steps: int):
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return _quiet_train_result(train, steps)  # no progress bar in the check's line


def _quiet_train_result(train, steps: int):
    """Train a small course GPT with the learner's ``train`` → ``(losses, next-word loss,
    same-word loss)`` on held-out rows, or a Mistake."""
    import torch.nn.functional as F

    torch = _torch()
    gpt = _course_gpt()
    train_rows, held = gpt.rows("train")[:2000, :17], torch.from_numpy(gpt.rows("heldout")[:100, :17])
    model = _small_gpt()
    before = [p.detach().clone() for p in model.parameters()]
    losses = train(model, train_rows, steps)
    if losses is None or len(list(losses)) != steps:
        return Mistake(f"train should return the list of its {steps} losses, one per step, got "
                       f"{type(losses).__name__}")
    if all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True)):
        return Mistake("the model's parameters did not change: call loss.backward() and optimizer.step()")
    model.eval()
    with torch.no_grad():
        logits = model(held[:, :-1]).flatten(0, 1)
        next_loss = float(F.cross_entropy(logits, held[:, 1:].flatten()))
        same_loss = float(F.cross_entropy(logits, held[:, :-1].flatten()))
    return [float(x) for x in losses], next_loss, same_loss


def _train_compare(got, expected):
    if is_mistake(got):
        return mistake_text(got)
    losses, next_loss, same_loss = got
    if same_loss < min(next_loss, 1.0):  # it reads the answer: the targets were not shifted
        return ("the model learned to repeat the word it reads: the targets are the NEXT words — "
                "logits of rows[:, :-1] against rows[:, 1:]")
    if not next_loss < expected:
        return (f"after training the held-out next-word loss is {next_loss:.2f} nats, the course's loop "
                f"reaches below {expected:.2f}: AdamW on cross-entropy, zero_grad → backward → step")
    return None


def check_train(train) -> CheckResult:
    """Check ``train(model, rows, steps)``: AdamW on next-word cross-entropy, returns the losses."""
    return run_check("train", lambda steps: _train_result(train, steps),
                     [Case("80 steps of a small GPT on the course's sentences", (80,), expected=2.5)],
                     compare=_train_compare, time_limit_s=90)  # seconds unloaded; a busy machine is slow
