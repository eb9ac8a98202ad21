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

from attnlab.checks.core import Case, CheckResult, run_check, standing_in
from attnlab.checks.own_gpt_mistakes import (
    ATTENTION_MISTAKES,
    BLOCK_MISTAKES,
    D_MODEL,
    N_HEADS,
    attention_variant,
    block_variant,
    compare_with_mistakes,
    reference_modules,
    torch_module,
)
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

# --- MultiHeadAttention ---------------------------------------------------------------------------


def _build(cls, *args):
    torch = torch_module()
    torch.manual_seed(0)
    return cls(*args)


def _loaded_attention(cls):
    return load_course_weights(_build(cls, D_MODEL, N_HEADS), reference_modules()[0].state_dict(), N_HEADS)


def _loaded_block(cls):
    return load_course_weights(_build(cls, D_MODEL, N_HEADS), reference_modules()[1].state_dict(), N_HEADS)


def _output(load, cls, x):
    """The learner's module built by ``load(cls)`` (the course's weights in it), run on ``x``."""
    module = load(cls)
    if is_mistake(module):
        return module
    with torch_module().no_grad():
        return module(x)


def _unmoved(load, cls, x, later, what: str):
    """Run the loaded module on ``x`` and on ``later`` (the same but its last position): every
    earlier position's output must stay exactly the same."""
    torch = torch_module()
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
    mha, _, x = reference_modules()
    with torch_module().no_grad():
        expected = mha(x)

    def variant(module, x, kwargs):
        return attention_variant(module, x, **kwargs)

    compare = compare_with_mistakes(ATTENTION_MISTAKES, variant)

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
    _, block, x = reference_modules()
    with torch_module().no_grad():
        expected = block(x)
    compare = compare_with_mistakes(BLOCK_MISTAKES, block_variant)
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
    torch = torch_module()
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
    torch = torch_module()
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

    torch_module().manual_seed(0)
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

    torch = torch_module()
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
