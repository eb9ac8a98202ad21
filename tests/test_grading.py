"""attnlab-grade: a folder of submissions -> a gradebook CSV, whatever the submissions contain.

The submissions are made here, at test time, from lesson 00's student copy: one correct, one
untouched, one wrong, and one for each kind of broken notebook. One run of the real console
command grades them all, each in its bubblewrap sandbox; each test reads its student's row.
(tests/test_grading_hostile.py grades lesson 03's hostile corpus; tests/test_grading_parts.py
tests the pieces.)
"""

import csv
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from submissions import answer, course_student_copy, exercise_ids, grade_id, solution

from attnlab.checks.exercises import of_lesson
from attnlab.course import written
from attnlab.course.classbook import max_points
from attnlab.course.grading import exercises, find_submissions, isolation, load_lesson
from attnlab.course.submission import declared_exercises, grade, placement
from attnlab.paths import SOLUTIONS_DIR

LESSON = "00_start_here"
TIME_LIMIT = 20  # seconds per notebook in these tests; lesson 00 runs in about 5 s under load
AUTOGRADED = sum(ex.points for ex in of_lesson(LESSON))  # every exercise right
# a solved submission's written answers (submissions.answer writes them): for a grader, not scored yet
WAITING = " | ".join(f"{q.id}: {written.TO_GRADE} by hand" for q in written.of_lesson(LESSON))


def _edit(nb, cell_id, change):
    """``nb`` with the cell whose nbgrader id is ``cell_id`` changed by ``change(cell)``
    (``None``: deleted)."""
    nb = nbformat.from_dict(nb)
    cells = []
    for cell in nb.cells:
        if grade_id(cell) == cell_id:
            cell = change(cell)
        if cell is not None:
            cells.append(cell)
    nb.cells = cells
    return nb


def _with_source(cell, source):
    cell.source = source
    return cell


def _submissions() -> dict[str, nbformat.NotebookNode | str]:
    student = course_student_copy(LESSON)
    solved = answer(student, LESSON)
    stray = nbformat.from_dict(solved)
    stray.cells.insert(3, nbformat.v4.new_code_cell("1 / 0"))
    dies = nbformat.from_dict(solved)
    dies.cells.insert(3, nbformat.v4.new_code_cell("import os\nos._exit(3)"))
    cheat = nbformat.from_dict(student)  # unsolved, but fakes the check and its result line
    cheat.cells.insert(3, nbformat.v4.new_code_cell(
        "class Passed:\n    passed, line = True, '✅ dot: all cases pass'\n"
        "check_dot = lambda f: Passed()\n"
        "import attnlab.checks, attnlab.checks.start\n"
        "attnlab.checks.check_dot = attnlab.checks.start.check_dot = check_dot\n"
        "print('@@attnlab-grade- [true, \"\"]')"))
    return {
        "correct": solved,
        "untouched": student,
        "wrong": answer(student, LESSON, wrong=("dot",)),
        "raises": _edit(solved, "dot", lambda c: _with_source(c, "def dot(u, v):\n    return 1 / 0")),
        "stray_error": stray,
        "endless_loop": _edit(solved, "dot", lambda c: _with_source(c, "while True:\n    pass\n" + c.source)),
        "exercise_deleted": _edit(solved, "dot", lambda c: None),
        "check_deleted": _edit(solved, "check_dot", lambda c: None),
        "renamed": _edit(solved, "dot", lambda c: _with_source(c, c.source.replace("dot(", "my_dot("))),
        "kernel_dies": dies,
        "cheat": cheat,
        "invalid_json": '{"cells": [',
        "not_a_notebook": "[1, 2, 3]",
    }


