"""A real model run twice — on the learner's functions and on the course's — and what differs.

In the spirit of ARENA's "how many values match" after loading GPT-2 into one's own modules, but
it also says *where* first and *whose* function: each of the learner's functions is run alone (the
rest the course's), and the one whose first difference comes earliest is named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np

from attnlab.checks.verdict import NO, OK, WAIT
from attnlab.errors import AttnlabError
from attnlab.yours.steps import USES, StepError, Steps, lesson_number

PATTERN_TOL = 1e-5  # weights are 0 … 1
STATE_TOL = 1e-4  # embeddings of size ~1–10, float32: reordered sums differ by ~1e-6
TEXTS = {"minilm": "a fluffy blue creature roamed the verdant forest",
         "gpt2": "The fluffy blue creature roamed the", "distilgpt2": "The fluffy blue creature roamed the",
         "tiny_gpt": "a tiny fluffy blue creature squeaks . the"}


@dataclass(frozen=True)
class Run:
    """One forward pass: ``tokens`` (T), ``patterns`` ``(L, H, T, T)``, ``states`` ``(L + 1, T, C)``
    (the embeddings, then each layer's output), ``logits`` ``(T, V)`` or None."""

    tokens: tuple[str, ...]
    patterns: np.ndarray
    states: np.ndarray
    logits: np.ndarray | None = None


@dataclass(frozen=True)
class Place:
    """Where two runs first differ: ``layer``, ``head`` (None: after the heads), ``token``, ``what``."""

    layer: int
    head: int | None
    token: int
    what: str

    def key(self) -> tuple:
        return (self.layer, -1 if self.head is None else self.head, self.token)


def run_minilm(steps: Steps, text: str) -> Run:
    from attnlab.yours.runners import your_minilm

    f = your_minilm(steps).forward(text)
    return Run(f.tokens, np.asarray(f.attention, float), np.asarray(f.hidden_states, float))


def run_tiny_gpt(steps: Steps, text: str) -> Run:
    import torch

    from attnlab.yours.runners import your_tiny_gpt

    gpt = your_tiny_gpt(steps)
    ids = gpt._ids(text)
    outputs = []
    hooks = [b.register_forward_hook(lambda m, i, o: outputs.append(o[0] if isinstance(o, tuple) else o))
             for b in gpt.model.blocks]
    try:
        with torch.no_grad():
            logits, patterns = gpt.model(ids, need_weights=True)
            embedded = gpt.model.tok_emb(ids) + gpt.model.pos_emb(torch.arange(ids.shape[1]))
    finally:
        for h in hooks:
            h.remove()
    states = [embedded, *outputs[:len(gpt.model.blocks)]]
    if len(states) != len(gpt.model.blocks) + 1:  # the learner's gpt_forward skipped the blocks' calls
        states += [torch.full_like(embedded, float("nan"))] * (len(gpt.model.blocks) + 1 - len(states))
    return Run(tuple(gpt.tokens(text)), torch.cat(patterns).double().numpy(),
               torch.cat(states).double().numpy(), logits[0].double().numpy())


def run_gpt2(steps: Steps, text: str, base=None) -> Run:
    """GPT-2 ``base`` (a loaded ``GPT2``, shared by both runs; None: the fetched ``gpt2``) on ``steps``."""
    from attnlab.yours.runners import load_base_gpt2, your_gpt2

    f = your_gpt2(steps, load_base_gpt2() if base is None else base).forward(text)
    return Run(f.tokens, np.asarray(f.attention, float), np.asarray(f.hidden_states, float),
               np.asarray(f.logits, float))


RUNNERS = {"minilm": run_minilm, "tiny_gpt": run_tiny_gpt, "gpt2": run_gpt2, "distilgpt2": run_gpt2}
NAMES = {"minilm": "MiniLM", "tiny_gpt": "the tiny GPT", "gpt2": "GPT-2", "distilgpt2": "DistilGPT-2"}


def first_difference(ref: Run, got: Run) -> Place | None:
    """The first (layer, head, token) where ``got`` differs from ``ref``; None if nowhere."""
    for layer in range(len(ref.patterns)):
        wrong = ~np.isclose(got.patterns[layer], ref.patterns[layer], rtol=0, atol=PATTERN_TOL)  # (H, T, S)
        if wrong.any():
            head, token = (int(i) for i in np.argwhere(wrong)[0][:2])
            return Place(layer, head, token, "pattern")
        wrong = ~np.isclose(got.states[layer + 1], ref.states[layer + 1], rtol=0, atol=STATE_TOL)
        if wrong.any():
            return Place(layer, None, int(np.argwhere(wrong.any(-1))[0][0]), "output")
    if ref.logits is not None:
        wrong = ~np.isclose(got.logits, ref.logits, rtol=0, atol=STATE_TOL)
        if wrong.any():
            return Place(len(ref.patterns), None, int(np.argwhere(wrong.any(-1))[0][0]), "logits")
    return None


def _layer_rows(ref: Run, got: Run) -> list[dict]:
    rows = []
    for layer in range(len(ref.patterns)):
        dp = np.abs(got.patterns[layer] - ref.patterns[layer])
        ds = np.abs(got.states[layer + 1] - ref.states[layer + 1])
        matched = np.concatenate([(dp <= PATTERN_TOL).ravel(), (ds <= STATE_TOL).ravel()])
        rows.append({"layer": layer, "max_pattern_diff": float(np.nanmax(dp)),
                     "max_state_diff": float(np.nanmax(ds)), "share_equal": float(matched.mean())})
    return rows


def _size(diff: float, tol: float) -> str:
    """A difference as printed: 0 when the two computed the same numbers the same way; its digits
    only beyond ``tol``; within it, rounding (whose digits change with the CPU's kernels): "≤ tol"."""
    return "0" if diff == 0 else f"{diff:.2g}" if diff > tol else f"≤ {tol:g}"


@dataclass
class Comparison:
    """``rows``: per layer max |Δ| (patterns, outputs) and the share of values that match;
    ``first``: the first :class:`Place` that differs (None: none); ``culprit``: the step responsible;
    ``error``: a function of the learner's that raised inside the model."""

    model: str
    text: str
    yours: list[str]
    rows: list[dict] = field(default_factory=list)
    first: Place | None = None
    culprit: str | None = None
    culprit_lesson: str | None = None
    error: str | None = None
    runs: tuple = ()

    @property
    def max_diff(self) -> float:
        return max((max(r["max_pattern_diff"], r["max_state_diff"]) for r in self.rows), default=0.0)

    @property
    def share_equal(self) -> float:
        return float(np.mean([r["share_equal"] for r in self.rows])) if self.rows else 0.0

    @property
    def line(self) -> str:
        name = NAMES[self.model]
        if self.error:
            return f"{NO}{self.error}"
        if not self.yours:
            return f"{WAIT}{name} ran on the course's functions only: none of yours to compare yet."
        mine = ", ".join(f"`{n}`" for n in self.yours)
        if self.first is None:
            return (f"{OK}{name} on your {mine}: the same as on the course's within float32 rounding "
                    f"(weights within {PATTERN_TOL:g}, outputs within {STATE_TOL:g}): "
                    f"{self.share_equal:.0%} of values match.")
        ref = self.runs[0]
        where = f"layer {self.first.layer}" if self.first.what != "logits" else "the logits"
        if self.first.head is not None:
            where += f" head {self.first.head}"
        token = ref.tokens[self.first.token]
        who = (f"your `{self.culprit}` (lesson {lesson_number(self.culprit_lesson)})" if self.culprit
               else f"your {mine} together")
        return (f"{NO}{who} makes {where} differ at {token!r} (token {self.first.token}); "
                f"{self.share_equal:.0%} of values match, max |Δ| {self.max_diff:.3g}.")

    def table(self) -> str:
        lines = ["layer  max |Δ| pattern  max |Δ| output  values that match"]
        lines += [f"{r['layer']:>5}  {_size(r['max_pattern_diff'], PATTERN_TOL):>15}  "
                  f"{_size(r['max_state_diff'], STATE_TOL):>14}  {r['share_equal']:>17.1%}"
                  for r in self.rows]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.line + ("\n" + self.table() if self.rows and self.yours else "")

    def at(self, layer: int | None = None, head: int | None = None) -> tuple:
        """``(layer, head, tokens, yours (T, T), the course's (T, T))``: one head's two patterns, at
        the first difference (or layer 0 head 0) unless given — what
        :func:`attnlab.views.plotting.plot_comparison` draws side by side."""
        if not self.runs:
            raise AttnlabError("nothing to show: the comparison did not run (see its line)")
        first = self.first if self.first is not None and self.first.head is not None else None
        layer = (first.layer if first else 0) if layer is None else layer
        head = (first.head if first else 0) if head is None else head
        ref, got = self.runs
        return layer, head, ref.tokens, got.patterns[layer, head], ref.patterns[layer, head]


def runner_of(model: str, folder=None):
    """``model``'s runner ``(steps, text) -> Run``. GPT-2 (``"gpt2"``, ``"distilgpt2"``) is loaded
    once, from ``folder`` or as fetched, and shared by every run of the comparison."""
    if model not in RUNNERS:
        raise AttnlabError(f"model must be one of {', '.join(RUNNERS)}, but got {model!r}")
    if RUNNERS[model] is not run_gpt2:
        if folder is not None:
            raise AttnlabError(f"folder is for a GPT-2 checkpoint, but model is {model!r}: leave it out")
        return RUNNERS[model]
    from attnlab.yours.runners import load_base_gpt2

    return partial(run_gpt2, base=load_base_gpt2(folder, model))


def compare(steps: Steps, model: str = "minilm", text: str | None = None, folder=None) -> Comparison:
    """Run ``model`` on ``steps`` and on the course's, and compare (see :class:`Comparison`);
    ``folder``: a GPT-2 checkpoint's, for ``model="gpt2"`` (without it, the fetched one)."""
    runner = runner_of(model, folder)
    text = TEXTS[model] if text is None else text
    mine = [s.name for s in steps.yours() if s.name in USES[model]]
    ref = runner(Steps(), text)
    result = Comparison(model, text, mine)
    try:
        got = runner(steps, text)
    except StepError as exc:
        result.error, result.culprit, result.culprit_lesson = str(exc), exc.step.name, exc.step.lesson
        return result
    result.rows, result.first, result.runs = _layer_rows(ref, got), first_difference(ref, got), (ref, got)
    if result.first is not None and len(mine) >= 1:
        result.culprit, result.culprit_lesson = _culprit(steps, runner, text, ref, mine)
    return result


def _culprit(steps: Steps, runner, text: str, ref: Run, used) -> tuple[str | None, str | None]:
    """The learner's step whose own first difference (the rest the course's) comes earliest."""
    best = None
    for step in steps.yours():
        if step.name not in used:
            continue
        try:
            place = first_difference(ref, runner(steps.only(step.name), text))
        except StepError:
            place = Place(-1, None, 0, "raised")
        if place is not None and (best is None or place.key() < best[0].key()):
            best = (place, step)
    return (best[1].name, best[1].lesson) if best else (None, None)
