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

How two answers differ is said by :mod:`attnlab.checks.compare` (one module for every comparison).
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import attnlab.checks.relations as relations
from attnlab.checks.compare import (  # noqa: F401 — the comparisons' old home: checks import them from here
    compare_arrays,
    compare_exactly,
    compare_values,
    where_they_differ,
)
from attnlab.checks.core import Case
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
    same: tuple[str, ...] = ()  # the mistakes that give the right answer on this case
    raised: tuple[str, ...] = ()  # the mistakes that raise on this case (no answer to compare)
    reference: Callable | None = None  # the right function, for :mod:`attnlab.checks.probes`
    args: tuple = ()  # the case's inputs, for the same

    def consistent(self, got, compare: Compare) -> frozenset[str]:
        """The catalogued mistakes (what each says) that ``got`` may be, judged by this case alone:
        those whose answer here is ``got``, those that raise here (no evidence either way), and —
        when ``got`` is right here — those that give the right answer here too."""
        found = {says for wrong, says in self.mistakes if _quietly(compare, got, wrong) is None}
        if _quietly(compare, got, self.right) is None:
            found.update(self.same)
        return frozenset(found | set(self.raised))


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
    seen, same, raised = [], [], []
    for mistake in catalogue:
        try:
            wrong = _answer(mistake.wrong, args, kwargs)
        except Exception:  # noqa: BLE001 — a slip that crashes on these inputs is not seen here
            raised.append(mistake.says)
            continue
        if compare(wrong, right) is not None:
            seen.append((wrong, mistake.says))
        else:
            same.append(mistake.says)
    return Expected(right, tuple(seen), hint, tuple(same), tuple(raised))


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
        expected = dataclasses.replace(expected, reference=right, args=args)
        built.append(Case(label, args, expected=expected, hint=hint))
    return built


def recognising(compare: Compare = compare_arrays) -> Compare:
    """A comparison for cases built by :func:`cases`: ``compare`` against the right answer, and when
    the answer misses, the first catalogued mistake that gives exactly this answer (of those in
    ``allowed``, when given), or else the hint.

    Its ``consistent(got, expected)`` says which mistakes ``got`` may be on that case alone: the
    check names a mistake only when the learner's answers are that mistake's on EVERY case it ran
    (:meth:`attnlab.checks.core.CheckSpec.judge`) — one case that agrees by chance names nothing."""

    def compare_recognising(got, expected: Expected, allowed: frozenset[str] | None = None) -> str | None:
        problem = compare(got, expected.right)
        if problem is None:
            return None
        problem = problem.rstrip(".")
        stop = " " if problem.endswith(("?", "!")) else ". "  # "… the result? Hint: …", not "?."
        for wrong, says in expected.mistakes:
            if (allowed is None or says in allowed) and _quietly(compare, got, wrong) is None:
                with relations.quiet():  # the catalogue's words say what it is: no general clauses
                    problem = compare(got, expected.right).rstrip(".")
                stop = " " if problem.endswith(("?", "!")) else ". "
                return Named(f"{problem}{stop}{says}", name_of(says))
        return f"{problem}{stop}Hint: {expected.hint}" if expected.hint else problem

    name = getattr(compare, "__name__", "the comparison")
    compare_recognising.__doc__ = f"{name}, naming the catalogued mistake the answer is."
    compare_recognising.consistent = lambda got, expected: expected.consistent(got, compare)
    compare_recognising.base = compare
    return compare_recognising


def _quietly(compare: Compare, got, wrong) -> str | None:
    try:
        with np.errstate(all="ignore"):
            return compare(got, wrong)
    except Exception:  # noqa: BLE001 — a comparison that cannot be made is a mismatch
        return "not comparable"
