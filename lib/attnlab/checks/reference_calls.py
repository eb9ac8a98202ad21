"""Calling the course's reference is not an answer.

Lesson 03's first cell imports the course's ``softmax``, so ``return softmax(scores)`` would pass
``check_stable_softmax`` — with the course's work. While a check calls the learner's function on
a case, :class:`Watch` traces every call the learner's code makes *into the course's library*
(any function defined under ``attnlab/`` outside ``checks/`` and ``course/``, found by its code
object, so an alias, a ``functools.partial``, ``map`` or a lambda around it changes nothing) and
notes each one whose result the learner's function then returned — the same object, or the same
numbers (``softmax(x) + 0``, ``.copy()``). :func:`verdict` turns a pass built that way into a
miss with a kind line naming the course's function; ``attnlab-grade`` scores it 0 with that line
as the note (the sandbox sends the names back, :mod:`attnlab.course.runner`).

Honest work keeps passing: a learner's own helpers are their code, not the course's (and calls
the course's functions make inside the course's functions are not the learner's). A course
function a lesson hands out as a tool for an exercise is listed in :data:`TOOLS`; every solution
notebook is graded with this on (``tests/test_reference_calls.py``), so a tool missing from the
list fails a test rather than a learner.

A function that switches the tracing off (``sys.settrace(None)``) while it runs cannot be vouched
for: it is treated as calling the course's functions.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from attnlab.checks.calling import call

_PACKAGE = Path(__file__).resolve().parent.parent  # .../attnlab
_NOT_REFERENCE = (str(_PACKAGE / "checks") + "/", str(_PACKAGE / "course") + "/")
SWITCHED_OFF = "sys.settrace"  # the name noted when the learner's code stopped the tracing

# Exercise (the check's title) -> course functions a lesson gives the learner as a tool for it:
# returning their result is part of an honest answer there.
TOOLS: dict[str, frozenset[str]] = {}


def is_course_code(filename: str) -> bool:
    """True for the course's library code (the reference, models, views), not checks or grading."""
    return filename.startswith(str(_PACKAGE) + "/") and not filename.startswith(_NOT_REFERENCE)


def _in_attnlab(filename: str) -> bool:
    return filename.startswith(str(_PACKAGE) + "/")


def same_answer(answer, result) -> bool:
    """True if ``answer`` is ``result`` or holds the same numbers (never raises)."""
    if answer is result:
        return True
    try:
        if isinstance(answer, tuple | list) and isinstance(result, tuple | list):
            return len(answer) == len(result) and all(map(same_answer, answer, result))
        a, b = np.asarray(answer), np.asarray(result)
        if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf" or a.shape != b.shape or a.size == 0:
            return False
        return bool(np.array_equal(a.astype(float), b.astype(float), equal_nan=True))
    except BaseException:  # noqa: BLE001 — a learner's object may raise anything
        return False


def _inside(frame, codes: set, depth: int = 64) -> bool:
    """True if ``frame`` or one of its callers (up to ``depth``) runs one of ``codes``."""
    while frame is not None and depth > 0:
        if frame.f_code in codes:
            return True
        frame, depth = frame.f_back, depth - 1
    return False


def helper_codes(fn: Callable, helpers: dict) -> Callable:
    """A function giving the code objects of the learner's own helpers that ``fn`` calls."""

    def codes() -> list:
        from attnlab.checks.core import helpers_called

        namespace = getattr(fn, "__globals__", {})
        found = [getattr(namespace.get(name), "__code__", None) for name in helpers_called(fn, helpers)]
        return [code for code in found if code is not None]

    return codes


def _qualname(code) -> str:
    return code.co_qualname if hasattr(code, "co_qualname") else code.co_name


class Watch:
    """Calls the learner's function on cases, noting course functions whose result it returned."""

    def __init__(self, exempt: Callable | None = None) -> None:
        self.found: list[str] = []  # course function names, first seen first
        self.exempt = exempt  # () -> code objects of the learner's helpers (checked on their own)

    def _note(self, name: str) -> None:
        if name not in self.found:
            self.found.append(name)

    def call(self, fn: Callable, case, time_limit_s: float):
        """:func:`attnlab.checks.calling.call`, traced; the :class:`Outcome` it gives."""
        results: list[tuple[str, object]] = []

        def on_return(frame, event, arg):
            if event == "return":
                results.append((_qualname(frame.f_code), arg))
            return on_return

        def tracer(frame, event, arg):
            code = frame.f_code
            if event != "call" or not is_course_code(code.co_filename):
                return None
            caller = frame.f_back
            if caller is not None and _in_attnlab(caller.f_code.co_filename):
                return None  # the course calling itself, or a check calling the course
            if exempt and _inside(caller, exempt):
                return None  # inside the learner's earlier exercise: its own check judges that
            frame.f_trace_lines = False
            return on_return

        exempt = set(self.exempt()) if self.exempt else set()
        previous, previous_threads = sys.gettrace(), threading.gettrace()
        sys.settrace(tracer)
        threading.settrace(tracer)
        try:
            outcome = call(fn, case, time_limit_s)
            stopped = sys.gettrace() is not tracer
        finally:
            sys.settrace(previous)
            threading.settrace(previous_threads)
        if stopped:
            self._note(SWITCHED_OFF)
        elif outcome.kind == "value":
            for name, result in results:
                if same_answer(outcome.value, result):
                    self._note(name)
        return outcome


def course_answers(found, title: str) -> list[str]:
    """The names in ``found`` (from a :class:`Watch`, or a sandbox's message: untrusted) that make
    an answer the course's: everything but the tools the lesson gives for exercise ``title``."""
    if not isinstance(found, list | tuple):
        return []
    tools = TOOLS.get(title, frozenset())
    return [name for name in found if isinstance(name, str) and name not in tools][:5]


def message(names: list[str]) -> str:
    """The kind line for an answer that was the course's own function's."""
    if SWITCHED_OFF in names:
        return ("your function switched off the check's tracing (sys.settrace), so it cannot tell "
                "whose work the answer is — leave tracing alone and write the computation yourself.")
    shown = " and ".join(f"`{name}`" for name in names)
    one = len(names) == 1
    return (f"this answer comes from the course's own {shown} — {'it is' if one else 'they are'} the "
            "course's function, not yours. Write the computation yourself (you may check it against "
            f"{'it' if one else 'them'} in a scratch cell).")


def verdict(result, found, title: str):
    """``result`` — unless it passed with the course's function doing the work: then a miss."""
    names = course_answers(found, title)
    if not result.passed or not names:
        return result
    from attnlab.checks.core import CheckResult  # core imports this module

    return CheckResult(result.title, False, message(names), 0, max(result.n_cases, 1))
