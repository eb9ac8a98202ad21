"""Lesson 10's probes: each names a slip that no catalogued output matches — a wrong class or ``train``
that only that probe catches (with the probe's finding put right, the line would not name it)."""

import functools
import math

import own_gpt_solution as S
import pytest
import torch
from fresh_mistakes import _train  # a train with one slip (the defaults are right)

from attnlab.checks import own_gpt_mistakes as M
from attnlab.checks.own_gpt import _attention_compare, check_gpt, check_multi_head_attention
from attnlab.checks.own_gpt_probes import attention_probe, train_probe
from attnlab.checks.own_gpt_train import STEPS, _rows, _train_compare, check_train, course_loss


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
            "lrs": [0.1, 1.0, 0.1], "grad_norms": [min(n, 1.0) for n in found["fresh_norms"]]}


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
