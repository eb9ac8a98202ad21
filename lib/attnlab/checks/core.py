"""How an exercise is checked.

A check runs the learner's function on a few cases — ordinary ones and edge cases — and compares
each answer with the course's reference. It never lets the learner's code crash the notebook:
exceptions, wrong shapes, NaN and infinite loops all become one friendly line that says what to
look at. The result is a :class:`CheckResult`; in a notebook it shows itself as that line.

Each lesson's checks (``attnlab.checks.<lesson topic>``) are a list of :class:`Case` and a call to
:func:`run_check`.
"""

from __future__ import annotations

import copy
import signal
import threading
import warnings
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

TIME_LIMIT = 3.0  # seconds one case may run before the check calls it an infinite loop
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

    @property
    def line(self) -> str:
        mark = "✅" if self.passed else ("⏳" if self.n_cases == 0 else "❌")
        return f"{mark} {self.title}: {self.message}"

    def __repr__(self) -> str:
        return self.line

    def __bool__(self) -> bool:
        return self.passed


class CheckTimeout(Exception):
    """Raised inside the learner's code when a case runs past the time limit."""


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


def _ndim(x) -> int:
    try:
        return np.asarray(x, dtype=object).ndim
    except ValueError:  # arrays of different shapes nested in a list: not even an object array
        return 1


def _items(x) -> str:
    """``a tuple of 2 items with shapes (1, 3, 4), (1, 3, 3)`` — for answers NumPy cannot stack."""
    if not isinstance(x, list | tuple) or not all(hasattr(item, "shape") for item in x):
        return f"a ragged {type(x).__name__} (rows of different lengths): {show(x)}"
    shapes = ", ".join(str(np.shape(item)) if hasattr(item, "shape") else type(item).__name__ for item in x)
    return (f"a {type(x).__name__} of {len(x)} items with shapes {shapes} — return just the array "
            "that was asked for")


def show(x) -> str:
    """A short, deterministic text form of a value, for messages."""
    if isinstance(x, np.ndarray) and x.ndim == 0:
        x = x.item()
    if isinstance(x, np.ndarray | list | tuple) and _ndim(x) > 0:
        try:
            arr = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            return repr(x)
        text = np.array2string(arr, precision=4, suppress_small=True, threshold=12, edgeitems=2)
        return " ".join(text.split())
    if isinstance(x, float | np.floating):
        return f"{float(x):.6g}"
    return repr(x)


def compare_arrays(got, expected, rtol: float = 1e-5, atol: float = 1e-8) -> str | None:
    """``None`` if ``got`` matches ``expected`` (shape and values), else what differs."""
    if got is None:
        return "got None — did you forget to `return` the result?"
    try:
        got_arr = np.asarray(got)
    except ValueError:  # ragged: arrays of different shapes side by side, e.g. (output, pattern)
        return f"expected one array of shape {np.shape(expected)}, got {_items(got)}"
    if got_arr.dtype.kind not in "biuf":
        return f"expected an array of numbers, got {type(got).__name__} {show(got)}"
    got_arr = got_arr.astype(float)
    expected = np.asarray(expected, dtype=float)
    if got_arr.shape != expected.shape:
        if expected.ndim == 0:
            return f"expected a single number, got an array of shape {got_arr.shape}"
        return f"expected shape {expected.shape}, got shape {got_arr.shape}"
    if np.isnan(got_arr).any() and not np.isnan(expected).any():
        return f"the answer contains NaN: got {show(got_arr)}, expected {show(expected)}"
    if not np.allclose(got_arr, expected, rtol=rtol, atol=atol, equal_nan=True):
        return f"expected {show(expected)}, got {show(got_arr)}"
    return None


