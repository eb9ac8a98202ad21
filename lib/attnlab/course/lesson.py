"""The lesson model: a lesson's exercises, its checks recorded, and a submission's plan.

A :class:`Lesson` is read once from the table of exercises (:mod:`attnlab.checks.exercises`; the
solution notebook agrees, the generator makes it so): each exercise with its points and check, and
each check *recorded* (:func:`attnlab.course.replay.record`) — its cases and expected answers stay
in the grader. :meth:`Lesson.plan` says what a sandbox runs for a submission: its code cells, where
each check goes (:func:`placement`) and the cases' inputs, never their answers.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from itertools import combinations

import attnlab.checks
from attnlab.checks.core import CheckSpec
from attnlab.checks.exercises import of_lesson
from attnlab.course import build, runner
from attnlab.course.notebook import nbgrader, source
from attnlab.course.replay import inputs, record
from attnlab.yours.collect import python_of


@dataclass(frozen=True)
class Exercise:
    """One graded exercise of a lesson, read from the solution notebook."""

    grade_id: str  # the exercise cell's nbgrader id, e.g. "dot"
    check_id: str  # the check cell's nbgrader id, e.g. "check_dot"
    function: str  # the function the learner writes
    check: str  # the course's check cell, hidden tests included
    points: float
    check_name: str = ""  # the check it calls, e.g. "check_dot"


def _check_called(check_source: str, function: str) -> str:
    """The ``check_*`` function a check cell calls on ``function`` (every call must be the same)."""
    names = {node.func.id for node in ast.walk(ast.parse(check_source))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id.startswith("check_") and any(isinstance(a, ast.Name) and a.id == function
                                                           for a in node.args)}
    if len(names) != 1:
        raise ValueError(f"the check cell of {function!r} must call one check_* on it, calls {sorted(names)}")
    return names.pop()


def exercises(solution) -> list[Exercise]:
    """Each exercise cell of a solution notebook with the check cell that follows it."""
    found = []
    for cell, after in zip(solution.cells, solution.cells[1:], strict=False):
        if not (nbgrader(cell).get("solution") and nbgrader(after).get("grade")):
            continue
        defined = [n.name for n in ast.parse(python_of(cell.source)).body  # a function or a class (lesson 10)
                   if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        used = {n.id for n in ast.walk(ast.parse(python_of(after.source))) if isinstance(n, ast.Name)}
        function = next(name for name in defined if name in used)
        found.append(Exercise(nbgrader(cell)["grade_id"], nbgrader(after)["grade_id"], function,
                              after.source, float(nbgrader(after)["points"]),
                              _check_called(after.source, function)))
    return found


def declared_exercises(lesson: str) -> list[Exercise]:
    """The graded exercises of ``lesson``, as :mod:`attnlab.checks.exercises` declares them."""
    return [Exercise(ex.name, ex.check_id, ex.name, ex.check_source, float(ex.points), ex.check)
            for ex in of_lesson(lesson)]


@dataclass
class Lesson:
    """A lesson as the grader needs it: exercises, and each check recorded (expected answers here)."""

    name: str
    exercises: list[Exercise]
    specs: dict[str, CheckSpec]
    partial: bool = False  # score a missed exercise by its share of passed cases (--partial)

    @classmethod
    def load(cls, name: str, solution=None) -> Lesson:
        """The lesson's exercises from the table of exercises (the solution notebook agrees: the
        generator makes it so); ``solution`` is not read."""
        exs = declared_exercises(name)
        return cls(name, exs, {ex.grade_id: record(getattr(attnlab.checks, ex.check_name)) for ex in exs})

    @property
    def max_points(self) -> float:
        """The exercises' points and the written questions' (:mod:`attnlab.course.written`)."""
        from attnlab.course import written

        return sum(ex.points for ex in self.exercises) + sum(q.points for q in written.of_lesson(self.name))

    def stand_in_keeps(self) -> set[frozenset]:
        """Every set of course functions a stand-in run of this lesson may keep (its builds are
        made once, before grading): for each exercise, each set of the helpers it may call."""
        found = set()
        for spec in self.specs.values():
            kept = {n: build.kept_for(r) for n, r in spec.helpers.items()}
            for k in range(1, len(kept) + 1):
                for names in combinations(sorted(kept), k):
                    found.add(frozenset().union(*(kept[n] for n in names)))
        return found

    def plan(self, cells: list[dict], only: set[str] | None = None, stand_in: bool = False) -> runner.Plan:
        """The sandbox's plan for a submission's cells: code, where each check goes, its inputs
        (``only`` those exercises; ``stand_in``: a stand-in run, with the helpers' signatures)."""
        code = [c for c in cells if c.get("cell_type") == "code"]
        places = placement(code, self.exercises)
        after: dict[int, list[runner.Exercise]] = {}
        for ex in self.exercises:
            if only is not None and ex.grade_id not in only:
                continue
            spec = self.specs[ex.grade_id]
            declared = {name: build.signatures().get(name) for name in spec.helpers} if stand_in else {}
            # A main run needs only the helpers' names: a reference the checks define is not in its build.
            helpers = spec.helpers if stand_in else {n: None if build.in_checks(r) else r
                                                     for n, r in spec.helpers.items()}
            after.setdefault(places[ex.grade_id], []).append(
                runner.Exercise(ex.grade_id, ex.function, inputs(spec), helpers, spec.time_limit_s, declared))
        checks = {ex.check_id for ex in self.exercises}
        # The submission's check cells do not run: the course's check runs in their place.
        sources = ["" if nbgrader(c).get("grade_id") in checks else source(c) for c in code]
        return runner.Plan(sources, dict(sorted(after.items())), stand_in)


def _defines(text: str, name: str) -> bool:
    if not re.search(rf"\bdef\s+{re.escape(name)}\b", text):  # parsed only if it may (a 3 MB cell: 3 s)
        return False
    try:
        return any(isinstance(n, ast.FunctionDef) and n.name == name for n in ast.parse(python_of(text)).body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # magics, a typo, a 1 MB expression
        return False


def placement(code: list[dict], exs: list[Exercise]) -> dict[str, int]:
    """Exercise -> the index of the code cell its check runs after (-1: before every cell).

    Where the submission's check cell is; if that was deleted, right after the exercise cell (found
    by its nbgrader id, else by the last cell defining the function); else after the last cell.
    """
    by_id = {}
    for i, cell in enumerate(code):
        by_id.setdefault(nbgrader(cell).get("grade_id"), i)
    places = {}
    for ex in exs:
        if ex.check_id in by_id:
            places[ex.grade_id] = by_id[ex.check_id]
        elif ex.grade_id in by_id:
            places[ex.grade_id] = by_id[ex.grade_id]
        else:
            defining = [i for i, c in enumerate(code) if _defines(source(c), ex.function)]
            places[ex.grade_id] = defining[-1] if defining else len(code) - 1  # the kernel runs the last
    return places
