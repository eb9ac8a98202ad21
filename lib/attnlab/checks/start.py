"""Checks for ``00_start_here``: the warm-up dot product."""

from __future__ import annotations

import numpy as np

from attnlab.checks.core import Case, CheckResult, run_check

_U = np.array([1.0, 2.0, 3.0])
_V = np.array([4.0, -5.0, 6.0])

DOT_CASES = [
    Case("u=[1, 2, 3], v=[4, -5, 6]", (_U, _V), expected=12.0,
         hint="multiply matching entries, then add them all up."),
    Case("orthogonal vectors [1, 0] and [0, 1]", (np.array([1.0, 0.0]), np.array([0.0, 1.0])),
         expected=0.0),
    Case("a vector with itself: [3, 4]·[3, 4]", (np.array([3.0, 4.0]), np.array([3.0, 4.0])),
         expected=25.0, hint="u·u is the squared length of u."),
    Case("opposite directions [1, 1]·[-2, -2]", (np.array([1.0, 1.0]), np.array([-2.0, -2.0])),
         expected=-4.0, hint="vectors pointing apart have a negative dot product."),
    Case("a single number [7]·[3]", (np.array([7.0]), np.array([3.0])), expected=21.0),
]


def check_dot(dot) -> CheckResult:
    """Check ``dot(u, v) -> float``, the dot product of two 1-D vectors."""
    return run_check("dot", dot, DOT_CASES)