@pytest.fixture(scope="module")
def gradebook(tmp_path_factory):
    """Run ``attnlab-grade`` once on every kind of submission; rows by student, and the run."""
    root = tmp_path_factory.mktemp("grading")
    folder = root / "submitted"
    folder.mkdir()
    made = _submissions()
    for student, nb in made.items():
        path = folder / f"{student}.ipynb"
        path.write_text(nb) if isinstance(nb, str) else nbformat.write(nb, path)
    nbgrader_layout = folder / "kim" / LESSON  # nbgrader's <student>/<lesson>/<lesson>.ipynb
    nbgrader_layout.mkdir(parents=True)
    nbformat.write(answer(course_student_copy(LESSON), LESSON), nbgrader_layout / f"{LESSON}.ipynb")
    (folder / "lee" / LESSON).mkdir(parents=True)  # collected, but no notebook in it
    roster = root / "roster.txt"
    roster.write_text("correct\nzoe\n")  # zoe never handed anything in
    out = root / "grades.csv"
    command = [str(Path(sys.executable).parent / "attnlab-grade"), str(folder), "--lesson", LESSON,
               "--out", str(out), "--time-limit", str(TIME_LIMIT), "--roster", str(roster), "--jobs", "2"]
    start = time.perf_counter()
    grader = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    log, _ = grader.communicate(timeout=600)
    seconds = time.perf_counter() - start
    assert grader.returncode == 0, log
    with open(out, newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return {"rows": rows, "students": {*made, "kim", "lee", "zoe"}, "grader_pid": grader.pid,
            "seconds": seconds, "log": log, "out": out}


def row(gradebook, student):
    return gradebook["rows"][student]


def test_one_row_per_student_with_a_score_per_exercise_and_a_total(gradebook):
    rows = gradebook["rows"]
    assert set(rows) == gradebook["students"]
    ids = [ex.grade_id for ex in exercises(solution(LESSON))] + [q.id for q in written.of_lesson(LESSON)]

    for r in rows.values():  # (blank: missing work, or a written answer not yet graded by hand)
        assert float(r["total"] or 0) == sum(float(r[i] or 0) for i in ids)
        assert float(r["max"]) == max_points(LESSON)


@pytest.mark.parametrize("student", ["correct", "kim", "check_deleted"])
def test_correct_work_gets_full_marks(gradebook, student):
    r = row(gradebook, student)
    assert (r["status"], r["total"], r["notes"]) == ("graded", f"{AUTOGRADED:g}", WAITING)


@pytest.mark.parametrize("student, says", [
    ("untouched", "⏳ to do · dot: not implemented yet"),
    ("wrong", "❌ not yet · dot: case 1 of 5"),
    ("raises", "your code raised ZeroDivisionError"),
    ("exercise_deleted", "`dot` is not defined (was its cell deleted or the function renamed?)"),
    ("renamed", "`dot` is not defined (was its cell deleted or the function renamed?)"),
    ("cheat", "⏳ to do · dot: not implemented yet"),
])
def test_unfinished_or_broken_work_gets_zero_and_says_why(gradebook, student, says):
    r = row(gradebook, student)
    assert (r["status"], r["total"]) == ("graded", "0")
    assert says in r["notes"], r["notes"]


@pytest.mark.parametrize("student, status, says", [
    ("endless_loop", "time limit", f"time limit of {TIME_LIMIT} s"),
    ("kernel_dies", "kernel died", "the kernel died in code cell 2"),
    ("invalid_json", "invalid notebook", "does not appear to be JSON"),
    ("not_a_notebook", "invalid notebook", "not a notebook"),
    ("zoe", "missing", "no file zoe.ipynb"),
    ("lee", "missing", f"no file lee/{LESSON}/{LESSON}.ipynb"),
])
def test_hostile_submissions_get_a_clear_line_and_the_run_goes_on(gradebook, student, status, says):
    r = row(gradebook, student)
    assert (r["status"], r["total"]) == (status, "" if status == "missing" else "0")  # missing: blank
    assert says in r["notes"], r["notes"]


def test_an_error_elsewhere_is_reported_but_does_not_cost_the_exercise(gradebook):
    r = row(gradebook, "stray_error")
    assert r["total"] == f"{AUTOGRADED:g}"
    assert "code cell 2 raised ZeroDivisionError" in r["notes"], r["notes"]


def test_the_gradebook_is_kept_in_sqlite_beside_the_csv(gradebook):
    import sqlite3

    with sqlite3.connect(gradebook["out"].parent / "gradebook.sqlite") as db:
        stored = {s for (s,) in db.execute("SELECT student FROM rows WHERE lesson = ?", (LESSON,))}
    assert stored == gradebook["students"]
    assert "sandbox: " in gradebook["log"]  # it says how submissions are isolated


def test_grading_time_and_kernel_memory_per_submission_are_measured(gradebook):
    graded = [float(r["seconds"]) for r in gradebook["rows"].values() if r["status"] == "graded"]
    assert all(0 < s < TIME_LIMIT for s in graded)
    peaks = {r["student"]: r["peak_mb"] for r in gradebook["rows"].values()}
    assert 20 < float(peaks["correct"]) < 4000  # a Python with NumPy and matplotlib loaded
    assert peaks["endless_loop"] == peaks["zoe"] == ""  # never got that far / never ran
    print(f"\ngraded {len(gradebook['rows'])} submissions in {gradebook['seconds']:.1f} s (2 at once); "
          f"per graded notebook {min(graded):.1f}–{max(graded):.1f} s, "
          f"median {sorted(graded)[len(graded) // 2]:.1f} s (measured under load)")


# --- fast tests of the parts ---------------------------------------------------------------------


def test_exercises_come_from_the_solutions_nbgrader_metadata():
    (dot,) = exercises(solution(LESSON))
    assert (dot.grade_id, dot.check_id, dot.function, dot.points) == ("dot", "check_dot", "dot", 1.0)
    assert "### BEGIN HIDDEN TESTS" in dot.check


@pytest.mark.parametrize("lesson", sorted(p.stem for p in SOLUTIONS_DIR.glob("*.ipynb")))
def test_every_lessons_exercises_and_checks_are_found(lesson):
    exs = exercises(solution(lesson))
    assert [ex.grade_id for ex in exs] == exercise_ids(lesson)
    assert declared_exercises(lesson) == exs  # what the grader grades is what the notebook holds
    for ex in exs:
        assert ex.function in ex.check and ex.points > 0


def test_both_layouts_are_found(tmp_path):
    (tmp_path / "ann.ipynb").write_text("{}")
    (tmp_path / "bob" / "03_softmax").mkdir(parents=True)
    (tmp_path / ".ipynb_checkpoints").mkdir()
    found = find_submissions(tmp_path, "03_softmax", roster=["cy"])
    assert found == {"ann": tmp_path / "ann.ipynb", "bob": tmp_path / "bob/03_softmax/03_softmax.ipynb",
                     "cy": tmp_path / "cy.ipynb"}


def _checked_after(nb) -> str:
    """The source of the code cell after which lesson 00's check runs."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    where = placement(code, exercises(solution(LESSON)))["dot"]
    return code[where].source


def test_the_course_check_replaces_the_learners_check_cell_or_follows_the_exercise():
    solved = answer(course_student_copy(LESSON), LESSON)
    assert _checked_after(solved) == "check_dot(dot)"  # where the check cell is (it does not run)
    plan = load_lesson(LESSON).plan([dict(c) for c in solved.cells])
    assert "check_dot(dot)" not in plan.cells and "BEGIN HIDDEN" not in "".join(plan.cells)
    without_check = _edit(solved, "check_dot", lambda c: None)
    assert _checked_after(without_check).startswith("def dot(")
    moved = _edit(without_check, "dot", lambda c: nbformat.v4.new_code_cell("x = 1"))  # no id left
    moved.cells.append(nbformat.v4.new_code_cell("def dot(u, v):\n    return 0.0"))
    assert _checked_after(moved) == "def dot(u, v):\n    return 0.0"


def test_a_sandbox_is_never_started_for_a_file_that_is_not_a_notebook(tmp_path):
    (tmp_path / "a.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe not text")
    start = time.perf_counter()
    r = grade("a", tmp_path / "a.ipynb", load_lesson(LESSON), None)  # no sandbox needed
    assert r.status == "invalid notebook" and time.perf_counter() - start < 1


def test_list_shows_a_lessons_exercises_and_points(capsys):
    from attnlab.course.grading import main
    assert main(["--lesson", LESSON, "--list"]) == 0
    said = [f"{q.id}: written, graded by hand, {q.points:g} point(s): {q.guide}"
            for q in written.of_lesson(LESSON)]
    assert capsys.readouterr().out.splitlines() == ["dot: dot(), checked by check_dot, 1 point(s)", *said]


def test_one_mistake_costs_one_exercise_not_every_exercise_built_on_it(tmp_path):
    """Lesson 03's later exercises call the learner's stable_softmax: a wrong one costs its own
    point only, and the gradebook says where the later points came from."""
    lesson = "03_softmax"
    path = tmp_path / "ana.ipynb"
    nbformat.write(answer(course_student_copy(lesson), lesson, wrong=("stable_softmax",)), path)
    result = grade("ana", path, load_lesson(lesson), isolation(1), time_limit=60)
    assert result.status == "graded"
    assert result.scores == {**{ex.name: ex.points for ex in of_lesson(lesson)}, "stable_softmax": 0}
    assert "softmax_with_temperature: ✅" in " | ".join(result.notes)
    assert "your `stable_softmax` is what goes wrong here" in " | ".join(result.notes)


def test_the_sandboxes_memory_is_its_own_not_the_graders_peak(tmp_path):
    """A child inherits ru_maxrss from the process that forked it (Linux keeps it across exec):
    the grader must report the sandbox's own high-water mark, even when it has itself been big."""
    import numpy as np

    big = np.ones(2**27)  # 1 GiB touched: the grader's own peak is now above 1 GiB
    del big
    path = tmp_path / "ana.ipynb"
    nbformat.write(answer(course_student_copy(LESSON), LESSON), path)
    result = grade("ana", path, load_lesson(LESSON), isolation(1), time_limit=60)
    assert result.status == "graded"
    assert 20 < result.peak_mb < 600, result.peak_mb  # lesson 00's runner holds about 100 MB


def test_lesson_10s_checks_are_replayable_in_the_sandbox():
    """Lesson 10's checks each run one spec whose cases call the learner's class through a probe
    (issue 21 item 3): recorded like every other lesson's, so attnlab-grade grades all 13 lessons
    (was a strict xfail); only their inputs go into the sandbox."""
    from attnlab.course.replay import inputs

    lesson = load_lesson("10_your_own_gpt")
    assert {ex.grade_id for ex in lesson.exercises} == set(lesson.specs)
    for spec in lesson.specs.values():
        assert spec.cases and all(isinstance(args, tuple) for args, _ in inputs(spec))


@pytest.mark.slow
def test_every_lessons_solution_scores_full_marks_through_the_sandbox():
    """Every kind of check survives the trip: arrays, indices, dicts of counts, shapes, masks,
    MiniLM's embeddings (01, 06), the tiny GPT's modules and tensors (09) — inputs pickled in,
    answers back as plain data, judged here."""
    from concurrent.futures import ThreadPoolExecutor

    isolated = isolation(2)

    def one(name):
        lesson = load_lesson(name)
        row = grade("solution", SOLUTIONS_DIR / f"{name}.ipynb", lesson, isolated, 300)
        return name, row, sum(ex.points for ex in lesson.exercises)

    names = sorted(p.stem for p in SOLUTIONS_DIR.glob("*.ipynb"))
    with ThreadPoolExecutor(2) as pool:
        for name, row, full in pool.map(one, names):
            assert (row.status, sum(row.scores.values()), row.notes) == ("graded", full, []), name
            assert row.answers == {q.id: q.answer for q in written.of_lesson(name)}  # the model answers


def test_a_lesson_whose_checks_cannot_be_replayed_is_refused_in_one_line(tmp_path, capsys, monkeypatch):
    """A check that runs more than one spec cannot be recorded, so its verdict cannot be judged
    outside the sandbox: attnlab-grade says so and points to nbgrader, instead of a traceback."""
    import attnlab.checks
    from attnlab.checks import start
    from attnlab.course.grading import main

    def check_dot(dot):  # two checks in one: no single spec to record
        start.run_check("dot", dot, start.DOT_CASES)
        return start.run_check("dot again", dot, start.DOT_CASES)

    monkeypatch.setattr(attnlab.checks, "check_dot", check_dot, raising=False)
    assert main([str(tmp_path), "--lesson", "00_start_here"]) == 2
    err = capsys.readouterr().err
    assert "00_start_here's checks cannot be judged outside the sandbox yet" in err and "nbgrader" in err
    assert "ran 2 checks" in err and "Traceback" not in err


def test_lesson_10s_build_leaves_out_the_course_classes_its_exercises_write_again():
    """Lesson 10 asks for a MultiHeadAttention, a Block and a GPT; the course's own (which lesson 09
    hands out, and which a subclass would pass off as the learner's) are not in lesson 10's build —
    only in its: lesson 09 needs them whole, lesson 11 comes after the learner wrote them."""
    from attnlab.course.answers import left_out

    gone = left_out("10_your_own_gpt")
    assert {"MultiHeadAttention", "Block"} <= gone["attnlab.models.layers"]
    assert "TinyGPT" in gone["attnlab.models.gpt"]
    for lesson in ("09_tiny_gpt", "11_attention_at_scale"):
        kept = left_out(lesson)
        assert not {"MultiHeadAttention", "Block"} & kept.get("attnlab.models.layers", set()), lesson
        assert "TinyGPT" not in kept.get("attnlab.models.gpt", set()), lesson


COURSE_CLASSES = {  # lesson 10's three classes as subclasses of the course's own: no work at all
    "MultiHeadAttention": "from attnlab.models import gpt as _G, layers as _L\n\n"
                          "class MultiHeadAttention(_L.MultiHeadAttention):\n"
                          "    def __init__(self, d_model, n_heads):\n"
                          "        super().__init__(d_model, n_heads, causal=True)\n",
    "Block": "class Block(_L.Block):\n    def __init__(self, d_model, n_heads):\n"
             "        super().__init__(d_model, n_heads, causal=True)\n",
    "GPT": "class GPT(_G.TinyGPT):\n    def __init__(self, config):\n        super().__init__(config)\n"
           "        self.config = config\n",
}


@pytest.mark.slow
def test_lesson_10s_classes_as_subclasses_of_the_courses_score_nothing(tmp_path):
    """Before the counterparts were left out this scored 4/4 in the sandbox (3 points for no work)."""
    nb = nbformat.read(SOLUTIONS_DIR / "10_your_own_gpt.ipynb", as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in COURSE_CLASSES:
            cell.source = COURSE_CLASSES[grade_id]
    path = tmp_path / "mallory.ipynb"
    nbformat.write(nb, path)
    row = grade("mallory", path, load_lesson("10_your_own_gpt"), isolation(1), 300)
    assert row.status == "graded"
    assert row.scores == {"MultiHeadAttention": 0.0, "Block": 0.0, "GPT": 0.0, "train": 1.0}, row.notes
    assert "not in 10_your_own_gpt's grading build" in " | ".join(row.notes)
