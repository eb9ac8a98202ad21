"""Checks for ``10_your_own_gpt``: the learner's torch ``MultiHeadAttention``, ``Block``, ``GPT`` and
``train``.

Each check is one :func:`~attnlab.checks.core.run_check` whose cases call the learner's class
*through a probe* (:class:`~attnlab.checks.calling.Through`, :mod:`attnlab.checks.own_gpt_probes`):
the probe builds the class, loads weights into it (state_dict names as the course's modules:
``qkv``/``out`` — or per-head ``W_Q, W_K, W_V_down`` ``(H, C, D)``, ``b_Q, b_K, b_V`` ``(H, D)``
with ``out`` — ``ln_1, attn, ln_2, mlp.up, mlp.down``, ``tok_emb, pos_emb, blocks, ln_f,
unembed``), runs it on the case's input and on altered ones, and returns plain data. The judging
here compares that with the course's module on the same weights, and names a wrong answer from
the usual mistakes computed from the same weights (:mod:`attnlab.checks.own_gpt_mistakes`) or,
when none fits, from the property the probes show failing (causality, the heads' permutation
invariance, rows summing to 1, the scale). ``check_train`` watches a short seeded run
(:mod:`attnlab.checks.own_gpt_train`). In ``attnlab-grade`` the probes run in the sandbox and the
judging outside it, so no expected answer is ever beside the learner's code.
"""

from __future__ import annotations

import functools

from attnlab.checks.calling import Through
from attnlab.checks.core import Case, CheckResult, run_check, standing_in
from attnlab.checks.own_gpt_mistakes import (
    ATTENTION_MISTAKES,
    BLOCK_MISTAKES,
    D_MODEL,
    N_HEADS,
    attention_probes_say,
    attention_variant,
    block_variant,
    differs_text,
    heads_counted,
    moved_text,
    nan_text,
    reference_modules,
    same,
    shape_text,
    torch_module,
    unused_text,
    variant_named,
)
from attnlab.checks.own_gpt_probes import attention_probe, block_probe, gpt_probe
from attnlab.checks.own_gpt_train import check_train
from attnlab.checks.own_gpt_weights import fused_state, is_mistake, mistake_text, per_head_state
from attnlab.checks.own_gpt_weights import load_course_weights as _load

__all__ = ["check_multi_head_attention", "check_block", "check_gpt", "check_train", "load_into",
           "fused_state", "per_head_state", "attention_variant", "block_variant"]

# --- MultiHeadAttention ---------------------------------------------------------------------------


def _state(module) -> dict:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


@functools.cache
def _other_attention():
    """A second course module of other sizes (4 heads of 4): sizes must come from the arguments."""
    torch = torch_module()
    from attnlab.models.layers import MultiHeadAttention

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(2)
        mha = MultiHeadAttention(16, 4, causal=True).eval().requires_grad_(False)
    x = torch.randn(1, 7, 16, generator=torch.Generator().manual_seed(3))
    return mha, x


def _attention_case(label: str, mha, x) -> Case:
    with torch_module().no_grad():
        want = mha(x)
    return Case(label, (Through(attention_probe), mha.d_model, mha.n_heads, _state(mha), x),
                expected=(want, mha, x))


def _judged(got, want, diagnose):
    """A module probe's findings against the course's output ``want``: None when right and causal,
    else the mistake, the shape, the causality leak — or ``diagnose(out)`` for a wrong output."""
    if is_mistake(got):
        return mistake_text(got)
    out = got["out"]
    wrong_shape = shape_text(out, want, "(B, T, C)")
    if wrong_shape:
        return wrong_shape
    if same(out, want):
        return moved_text(out, got["later"], "token")
    return diagnose(out)


def _attention_compare(got, expected):
    want, mha, x = expected

    def diagnose(out):
        named = variant_named(out, ATTENTION_MISTAKES, attention_variant, mha, x)
        if named:
            return named
        if nan_text(out):  # a leak of the future is the diagnosis, whatever is NaN
            moved = moved_text(out, got["later"], "token")
            return f"{moved}; {differs_text(out, want)}" if moved else differs_text(out, want)
        return attention_probes_say(got, want, mha, x) or differs_text(out, want)

    return _judged(got, want, diagnose)


