"""Lesson 10's training run: the solution's own GPT and train reach the course's tiny GPT and grow
its adjective head; while either is the stub the course's checkpoint stands in, and says so."""

import own_gpt_solution as S
import torch

from attnlab.checks.own_gpt import fused_state, per_head_state
from attnlab.models.trained import load_tiny_gpt
from attnlab.yours.own_gpt import train_your_gpt


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


# The lesson's own training run (500 steps of the solution's `GPT` and `train`) is tested where it
# runs, once: strict nbval on solutions/10_your_own_gpt.ipynb compares its "within 0.02 of the
# course's model: yes" and "at least 0.9 ...: yes" lines (make test, under other kernels); its time
# is make bench's (lesson times). It is not trained a second time here.


def test_the_run_line_is_a_tick_only_when_the_goals_are_met_and_names_the_likely_cause():
    """Three steps cannot reach the goals: the line says ❌ with the figures, and names `train` when
    the GPT passes its check, the `GPT` when it does not."""
    run = train_your_gpt(S.GPT, S.train, steps=3)
    assert run.yours and run.line.startswith("❌") and "misses the lesson's goals" in run.line, run.line
    assert "held-out accuracy" in run.line and "The likely cause: your `train`" in run.line, run.line
    run = train_your_gpt(S.NoPositions, S.train, steps=3)
    assert "The likely cause: your `GPT`" in run.line, run.line
