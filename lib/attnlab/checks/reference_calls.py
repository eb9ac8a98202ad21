"""Calling the course's reference is not an answer.

Lesson 03's first cell imports the course's ``softmax``, so ``return softmax(scores)`` would pass
``check_stable_softmax`` — with the course's work. While a check calls the learner's function on
a case, :class:`Watch` watches every function of the course's library (defined under
``attnlab/`` outside ``checks/`` and ``course/``): each function *object* reports its calls for
that moment (its ``__code__`` is swapped for a relay, then put back), so every alias of it — a
name, ``functools.partial``, ``map``, a lambda, a module attribute — reports too, and the
learner's own code runs at full speed (no tracing). A call made by the learner's code, not by
the course's own functions, is noted if the learner's function then returned its result — the
same object, or the same numbers (``softmax(x) + 0``, ``.copy()``). :func:`verdict` turns a pass
built that way into a miss with a kind line naming the course's function; ``attnlab-grade``
scores it 0 with that line as the note (the sandbox sends the names back,
:mod:`attnlab.course.runner`).

Honest work keeps passing: a learner's own helpers are their code, not the course's (and calls
the course's functions make inside the course's functions are not the learner's). A course
function a lesson hands out as a tool for an exercise is listed in :data:`TOOLS`; every solution
notebook is graded with this on (``tests/test_reference_calls.py``), so a tool missing from the
list fails a test rather than a learner.

What it does not chase: a learner who copies the course's code object into a function of their
own (``types.FunctionType(softmax.__code__, …)``) or pastes its source — deliberate copying, for
the instructor to read, as with any copied work.
"""

from __future__ import annotations

import dataclasses
import sys
import types
from collections.abc import Callable
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import numpy as np

from attnlab.checks.calling import call, helpers_called
from attnlab.checks.diagnosis import Diagnosis

_PACKAGE = Path(__file__).resolve().parent.parent  # .../attnlab
_NOT_REFERENCE = (str(_PACKAGE / "checks") + "/", str(_PACKAGE / "course") + "/")
_NOT_REFERENCE_MODULES = ("attnlab.checks", "attnlab.course")

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
        namespace = getattr(fn, "__globals__", {})
        found = [getattr(namespace.get(name), "__code__", None) for name in helpers_called(fn, helpers)]
        return [code for code in found if code is not None]

    return codes


def _qualname(code) -> str:
    return code.co_qualname if hasattr(code, "co_qualname") else code.co_name


_HOOK = "__attnlab_course_call__"  # the name the watched functions' code looks up in their module


_KNOWN: dict[int, types.FunctionType] = {}  # every course function seen so far: once seen, watched


def _course_functions() -> list[types.FunctionType]:
    """Every plain function of the course's library loaded now or seen before (a learner's code
    that drops a module from ``sys.modules`` does not unwatch it). Never raises: the learner's code
    may have put anything into ``sys.modules``."""
    found = []
    for name, module in list(sys.modules.items()):
        if not isinstance(name, str) or not (name == "attnlab" or name.startswith("attnlab.")):
            continue
        if name.startswith(_NOT_REFERENCE_MODULES) or not isinstance(module, types.ModuleType):
            continue
        try:
            values = list(dict.values(module.__dict__))
        except Exception:  # noqa: BLE001 — a module object the learner's code replaced
            continue
        for value in values:
            code = getattr(value, "__code__", None) if type(value) is types.FunctionType else None
            if (type(code) is types.CodeType and value.__module__ == name and not code.co_freevars
                    and isinstance(code.co_filename, str) and is_course_code(code.co_filename)):
                found.append(value)
    _KNOWN.update((id(fn), fn) for fn in found)
    return list(_KNOWN.values())


@cache
def _relay(key: str) -> types.CodeType:
    """The code a watched function runs instead of its own: hand the call to the watch."""
    namespace: dict = {}
    exec(f"def relay(*args, **kwargs):\n    return {_HOOK}({key!r}, args, kwargs)", namespace)  # noqa: S102
    return namespace["relay"].__code__


@contextmanager
def _watching(record: Callable):
    """Inside the block every course function (each object, so every alias of it) reports its
    calls to ``record(name, original, args, kwargs, caller_frame)`` — then all is put back."""
    functions = _course_functions()
    saved = []
    try:
        for fn in functions:
            original = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__)
            original.__kwdefaults__ = fn.__kwdefaults__
            saved.append((fn, fn.__code__, original))
        originals = {f"{fn.__module__}:{_qualname(code)}": (_qualname(code), original)
                     for fn, code, original in saved}

        def hook(key, args, kwargs):
            name, original = originals[key]
            return record(name, original, args, kwargs, sys._getframe(2))  # noqa: SLF001

        for module in {id(fn.__globals__): fn.__globals__ for fn in functions}.values():
            module[_HOOK] = hook
        for fn, code, _ in saved:
            fn.__code__ = _relay(f"{fn.__module__}:{_qualname(code)}")
        yield
    finally:
        for fn, code, _ in saved:
            fn.__code__ = code
        for fn in functions:
            fn.__globals__.pop(_HOOK, None)


class Watch:
    """Calls the learner's function on cases, noting course functions whose result it returned."""

    def __init__(self, exempt: Callable | None = None) -> None:
        self.found: list[str] = []  # course function names, first seen first
        self.exempt = exempt  # () -> code objects of the learner's helpers (checked on their own)

    def _note(self, name: str) -> None:
        if name not in self.found:
            self.found.append(name)

    def call(self, fn: Callable, case, time_limit_s: float):
        """:func:`attnlab.checks.calling.call` with the course's functions watched; its outcome."""
        results: list[tuple[str, object]] = []
        exempt = set(self.exempt()) if self.exempt else set()

        def record(name, original, args, kwargs, caller):
            result = original(*args, **kwargs)
            direct = caller is None or not _in_attnlab(caller.f_code.co_filename)  # not the course itself
            if direct and not (exempt and _inside(caller, exempt)):  # nor the learner's earlier exercise
                results.append((name, result))
            return result

        with _watching(record):
            outcome = call(fn, case, time_limit_s)
        if outcome.kind == "value":
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
    return dataclasses.replace(result, passed=False, message=message(names), n_passed=0,
                               n_cases=max(result.n_cases, 1), stood_in=(),
                               diagnosis=Diagnosis("course answer"))


def watch_loaded() -> None:
    """Note every course function loaded now: watched from now on, even if a learner's code drops its
    module from ``sys.modules`` before the check runs (``attnlab.checks`` calls it as it hands out
    a check)."""
    _course_functions()


watch_loaded()  # the course's modules loaded with the checks
