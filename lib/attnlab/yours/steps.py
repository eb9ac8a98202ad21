"""The steps of attention a real model's runner calls — each one the learner's function or the course's.

A runner (MiniLM, GPT-2, the tiny GPT, the translator) never calls
the learner's code directly: it calls :class:`Steps`, which holds one :class:`Step` per exercise —
the learner's function where it passed its check, the course's reference where not. The whole
interface a runner needs is :meth:`Steps.heads`:

    change, patterns = steps.heads(x, W_Q, W_K, W_V_down, W_V_up, b_Q, b_K, b_V, causal=True)

x ``(T, C)`` (one sequence), per-head maps ``W_Q, W_K, W_V_down (H, C, D)``, ``W_V_up (H, D, C)``,
biases ``(H, D)`` or None; ``context`` ``(S, C)`` for cross-attention. Returns the sum of the heads'
proposed changes ``(T, C)`` (the output bias is the runner's to add) and the patterns ``(H, T, S)``.

Inside, per head: ``scaled_scores(q, k)`` (lesson 02) → ``stable_softmax`` (03), or with a causal
mask ``causal_mask(T)`` and ``masked_pattern(scores, mask)`` (04) → ``weighted_sum(pattern, v)`` (05);
the heads combined by ``multi_head`` (06) or, with a context, each head by ``cross_attention`` (07).
The learner's functions take maps without biases, so a bias rides along as one more row of the map
and one more column of ones in x (``x @ W + b == [x, 1] @ [W; b]``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from attnlab import attention
from attnlab.checks.core import TIME_LIMIT, CheckTimeout, standing_in, time_limit
from attnlab.checks.exercises import EXERCISES as _TABLE
from attnlab.checks.exercises import by_name
from attnlab.errors import AttnlabError

EXERCISE_ORDER = [exercise.name for exercise in _TABLE]

COURSE = "course"  # Step.whose for the course's reference
_DEPTH = 0  # how many of the learner's steps are running (multi_head calls the others)


def _masked_pattern(scores, mask):
    return attention.softmax(attention.apply_mask(scores, mask))


def _weighted_sum(pattern, values):
    return pattern @ values  # (Tq, Tk) @ (Tk, d) -> (Tq, d)


# The exercises a real model runs -> the course's function in their place (None: the course's path is
# the runner's own code). Their lessons come from the course's table of exercises.
_COURSE: dict[str, Callable | None] = {
    "scaled_scores": attention.attention_scores,
    "stable_softmax": attention.softmax,
    "causal_mask": attention.causal_mask,
    "masked_pattern": _masked_pattern,
    "weighted_sum": _weighted_sum,
    "multi_head": None,
    "cross_attention": None,
    "residual_block": None,
    "gpt_forward": None,
    "greedy_generate": None,
}
_DECLARED = by_name()
# name -> (lesson, the course's function), in the lessons' order
EXERCISES: dict[str, tuple[str, Callable | None]] = {
    name: (_DECLARED[name].lesson, fn) for name, fn in sorted(
        _COURSE.items(), key=lambda item: EXERCISE_ORDER.index(item[0]))}


# the exercises each model's forward pass runs (greedy_generate writes text; a forward pass does not)
_GPT2 = ("scaled_scores", "causal_mask", "masked_pattern", "weighted_sum", "multi_head")
USES = {"gpt2": _GPT2, "distilgpt2": _GPT2,
        "minilm": ("scaled_scores", "stable_softmax", "weighted_sum", "multi_head"),
        "tiny_gpt": ("scaled_scores", "causal_mask", "masked_pattern", "weighted_sum", "multi_head",
                     "residual_block", "gpt_forward"),
        "translator": ("scaled_scores", "stable_softmax", "causal_mask", "masked_pattern", "weighted_sum",
                       "multi_head", "cross_attention")}


# seconds one call of the learner's may take (the checks' limit; more for the steps that contain others:
# gpt_forward runs the whole model, on a busy machine for a batch of rows)
LIMITS = {"multi_head": 20.0, "cross_attention": 20.0, "residual_block": 120.0, "gpt_forward": 120.0,
          "greedy_generate": 120.0}


def first_line(exc: BaseException) -> str:
    """``"KeyError: 'oops'"``: an exception in one line, for a learner-facing message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def lesson_number(lesson: str) -> str:
    return lesson.split("_", 1)[0]


