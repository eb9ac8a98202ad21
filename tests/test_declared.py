"""One declaration per exercise: the lessons' graded cells are what lib/attnlab/checks/exercises.py
says, and what cannot be derived is refused in one line naming the cell (fast: nothing executed)."""

from __future__ import annotations

import dataclasses

import nbformat
import pytest
from nbgrader.nbgraderformat import MetadataValidator

import attnlab.checks
from attnlab.checks import exercises
from attnlab.checks.exercises import EXERCISES, Exercise, of_lesson
from attnlab.course import declared
from attnlab.course.authoring import student_copy
from attnlab.course.declared import LessonError, apply
from attnlab.paths import SOLUTIONS_DIR, lessons
from attnlab.yours.steps import EXERCISES as STEPS


def solution(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4)


@pytest.mark.parametrize("lesson", lessons())
def test_every_lesson_already_is_what_its_declarations_make_it(lesson):
    nb = solution(lesson)
    assert apply(nbformat.from_dict(nb), lesson) == nb


def test_every_declared_lesson_exists_and_every_name_is_unique():
    assert {ex.lesson for ex in EXERCISES} <= set(lessons())
    names = [ex.name for ex in EXERCISES]
    assert len(set(names)) == len(names)


def test_the_checks_exports_are_the_declared_checks():
    declared_checks = {ex.check for ex in EXERCISES}
    assert {n for n in attnlab.checks.__all__ if n.startswith("check_")} == declared_checks
    for name in declared_checks:
        assert callable(getattr(attnlab.checks, name)), name
    with pytest.raises(AttributeError):
        attnlab.checks.check_nothing_declared  # noqa: B018


def test_yours_steps_take_their_lessons_from_the_declarations():
    for name, (lesson, _) in STEPS.items():
        assert exercises.by_name()[name].lesson == lesson
    order = [ex.name for ex in EXERCISES]
    assert list(STEPS) == sorted(STEPS, key=order.index)


def _with(monkeypatch, *extra: Exercise) -> None:
    monkeypatch.setattr(exercises, "EXERCISES", [*EXERCISES, *extra])
    monkeypatch.setattr(declared, "of_lesson", lambda lesson: [ex for ex in exercises.EXERCISES
                                                               if ex.lesson == lesson])


NEW = Exercise("03_softmax", "softmax", "def log_softmax(scores)", prompt="### Log-softmax\n\nWrite it.",
               solution="def log_softmax(scores):\n    ### BEGIN SOLUTION\n    return scores\n"
                        "    ### END SOLUTION")


def test_a_new_exercise_gets_its_cells_metadata_hidden_assert_and_import(monkeypatch):
    _with(monkeypatch, NEW)
    nb = apply(solution("03_softmax"), "03_softmax")
    ids = [c.get("id") for c in nb.cells]
    at = ids.index("log_softmax")
    assert ids[at - 1] == "log_softmax-prompt" and ids[at + 1] == "check_log_softmax"
    assert nb.cells[at - 2].metadata.nbgrader["grade_id"] == "check_attention_pattern"  # after the last check
    check = nb.cells[at + 1]
    assert check.source.startswith("### BEGIN HIDDEN TESTS\nassert check_log_softmax(log_softmax).passed")
    assert check.metadata.nbgrader["points"] == 1 and check.metadata.nbgrader["grade"] is True
    assert nb.cells[at].metadata.nbgrader["solution"] is True
    assert nb.cells[at - 1].metadata.nbgrader["locked"] is True
    assert "    check_log_softmax,\n" in nb.cells[1].source  # the first cell imports it (wrapped)
    MetadataValidator().validate_nb(nb)  # nbgrader accepts every cell's metadata
    student = student_copy(nb)
    assert "raise NotImplementedError()" in student.cells[at].source
    assert student.cells[at + 1].source == "check_log_softmax(log_softmax)"  # the assert is hidden


