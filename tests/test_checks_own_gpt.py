"""Lesson 10's checks pass the solution's modules and name each plausible mistake."""

import functools

import numpy as np
import own_gpt_solution as S
import pytest

from attnlab.checks import own_gpt_mistakes
from attnlab.checks.own_gpt import check_block, check_gpt, check_multi_head_attention, check_train

REFERENCE_ANSWERS = [(check_multi_head_attention, S.MultiHeadAttention), (check_block, S.Block),
                     (check_gpt, S.GPT), (check_train, S.train)]


def stub(*args, **kwargs):
    raise NotImplementedError()


class Stub(S.MultiHeadAttention):
    def __init__(self, d_model, n_heads):
        super().__init__(d_model, n_heads)
        stub()


@pytest.mark.parametrize("cls", [S.MultiHeadAttention, S.PerHeadAttention])
def test_attention_passes_in_either_layout(cls):
    result = check_multi_head_attention(cls)
    assert result.passed, result.line
    assert "causality, head order, scale and row sums probed" in result.line


@pytest.mark.parametrize("cls, words", [
    (S.NoSqrtD, "no √d"),
    (S.MaskAfterSoftmax, "mask comes after softmax"),
    (S.NotCausal, "not causal"),
    (S.HeadsAveraged, "heads averaged"),
    (S.WrongNames, "wrong state_dict names"),
])
def test_attention_mistakes_are_named(cls, words):
    result = check_multi_head_attention(cls)
    assert not result.passed and words in result.line, result.line


def test_attention_stub_is_not_implemented_and_a_crash_is_a_line():
    assert check_multi_head_attention(Stub).line.startswith("⏳")

    class Crashes(S.MultiHeadAttention):
        def forward(self, x):
            return x.view(-1, 7, 7)

    line = check_multi_head_attention(Crashes).line
    assert line.startswith("❌") and "RuntimeError" in line


def test_a_causality_leak_the_numbers_miss_is_measured():
    """Exact on the check's own inputs; on any other input the last token leaks backwards."""
    import torch

    class Leaks(S.MultiHeadAttention):
        def forward(self, x):
            out = super().forward(x)
            seen = own_gpt_mistakes.reference_modules()[2]
            if x.shape[1] > 1 and not torch.equal(x, seen[:x.shape[0], :x.shape[1]]):
                out = out + 1e-3 * x[:, -1:]
            return out

    line = check_multi_head_attention(Leaks).line
    assert not check_multi_head_attention(Leaks).passed and "not causal" in line, line


@pytest.mark.parametrize("cls, words", [(S.NoResidual, "missing residual around attention"),
                                        (S.PostLN, "post-LayerNorm")])
def test_block_mistakes_are_named(cls, words):
    assert check_block(S.Block).passed
    result = check_block(cls)
    assert not result.passed and words in result.line, result.line


def test_a_block_built_on_a_wrong_attention_passes_and_names_it():
    namespace = {"MultiHeadAttention": S.NoSqrtD}
    exec(  # a learner's Block, defined where their (wrong) MultiHeadAttention lives
        "from attnlab.models.layers import MLP\nfrom torch import nn\n"
        "class Block(nn.Module):\n"
        "    def __init__(self, d_model, n_heads):\n"
        "        super().__init__()\n"
        "        self.ln_1, self.ln_2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)\n"
        "        self.attn = MultiHeadAttention(d_model, n_heads)\n"
        "        self.mlp = MLP(d_model, 4 * d_model)\n"
        "    def forward(self, x):\n"
        "        x = x + self.attn(self.ln_1(x))\n"
        "        return x + self.mlp(self.ln_2(x))\n", namespace)
    result = check_block(namespace["Block"])
    assert result.passed and "`MultiHeadAttention` stands in" in result.line, result.line
    assert namespace["MultiHeadAttention"] is S.NoSqrtD  # put back


def test_gpt_reproduces_the_course_checkpoint_and_positions_matter():
    assert check_gpt(S.GPT).passed, check_gpt(S.GPT).line
    result = check_gpt(S.NoPositions)
    assert not result.passed and "position" in result.line


def test_train_passes_and_unshifted_targets_or_no_learning_are_named():
    assert check_train(S.train).passed, check_train(S.train).line
    assert "NEXT words" in check_train(functools.partial(S.train, shift=0)).line
    assert "peaks at 1e-07" in check_train(functools.partial(S.train, lr=1e-7)).line

    def words_shuffled(model, rows, steps):  # a loop as asked, on rows whose order says nothing
        return S.train(model, np.random.default_rng(0).permuted(rows, axis=1), steps)

    assert "next-word loss" in check_train(words_shuffled).line
    assert "losses" in check_train(lambda model, rows, steps: None).line
    assert check_train(stub).line.startswith("⏳")
