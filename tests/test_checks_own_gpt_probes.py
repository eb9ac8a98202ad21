"""Lesson 10's probes: each names a slip that no catalogued output matches — a wrong class or ``train``
that only that probe catches (with the probe's finding put right, the line would not name it)."""

import functools
import math

import own_gpt_solution as S
import pytest
import torch
from fresh_mistakes import _train  # a train with one slip (the defaults are right)

from attnlab.checks import own_gpt_mistakes as M
from attnlab.checks.own_gpt import _attention_compare, check_block, check_gpt, check_multi_head_attention
from attnlab.checks.own_gpt_probes import attention_probe
from attnlab.checks.own_gpt_train import LR, STEPS, _rows, _train_compare, check_train, course_loss
from attnlab.checks.own_gpt_watch import train_probe

# test_check_table reads every test_checks_* module's right answers: lesson 10's are test_checks_own_gpt's,
# this module only holds wrong classes and trains.
REFERENCE_ANSWERS: list = []


class SplitH3DNoScale(S.MultiHeadAttention):
    """Two slips at once: no single catalogued output is this one's."""

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, self.n_heads, 3, self.d_head).permute(3, 0, 2, 1, 4)
        return self.combine((self.pattern(q @ k.transpose(-2, -1)) @ v).transpose(1, 2).reshape(B, T, C))


class ScaledByC(S.MultiHeadAttention):
    def scores(self, q, k):
        return q @ k.transpose(-2, -1) / math.sqrt(self.n_heads * self.d_head)


class SoftmaxOverQueries(S.MultiHeadAttention):
    def pattern(self, scores):
        T = scores.shape[-1]
        return scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf")).softmax(-2)


class MeanOfHeads(S.MultiHeadAttention):
    def combine(self, y):  # y (B, T, H·D): the heads' mean, given to every head's columns
        B, T, _ = y.shape
        return self.out(y.view(B, T, self.n_heads, self.d_head).mean(2).repeat(1, 1, self.n_heads))


class NaNFuture(S.MultiHeadAttention):
    def pattern(self, scores):
        T = scores.shape[-1]
        return scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("nan")).softmax(-1)


def _found(cls):
    mha, _, x = M.reference_modules()
    return attention_probe(cls, M.D_MODEL, M.N_HEADS, {k: v.clone() for k, v in mha.state_dict().items()}, x)


@pytest.mark.parametrize("cls, words", [
    (SplitH3DNoScale, "permuting the heads"),  # the head-permutation probe
    (S.NoSqrtD, "no √d"), (ScaledByC, "√C"),  # the scale probe
    (SoftmaxOverQueries, "wrong axis"), (S.MaskAfterSoftmax, "mask comes after softmax"),  # row sums
    (MeanOfHeads, "averaged (or summed) before self.out"),  # the shared value-up probe
])
def test_each_attention_probe_names_a_slip_no_catalogued_output_matches(cls, words):
    mha, _, x = M.reference_modules()
    found = _found(cls)
    assert M.variant_named(found["out"], M.ATTENTION_MISTAKES, M.attention_variant, mha, x) is None
    result = check_multi_head_attention(cls)
    assert not result.passed and words in result.line, result.line


def test_the_probes_find_nothing_wrong_with_a_right_module_in_either_layout():
    mha, _, x = M.reference_modules()
    with torch.no_grad():
        want = mha(x)
    for cls in (S.MultiHeadAttention, S.PerHeadAttention):
        found = _found(cls)
        assert _attention_compare(found, (want, mha, x)) is None
        assert M.same(found["heads_permuted"], found["out"]) and (found["row_sums"] - 1).abs().max() < 1e-5


def test_nan_is_said_as_nan_with_where():
    line = check_multi_head_attention(NaNFuture).line
    assert "is NaN at" in line and "position" in line and "up to nan" not in line, line


def test_an_untied_unembedding_is_counted_and_named():
    class Untied(S.GPT):
        def __init__(self, config):
            super().__init__(config)
            self.unembed.weight = torch.nn.Parameter(self.tok_emb.weight.detach().clone())

    line = check_gpt(Untied).line
    assert "30,016 parameters, the course's 28,256" in line and "tie it" in line, line
    assert "28,256 parameters" in check_gpt(S.GPT).line


def _put_right(found: dict) -> dict:
    """The probe's findings with every property the exercise asks for made right."""
    return {**found, "returned": ["float"], "cos": [1.0] * len(found["cos"]), "same_draws": True,
            "same_rows": False,
            "lrs": [LR / 10, LR, LR / 10], "grad_norms": [min(n, 1.0) for n in found["fresh_norms"]]}