def check_multi_head_attention(cls) -> CheckResult:
    """Check ``MultiHeadAttention(d_model, n_heads)``: causal, ``forward(x (B, T, C)) → (B, T, C)``,
    loading the course's weights and matching its module — and on the probes: a later token
    changed, the heads permuted, the queries scaled, the pattern's row sums."""
    mha, _, x = reference_modules()
    other, x7 = _other_attention()
    cases = [_attention_case("the course's weights (C = 12, H = 3); a batch of 2, 5 tokens", mha, x),
             _attention_case("one token", mha, x[:1, :1]),
             _attention_case("C = 16, H = 4; 7 tokens", other, x7)]
    result = run_check("MultiHeadAttention", cls, cases, compare=_attention_compare, time_limit_s=20)
    if result.passed:
        return CheckResult(result.title, True, f"all {result.n_cases} cases pass (outputs within 1e-5; "
                           "causality, head order, scale and row sums probed). Well done!",
                           result.n_cases, result.n_cases)
    return result


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


def _block_compare(got, expected):
    want, block, x = expected
    return _judged(got, want, lambda out: variant_named(out, BLOCK_MISTAKES, block_variant, block, x)
                   or unused_text(got["unused"], "Block") or heads_counted(out, block, x)
                   or moved_text(out, got["later"], "token")
                   or differs_text(out, want))


def _check_block(cls) -> CheckResult:
    _, block, x = reference_modules()
    cases = []
    for label, inputs in [("the course's weights; a batch of 2, 5 tokens", x), ("one token", x[:1, :1])]:
        with torch_module().no_grad():
            want = block(inputs)
        cases.append(Case(label, (Through(block_probe), D_MODEL, N_HEADS, _state(block), inputs),
                          expected=(want, block, inputs)))
    return run_check("Block", cls, cases, compare=_block_compare, time_limit_s=20)


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
    torch = torch_module()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        module = cls(c)
    return _load(module, gpt.model.state_dict(), c.n_heads)


def gpt_variant(model, idx, mistake: str):
    """The course's ``model`` on ``idx`` with one usual slip: ``"no_positions"``, ``"no_ln_f"``."""
    torch = torch_module()
    x = model.tok_emb(idx) + (0 if mistake == "no_positions" else model.pos_emb(torch.arange(idx.shape[1])))
    for block in model.blocks:
        x = block(x)
    return model.unembed(x if mistake == "no_ln_f" else model.ln_f(x))


GPT_MISTAKES = {
    "no position embeddings: x = self.tok_emb(idx) + self.pos_emb(torch.arange(T)) — without them "
    "the model cannot tell where a word stands": "no_positions",
    "no final LayerNorm: logits = self.unembed(self.ln_f(x)) — the stream is normalised once more "
    "before the unembedding": "no_ln_f",
}


def _params_text(n: int, want: int, model) -> str:
    config = model.config
    extra = config.vocab_size * config.d_model
    counted = f"your GPT has {n:,} parameters, the course's {want:,}"
    if n == want + extra:
        return (f"{counted}: the unembedding is a matrix of its own ({config.vocab_size} × {config.d_model} "
                f"= {extra:,} more) — tie it to the token embedding after init_gpt2_: "
                "self.unembed.weight = self.tok_emb.weight")
    block = sum(p.numel() for p in model.blocks[0].parameters())
    if (want - n) % block == 0 and 0 < (want - n) // block < config.n_layers:
        k = (want - n) // block
        worth = "blocks'" if k > 1 else "block's"
        return (f"{counted}: {k} {worth} worth fewer ({block:,} each) — each of the "
                f"n_layers = {config.n_layers} blocks has weights of its own: nn.ModuleList([Block(…) for _ "
                "in range(n_layers)]) (one Block put in n times shares one set)")
    if n - want == config.vocab_size:
        return f"{counted}: {config.vocab_size} more, a bias in the unembedding — nn.Linear(…, bias=False)"
    return counted


def _gpt_compare(got, expected):
    want, n_params, model, idx = expected
    if is_mistake(got):
        return mistake_text(got)
    logits = got["logits"]
    if got["n_params"] != n_params:
        return _params_text(got["n_params"], n_params, model)
    wrong_shape = shape_text(logits, want, "(B, T, V)")
    if wrong_shape:
        return wrong_shape
    moved = moved_text(logits, got["later"], "word")
    if same(logits, want):
        return moved or _fresh_text(got, model.config)
    return (variant_named(logits, GPT_MISTAKES, gpt_variant, model, idx)
            or unused_text(got["unused"], "GPT") or moved or _probs_text(logits)
            or _positions_text(logits, want)
            or differs_text(logits, want, "logits", "the course's tiny GPT"))


