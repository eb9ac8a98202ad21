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

from attnlab.checks.verdict import NO, OK, WAIT
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
                  f"{WAIT}{why}: the course's trained tiny GPT (data/tiny_gpt.safetensors, the same "
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
    try:
        losses = [float(x) for x in losses] if losses is not None else None
    except (TypeError, ValueError):  # not numbers: check_train says what it should return
        losses = None
    return OwnRun(model, losses, True, goals_line(GPT, train, model, steps), seconds)


ACCURACY_GAP = 0.02  # the lesson's goals: held-out accuracy within this of the course's model …
ADJECTIVE_HEAD = 0.9  # … and a head putting at least this much of a noun's attention on its adjectives


def goals(model) -> tuple[float, float, float]:
    """``(held-out next-word accuracy, the course's, the best head's noun → own adjectives weight)``."""
    from attnlab.models import probes
    from attnlab.models.trained import load_tiny_gpt

    gpt = load_tiny_gpt()
    heldout = gpt.rows("heldout")
    heads = probes.noun_adjective_attention(as_course_model(model), heldout, gpt.vocab)
    return (probes.next_word_accuracy(model, heldout), gpt.info["quality"]["heldout_accuracy"],
            float(heads["weight"][heads["best"]]))


def goals_line(GPT, train, model, steps: int) -> str:
    """✅ only when the trained model meets the lesson's goals; else the figures and the likely cause.
    (No digits when it passes: a trained figure's last digits change with the CPU's kernels.)"""
    try:
        accuracy, course, head = goals(model)
    except Exception as exc:  # noqa: BLE001 — the learner's model may not fit the course's probes
        return (f"{NO}Your GPT, trained by your `train` for {steps} steps, could not be measured: "
                f"{first_line(exc)} — check_gpt says what your `GPT` should look like.")
    if abs(accuracy - course) <= ACCURACY_GAP and head >= ADJECTIVE_HEAD:
        return (f"{OK}Your GPT, trained by your `train`: {steps} steps; it meets the lesson's goals "
                f"(held-out accuracy within {ACCURACY_GAP} of the course's model, an adjective head "
                f"≥ {ADJECTIVE_HEAD}).")
    from attnlab.checks import check_gpt

    cause = ("your `train` — check_train says what" if check_gpt(GPT).passed
             else "your `GPT` — check_gpt says what")
    return (f"{NO}Your GPT, trained by your `train` for {steps} steps, misses the lesson's goals: held-out "
            f"accuracy {accuracy:.3f} (the course's {course:.3f}, the goal within {ACCURACY_GAP}), best "
            f"adjective head {head:.2f} (the goal ≥ {ADJECTIVE_HEAD}). The likely cause: {cause}.")


def as_course_model(model):
    """The same weights in the course's :class:`~attnlab.models.gpt.TinyGPT` (state_dict names as
    documented; per-head maps fused), so the course's probes can read its attention patterns."""
    import torch

    from attnlab.checks.own_gpt_weights import fused_state  # (weight names only: in every grading build)
    from attnlab.models.gpt import TinyGPT

    course = TinyGPT(model.config)
    with torch.no_grad():
        course.load_state_dict(fused_state(model.state_dict()))
    return course.eval().requires_grad_(False)
