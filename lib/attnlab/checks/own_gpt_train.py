"""``check_train`` (lesson 10): a short seeded run of the learner's ``train`` on a small probe model,
judged by what was measured around it (:func:`attnlab.checks.own_gpt_watch.train_probe`).

In order, each a property the exercise asks for, each named when it fails: the losses come back as
a list of ``steps`` floats (not tensors); the parameters moved; an optimizer stepped; each step
used only its own gradient (``zero_grad``: without it the gradients pile up across steps; called
between backward and step it wipes them); two runs drew the same rows (a seeded generator) and the
steps of one run different ones (a generator made once); the learning rate warmed up and decayed
(the schedule); a gradient longer than 1 was clipped to 1; the model learned the *next* word (not
the one it reads), as well as the course's loop does on the same model and rows (computed here,
never in the probe).
"""

from __future__ import annotations

import functools

from attnlab.checks.calling import Through
from attnlab.checks.core import Case, CheckResult, run_check
from attnlab.checks.own_gpt_probes import one_thread
from attnlab.checks.own_gpt_watch import probe_model, train_probe
from attnlab.checks.own_gpt_weights import is_mistake, mistake_text

STEPS = 80
LR, BATCH = 1e-2, 32  # the exercise's: train(model, rows, steps, batch_size=32, lr=1e-2)
MARGIN = 0.25  # nats of held-out loss a learner's loop may stay above the course's after STEPS steps


@functools.cache
def _rows():
    from attnlab.models.trained import load_tiny_gpt

    gpt = load_tiny_gpt()
    return gpt.rows("train")[:2000, :17], gpt.rows("heldout")[:100, :17], gpt.model.config.vocab_size


@functools.cache
def course_loss() -> float:
    """The held-out next-word loss the course's own loop (AdamW, warm-up and decay, clipping, seeded
    draws: :func:`attnlab.models.training.fit`) reaches on the probe model in :data:`STEPS` steps."""
    import torch
    import torch.nn.functional as F

    from attnlab.models.training import fit, row_batches

    train, held, vocab_size = _rows()
    with torch.random.fork_rng(devices=[]), one_thread():
        model = probe_model(vocab_size)
        fit(model, row_batches(model, train, 32, 0), STEPS, 1e-2)
    held = torch.from_numpy(held)
    with torch.no_grad():
        return float(F.cross_entropy(model(held[:, :-1]).flatten(0, 1), held[:, 1:].flatten()))


def _losses_text(found: dict, steps: int) -> str | None:
    if found["n_losses"] != steps:
        got = (f"{found['n_losses']} of them" if found["n_losses"] is not None
               else f"{found['returned']}")
        off = found["n_losses"] - steps if found["n_losses"] is not None else 0
        if abs(off) == 1:
            got += (f": one step {'short' if off < 0 else 'too many'} — for _ in range(steps) runs "
                    "exactly steps")
        return f"train should return the list of its {steps} losses, one per step — got {got}"
    kinds = found["returned"]
    if kinds != ["float"]:
        if "Tensor" in kinds:
            return ("the losses you return are tensors: append loss.item() (a float) — each tensor keeps "
                    "its step's whole graph alive, and the plot and the means need plain numbers")
        return f"the losses should be floats (loss.item()), got {', '.join(kinds)}"
    return None


def _steps_text(found: dict) -> str | None:
    wiped = [i for i, (g, f) in enumerate(zip(found["grad_norms"], found["fresh_norms"], strict=True))
             if g == 0 and f > 0]
    if wiped and len(wiped) == len(found["grad_norms"]):
        return ("the optimizer stepped with no gradient although backward computed one: it was wiped "
                "before the step — call optimizer.zero_grad() before loss.backward(), not between "
                "backward and step")
    if not found["changed"]:
        return "the model's parameters did not change: call loss.backward() and optimizer.step()"
    if not found["lrs"]:
        return ("no torch optimizer stepped the model's parameters: make one "
                "(torch.optim.AdamW(model.parameters(), lr=lr)) and call optimizer.step() each step")
    piled = [i for i, c in enumerate(found["cos"]) if i > 0 and c < 0.999]
    if piled:
        return (f"the gradients pile up across steps: at step {piled[0] + 1} the optimizer stepped with "
                "this step's gradient plus the earlier ones — call optimizer.zero_grad() before "
                "loss.backward() in every step")
    return None