def _probs_text(logits) -> str | None:
    """Probabilities (or log-probabilities) where logits are asked for."""
    torch = torch_module()
    if torch.isnan(logits).any():
        return None
    if (logits >= 0).all() and (logits.double().sum(-1) - 1).abs().max() < 1e-4:
        said = "probabilities (each row sums to 1)"
    elif (logits <= 0).all() and logits.double().logsumexp(-1).abs().max() < 1e-4:
        said = "log-probabilities (each row's exp sums to 1)"
    else:
        return None
    return (f"your GPT returns {said}: forward returns the logits, the unembedding's output before any "
            "softmax (cross_entropy and generation apply it themselves)")


def _positions_text(logits, want) -> str | None:
    """Right at the first position only: what changes along the positions is wrong."""
    if logits.shape[1] < 2 or not same(logits[:, :1], want[:, :1]):
        return None
    first = next(t for t in range(1, logits.shape[1]) if not same(logits[:, t], want[:, t]))
    return (f"your logits are the course's at position 0 but not from position {first} on: what changes "
            "along the positions is off — each position t gets its own pos_emb(t) "
            "(torch.arange(T), T = idx.shape[1]), and attends to the words up to it")


@functools.cache
def _course_init(config) -> dict:
    """How the course's GPT(config) starts (init_gpt2_): each parameter's (std, mean)."""
    from attnlab.checks.own_gpt_probes import fresh_init
    from attnlab.models.gpt import TinyGPT as GPT

    torch = torch_module()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return fresh_init(GPT(config))


def _fresh_text(got, config) -> str | None:
    """A GPT that runs the checkpoint right, but is not built as asked: no ``self.config``, or a
    fresh one not initialised as init_gpt2_ does (what training it starts from)."""
    if got["config"] != "same":
        kept = got["config"]
        was = "has no self.config" if kept == "missing" else f"keeps a {kept} as self.config"
        return (f"your GPT {was}: set self.config = config in __init__ — generating and training read "
                "model.config (its context_length)")
    course = _course_init(config)
    for name, (std, mean) in got["init"].items():
        if name not in course:
            continue
        want_std, want_mean = course[name]
        if (abs(std - want_std) > 0.25 * want_std + 1e-6) or abs(mean - want_mean) > 0.25 * want_std + 1e-6:
            return (f"a fresh GPT(config) does not start as GPT-2 does: its {name} has std {std:.3g}, mean "
                    f"{mean:.3g}, where init_gpt2_ gives std {want_std:.3g}, mean {want_mean:.3g} — call "
                    "init_gpt2_(self, config.n_layers) at the end of __init__, before tying")
    return None


def _check_gpt(cls) -> CheckResult:
    torch = torch_module()
    gpt = _course_gpt()
    model = gpt.model
    n_params = sum(p.numel() for p in model.parameters())  # the tied model: 28,256
    state = _state(model)
    cases = []
    for label, idx in [("the course's checkpoint, one sentence", torch.tensor([gpt.encode(SENTENCE)])),
                       ("four held-out rows of 32 words", torch.from_numpy(gpt.rows("heldout")[:4, :-1]))]:
        with torch.no_grad():
            want = model(idx)
        cases.append(Case(label, (Through(gpt_probe), model.config, state, idx),
                          expected=(want, n_params, model, idx)))
    result = run_check("GPT", cls, cases, compare=_gpt_compare, time_limit_s=30)
    if result.passed:
        return CheckResult("GPT", True, f"all {result.n_cases} cases pass: your GPT runs the course's "
                           f"checkpoint to within 1e-5, causally, with its {n_params:,} parameters "
                           "(the unembedding tied). Well done!", result.n_cases, result.n_cases)
    return result


def check_gpt(cls) -> CheckResult:
    """Check ``GPT(config)``: loads the course's tiny-GPT checkpoint and reproduces its logits."""
    return _with_course_attention(_check_gpt, cls)
