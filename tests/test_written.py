"""Written questions graded by hand (issue 25, item 7): one declaration (solutions/written.toml), the
cells the generator derives from it, what the grader reads of a submission, and the graders' form —
with the cases a cheating student, a careless one and a messy instructor bring."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import nbformat
import pytest

from attnlab.course import manual, written
from attnlab.course.authoring import student_copy
from attnlab.course.classbook import Record
from attnlab.course.declared import LessonError, apply
from attnlab.paths import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR, lessons
from attnlab.views.studyguide import load as study_guide

LESSON = "04_masking"  # two questions


def _solution(lesson: str = LESSON) -> nbformat.NotebookNode:
    return nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4)


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def test_every_lesson_asks_one_or_two_of_the_study_guides_questions():
    guide = study_guide()
    asked = {q.question: q.answer for q in (*guide.questions, *guide.beyond_seed)}
    for lesson in lessons():
        questions = written.of_lesson(lesson)
        assert 1 <= len(questions) <= 2, lesson
        for q in questions:
            assert asked[q.guide] == q.answer  # the model answer is the guide's own
            assert q.points == sum(item.points for item in q.rubric) > 0


@pytest.mark.parametrize("change, says", [
    ({"guide": "What is attention, really?"}, "not a question of the study guide"),
    ({"id": "Bad Id"}, "must be a grade id"),
    ({"id": "stable_softmax"}, "used twice"),
    ({"lesson": "99_nowhere"}, "is not one of solutions/"),
    ({"rubric": []}, "give a rubric"),
    ({"rubric": [{"points": -1, "earns": "x"}]}, "above 0"),
    ({"rubric": [{"points": 1, "earns": "x", "hidden": True}]}, "a rubric line is"),
    ({"colour": "red"}, "unknown key"),
])
def test_a_declaration_the_course_cannot_use_is_refused_in_one_line(tmp_path, change, says):
    q = {"lesson": "03_softmax", "id": "softmax_words",
         "guide": "What role does softmax play in the attention pattern?",
         "rubric": [{"points": 1, "earns": "Says the weights sum to 1."}], **change}

    def value(v):
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + "}"
        return str(v).lower() if isinstance(v, bool) else (repr(v) if isinstance(v, str) else str(v))

    path = tmp_path / "written.toml"
    path.write_text("[[question]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in q.items()))
    with pytest.raises(written.WrittenError, match=says):
        written.load(path)


def test_the_generator_derives_the_answer_cell_and_the_student_copy_holds_no_answer_and_no_rubric():
    nb = apply(_solution(), LESSON)
    again = apply(nbformat.from_dict(nb), LESSON)
    assert [(c.source, c.metadata) for c in again.cells] == [(c.source, c.metadata) for c in nb.cells]
    student = student_copy(nb)
    text = "\n".join(c.source for c in student.cells)
    for q in written.of_lesson(LESSON):
        i = next(i for i, c in enumerate(nb.cells) if _grade_id(c) == q.id)
        cell, question = nb.cells[i], nb.cells[i - 1]
        assert cell.cell_type == "markdown" and cell.metadata.nbgrader == q.meta()
        assert q.meta()["grade"] and q.meta()["solution"] and not q.meta()["task"]
        assert q.meta()["points"] == q.points
        assert question.metadata.nbgrader["locked"] and q.guide in question.source
        copied = next(c for c in student.cells if _grade_id(c) == q.id)
        assert copied.source == written.STUB
        assert q.answer not in text and all(item.earns not in text for item in q.rubric)


def test_the_rubric_is_in_no_file_a_learner_gets():
    """Not in the package a learner installs (lib/), nor in any student copy."""
    shipped = [p for p in (ROOT / "lib").rglob("*") if p.is_file() and p.suffix in {".py", ".json"}]
    shipped += sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    texts = [p.read_text(encoding="utf-8") for p in shipped]
    for q in written.load():
        for item in q.rubric:
            assert not any(item.earns in t for t in texts), item.earns
    assert written.WRITTEN.parent == SOLUTIONS_DIR  # outside lib/attnlab: not in the wheel


def test_a_question_cell_made_into_code_is_refused():
    nb = apply(_solution(), LESSON)
    q = written.of_lesson(LESSON)[0]
    i = next(i for i, c in enumerate(nb.cells) if _grade_id(c) == q.id)
    nb.cells[i] = nbformat.v4.new_code_cell("pass", id=q.id, metadata={"nbgrader": q.meta()})
    with pytest.raises(LessonError, match="answered in a markdown cell"):
        apply(nb, LESSON)


def _cells(**texts) -> list[dict]:
    return [{"cell_type": "markdown", "source": t, "metadata": {"nbgrader": {"grade_id": q}}}
            for q, t in texts.items()]


def test_what_the_grader_reads_is_the_text_whatever_the_metadata_says():
    first, second = (q.id for q in written.of_lesson(LESSON))
    forged = {"cell_type": "code", "source": "Masking keeps the future out.", "outputs": [],
              "metadata": {"nbgrader": {"grade_id": first, "grade": False, "solution": False, "points": 100,
                                        "task": True}}}
    found = written.answers_of([forged, *_cells(**{second: f"  {written.STUB}\n\n"})], LESSON)
    assert found == {first: "Masking keeps the future out.", second: ""}  # the stub: not answered
    assert written.answers_of([], LESSON) == {first: "", second: ""}  # cells deleted: not answered
    record = Record(LESSON, "zoe", "graded", {}, [], answers=found)
    q1, q2 = written.of_lesson(LESSON)
    assert record.mark(q1) is None and record.mark(q2) == 0.0  # not yet graded; not answered
    assert record.earned == 0 and record.by_hand_notes() == [f"{first}: not yet graded by hand"]
    record.entries = {first: manual.Entry(1.5, "names −∞ before softmax")}
    assert record.mark(q1) == 1.5 and record.earned == 1.5


def test_a_pasted_model_answer_is_told_to_the_grader():
    q = written.of_lesson(LESSON)[0]
    assert written.like_the_guide(q.answer, q) == 1.0
    assert written.like_the_guide("It stops tokens from looking ahead at later words.", q) < 0.3


def _form(path: Path, *rows: str) -> Path:
    path.write_text("student,question,points,comment\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("row, says", [
    ("zed,masking_in_words,1,", "row 2: no student 'zed'"),
    ("ana,softmax_in_words,1,", "row 2: 04_masking has no written question 'softmax_in_words'"),
    ("ana,masking_in_words,3,", "row 2: points 3 is outside 0 … 2"),
    ("ana,masking_in_words,-1,", "row 2: points -1 is outside"),
    ("ana,masking_in_words,two,", "row 2: points 'two' is not a number"),
    ("ana,masking_in_words,nan,", "row 2: points 'nan' is not a number"),
])
def test_a_messy_form_is_refused_naming_its_row(tmp_path, row, says):
    with pytest.raises(ValueError, match=says):
        manual.read_form(_form(tmp_path / "f.csv", row), LESSON, {"ana", "ben"})


def test_a_row_given_twice_is_refused_and_blank_points_are_not_yet_graded(tmp_path):
    form = _form(tmp_path / "f.csv", "ana,masking_in_words,1,", "Ana ,masking_in_words,2,")
    with pytest.raises(ValueError, match=r"row 3: ana's masking_in_words is given twice \(row 2 too\)"):
        manual.read_form(form, LESSON, {"ana"})
    form = _form(tmp_path / "g.csv", "ana,masking_in_words,,later", "ANA,pattern_size_in_words,1.5,ok", "")
    found = manual.read_form(form, LESSON, {"ana"})
    assert found == {("ana", "masking_in_words"): manual.Entry(None, "later"),
                     ("ana", "pattern_size_in_words"): manual.Entry(1.5, "ok")}


def test_a_regrade_changes_one_row_and_keeps_old_new_and_reason(tmp_path):
    con = sqlite3.connect(tmp_path / "gradebook.sqlite")
    form = tmp_path / "manual" / f"{LESSON}.csv"
    form.parent.mkdir()
    answers = {"ana": {"masking_in_words": "=HYPERLINK(\"x\")", "pattern_size_in_words": ""}, "ben": {}}
    entries = {("ana", "masking_in_words"): manual.Entry(1, "half")}
    manual.write_form(form, LESSON, answers, entries)
    rows = list(csv.DictReader(open(form, encoding="utf-8")))
    assert [(r["student"], r["question"], r["points"]) for r in rows] == [
        ("ana", "masking_in_words", "1"), ("ana", "pattern_size_in_words", ""),
        ("ben", "masking_in_words", ""), ("ben", "pattern_size_in_words", "")]
    assert rows[0]["answer"].startswith("'=")  # a spreadsheet never reads a student's text as a formula
    assert (form.parent / f"{LESSON}-rubric.md").read_text().count("Rubric:") == 2
    entries = manual.read_form(form, LESSON, answers)
    with pytest.raises(ValueError, match="--reason"):
        manual.regrade(con, form, LESSON, "ana", "masking_in_words=2", "", entries)
    with pytest.raises(ValueError, match="QUESTION=POINTS"):
        manual.regrade(con, form, LESSON, "ana", "masking_in_words", "why", entries)
    changed = manual.regrade(con, form, LESSON, "ana", "masking_in_words=2", "names the row sum", entries)
    assert changed == ("1", "2")
    again = manual.read_form(form, LESSON, answers)
    assert again[("ana", "masking_in_words")] == manual.Entry(2.0, "half")
    assert manual.regrades(con, LESSON)["ana"][0][:4] == ("masking_in_words", "1", "2", "names the row sum")
    log = manual.write_regrades(con, tmp_path, LESSON)
    assert "names the row sum" in log.read_text()