@pytest.mark.parametrize("wrong, words, only", [
    (dict(zero_grad=False), "zero_grad", True), (dict(seeded=False), "seeded", True),
    (dict(floats=False), "loss.item()", True),
    (dict(clip=False), "clip", False),  # these two learn too slowly as well, but the line names the slip
    (dict(schedule=False), "OneCycleLR", False),
])
def test_each_train_probe_names_a_slip_the_final_loss_does_not_show(wrong, words, only):
    rows, held, vocab_size = _rows()
    found = train_probe(_train(**wrong), rows, held, STEPS, vocab_size)
    problem = _train_compare(found, (course_loss(), STEPS))
    assert problem is not None and words in problem, problem
    if only:  # with that probe's finding put right, the run would pass: only the probe caught it
        assert _train_compare(_put_right(found), (course_loss(), STEPS)) is None
    line = check_train(_train(**wrong)).line
    assert line.startswith("❌") and words in line, line


def test_train_passes_a_right_loop_and_leaves_the_callers_random_state_alone():
    state = torch.random.get_rng_state()
    threads = torch.get_num_threads()
    assert check_train(_train()).passed and check_train(S.train).passed
    assert check_train(functools.partial(S.train, seed=3)).passed  # any seed, as long as it is one
    assert torch.equal(torch.random.get_rng_state(), state) and torch.get_num_threads() == threads


# --- the weights a module never reads; a GPT built as asked ------------------------------------------


class LN1Twice(S.Block):
    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_1(x))


class FirstBlockOnly(S.GPT):
    def forward(self, idx):
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(idx.shape[1]))
        return self.unembed(self.ln_f(self.blocks[0](x)))


def test_a_weight_the_output_does_not_depend_on_is_named_by_its_layer():
    from attnlab.checks.own_gpt import _state
    from attnlab.checks.own_gpt_probes import block_probe

    _, block, x = M.reference_modules()
    out = block_probe(LN1Twice, M.D_MODEL, M.N_HEADS, _state(block), x)["out"]
    assert M.variant_named(out, M.BLOCK_MISTAKES, M.block_variant, block, x) is None  # no catalogued slip
    line = check_block(LN1Twice).line
    assert "never uses `ln_2`" in line, line
    line = check_gpt(FirstBlockOnly).line
    assert "never uses `blocks.1" in line and "ln_f" not in line, line


def test_the_course_modules_use_every_weight_they_hold():
    from attnlab.checks.own_gpt import _course_gpt, _state
    from attnlab.checks.own_gpt_probes import unused

    _, block, x = M.reference_modules()
    assert unused(block, _state(block), M.N_HEADS, x, block(x).detach(), "") == []
    model = _course_gpt().model
    idx = torch.from_numpy(_course_gpt().rows("heldout")[:2, :-1])
    with torch.no_grad():
        assert unused(model, _state(model), model.config.n_heads, idx, model(idx), "") == []


class NoConfig(S.GPT):
    def __init__(self, config):
        super().__init__(config)
        del self.config


class DefaultInit(S.GPT):  # PyTorch's own initialisation: init_gpt2_ never called
    def __init__(self, config):
        super().__init__(config)
        for module in self.modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()


class BatchPositions(S.GPT):
    def forward(self, idx):
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(idx.shape[0]))
        for block in self.blocks:
            x = block(x)
        return self.unembed(self.ln_f(x))


@pytest.mark.parametrize("cls, words", [
    (NoConfig, "no self.config"), (DefaultInit, "init_gpt2_ gives std"),
    (BatchPositions, "course's at position 0 but not from position 1"),
])
def test_a_gpt_that_runs_the_checkpoint_is_still_built_as_asked(cls, words):
    result = check_gpt(cls)
    text = result.line + " " + result.detail
    assert result.line.startswith("❌") and words in text, text


def _wrong_train(slip: str):
    def train(model, rows, steps, batch_size=32, lr=1e-2):
        import torch.nn.functional as F

        rows = torch.as_tensor(rows)
        generator = torch.Generator().manual_seed(0)
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
        sched = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
        losses = []
        for _ in range(steps):
            if slip == "generator each step":
                generator = torch.Generator().manual_seed(0)
            batch = rows[torch.randint(0, len(rows), (batch_size,), generator=generator)]
            logits = model(batch[:, :-1])
            if slip == "unflattened":
                loss = F.cross_entropy(logits, batch[:, 1:])
            else:
                loss = F.cross_entropy(logits.flatten(0, 1), batch[:, 1:].flatten())
            if slip != "zero_grad late":
                optimizer.zero_grad()
            loss.backward()
            if slip == "zero_grad late":
                optimizer.zero_grad()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            sched.step()
            losses.append(loss.item())
        return losses
    return train


@pytest.mark.parametrize("slip, words", [
    ("generator each step", "every step trained on the same rows"),
    ("zero_grad late", "not between backward and step"),
    ("unflattened", "flatten both"),
])
def test_train_names_the_step_it_gets_wrong(slip, words):
    line = check_train(_wrong_train(slip)).line
    assert line.startswith("❌") and words in line, line


