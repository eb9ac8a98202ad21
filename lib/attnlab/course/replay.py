"""Checks judged out of the learner's reach: record a check, replay answers computed elsewhere.

``attnlab-grade`` never lets a check run beside the learner's code. It first *records* each
check — calls ``check_x`` with a stand-in function while every check module's ``run_check`` is
this module's keeper, so the check hands over its :class:`CheckSpec` (cases with their expected
answers, the comparison, the helpers) without calling anything; the checks themselves know
nothing of grading. Only the cases' *inputs* go into the sandbox, where the learner's
function is called on them (:mod:`attnlab.course.runner`); what comes back is plain data. Then
:func:`replay` judges those answers here with the same code a notebook uses
(:meth:`CheckSpec.judge`, :meth:`CheckSpec.settle`), so a verdict is the notebook's verdict —
except that nothing in the learner's process could touch it.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass

from attnlab.checks import core, reference_calls
from attnlab.checks.core import LOST, CheckResult, CheckSpec, Outcome
from attnlab.course.tree import from_tree
from attnlab.course.wire import outcome_from_wire


def _recording(*args, **kwargs):  # the stand-in a check is recorded with; never called
    raise AssertionError("a recorded check called the function")


_RECORDING = threading.Lock()  # one recording at a time: it swaps run_check in every check module


class NotReplayable(ValueError):
    """A check that runs more than one spec (lesson 10's torch checks): it cannot be recorded, so
    its verdict cannot be judged outside a sandbox yet."""


def record(check: Callable) -> CheckSpec:
    """The :class:`CheckSpec` that ``check`` (a ``check_x`` function) runs, without running it."""
    found: list[CheckSpec] = []

    def keep(title, fn, cases, compare=core.compare_arrays, time_limit_s=core.TIME_LIMIT, helpers=None):
        found.append(CheckSpec(title, list(cases), compare, time_limit_s, dict(helpers or {})))
        return CheckResult(title, True, "recorded", 0, 0)

    original = core.run_check
    with _RECORDING:  # two grader threads loading lessons at once would each see the other's keeper
        # core itself keeps the real run_check: a check module imported meanwhile (in another
        # thread, checks load on first use) must bind the real one, not this recording's keeper
        modules = [m for name, m in list(sys.modules.items())
                   if name.startswith("attnlab.checks") and isinstance(m, types.ModuleType)
                   and m is not core and getattr(m, "run_check", None) is original]
        try:
            for module in modules:
                module.run_check = keep
            check(_recording)
        finally:
            for module in modules:
                module.run_check = original
    if len(found) != 1:
        raise NotReplayable(f"{getattr(check, '__name__', check)} ran {len(found)} checks; a check runs one")
    return found[0]


def inputs(spec: CheckSpec) -> list[tuple[tuple, dict]]:
    """What goes into the sandbox: each case's arguments — never its expected answer."""
    return [(tuple(case.args), dict(case.kwargs)) for case in spec.cases]


@dataclass
class Answers:
    """What a sandbox sent back for one exercise (see :mod:`attnlab.course.runner`)."""

    function: str  # missing | value | callable
    value: object = None  # the learner's non-function (function == "value")
    own: tuple[Outcome, ...] = ()
    helpers_used: tuple[str, ...] = ()
    standing_in: tuple[Outcome, ...] | None = None
    course_answers: tuple[str, ...] = ()  # course functions whose result the function returned

    @classmethod
    def from_message(cls, message: dict) -> Answers:
        """Read one exercise message (untrusted): ``ValueError`` if it is not one."""
        function = message.get("function")
        if function == "missing":
            return cls("missing")
        if function == "value":
            return cls("value", value=from_tree(message.get("value")))
        if function != "callable":
            raise ValueError("malformed exercise message")
        own, again, used = message.get("own"), message.get("standing_in"), message.get("helpers_used")
        if not isinstance(own, list) or not (again is None or isinstance(again, list)):
            raise ValueError("malformed exercise message")
        if not isinstance(used, list) or not all(isinstance(name, str) for name in used):
            raise ValueError("malformed exercise message")
        course = message.get("course_answers", [])
        course = tuple(name for name in course if isinstance(name, str)) if isinstance(course, list) else ()
        return cls("callable", own=tuple(outcome_from_wire(o) for o in own), helpers_used=tuple(used),
                   standing_in=None if again is None else tuple(outcome_from_wire(o) for o in again),
                   course_answers=course)


def _outcome_of(outcomes: tuple[Outcome, ...]):
    return lambda i, case: outcomes[i] if i < len(outcomes) else LOST


def replay(spec: CheckSpec, answers: Answers) -> CheckResult:
    """The check's result for answers computed elsewhere — the same as :func:`run_here` gives for
    a function that answers so (stopping at the first miss, helpers standing in)."""
    if answers.function == "missing":
        raise ValueError("no function to judge")
    if answers.function == "value":
        return spec.not_a_function(answers.value)
    result = spec.judge(_outcome_of(answers.own))
    result = reference_calls.verdict(result, list(answers.course_answers), spec.title)
    used = [name for name in answers.helpers_used if name in spec.helpers]  # names the check knows
    if result.passed or not used or answers.standing_in is None or answers.course_answers:
        return result
    return spec.settle(result, spec.judge(_outcome_of(answers.standing_in)), used)
