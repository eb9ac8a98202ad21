"""Partial credit (``attnlab-grade --partial``): an exercise scored by its share of passed cases.

Without it an exercise is all or nothing, as in nbgrader. With it, a missed exercise earns
``points × passed cases / cases``, every case judged on its own (a case after one that raised, or
after the submission stopped, counts as missed). An answer that is the course's own function's
(:mod:`attnlab.checks.reference_calls`) earns nothing, and an exercise that passes with the
course's helpers standing in earns full points, as without ``--partial``.
"""

from __future__ import annotations

from attnlab.checks.core import LOST, judge


def share(spec, answers) -> float:
    """The fraction of ``spec``'s cases whose outcome in ``answers`` is the expected answer."""
    if answers.function != "callable" or not spec.cases or answers.course_answers:
        return 0.0
    own = answers.own
    passed = sum(judge(own[i] if i < len(own) else LOST, case, spec.compare, spec.time_limit_s) is None
                 for i, case in enumerate(spec.cases))
    return passed / len(spec.cases)
