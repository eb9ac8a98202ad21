"""Submissions for the grading tests, made at test time from a lesson's student copy.

A "learner" fills in each exercise's stub (``# YOUR CODE HERE`` / ``raise NotImplementedError()``)
with the solution's own lines — or with a plausible wrong answer — so no graded notebook is ever
copied by hand into the repository.
"""

from __future__ import annotations

import re

import nbformat

from attnlab.course import written
from attnlab.course.authoring import student_copy
from attnlab.paths import SOLUTIONS_DIR

STUB = re.compile(r"^(?P<indent>[ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)", re.M)
REGION = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(?P<body>.*?)^[ \t]*### END SOLUTION", re.M | re.S)
WRONG = "return None  # a plausible slip: computed nothing"


def solution(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4)


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def exercise_ids(lesson: str) -> list[str]:
    return [grade_id(c) for c in solution(lesson).cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]


def in_words(question_id: str) -> str:
    """A learner's own words for a written question (what a grader then reads)."""
    return f"My own answer to {question_id}: it is what the lesson showed, said in two sentences."


def answer(student: nbformat.NotebookNode, lesson: str, wrong: tuple[str, ...] = ()):
    """A copy of ``student`` with every exercise filled in: the solution's lines, or a wrong
    answer for the exercises named in ``wrong``; every written question answered in words (left
    for a grader: not yet graded)."""
    questions = {q.id for q in written.of_lesson(lesson)}
    bodies = {grade_id(c): [m.group("body").rstrip("\n") for m in REGION.finditer(c.source)]
              for c in solution(lesson).cells if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.from_dict(student)
    for cell in nb.cells:
        if grade_id(cell) in questions:
            cell.source = in_words(grade_id(cell))
            continue
        if grade_id(cell) not in bodies:
            continue
        answers = iter(bodies[grade_id(cell)])
        if grade_id(cell) in wrong:
            cell.source = STUB.sub(lambda m: m.group("indent") + WRONG, cell.source)
        else:
            cell.source = STUB.sub(lambda m, answers=answers: next(answers), cell.source)
        assert "NotImplementedError" not in cell.source, cell.source
    return nb


def course_student_copy(lesson: str) -> nbformat.NotebookNode:
    return student_copy(solution(lesson))
