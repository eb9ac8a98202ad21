"""Lesson 10's training run: the learner's ``GPT`` trained by the learner's ``train`` — or, while
either is still the stub, the course's checkpoint standing in, with a line saying so (so the
student copy runs in seconds and CI never trains twice).

The run is deterministic: seeded, one thread, torch's deterministic algorithms
(:class:`attnlab.models.training.deterministic`), on the rows the course's tiny GPT trained on.
"""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass

from attnlab.yours.steps import first_line

STEPS = 500  # as the course's own tiny GPT (attnlab.models.training.GPT_TRAINING)


@dataclass
class OwnRun:
    """``model`` (eval mode), ``losses`` (one per step, None if the course's stood in), ``yours``
    (whether this is the learner's own trained model), ``line`` (what happened), ``seconds``."""

    model: object
    losses: list[float] | None
    yours: bool
    line: str
    seconds: float = 0.0


def course_stands_in(why: str) -> OwnRun:
    from attnlab.models.trained import load_tiny_gpt

    return OwnRun(load_tiny_gpt().model, None, False,
                  f"⏳ {why}: the course's trained tiny GPT (data/tiny_gpt.safetensors, the same "
                  "architecture) stands in below. Write them, then run this cell again (under a minute).")


def train_your_gpt(GPT, train, steps: int = STEPS, seed: int = 0, threads: int = 1) -> OwnRun:
    """Build ``GPT(config)`` (the course's tiny GPT's config) and train it with
    ``train(model, rows, steps)`` on the course's training rows — deterministically."""
    from attnlab.models.trained import load_tiny_gpt
    from attnlab.models.training import deterministic

    gpt = load_tiny_gpt()
    start = time.perf_counter()
    try:  # the progress bar (stderr) goes to stdout: one stream, so its lines keep their order
        with deterministic(seed, threads), contextlib.redirect_stderr(sys.stdout):
            model = GPT(gpt.model.config)
            losses = train(model, gpt.rows("train"), steps)
    except NotImplementedError:
        return course_stands_in("Your `GPT` or `train` is not written yet")
    except Exception as exc:  # the learner's code may raise anything: one line, not a traceback
        return course_stands_in(f"Training your GPT raised {first_line(exc)}")
    seconds = time.perf_counter() - start
    model.eval()
    losses = [float(x) for x in losses] if losses is not None else None
    # no loss digits in the line: a trained figure's last digits change with the CPU's kernels
    return OwnRun(model, losses, True, f"✅ Your GPT, trained by your `train`: {steps} steps.", seconds)


def as_course_model(model):
    """The same weights in the course's :class:`~attnlab.models.gpt.TinyGPT` (state_dict names as
    documented; per-head maps fused), so the course's probes can read its attention patterns."""
    import torch

    from attnlab.checks.own_gpt import fused_state
    from attnlab.models.gpt import TinyGPT

    course = TinyGPT(model.config)
    with torch.no_grad():
        course.load_state_dict(fused_state(model.state_dict()))
    return course.eval().requires_grad_(False)
