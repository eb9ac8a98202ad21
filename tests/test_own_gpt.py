"""Lesson 10's training run: the solution's own GPT and train reach the course's tiny GPT and grow
its adjective head; while either is the stub the course's checkpoint stands in, and says so."""

import own_gpt_solution as S
import pytest
import torch

from attnlab.checks.own_gpt import fused_state, per_head_state
from attnlab.models import probes
from attnlab.models.trained import load_tiny_gpt
from attnlab.paths import SOLUTIONS_DIR
from attnlab.yours.collect import definitions, read_lesson
from attnlab.yours.own_gpt import as_course_model, train_your_gpt


def stub(*args, **kwargs):
    raise NotImplementedError()


def test_while_gpt_or_train_is_the_stub_the_course_stands_in_and_says_so():
    for GPT, train in ((stub, S.train), (S.GPT, stub)):
        run = train_your_gpt(GPT, train, steps=3)
        assert not run.yours and run.losses is None and run.model is load_tiny_gpt().model
        assert run.line.startswith("⏳") and "stands in" in run.line


def test_a_training_that_raises_is_one_line():
    def broken(model, rows, steps):
        raise RuntimeError("shape mismatch")

    run = train_your_gpt(S.GPT, broken, steps=3)
    assert not run.yours and "raised RuntimeError: shape mismatch" in run.line


def test_per_head_and_fused_weights_convert_both_ways():
    state = load_tiny_gpt().model.state_dict()
    heads = per_head_state(state, 4, "blocks.0.attn.")
    assert heads["blocks.0.attn.W_Q"].shape == (4, 32, 8) and "blocks.0.attn.qkv.weight" not in heads
    back = fused_state(heads)
    assert set(back) == set(state) and all(torch.equal(back[k], state[k]) for k in state)


@pytest.mark.slow
def test_the_lessons_training_reaches_the_course_model_and_finds_its_adjective_head():
    nb, _ = read_lesson(SOLUTIONS_DIR / "10_your_own_gpt.ipynb")
    namespace, problems = definitions(nb, "10_your_own_gpt")
    assert not problems
    run = train_your_gpt(namespace["GPT"], namespace["train"])
    assert run.yours and len(run.losses) == 500 and run.seconds < 60
    gpt = load_tiny_gpt()
    heldout = gpt.rows("heldout")
    accuracy = probes.next_word_accuracy(run.model, heldout)
    assert abs(accuracy - gpt.info["quality"]["heldout_accuracy"]) <= 0.02
    heads = probes.noun_adjective_attention(as_course_model(run.model), heldout, gpt.vocab)
    assert heads["weight"].max() >= 0.9
