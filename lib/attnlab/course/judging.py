"""Judging what a sandbox sent: scores and notes from the runner's messages.

The messages are untrusted plain data, already sorted by :class:`attnlab.course.execute.Expected`
(only the runner's, each in its place; an exercise with a message out of place is refused). Each
exercise's answers are replayed here against the recorded check (:func:`attnlab.course.replay.replay`):
the verdict is the notebook's verdict, computed where the learner's code never runs.
"""

from __future__ import annotations

import ast
import re

import attnlab.checks.verdict as verdict
from attnlab.course import build, runner
from attnlab.course.execute import Run
from attnlab.course.lesson import Lesson
from attnlab.course.partial import share
from attnlab.course.replay import Answers, replay
from attnlab.yours.collect import python_of


def answers_of(run: Run) -> dict[str, Answers]:
    """Each exercise's answers read from its one message (one that cannot be read is counted)."""
    found = {}
    for grade_id, message in run.answers.items():
        try:
            found[grade_id] = Answers.from_message(message)
        except (ValueError, RecursionError):
            run.unreadable += 1
    return found


def _assigned(text: str) -> set[str]:
    try:
        tree = ast.parse(python_of(text))  # a cell's magics read as pass
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    return names | {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
                    if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}


def first_error(run: Run, plan: runner.Plan) -> dict | None:
    """The first error of the learner's own: not a lesson demo that needs this lesson's answers
    (not in its grading build), nor a NameError for a name such a demo cell would have defined.
    (At most one error per cell is kept: each cell is parsed here at most once.)"""
    left_undefined: set[str] = set()
    for error in run.errors:
        if not 0 < error["cell"] <= len(plan.cells):
            continue
        if "grading build" in error["text"]:
            left_undefined |= _assigned(plan.cells[error["cell"] - 1])
            continue
        missing = re.match(r"NameError: name '(\w+)' is not defined", error["text"])
        if missing and missing.group(1) in left_undefined:  # and what that cell defines, in turn
            left_undefined |= _assigned(plan.cells[error["cell"] - 1])
            continue
        return error
    return None


def needs_stand_in(lesson: Lesson, answers: dict[str, Answers]) -> dict[str, frozenset]:
    """Exercise -> the course helpers to stand in: where the learner's function missed, called a
    helper of the learner's own, and returned nothing of the course's."""
    found = {}
    for grade_id, got in answers.items():
        spec = lesson.specs[grade_id]
        used = [name for name in got.helpers_used if name in spec.helpers]
        if got.function != "callable" or not used or got.course_answers:
            continue
        if replay(spec, got).passed:
            continue
        found[grade_id] = frozenset().union(*(build.kept_for(spec.helpers[n]) for n in used))
    return found


def judge(row, lesson: Lesson, run: Run, plan: runner.Plan,
          answers: dict[str, Answers] | None = None) -> None:
    """Scores and notes of ``row`` from a sandbox's messages."""
    if answers is None:
        answers = answers_of(run)
    for ex in lesson.exercises:
        got = answers.get(ex.grade_id)
        if ex.grade_id in run.refused:
            row.notes.append(f"{ex.grade_id}: {verdict.NO}not graded: {run.refused[ex.grade_id]}")
        elif got is None:
            row.notes.append(f"{ex.grade_id}: {run.stopped or 'the check did not run'}")
        elif got.function == "missing":
            row.notes.append(f"{ex.grade_id}: `{ex.function}` is not defined "
                             "(was its cell deleted or the function renamed?)")
            row.diagnoses[ex.grade_id] = {"verdict": "not attempted"}
        else:
            result = replay(lesson.specs[ex.grade_id], got)
            row.diagnoses[ex.grade_id] = result.diagnosis.to_dict()
            row.scores[ex.grade_id] = ex.points if result.passed else 0.0
            if lesson.partial and not result.passed:  # attnlab.course.partial
                row.scores[ex.grade_id] = round(ex.points * share(lesson.specs[ex.grade_id], got), 4)
            if not result.passed or result.stood_in:
                row.notes.append(f"{ex.grade_id}: {result.line}")
    error = first_error(run, plan)
    if error is not None:
        row.notes.append(f"code cell {error['cell']} raised {error['text'][:200]}")
    peaks = [m["peak_mb"] for m in run.messages if isinstance(m.get("peak_mb"), int | float)]
    row.peak_mb = float(peaks[-1]) if peaks else None
    if run.unreadable:
        row.notes.append(f"{run.unreadable} line(s) the sandbox sent could not be read or were not "
                         "the runner's: let go unjudged")
