"""How an exercise is checked.

A check runs the learner's function on a few cases — ordinary ones and edge cases — and compares
each answer with the course's reference. It never lets the learner's code crash the notebook:
exceptions, wrong shapes, NaN and infinite loops all become one friendly line that says what to
look at. The result is a :class:`CheckResult`; in a notebook it shows itself as that line.

Each lesson's checks (``attnlab.checks.<lesson topic>``) are a list of :class:`Case` and a call to
:func:`run_check`.

A check is made of two halves that can run in different processes: :func:`call` runs the
learner's function on one case's inputs and keeps only the :class:`Outcome` (an answer, or what
went wrong), and :meth:`CheckSpec.judge` compares outcomes with the expected answers. In a
notebook both run here. ``attnlab-grade`` runs :func:`call` inside a sandbox with no expected
answer anywhere in it, and the judging in its own process (:mod:`attnlab.course.replay`).

Nothing the learner's code does here can make a wrong answer pass by accident or by a simple
trick: answers become plain data (:mod:`attnlab.checks.plain`) before any comparison, the
comparison runs under the time limit too, and the time limit (:class:`CheckTimeout`) is a
``BaseException`` that ``except Exception`` cannot swallow.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import attnlab.checks.exercises as exercises
import attnlab.checks.mutants as mutants
import attnlab.checks.plain as plain
import attnlab.checks.probes as probes
import attnlab.checks.reference_calls as reference_calls
import attnlab.checks.verdict as verdict
from attnlab.checks.calling import (  # noqa: F401 — CheckTimeout, time_limit, standing_in are part of this API
    LOST,
    TIME_LIMIT,
    CheckTimeout,
    Outcome,
    call,
    first_line,
    helpers_called,
    standing_in,
    time_limit,
)
from attnlab.checks.compare import (  # noqa: F401 — the comparisons' old home: checks import them from here
    compare_arrays,
    compare_exact,
    compare_indices,
    show,
)
from attnlab.checks.diagnosis import Diagnosis, Named

_first_line = first_line  # the old name

WELL_DONE = "Well done!"  # ends the line of a check passed with nothing more to say


@dataclass
class Case:
    """One input to try: ``fn(*args, **kwargs)`` should give ``expected``.

    ``label`` is what the learner sees (e.g. ``"huge logits [1e4, 0]"``); ``hint`` is added to the
    message when this case fails.
    """

    label: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    expected: Any = None
    hint: str = ""


@dataclass
class CheckResult:
    """What a check found: shown in a notebook as one line."""

    title: str
    passed: bool
    message: str
    n_passed: int = 0
    n_cases: int = 0
    stood_in: tuple[str, ...] = ()  # the learner's helpers the course's stood in for (passed anyway)
    diagnosis: Diagnosis | None = None  # the same finding as data (the class report reads it)

    @property
    def line(self) -> str:
        """``✅ pass · title: message`` (or ``❌ not yet``, ``⏳ to do``) on one line of ≤ 300 characters."""
        return self._lines()[0]

    @property
    def detail(self) -> str:
        """What the line left out (a hint, or the whole message), else ``""``: shown below the line."""
        return self._lines()[1]

    def _lines(self) -> tuple[str, str]:
        state = True if self.passed else (None if self.n_cases == 0 else False)
        return verdict.lines(state, f"{self.title}: {self.message}")

    def __repr__(self) -> str:
        line, rest = self._lines()
        return line + (f"\n  {rest}" if rest else "")

    def __bool__(self) -> bool:
        return self.passed


def judge(outcome: Outcome, case: Case, compare: Callable, time_limit_s: float = TIME_LIMIT) -> str | None:
    """``None`` if the outcome is the case's expected answer, else the learner-facing reason.

    The answer is made plain data first (a learner's object cannot vouch for itself), and the
    comparison runs under the time limit too. Never raises.
    """
    problem = {
        "timeout": f"still running after {time_limit_s:g} s — is there a loop that never ends?",
        "recursion": "RecursionError: the function calls itself without end",
        "raised": f"your code raised {outcome.error}",
        "unreadable": outcome.error,
        "lost": "no answer came back for this case (the submission stopped)",
        "not implemented": "not implemented yet",
        "changed input": changed_in_place(outcome.error),
    }.get(outcome.kind)
    if outcome.kind == "value":
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with time_limit(time_limit_s):
                    problem = compare(plain.plain(outcome.value), case.expected)
        except CheckTimeout:
            problem = f"reading your answer took longer than {time_limit_s:g} s"
        except plain.AnswerTooLarge as exc:
            problem = str(exc)
        except BaseException as exc:  # noqa: BLE001 — e.g. an answer NumPy cannot read
            problem = f"your code raised {first_line(exc)}"
    if problem is None:
        return None
    if outcome.kind == "changed input":
        return problem
    return Named(with_hint(problem, case), getattr(problem, "mistake", ""))


def changed_in_place(argument: str) -> str:
    """The line for a function that changed its argument in place (the property every check tests)."""
    name = argument.split("`")[1] if argument.count("`") >= 2 else "x"
    return (f"your function changed its argument {argument} in place: compute into a new array "
            f"(`{name} - m`, not `{name} -= m`; `np.where(…)`, not `{name}[…] = …`) or copy it first.")


def with_hint(problem: str, case: Case) -> str:
    """The problem as a sentence, the case's hint after it: ``"… never ends? Hint: …"``, not ``"?."``
    — unless the problem already names a catalogued slip (a :class:`Named` with its ``mistake``):
    the case's general hint would only pull the learner's eye elsewhere."""
    if getattr(problem, "mistake", ""):
        return str(problem)
    problem = problem.rstrip(".")
    stop = "" if problem.endswith(("?", "!")) else "."
    return problem + stop + (f" Hint: {case.hint}" if case.hint else "")


NOT_IMPLEMENTED = ("not implemented yet — replace `raise NotImplementedError()` with your code, "
                   "run that cell, then this one.")


@dataclass
class CheckSpec:
    """Everything one check needs besides the learner's function: what :func:`run_check` got."""

    title: str
    cases: list[Case]
    compare: Callable = compare_arrays
    time_limit_s: float = TIME_LIMIT
    helpers: dict[str, Callable] = field(default_factory=dict)

    def judge(self, outcome_of: Callable[[int, Case], Outcome]) -> CheckResult:
        """Judge the cases in order (the line is the first miss's); ``outcome_of(i, case)`` gives
        each case's outcome — by calling the learner's function, or from a sandbox's answers.

        A catalogued mistake is named only when the learner's answer is that mistake's on every
        case that gave an answer (:meth:`agreeing`), not merely on the first that failed."""
        n = len(self.cases)
        seen: list[Outcome] = []
        for i, case in enumerate(self.cases):
            outcome = outcome_of(i, case)
            seen.append(outcome)
            if outcome.kind == "not implemented":
                return CheckResult(self.title, False, NOT_IMPLEMENTED, 0, 0,
                                   diagnosis=Diagnosis("not attempted"))
            problem = judge(outcome, case, self.compare, self.time_limit_s)
            if problem is not None and getattr(problem, "mistake", "") and outcome.kind == "value":
                allowed = self.agreeing(seen, outcome_of)
                if allowed is not None:
                    narrowed = functools.partial(self.compare, allowed=allowed)
                    problem = judge(outcome, case, narrowed, self.time_limit_s)
            if problem is not None and outcome.kind == "value" and not getattr(problem, "mistake", ""):
                probed = self.probed(problem, i, seen, outcome_of)
                problem = probed if probed != problem else self.mutated(problem, i, seen, outcome_of)
            if problem is not None:
                error = outcome.error.split(":")[0] if outcome.kind == "raised" else ""
                found = Diagnosis("wrong" if outcome.kind == "value" else outcome.kind, i + 1, case.label,
                                  getattr(problem, "mistake", ""), error)
                return CheckResult(self.title, False, f"case {i + 1} of {n} ({case.label}): {problem}", i, n,
                                   diagnosis=found)
        return CheckResult(self.title, True, f"all {n} cases pass. {WELL_DONE}", n, n,
                           diagnosis=Diagnosis("pass"))

    def probed(self, problem: str, i: int, seen: list[Outcome], outcome_of: Callable) -> str:
        """``problem`` with what :func:`attnlab.checks.probes.explain` finds the answer right for
        (the right function on the case's inputs, changed — the same change on every case that
        answered), before the hint."""
        case, base = self.cases[i], getattr(self.compare, "base", None)
        reference = getattr(case.expected, "reference", None)
        exercise = exercises.by_name().get(self.title)
        if base is None or reference is None or exercise is None:
            return problem
        inside = exercise.signature.split("(", 1)[1].rsplit(")", 1)[0]
        names = [n.split("=")[0].strip() for n in inside.split(",") if n.strip()]
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings(), time_limit(self.time_limit_s):
                warnings.simplefilter("ignore")
                answers = self.answered(i, seen, outcome_of)
                if not answers:
                    return problem
                (got, args, right), others = answers[0], [(g, r, a) for g, a, r in answers[1:]]
                clause = probes.explain(got, right, reference, names, args, base, others)
        except BaseException:  # noqa: BLE001 — no explanation, the problem stands
            return problem
        if not clause:
            return problem
        text, hint = (str(problem).split(" Hint: ", 1) + [""])[:2]
        return text.rstrip(".") + clause + "." + (f" Hint: {hint}" if hint else "")

    def answered(self, i: int, seen: list[Outcome], outcome_of: Callable) -> list[tuple] | None:
        """``(answer, inputs, right answer)`` of every case up to the first that gave no answer, case
        ``i`` first; ``None`` when the cases have no one reference to run."""
        reference = getattr(self.cases[i].expected, "reference", None)
        answers = []
        for j, case in enumerate(self.cases):
            outcome = seen[j] if j < len(seen) else outcome_of(j, case)
            if outcome.kind != "value":
                break
            expected = case.expected
            if getattr(expected, "reference", None) is not reference:
                return None
            answers.append((plain.plain(outcome.value), tuple(expected.args), expected.right))
        if i >= len(answers):
            return None
        answers.insert(0, answers.pop(i))  # the failing case first: most changes fail there
        return answers

    def mutated(self, problem: str, i: int, seen: list[Outcome], outcome_of: Callable) -> str:
        """``problem`` with the one edit of the course's code that gives the learner's answers on
        every case that answered (:func:`attnlab.checks.mutants.explain`), in place of the hint."""
        base = getattr(self.compare, "base", None)
        if base is None or getattr(self.cases[i].expected, "reference", None) is None:
            return problem
        try:
            with time_limit(self.time_limit_s):
                answers = self.answered(i, seen, outcome_of)
                clause = mutants.explain(self.cases[i].expected.reference, answers, base) if answers else ""
        except BaseException:  # noqa: BLE001 — no explanation, the problem stands
            return problem
        if not clause:
            return problem
        return str(problem).split(" Hint: ", 1)[0].rstrip(".") + clause + "."

    def agreeing(self, seen: list[Outcome], outcome_of: Callable[[int, Case], Outcome]) -> frozenset | None:
        """The catalogued mistakes (what each says) the learner's answers agree with on every case
        that answered: the cases ``seen`` so far, then the rest up to the first that gives no answer
        (as a grading sandbox stops there). ``None`` when the comparison keeps no catalogue."""
        consistent = getattr(self.compare, "consistent", None)
        if consistent is None:
            return None
        allowed = None
        for j, case in enumerate(self.cases):
            outcome = seen[j] if j < len(seen) else outcome_of(j, case)
            if outcome.kind != "value":
                break
            try:
                with np.errstate(all="ignore"), warnings.catch_warnings(), time_limit(self.time_limit_s):
                    warnings.simplefilter("ignore")
                    here = consistent(plain.plain(outcome.value), case.expected)
            except BaseException:  # noqa: BLE001 — an answer that cannot be read holds no evidence
                continue
            if here is not None:
                allowed = here if allowed is None else allowed & here
        return allowed

    def not_a_function(self, value) -> CheckResult:
        try:
            with time_limit(self.time_limit_s):
                value = plain.plain(value)
        except BaseException:  # noqa: BLE001
            value = plain.opaque(plain.type_name(value), plain.safe_repr(value))
        message = f"expected a function, got {plain.type_name(value)} {show(value)}"
        return CheckResult(self.title, False, message, 0, len(self.cases),
                           diagnosis=Diagnosis("not a function"))

    def settle(self, result: CheckResult, again: CheckResult, used: Sequence[str]) -> CheckResult:
        """``result`` — unless ``again`` (the course's helpers standing in for ``used``) passed."""
        if result.passed or not used or not again.passed:
            return result
        names = " and ".join(f"`{name}`" for name in used)
        verb = "stands" if len(used) == 1 else "stand"
        n = len(self.cases)
        return CheckResult(
            self.title, True,
            f"all {n} cases pass once the course's {names} {verb} in for yours: this function "
            f"is right, and your {names} is what goes wrong here — its own check says where.",
            n, n, stood_in=tuple(used), diagnosis=Diagnosis("pass"),
        )


def run_check(
    title: str,
    fn: Callable,
    cases: Sequence[Case],
    compare: Callable = compare_arrays,
    time_limit_s: float = TIME_LIMIT,
    helpers: Mapping[str, Callable] | None = None,
) -> CheckResult:
    """Run ``fn`` on every case and sum up in one :class:`CheckResult` (stops at the first miss).

    ``helpers`` names the learner's earlier exercises that ``fn`` may call, each with the course's
    reference (``{"stable_softmax": softmax}``). If ``fn`` misses only because such a helper of
    the learner's is wrong, ``fn`` itself passes and the line says which helper to fix: one
    mistake is marked once, not again in every exercise built on it.
    """
    return run_here(CheckSpec(title, list(cases), compare, time_limit_s, dict(helpers or {})), fn)


def run_here(spec: CheckSpec, fn: Callable) -> CheckResult:
    """The check in this process: call ``fn`` on each case, judge, and re-run with the course's
    helpers standing in if that is what it takes."""
    if not callable(fn):
        return spec.not_a_function(fn)
    watch = reference_calls.Watch(reference_calls.helper_codes(fn, spec.helpers))
    result = spec.judge(lambda i, case: watch.call(fn, case, spec.time_limit_s))
    result = reference_calls.verdict(result, watch.found, spec.title)  # the course's work is not theirs
    used = helpers_called(fn, spec.helpers)
    if result.passed or not used or watch.found:
        return result
    with standing_in(fn.__globals__, used):
        again = spec.judge(lambda i, case: call(fn, case, spec.time_limit_s))
    return spec.settle(result, again, list(used))


_helpers_called = helpers_called  # the old name
