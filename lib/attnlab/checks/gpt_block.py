"""Lesson 09's residual block, every way a learner may wire it: the block's parts, combined wrongly.

A pre-LN block is two steps, attention then MLP, each ``x = x + part(ln(x))``. A learner's slip
turns one knob of one step: which LayerNorm it reads through (its own, the other's, none), where
the norm sits (on the input, on the change, after the addition: post-LN), what the change is
added to (x, nothing, the normalised copy), whether the MLP reads the new x or the block's input,
and which step comes first. :func:`variants` makes every block one or two knobs away from the
right one, each with the clause(s) naming its knobs, computed from the block's own parts; the
check then names the one whose answers are the learner's on every case
(:func:`attnlab.checks.slips.unambiguous`: only when no other one that small also is).
Two wirings that compute the same numbers keep the first name only (:func:`distinct`).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, replace

import numpy as np

_PART = {"attn": "the attention", "mlp": "the MLP"}
_OWN = {"attn": "ln_1", "mlp": "ln_2"}


@dataclass(frozen=True)
class Step:
    """One step of the block: ``part`` (attn | mlp) reads ``src`` (the stream, or the block's input)
    through ``ln`` (a LayerNorm's name, or None) placed at ``norm`` (input | output | after), and
    its change is added to ``onto`` (x | nothing | normalised)."""

    part: str
    ln: str | None
    norm: str = "input"
    src: str = "stream"
    onto: str = "x"

    def apply(self, call, x, x0):
        """The stream after this step; ``call(name, tensor)`` runs the block's piece ``name``."""
        src = x if self.src == "stream" else x0
        ln = (lambda t: call(self.ln, t)) if self.ln else (lambda t: t)
        change = {"input": lambda: call(self.part, ln(src)), "output": lambda: ln(call(self.part, src)),
                  "after": lambda: call(self.part, src)}[self.norm]()
        base = {"x": x, "nothing": 0, "normalised": ln(src)}[self.onto]
        return ln(base + change) if self.norm == "after" else base + change


RIGHT = (Step("attn", "ln_1"), Step("mlp", "ln_2"))


_BOTH = {  # the same knob turned in both steps, said once
    "ln": "The attention reads block.ln_2(x) and the MLP block.ln_1(x): the LayerNorms are swapped",
    "no ln": "Neither part reads a normalised copy: they read block.ln_1(x) and block.ln_2(x), not x itself",
    "output": "Both changes are normalised instead of the inputs: block.attn(block.ln_1(x)), not "
              "block.ln_1(block.attn(x))",
    "after": "That is post-LN, block.ln_1(x + block.attn(x)): here each part reads a normalised copy and "
             "its change is added to x, never normalised",
    "nothing": "Neither change is added to the stream: x = x + block.attn(block.ln_1(x)), then "
               "x + block.mlp(block.ln_2(x)) (the residual connection)",
    "normalised": "Both changes are added to the normalised copies: add them to x itself",
}


def _knobs(i: int, step: Step) -> list[tuple[str, Step, str]]:
    """Each one-knob change of ``step`` (the i-th): the knob, the changed step, the clause naming it."""
    part, own = step.part, _OWN[step.part]
    other = "ln_2" if own == "ln_1" else "ln_1"
    name = _PART[part][0].upper() + _PART[part][1:]
    to = functools.partial(replace, step)
    knobs = [
        ("ln", to(ln=other), f"{name} reads block.{other}(x): its own LayerNorm is block.{own}"),
        ("no ln", to(ln=None), f"{name} reads x itself: it reads the normalised copy block.{own}(x)"),
        ("output", to(norm="output"), f"{name}'s change is normalised instead of its input: "
                                      f"block.{part}(block.{own}(x)), not block.{own}(block.{part}(x))"),
        ("after", to(norm="after"), f"{name} is post-LN, block.{own}(x + block.{part}(x)): here it reads "
                                    f"block.{own}(x) and its change is added to x, never normalised"),
        ("nothing", to(onto="nothing"), f"{name} replaces the stream: ADD its change to x (the residual "
                                        f"connection), x + block.{part}(block.{own}(x))"),
        ("normalised", to(onto="normalised"), f"{name}'s change is added to the normalised copy "
                                              f"block.{own}(x): add it to x itself"),
    ]
    if i == 1:
        knobs.append(("src", to(src="input"), f"{name} reads the block's input, before the attention's "
                                              "change was added: give it block.ln_2 of the new x"))
    return knobs


def _valid(step: Step) -> bool:
    return step.ln is not None or (step.norm == "input" and step.onto != "normalised")


def _and(first: str, second: str) -> str:
    return f"{first}; and {second[0].lower()}{second[1:]}"


def variants() -> list[tuple[tuple[Step, ...], str]]:
    """Every wiring one or two knobs from :data:`RIGHT` (the step order is a knob too), with its
    clauses joined by "; and " (the same knob in both steps said once)."""
    singles = [(i, key, changed, says) for i, step in enumerate(RIGHT)
               for key, changed, says in _knobs(i, step)]

    def wired(*changes):
        steps = list(RIGHT)
        for i, changed in changes:
            steps[i] = changed
        return tuple(steps)

    swap = "The MLP runs before the attention: the attention's step comes first, then the MLP's"
    made = [(wired((i, changed)), says) for i, _, changed, says in singles] + [(RIGHT[::-1], swap)]
    for (i, key, a, first), (j, key_2, b, second) in itertools.combinations(singles, 2):
        if i != j:
            made.append((wired((i, a), (j, b)), _BOTH[key] if key == key_2 else _and(first, second)))
    made += [(wired((i, changed))[::-1], _and(swap, says)) for i, _, changed, says in singles]
    return [(steps, says) for steps, says in made if all(map(_valid, steps))]


def run(steps, call, x0):
    """The block wired as ``steps`` on ``x0`` ``(B, T, C)``."""
    x = x0
    for step in steps:
        x = step.apply(call, x, x0)
    return x


def memoised(block):
    """``call(name, tensor)``: ``block.<name>(tensor)``, each distinct input computed once."""
    import torch

    seen = {}

    def call(name, t):
        key = (name, tuple(t.shape), t.detach().numpy().tobytes())
        if key not in seen:
            with torch.no_grad():
                seen[key] = getattr(block, name)(t)
        return seen[key]

    return call


def distinct(answers_per_case: list[list]) -> list[int]:
    """The indices of the answers that differ from every earlier one on some case (rounded to 4
    decimals: the same numbers computed in another order are the same wiring)."""
    keys, kept = set(), []
    for k in range(len(answers_per_case[0])):
        key = b"".join(np.round(np.asarray(case[k], dtype=float), 4).tobytes() for case in answers_per_case)
        if key not in keys:
            keys.add(key)
            kept.append(k)
    return kept