class StepError(Exception):
    """The learner's function raised (or ran too long) inside a real model."""

    def __init__(self, step: Step, exc: BaseException):
        self.step = step
        what = "ran too long" if isinstance(exc, CheckTimeout) else f"raised {first_line(exc)}"
        super().__init__(f"your `{step.name}` (lesson {lesson_number(step.lesson)}) {what} inside the "
                         f"real model — the course's runs fine there: `yours.minilm()` without "
                         f"include_failing uses it instead")


@dataclass(frozen=True)
class Step:
    """One exercise in a runner: the function used, whose it is (``"yours"`` or ``"course"``) and
    where it came from (a notebook, this kernel, or the course)."""

    name: str
    fn: Callable | None
    whose: str = COURSE
    origin: str = "the course's reference"

    @property
    def lesson(self) -> str:
        return EXERCISES[self.name][0]

    @property
    def yours(self) -> bool:
        return self.whose != COURSE

    def __call__(self, *args):
        if not self.yours:
            return self.fn(*args)
        global _DEPTH
        outermost, _DEPTH = _DEPTH == 0, _DEPTH + 1  # one time limit, around the outermost call
        try:
            with time_limit(LIMITS.get(self.name, TIME_LIMIT)) if outermost else contextlib.nullcontext():
                return self.fn(*args)
        except StepError:
            raise
        except (Exception, CheckTimeout) as exc:  # the learner's code may raise anything
            raise StepError(self, exc) from exc
        finally:
            _DEPTH -= 1


def course_step(name: str) -> Step:
    if name not in EXERCISES:
        raise AttnlabError(f"unknown exercise {name!r}: the real models use {', '.join(EXERCISES)}")
    return Step(name, EXERCISES[name][1])


def _with_bias(x, W, b):
    """``x @ W + b`` as one product the learner's functions can take: x ``(T, C)`` → ``(T, C+1)``
    with a column of ones, W ``(H, C, D)`` → ``(H, C+1, D)`` with b ``(H, D)`` as its last row."""
    ones = np.ones((x.shape[0], 1), dtype=x.dtype)
    bias = np.zeros(W.shape[::2], dtype=W.dtype) if b is None else np.asarray(b, dtype=W.dtype)
    return np.concatenate([x, ones], axis=1), np.concatenate([W, bias[:, None, :]], axis=1)


