"""Checks for ``00_start_here``: the warm-up dot product, and its usual mistakes
(:mod:`attnlab.checks.mistakes`)."""

from __future__ import annotations

import numpy as np

from attnlab.checks.compare import compare_values
from attnlab.checks.core import CheckResult, run_check
from attnlab.checks.mistakes import Mistake, cases, recognising

_U = np.array([1.0, 2.0, 3.0])
_V = np.array([4.0, -5.0, 6.0])

DOT_MISTAKES = [
    Mistake("That multiplies matching entries but does not add them up: np.sum(u * v), or u @ v.",
            lambda u, v: u * v),
    Mistake("That adds the vectors' entries: MULTIPLY matching entries, then add them up.",
            lambda u, v: float(np.sum(u + v))),
    Mistake("That multiplies the two sums: multiply matching entries first, then add.",
            lambda u, v: float(np.sum(u) * np.sum(v))),
    Mistake("That takes the absolute value: a dot product is negative when the vectors point apart.",
            lambda u, v: abs(float(u @ v))),
    Mistake("That is the product of the two lengths: the dot product also depends on the angle between them.",
            lambda u, v: float(np.linalg.norm(u) * np.linalg.norm(v))),
]
DOT_CASES = cases(lambda u, v: float(np.dot(u, v)), DOT_MISTAKES, [
    ("u=[1, 2, 3], v=[4, -5, 6]", (_U, _V), "multiply matching entries, then add them all up."),
    ("orthogonal vectors [1, 0] and [0, 1]", (np.array([1.0, 0.0]), np.array([0.0, 1.0])), ""),
    ("a vector with itself: [3, 4]·[3, 4]", (np.array([3.0, 4.0]), np.array([3.0, 4.0])),
     "u·u is the squared length of u."),
    ("opposite directions [1, 1]·[-2, -2]", (np.array([1.0, 1.0]), np.array([-2.0, -2.0])),
     "vectors pointing apart have a negative dot product."),
    ("a single number [7]·[3]", (np.array([7.0]), np.array([3.0])), ""),
], compare=compare_values)


def check_dot(dot) -> CheckResult:
    """Check ``dot(u, v) -> float``, the dot product of two 1-D vectors."""
    return run_check("dot", dot, DOT_CASES, compare=recognising(compare_values))


CATALOGUES = {"dot": (check_dot, DOT_MISTAKES)}