def test_apply_twice_changes_nothing_more(monkeypatch):
    _with(monkeypatch, NEW)
    once = apply(solution("03_softmax"), "03_softmax")
    assert apply(nbformat.from_dict(once), "03_softmax") == once


def _refused(nb, lesson="03_softmax") -> str:
    with pytest.raises(LessonError) as err:
        apply(nb, lesson)
    line = str(err.value)
    assert "\n" not in line and line.startswith(f"solutions/{lesson}.ipynb")
    return line


def _cell(nb, cell_id):
    return next(c for c in nb.cells if c.get("id") == cell_id)


def test_a_graded_cell_nobody_declared_is_refused_naming_it():
    nb = solution("03_softmax")
    extra = nbformat.v4.new_code_cell("def extra(x):\n    return x", id="my-cell")
    extra.metadata["nbgrader"] = {"grade": False, "grade_id": "extra", "locked": False, "schema_version": 3,
                                  "solution": True, "task": False}
    nb.cells.append(extra)
    assert "cell my-cell: graded as 'extra'" in _refused(nb)


def test_a_cell_defining_another_signature_is_refused_naming_both():
    nb = solution("03_softmax")
    cell = _cell(nb, "cell-11")
    cell.source = cell.source.replace("def stable_softmax(scores):", "def stable_softmax(x, axis=-1):")
    line = _refused(nb)
    assert "cell cell-11" in line and "stable_softmax(x, axis=-1)" in line
    assert "declares def stable_softmax(scores)" in line


def test_a_solution_without_markers_is_refused():
    nb = solution("03_softmax")
    cell = _cell(nb, "cell-11")
    cell.source = "def stable_softmax(scores):\n    return scores"
    assert "no '### BEGIN SOLUTION' region" in _refused(nb)


def test_a_declared_exercise_with_no_cell_and_no_solution_is_refused(monkeypatch):
    _with(monkeypatch, dataclasses.replace(NEW, solution=""))
    assert "log_softmax is declared" in _refused(solution("03_softmax"))


def test_a_first_cell_without_the_checks_import_is_refused():
    nb = solution("03_softmax")
    first = _cell(nb, "cell-01")
    first.source = "\n".join(line for line in first.source.splitlines() if "attnlab.checks" not in line)
    assert "does not import the lesson's checks" in _refused(nb)


def test_a_check_cell_away_from_its_exercise_is_refused():
    nb = solution("03_softmax")
    check = _cell(nb, "cell-12")
    nb.cells.remove(check)
    nb.cells.append(check)
    assert "must come right after its exercise cell" in _refused(nb)


def test_a_hand_edited_check_cell_or_points_come_back_as_declared():
    nb = solution("03_softmax")
    check = _cell(nb, "cell-12")
    check.source, check.metadata.nbgrader["points"] = "check_stable_softmax(stable_softmax)", 5
    apply(nb, "03_softmax")
    assert check.source == of_lesson("03_softmax")[0].check_source and check.metadata.nbgrader["points"] == 1


def test_a_new_markdown_cell_gets_the_lock():
    nb = solution("03_softmax")
    nb.cells.insert(3, nbformat.v4.new_markdown_cell("A new thought.", id="my-note"))
    apply(nb, "03_softmax")
    assert _cell(nb, "my-note").metadata.nbgrader["locked"] is True


RECORDED = [ex for ex in EXERCISES if ex.lesson != "10_your_own_gpt"]


@pytest.mark.parametrize("ex", RECORDED, ids=lambda ex: ex.name)
def test_a_checks_helpers_are_the_exercises_it_is_declared_to_build_on(ex):
    """What a check lets the course's version stand in for is what the table says the exercise
    builds on (lesson 10's torch checks run several specs and are not recorded)."""
    from attnlab.course.replay import record

    spec = record(getattr(attnlab.checks, ex.check))
    assert set(spec.helpers) == set(ex.builds_on), ex.name
    assert all(exercises.by_name()[h].lesson <= ex.lesson for h in ex.builds_on)