def _run_text(found: dict, steps: int) -> str | None:
    if not found["same_draws"]:
        return ("two runs of your train on the same model drew different rows: draw them with a seeded "
                "generator — g = torch.Generator().manual_seed(0), torch.randint(…, generator=g) — so "
                "the run repeats exactly")
    if found["same_rows"]:
        return ("every step trained on the same rows: make the seeded generator once, before the loop — "
                "a generator seeded afresh each step draws the same batch every time")
    lrs = found["lrs"]
    top = max(lrs)
    if top - min(lrs) <= 1e-9 * max(top, 1e-12):
        return (f"the learning rate stayed at {top:g} for all {steps} steps: warm it up, then decay it — "
                "torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps), and "
                "schedule.step() after each optimizer.step()")
    if not (lrs[0] < 0.5 * top and lrs[-1] < 0.5 * top):
        return (f"the learning rate should warm up and then decay (OneCycleLR): it starts at {lrs[0]:.3g}, "
                f"peaks at {top:.3g} and ends at {lrs[-1]:.3g}")
    if abs(top - LR) > 0.1 * LR:
        return (f"the learning rate peaks at {top:.3g}: the exercise's is lr = {LR:g} at the peak — "
                "OneCycleLR(optimizer, max_lr=lr, total_steps=steps)")
    long = [i for i, n in enumerate(found["fresh_norms"]) if n > 1.01]
    unclipped = [i for i in long if found["grad_norms"][i] > 1.0 + 1e-3]
    if unclipped:
        i = unclipped[0]
        return (f"the gradient was not clipped: at step {i + 1} the optimizer stepped with a gradient of "
                f"length {found['grad_norms'][i]:.3g} — clip it to 1 between backward and step: "
                "torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)")
    short = [i for i in long if found["grad_norms"][i] < 0.99]
    if short:
        i = short[0]
        return (f"the gradient was clipped to {found['grad_norms'][i]:.3g} (at step {i + 1}, from "
                f"{found['fresh_norms'][i]:.3g}): clip its length at 1 — clip_grad_norm_(…, 1.0)")
    return _batch_text(found.get("batch"))


def _batch_text(batch) -> str | None:
    if batch is not None and batch[0] != BATCH:
        return (f"each step should draw {BATCH} rows (batch_size=32): the model read a batch of {batch[0]} "
                "at step 1")
    return None


def _train_compare(got, expected):
    if is_mistake(got):
        return mistake_text(got)
    course, steps = expected
    said = _losses_text(got, steps) or _steps_text(got) or _run_text(got, steps)
    if said:
        return said
    next_loss, same_loss = got["next_loss"], got["same_loss"]
    if same_loss < min(next_loss, 1.0):  # it reads the answer: the targets were not shifted
        return ("the model learned to repeat the word it reads: the targets are the NEXT words — "
                "logits of rows[:, :-1] against rows[:, 1:]")
    previous = got.get("previous_loss", float("inf"))
    if previous < next_loss - 0.5 and previous <= course + MARGIN:  # it learned the other direction
        return (f"the model learned the word BEFORE the one it reads (held-out loss {previous:.2f} that way, "
                f"{next_loss:.2f} for the next word): it reads rows[:, :-1] and predicts rows[:, 1:]")
    if not next_loss <= course + MARGIN:
        optimizer = ", ".join(got["optimizers"])
        return (f"after {steps} steps the held-out next-word loss is {next_loss:.2f} nats; the course's "
                f"loop reaches {course:.2f} on the same model and rows: cross-entropy of the logits "
                "against the next words, AdamW" + ("" if optimizer == "AdamW" else f" (yours: {optimizer})")
                + ", lr=1e-2")
    return None


def check_train(train) -> CheckResult:
    """Check ``train(model, rows, steps)``: AdamW on next-word cross-entropy, zero_grad → backward →
    clip → step, a schedule, seeded draws; returns the losses as floats."""
    rows, held, vocab_size = _rows()
    case = Case(f"{STEPS} steps of a small model on the course's sentences, twice",
                (Through(train_probe), rows, held, STEPS, vocab_size), expected=(course_loss(), STEPS))
    result = run_check("train", train, [case], compare=_train_compare, time_limit_s=60)
    if result.passed:
        return CheckResult("train", True, "your loop learns the next word, repeats exactly, zeroes, clips "
                           "and schedules as it should. Well done!", 1, 1)
    return result
