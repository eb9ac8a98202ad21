"""Cases built on first use: a lesson imports every check, but runs only the ones it reaches.

Working out a catalogue's answers (every mistake on every case) is most of what a check module
costs; :class:`LazyCases` is the list of a check's cases, built the first time anything reads it —
``run_check``, a test, the grader recording the check — and kept from then on.

Built later than the lesson's first cell, the expected answers must not see what a learner's code
did since: ``np.isnan = lambda *a: True`` in a notebook would otherwise make the course's own
answers wrong. :func:`pristine` puts NumPy's and ``math``'s functions back as they were when the
checks were imported for as long as the cases are built (and a check module is imported), then
the learner's again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import numpy.linalg

_AS_IMPORTED = [(vars(module), dict(vars(module))) for module in (np, numpy.linalg, math)]


@contextmanager
def pristine() -> Iterator[None]:
    """Inside the block NumPy's and ``math``'s names are what they were when the checks were imported."""
    theirs = []
    for namespace, original in _AS_IMPORTED:
        changed = {name: namespace[name] for name, value in original.items()
                   if namespace.get(name, value) is not value}
        namespace.update((name, original[name]) for name in changed)
        theirs.append((namespace, changed))
    try:
        yield
    finally:
        for namespace, changed in theirs:
            namespace.update(changed)


class LazyCases(Sequence):
    """A list of cases that ``build()`` makes the first time it is read."""

    def __init__(self, build: Callable[[], list]):
        self._build: Callable[[], list] | None = build
        self._cases: list = []

    @property
    def built(self) -> bool:
        return self._build is None

    def _all(self) -> list:
        if self._build is not None:
            with pristine():
                self._cases, self._build = list(self._build()), None
        return self._cases

    def __getitem__(self, i) -> Any:
        return self._all()[i]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self):
        return iter(self._all())

    def __add__(self, other: Sequence) -> LazyCases:
        return LazyCases(lambda: [*self, *other])

    def __radd__(self, other: Sequence) -> LazyCases:
        return LazyCases(lambda: [*other, *self])

    def __repr__(self) -> str:
        return f"LazyCases({self._cases!r})" if self.built else "LazyCases(<not built yet>)"
