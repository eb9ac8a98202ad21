"""Lesson 00's check (the dot product); its wrong answers are tested with the machinery, in test_checks.py."""

import numpy as np

from attnlab.checks import check_dot


def dot(u, v):
    return float(np.dot(u, v))


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_dot, dot),
    (check_dot, lambda u, v: sum(a * b for a, b in zip(u, v, strict=True))),  # a plain loop is fine
]
