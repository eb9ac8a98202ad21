"""Hints that name the mistake: a catalogue of the usual slips per exercise, recognised by their answers.

A hint tied to a case ("case 2 failed: mind the transpose") sends a learner after the wrong bug
whenever another slip happens to fail that case first. Here every exercise keeps a catalogue of
:class:`Mistake` — each is the wrong code a learner writes (same signature as the exercise) and
what to tell them. For every case the check works out the answer each mistake gives on that
case's inputs; when the learner's answer misses the right one but equals a mistake's, the line
names that mistake, whichever case revealed it. The case's own hint follows, as for any miss — it
is also all a learner whose code raised gets, since an exception has no answer to recognise.

An author adds the next mistake by appending one ``Mistake(says, wrong_function)`` to the
exercise's catalogue; the tests then prove it gets its own line (some case must tell it apart
from the right answer and from the mistakes before it).

Arrays that differ are described by where they differ — the first differing index, the share of
entries that differ, a constant ratio — rather than by two elided grids.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from attnlab.checks.core import Case, compare_arrays, compare_exact, show
from attnlab.checks.diagnosis import Named, name_of
from attnlab.checks.lazy import LazyCases

Compare = Callable[[Any, Any], "str | None"]


@dataclass(frozen=True)
class Mistake:
    """One usual slip: ``wrong`` is the code that makes it (the exercise's signature), ``says`` what
    the learner reads when their answer is the one it gives — a full sentence naming the slip and
    the fix."""

    says: str
    wrong: Callable[..., Any]

    @property
    def name(self) -> str:
        """What the class report calls it: the first clause of what it says."""
        return name_of(self.says)


@dataclass(frozen=True)
class Expected:
    """A case's right answer, the answers its catalogued mistakes give on the same inputs (only the
    ones this case can tell from the right answer), and the case's own hint for anything else."""

    right: Any
    mistakes: tuple[tuple[Any, str], ...] = ()
    hint: str = ""


def right_answer(expected: Any) -> Any:
    """A case's right answer: ``expected.right`` for a case with a catalogue, else ``expected`` itself."""
    return expected.right if isinstance(expected, Expected) else expected