class HeadsBesideTime(S.MultiHeadAttention):  # permute(2, 0, 1, 3, 4): q, k, v (B, T, H, D)
    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.n_heads, self.d_head).permute(2, 0, 1, 3, 4)
        future = torch.ones(T, T, dtype=torch.bool).triu(1)  # (T, T) against scores (B, T, H, H)
        att = self.scores(q, k).masked_fill(future, float("-inf")).softmax(dim=-1)
        return self.combine((att @ v).reshape(B, T, C))


def test_a_size_mismatch_is_said_by_axis():
    line = check_multi_head_attention(HeadsBesideTime).line
    assert "5 is T (positions), 3 is H (heads)" in line and "(B, H, T, D)" in line, line


# --- more properties: weights and axes said whatever the slip -----------------------------------------


class OutNotApplied(S.MultiHeadAttention):
    def combine(self, y):
        return y


class KeysTimesQueries(S.MultiHeadAttention):
    def scores(self, q, k):
        return k @ q.transpose(-2, -1) / math.sqrt(self.d_head)


class PastHidden(S.MultiHeadAttention):
    def pattern(self, scores):
        T = scores.shape[-1]
        return scores.masked_fill(torch.ones(T, T, dtype=torch.bool).tril(-1), float("-inf")).softmax(-1)


class FixedMask(S.MultiHeadAttention):
    def pattern(self, scores):
        return scores.masked_fill(torch.ones(16, 16, dtype=torch.bool).triu(1), float("-inf")).softmax(-1)


@pytest.mark.parametrize("cls, words", [
    (OutNotApplied, "never uses `out`"), (KeysTimesQueries, "qkv's thirds as (k, q, v)"),
    (PastHidden, "not causal"), (FixedMask, "16 is none of this input's sizes, 5 is T"),
])
def test_attention_properties_name_what_no_catalogued_output_matches(cls, words):
    line = check_multi_head_attention(cls).line
    assert line.startswith("❌") and words in line, line


class InPlace(S.Block):
    def forward(self, x):
        x += self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class HeadSizeAsHeads(S.Block):
    def __init__(self, d_model, n_heads):
        super().__init__(d_model, n_heads)
        self.attn = S.MultiHeadAttention(d_model, d_model // n_heads)


@pytest.mark.parametrize("cls, words", [(InPlace, "changed its input x in place"),
                                        (HeadSizeAsHeads, "runs 4 heads")])
def test_block_properties(cls, words):
    line = check_block(cls).line
    assert line.startswith("❌") and words in line, line


class Probabilities(S.GPT):
    def forward(self, idx):
        return super().forward(idx).softmax(-1)


class LogProbabilities(S.GPT):
    def forward(self, idx):
        return super().forward(idx).log_softmax(-1)


class OneBlockShared(S.GPT):
    def __init__(self, config):
        super().__init__(config)
        self.blocks = torch.nn.ModuleList([self.blocks[0]] * config.n_layers)


class ContextPositions(S.GPT):
    def forward(self, idx):
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(self.config.context_length))
        for block in self.blocks:
            x = block(x)
        return self.unembed(self.ln_f(x))


@pytest.mark.parametrize("cls, words", [
    (Probabilities, "returns probabilities"), (LogProbabilities, "returns log-probabilities"),
    (OneBlockShared, "1 block's worth fewer"), (ContextPositions, "32 is C (d_model) or context_length"),
])
def test_gpt_properties(cls, words):
    result = check_gpt(cls)
    text = result.line + " " + result.detail
    assert result.line.startswith("❌") and words in text, text


@pytest.mark.parametrize("slip, words", [("short", "one step short"), ("backwards", "the word BEFORE")])
def test_train_says_the_count_and_the_direction(slip, words):
    def train(model, rows, steps):
        if slip == "backwards":
            return S.train(model, rows[:, ::-1].copy(), steps)
        return S.train(model, rows, steps - 1)

    line = check_train(train).line
    assert line.startswith("❌") and words in line, line


class SavedMask(S.MultiHeadAttention):  # nanoGPT's persistent `bias` buffer
    def __init__(self, d_model, n_heads):
        super().__init__(d_model, n_heads)
        self.register_buffer("bias", torch.ones(64, 64).tril())


def test_a_buffer_in_the_state_dict_is_said_to_be_one():
    line = check_multi_head_attention(SavedMask).line
    assert "bias is a buffer saved in your state_dict" in line and "persistent=False" in line, line


@pytest.mark.parametrize("change, words", [
    (dict(lr=1e-3), "peaks at 0.001"), (dict(batch_size=8), "a batch of 8"),
    (dict(clip=0.5), "clipped to 0.5"),
])
def test_train_keeps_the_exercise_figures(change, words):
    change = dict(change)
    clip = change.pop("clip", 1.0)

    def train(model, rows, steps):
        real = torch.nn.utils.clip_grad_norm_
        torch.nn.utils.clip_grad_norm_ = lambda params, _: real(params, clip)
        try:
            return S.train(model, rows, steps, **change)
        finally:
            torch.nn.utils.clip_grad_norm_ = real

    line = check_train(train).line
    assert line.startswith("❌") and words in line, line