@dataclass(frozen=True)
class Steps:
    """The exercises a runner uses, by name (any not given are the course's)."""

    steps: Mapping[str, Step] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Step:
        return self.steps.get(name) or course_step(name)

    def yours(self) -> list[Step]:
        """The learner's steps in use, in the lessons' order."""
        return [self[n] for n in EXERCISES if self[n].yours]

    def only(self, name: str | None) -> Steps:
        """These steps with just the learner's ``name`` kept (``None``: all the course's)."""
        return Steps({name: self[name]} if name is not None else {})

    # --- one head ----------------------------------------------------------------------------

    def attend(self, q, k, v, causal: bool = False):
        """One head, q ``(T, D)``, k ``(S, D)``, v ``(S, D)`` → ``(output (T, D), pattern (T, S))``."""
        scores = self["scaled_scores"](q, k)  # (T, S)
        if causal:
            if q.shape[0] != k.shape[0]:
                raise AttnlabError(f"a causal mask needs as many queries as keys, got {q.shape[0]} and "
                                 f"{k.shape[0]}")
            mask = np.asarray(self["causal_mask"](q.shape[0]), dtype=bool)  # (T, T)
            pattern = self["masked_pattern"](scores, mask)
        else:
            pattern = self["stable_softmax"](scores)
        pattern = np.asarray(pattern, dtype=q.dtype)
        return np.asarray(self["weighted_sum"](pattern, v), dtype=q.dtype), pattern

    # --- all heads of a layer ----------------------------------------------------------------

    def heads(self, x, W_Q, W_K, W_V_down, W_V_up, b_Q=None, b_K=None, b_V=None, causal: bool = False,
              context=None):
        """All heads of one layer: ``(change (T, C), patterns (H, T, S))`` (see the module's text)."""
        ctx = x if context is None else context
        q = x @ W_Q + (0 if b_Q is None else b_Q[:, None, :])  # (H, T, D)
        k = ctx @ W_K + (0 if b_K is None else b_K[:, None, :])  # (H, S, D)
        v = ctx @ W_V_down + (0 if b_V is None else b_V[:, None, :])  # (H, S, D)
        heads = [self.attend(q[h], k[h], v[h], causal) for h in range(len(W_Q))]  # (out, pattern) each
        outputs, patterns = [o for o, _ in heads], [p for _, p in heads]
        patterns = np.stack(patterns)  # (H, T, S)
        if context is not None and self["cross_attention"].yours:
            return self._cross(x, ctx, W_Q, W_K, W_V_down, W_V_up, b_Q, b_K, b_V), patterns
        if context is None and self["multi_head"].yours and self.multi_head_usable(causal):
            return self._multi_head(x, W_Q, W_K, W_V_down, W_V_up, b_Q, b_K, b_V, causal), patterns
        change = np.einsum("htd,hdc->tc", np.stack(outputs), W_V_up)  # the heads' changes, summed
        return change.astype(x.dtype), patterns

    def multi_head_usable(self, causal: bool) -> bool:
        """The learner's ``multi_head`` takes no mask: in a causal model it can be used only if it
        attends through ``scaled_dot_product_attention`` (which then masks)."""
        fn = self["multi_head"].fn
        return not causal or "scaled_dot_product_attention" in getattr(getattr(fn, "__code__", None),
                                                                       "co_names", ())

    def _multi_head(self, x, W_Q, W_K, W_V_down, W_V_up, b_Q, b_K, b_V, causal):
        x1, WQ = _with_bias(x, W_Q, b_Q)
        _, WK = _with_bias(x, W_K, b_K)
        _, WV = _with_bias(x, W_V_down, b_V)
        WU = np.concatenate([W_V_up, np.zeros((*W_V_up.shape[:2], 1), W_V_up.dtype)], axis=2)

        def sdpa(q, k, v, mask=None):  # the learner's own steps, wherever multi_head attends
            return self.attend(np.asarray(q, x.dtype), np.asarray(k, x.dtype), np.asarray(v, x.dtype),
                               causal)

        step = self["multi_head"]
        namespace = getattr(step.fn, "__globals__", {})
        names = {"scaled_dot_product_attention": sdpa} if "scaled_dot_product_attention" in namespace else {}
        with standing_in(namespace, names):
            change = np.asarray(step(x1, WQ, WK, WV, WU), dtype=x.dtype)  # (T, C + 1)
        return change[:, :-1]

    def _cross(self, x, ctx, W_Q, W_K, W_V_down, W_V_up, b_Q, b_K, b_V):
        x1, WQ = _with_bias(x, W_Q, b_Q)
        c1, WK = _with_bias(ctx, W_K, b_K)
        _, WV = _with_bias(ctx, W_V_down, b_V)
        step = self["cross_attention"]
        outs = [np.asarray(step(x1, c1, WQ[h], WK[h], WV[h]), dtype=x.dtype) for h in range(len(WQ))]
        return np.einsum("htd,hdc->tc", np.stack(outs), W_V_up).astype(x.dtype)


COURSE_STEPS = Steps()