def _answer(fn: Callable, args: tuple, kwargs: dict) -> Any:
    """``fn`` on copies of the inputs, quietly (a mistake may overflow or divide by zero)."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))


def expect(right: Any, catalogue: Sequence[Mistake], args: tuple, kwargs: dict | None = None,
           hint: str = "", compare: Compare = compare_arrays) -> Expected:
    """The :class:`Expected` of one case: ``right`` with what each mistake of ``catalogue`` answers on
    ``args``; a mistake that raises, or that this case cannot tell from the right answer, is left out."""
    kwargs = kwargs or {}
    seen = []
    for mistake in catalogue:
        try:
            wrong = _answer(mistake.wrong, args, kwargs)
        except Exception:  # noqa: BLE001 — a slip that crashes on these inputs is not seen here
            continue
        if compare(wrong, right) is not None:
            seen.append((wrong, mistake.says))
    return Expected(right, tuple(seen), hint)


def cases(right: Callable, catalogue: Sequence[Mistake], rows: Sequence[tuple],
          compare: Compare = compare_arrays) -> LazyCases:
    """One :class:`~attnlab.checks.core.Case` per ``(label, args, hint)`` row, its expected answer
    ``right(*args)`` together with the mistakes' answers; the hint stays the case's, so code that
    raises gets it too. Built on first use (:mod:`attnlab.checks.lazy`)."""
    return LazyCases(lambda: _cases(right, catalogue, rows, compare))


def _cases(right: Callable, catalogue: Sequence[Mistake], rows: Sequence[tuple],
           compare: Compare) -> list[Case]:
    built = []
    for label, args, hint in rows:
        expected = expect(_answer(right, args, {}), catalogue, args, compare=compare)
        built.append(Case(label, args, expected=expected, hint=hint))
    return built


def recognising(compare: Compare = compare_arrays) -> Compare:
    """A comparison for cases built by :func:`cases`: ``compare`` against the right answer, and when
    the answer misses, the first catalogued mistake that gives exactly this answer, or else the hint."""

    def compare_recognising(got, expected: Expected) -> str | None:
        problem = compare(got, expected.right)
        if problem is None:
            return None
        problem = problem.rstrip(".")
        stop = " " if problem.endswith(("?", "!")) else ". "  # "… the result? Hint: …", not "?."
        for wrong, says in expected.mistakes:
            if _quietly(compare, got, wrong) is None:
                return Named(f"{problem}{stop}{says}", name_of(says))
        return f"{problem}{stop}Hint: {expected.hint}" if expected.hint else problem

    name = getattr(compare, "__name__", "the comparison")
    compare_recognising.__doc__ = f"{name}, naming the catalogued mistake the answer is."
    return compare_recognising


def _quietly(compare: Compare, got, wrong) -> str | None:
    try:
        with np.errstate(all="ignore"):
            return compare(got, wrong)
    except Exception:  # noqa: BLE001 — a comparison that cannot be made is a mismatch
        return "not comparable"


# --- where two arrays differ ------------------------------------------------------------------------


def compare_values(got, expected, rtol: float = 1e-5, atol: float = 1e-8) -> str | None:
    """:func:`~attnlab.checks.core.compare_arrays`, but two arrays of the same shape that differ are
    described by where: the first differing index, how many entries differ, a constant ratio."""
    problem = compare_arrays(got, expected, rtol=rtol, atol=atol)
    if problem is None:
        return None
    return where_they_differ(got, expected, rtol, atol) or problem


def compare_exactly(got, expected) -> str | None:
    """:func:`~attnlab.checks.core.compare_exact` for counts, naming a constant ratio
    (``expected 4, got 32 (8 × the expected value)``)."""
    problem = compare_exact(got, expected)
    if problem is None or isinstance(got, bool) or not isinstance(got, int | float | np.number):
        return problem
    return where_they_differ(got, expected, rtol=0.0, atol=0.0) or problem


def where_they_differ(got, expected, rtol: float = 1e-5, atol: float = 1e-8) -> str | None:
    """``"2 of 6 entries differ, the first at [0, 1]: got 0.5, expected 0.25"`` (plus ``"every entry
    is 0.25 × the expected one"`` when the ratio is constant), or ``None`` if the two cannot be set
    side by side (other shapes, not numbers, NaN where none belongs)."""
    try:
        if np.asarray(expected).dtype == bool and np.asarray(got).dtype == bool:
            return _where_masks_differ(np.asarray(got), np.asarray(expected))
        got_arr = np.asarray(got, dtype=float)
        want = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return None
    if got_arr.shape != want.shape or (np.isnan(got_arr) & ~np.isnan(want)).any():
        return None
    close = np.isclose(got_arr, want, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    ratio = _constant_ratio(got_arr, want)
    if want.ndim == 0:
        text = f"expected {_show(want)}, got {_show(got_arr)}"
        return text + (f" ({_number(ratio)} × the expected value)" if ratio is not None else "")
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    index = "[" + ", ".join(map(str, first)) + "]"
    n_wrong, n = int((~close).sum()), close.size
    if n == 1:
        text = f"expected {_show(want.ravel()[0])}, got {_show(got_arr.ravel()[0])}"
    else:
        share = "every entry differs" if n_wrong == n else f"{n_wrong} of {n} entries differ"
        text = f"{share}, the first at {index}: got {show(got_arr[first])}, expected {show(want[first])}"
    if ratio is not None:
        text += f" — every entry is {_number(ratio)} × the expected one"
    return text


def _show(x) -> str:
    """A number for a message: whole numbers exactly, with thousands separators; others as :func:`show`."""
    value = float(x)
    if value.is_integer() and abs(value) < 2**53:
        return f"{int(value):,}"
    return show(value)


def _where_masks_differ(got: np.ndarray, want: np.ndarray) -> str | None:
    """Two bool grids: how many entries differ and the first, as (query, key) for a 2-D mask."""
    if got.shape != want.shape or np.array_equal(got, want):
        return None
    wrong = np.argwhere(got != want)
    first = tuple(int(i) for i in wrong[0])
    where = f"query {first[0]}, key {first[1]}" if len(first) == 2 else f"index {list(first)}"
    return (f"{len(wrong)} of {got.size} entries differ, the first at {where}: got {bool(got[first])}, "
            f"expected {bool(want[first])}")


def _constant_ratio(got: np.ndarray, want: np.ndarray) -> float | None:
    """``r`` if ``got == r * want`` everywhere (r ≠ 1, the expected answer not all zero), else None."""
    finite = np.isfinite(got) & np.isfinite(want)
    nonzero = finite & (np.abs(want) > 1e-12)
    if not finite.all() or not nonzero.any():
        return None
    ratio = float(np.median(got[nonzero] / want[nonzero]))
    if np.isclose(ratio, 1.0) or ratio == 0 or not np.allclose(got, ratio * want, rtol=1e-6, atol=1e-9):
        return None
    return ratio


def _number(r: float) -> str:
    """A ratio as a reader recognises it: ``0.25 (= 1/4)``, ``8``, ``0.353553 (= 1/2.82843)``."""
    text = f"{r:.6g}"
    if abs(r) < 1 and r != 0:
        inverse = 1 / r
        shown = f"{round(inverse)}" if np.isclose(inverse, round(inverse)) else f"{inverse:.6g}"
        text += f" (= 1/{shown})"
    return text
