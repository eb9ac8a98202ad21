"""Naming a slip by solving for it: the learner's answer minus the right one, as known terms.

A count (lesson 08's parameters) is a sum of known terms — the embedding, the positions, each
block's biases, its LayerNorms, … — and a wrong count is usually the right one with a term or two
added, dropped or sized wrongly. Each :class:`Slip` is one such change, written as what it does to
the right answer (``change(args, right) -> wrong``). :func:`catalogue` makes every slip, and every
pair of slips when asked, a :class:`~attnlab.checks.mistakes.Mistake`, so the usual machinery finds
which ones give the learner's answer on every case (:mod:`attnlab.checks.mistakes`).

:func:`unambiguous` then names one only when it is the only explanation of its size: the smallest
combination that explains the answer on every case, and no other combination that small — two
slips that explain it equally well name nothing, and the line says what is wrong in general terms.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from attnlab.checks.mistakes import Mistake


@dataclass(frozen=True)
class Slip:
    """One change a learner makes to the right answer: ``says`` names it (a clause, no full stop),
    ``change(args, right)`` is the answer it gives on the exercise's inputs ``args``."""

    says: str
    change: Callable[[tuple, Any], Any]


def added(says: str, delta: Callable[..., int]) -> Slip:
    """A slip that adds ``delta(*args)`` to a count (negative: a term left out)."""
    return Slip(says, lambda args, right: right + delta(*args))


def _joined(first: Slip, second: Slip) -> Slip:
    return Slip(f"{first.says}; and {second.says[0].lower()}{second.says[1:]}",
                lambda args, right: second.change(args, first.change(args, right)))


def _wrong(reference: Callable, slip: Slip) -> Callable:
    def wrong(*args):
        return slip.change(args, reference(*args))
    return wrong


def catalogue(reference: Callable, slips: Sequence[Slip], pairs: bool = False,
              fix: str = "") -> list[Mistake]:
    """Every slip (then, with ``pairs``, every two of them) as a Mistake on ``reference``: what it
    says is the slip's clause(s), a full stop, then ``fix``."""
    combined = list(slips)
    if pairs:
        combined += [_joined(a, b) for a, b in itertools.combinations(slips, 2)]
    end = f" {fix}" if fix else ""
    return [Mistake(f"{slip.says}.{end}", _wrong(reference, slip)) for slip in combined]


def size(says: str) -> int:
    """How many slips a combined saying holds (pairs are joined by ``"; and "``)."""
    return says.count("; and ") + 1


def unambiguous(compare: Callable) -> Callable:
    """``compare`` (a :func:`~attnlab.checks.mistakes.recognising` one) that names a mistake only
    when it is the only one of the smallest size the learner's answers agree with on every case."""

    @functools.wraps(compare)
    def compare_unambiguous(got, expected, allowed: frozenset[str] | None = None):
        if allowed is not None and allowed:
            least = min(map(size, allowed))
            smallest = frozenset(s for s in allowed if size(s) == least)
            allowed = smallest if len(smallest) == 1 else frozenset()
        return compare(got, expected, allowed=allowed)

    compare_unambiguous.consistent = compare.consistent
    compare_unambiguous.base = compare.base
    return compare_unambiguous


class Parts(tuple):
    """An answer of several parts of which a slip fixes only some: ``None`` is any value there (a
    wrong running max says what the max is, whatever the sum made from it)."""


def parts_aware(compare: Callable, part: Callable) -> Callable:
    """``compare``, except against :class:`Parts`: then only the known parts are compared (each
    with ``part``), and an answer without as many parts is not that slip. A Parts slip is never
    "the right answer" on a case (what it leaves open may be wrong there): a learner's answer is
    that slip wherever its known parts are the slip's."""

    @functools.wraps(compare)
    def compare_parts_aware(got, want):
        if isinstance(got, Parts):  # the slip against the right answer: it fixes no other part, so
            return "a slip in some parts"  # a case whose known parts are right still tells nothing
        if not isinstance(want, Parts):
            return compare(got, want)
        try:
            answer = list(got)
        except TypeError:
            return "not comparable"
        if len(answer) != len(want):
            return "not comparable"
        for mine, known in zip(answer, want, strict=True):
            if known is not None and part(mine, known) is not None:
                return "differs"
        return None

    return compare_parts_aware


def without_repeats(mistakes: Sequence[Mistake], probes: Sequence[tuple],
                    reference: Callable) -> list[Mistake]:
    """``mistakes`` less each one that gives the same answers as an earlier one on every input of
    ``probes`` (a slip said twice, once by a catalogue and once by a generic rule, keeps its first
    words) — and less those that give the right answer on all of them."""
    kept, seen = [], [tuple(reference(*args) for args in probes)]
    for mistake in mistakes:
        answers = tuple(mistake.wrong(*args) for args in probes)
        if answers not in seen:
            seen.append(answers)
            kept.append(mistake)
    return kept