def compare_exact(got, expected) -> str | None:
    """``None`` if ``got == expected`` (ints, strings, bools), else what differs."""
    if got is None and expected is not None:
        return "got None — did you forget to `return` the result?"
    if isinstance(expected, np.ndarray):
        got = np.asarray(got)
        if got.shape != expected.shape:
            return f"expected shape {expected.shape}, got shape {got.shape}"
        return None if np.array_equal(got, expected) else f"expected {show(expected)}, got {show(got)}"
    return None if got == expected else f"expected {show(expected)}, got {show(got)}"


def compare_indices(got, expected) -> str | None:
    """``None`` if ``got`` holds the same whole numbers (indices) as ``expected``, in order; any
    integer array or list is accepted, floats are refused (a value where an index was wanted)."""
    if got is None:
        return "got None — did you forget to `return` the result?"
    arr = np.asarray(got)
    if arr.dtype.kind not in "iu":
        return (f"expected whole numbers (indices), got dtype {arr.dtype}: np.argmax and np.argsort "
                "give indices; np.max and np.sort give the values themselves")
    return compare_exact(arr, np.asarray(expected))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def run_case(fn: Callable, case: Case, compare: Callable, time_limit_s: float) -> str | None:
    """Run one case; ``None`` if it passes, else the learner-facing reason. Never raises."""
    args = copy.deepcopy(case.args)
    kwargs = copy.deepcopy(case.kwargs)
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with time_limit(time_limit_s):
                got = fn(*args, **kwargs)
            problem = compare(got, case.expected)
    except NotImplementedError:
        raise
    except CheckTimeout:
        problem = f"still running after {time_limit_s:g} s — is there a loop that never ends?"
    except RecursionError:
        problem = "RecursionError: the function calls itself without end"
    except Exception as exc:  # the learner's code may raise anything
        problem = f"your code raised {_first_line(exc)}"
    if problem is None:
        return None
    return problem.rstrip(".") + (f". Hint: {case.hint}" if case.hint else ".")


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
    if not callable(fn):
        return CheckResult(
            title, False, f"expected a function, got {type(fn).__name__} {show(fn)}", 0, len(cases)
        )
    result = _run_cases(title, fn, cases, compare, time_limit_s)
    used = _helpers_called(fn, helpers or {})
    if result.passed or not used:
        return result
    with standing_in(fn.__globals__, used):
        again = _run_cases(title, fn, cases, compare, time_limit_s)
    if not again.passed:
        return result
    names = " and ".join(f"`{name}`" for name in used)
    verb = "stands" if len(used) == 1 else "stand"
    return CheckResult(
        title, True,
        f"all {len(cases)} cases pass once the course's {names} {verb} in for yours: this function "
        f"is right, and your {names} is what goes wrong here — its own check says where.",
        len(cases), len(cases),
    )


def _run_cases(title: str, fn: Callable, cases: Sequence[Case], compare: Callable,
               time_limit_s: float) -> CheckResult:
    for i, case in enumerate(cases):
        try:
            problem = run_case(fn, case, compare, time_limit_s)
        except NotImplementedError:
            return CheckResult(
                title,
                False,
                "not implemented yet — replace `raise NotImplementedError()` with your code, "
                "run that cell, then this one.",
                0,
                0,
            )
        if problem is not None:
            where = f"case {i + 1} of {len(cases)} ({case.label})"
            return CheckResult(title, False, f"{where}: {problem}", i, len(cases))
    return CheckResult(title, True, f"all {len(cases)} cases pass. {WELL_DONE}", len(cases), len(cases))


def _global_names(code) -> set[str]:
    """Every global name a function's code reads, nested comprehensions and lambdas included."""
    if code is None:
        return set()
    names = set(code.co_names)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _global_names(const)
    return names


def _helpers_called(fn: Callable, helpers: Mapping[str, Callable]) -> dict[str, Callable]:
    """The entries of ``helpers`` that ``fn`` calls by name and that are the learner's own."""
    names = _global_names(getattr(fn, "__code__", None))
    namespace = getattr(fn, "__globals__", {})
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
