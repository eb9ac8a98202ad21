"""Calling a learner's function on one case: the half of a check that runs the learner's code.

:func:`call` runs the function on copies of a case's inputs under a time limit and keeps only the
:class:`Outcome` — the answer, or what stopped it — never raising, whatever the code does. In a
notebook the outcome is judged right away (:mod:`attnlab.checks.core`); in ``attnlab-grade`` it is
called inside a sandbox and sent out as plain data (:mod:`attnlab.course.wire`), to be judged elsewhere.
"""

from __future__ import annotations

import copy
import signal
import threading
import warnings
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from attnlab.checks import unchanged
from attnlab.checks.plain import type_name

TIME_LIMIT = 3.0  # seconds one case may run before the check calls it an infinite loop


class CheckTimeout(BaseException):
    """Raised inside the learner's code when a case runs past the time limit. A ``BaseException``
    (like ``KeyboardInterrupt``), so a learner's ``try: … except Exception: pass`` cannot eat it."""


@contextmanager
def time_limit(seconds: float):
    """Interrupt the code inside after ``seconds`` with :class:`CheckTimeout`.

    Uses SIGALRM, which only the main thread of a POSIX process can receive (a Jupyter kernel
    runs cells there); elsewhere the code simply runs without a limit.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _raise(signum, frame):
        raise CheckTimeout

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def first_line(exc: BaseException) -> str:
    """``TypeName: the first line of its message`` — even for an exception whose ``__str__`` raises."""
    name = type_name(exc)
    try:
        text = str(exc)
        text = str.__str__(text).strip().splitlines() if isinstance(text, str) else []
    except BaseException:  # noqa: BLE001 — a learner's exception may fail to print
        return f"{name} (whose message cannot be printed)"
    return f"{name}: {text[0][:300]}" if text else name




@dataclass(frozen=True)
class Outcome:
    """What calling the learner's function on one case gave: an answer, or what stopped it."""

    kind: str  # value | raised | not implemented | timeout | recursion | unreadable | lost | changed input
    value: Any = None  # the answer (kind "value")
    error: str = ""  # "TypeError: …" (raised), why the answer cannot be read (unreadable), or which
    #                  argument the function changed in place ("`scores` (entry [0, 1] was 2, is now 0)")

    KINDS = ("value", "raised", "not implemented", "timeout", "recursion", "unreadable", "lost",
             "changed input")


LOST = Outcome("lost")


@dataclass(frozen=True)
class Through:
    """A case's first argument when the learner's object is not called on the inputs itself but
    through a probe: ``probe(fn, *rest)`` (lesson 10 builds the learner's class, loads weights into
    it and runs it). The probe is the checks' code, sent into a grading sandbox by value; it returns
    only plain data (outputs, counts, what it measured) — never an expected answer."""

    probe: Callable


def call(fn: Callable, case, time_limit_s: float = TIME_LIMIT) -> Outcome:
    """Call ``fn`` on one case's inputs (copies of them) under the time limit. Never raises:
    ``KeyboardInterrupt``, ``SystemExit``, ``GeneratorExit`` and the like become an outcome too.

    An answer from a function that changed one of its arguments in place is not an answer: the
    outcome names that argument (kind ``changed input``, :mod:`attnlab.checks.unchanged`)."""
    args = copy.deepcopy(case.args)
    kwargs = copy.deepcopy(case.kwargs)
    through = args[0].probe if args and isinstance(args[0], Through) else None
    kept = [] if through else unchanged.snapshot(fn, args, kwargs)  # a probe keeps its own inputs
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with time_limit(time_limit_s):
                value = through(fn, *args[1:], **kwargs) if through else fn(*args, **kwargs)
                changed = unchanged.what_changed(kept)
        return Outcome("changed input", error=changed) if changed else Outcome("value", value)
    except NotImplementedError:
        return Outcome("not implemented")
    except CheckTimeout:
        return Outcome("timeout")
    except RecursionError:
        return Outcome("recursion")
    except BaseException as exc:  # noqa: BLE001 — the learner's code may raise anything
        return Outcome("raised", error=first_line(exc))


# --- the learner's earlier exercises a function calls ---------------------------------------------


def _global_names(code) -> set[str]:
    """Every global name a function's code reads, nested comprehensions and lambdas included."""
    if code is None:
        return set()
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _global_names(const)
    return names


def helpers_called(fn: Callable, helpers: Mapping[str, Callable]) -> dict[str, Callable]:
    """The entries of ``helpers`` that ``fn`` calls by name and that are the learner's own."""
    code = getattr(fn, "__code__", None)
    namespace = getattr(fn, "__globals__", {})
    if not isinstance(namespace, dict) or not hasattr(code, "co_names"):
        return {}
    names = _global_names(code)
    return {name: reference for name, reference in helpers.items()
            if name in names and name in namespace and namespace[name] is not reference}


@contextmanager
def standing_in(namespace: dict, replacements: Mapping[str, Any]):
    """Put ``replacements`` into ``namespace`` (a learner's globals) for the block, then restore."""
    saved = {name: namespace[name] for name in replacements}
    namespace.update(replacements)
    try:
        yield
    finally:
        namespace.update(saved)
