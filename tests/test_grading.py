"""attnlab-grade: a folder of submissions -> a gradebook CSV, whatever the submissions contain.

The submissions are made here, at test time, from lesson 00's student copy: one correct, one
untouched, one wrong, and one for each kind of hostile notebook. One run of the real console
command grades them all; each test reads its student's row.
"""

import csv
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from submissions import answer, course_student_copy, exercise_ids, grade_id, solution

from attnlab.course.grading import exercises, find_submissions, grade, grading_notebook
from attnlab.paths import SOLUTIONS_DIR

LESSON = "00_start_here"
TIME_LIMIT = 20  # seconds per notebook in these tests; lesson 00 runs in about 5 s under load


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


def _canary(path: Path) -> str:
    """Code that records the kernel's process id and working folder in ``path``."""
    return f"import os\nopen({str(path)!r}, 'w').write(f'{{os.getpid()}} {{os.getcwd()}}')\n"


def _submissions(canaries: Path) -> dict[str, nbformat.NotebookNode | str]:
    student = course_student_copy(LESSON)
    solved = answer(student, LESSON)
    stray = nbformat.from_dict(solved)
    stray.cells.insert(3, nbformat.v4.new_code_cell(_canary(canaries / "stray") + "1 / 0"))
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
        "endless_loop": _edit(solved, "dot", lambda c: _with_source(
            c, _canary(canaries / "loop") + "while True:\n    pass\n" + c.source)),
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
    folder, canaries = root / "submitted", root / "canaries"
    folder.mkdir()
    canaries.mkdir()
    made = _submissions(canaries)
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
            "canaries": canaries, "seconds": seconds, "log": log}


def row(gradebook, student):
    return gradebook["rows"][student]


def test_one_row_per_student_with_a_score_per_exercise_and_a_total(gradebook):
    rows = gradebook["rows"]
    assert set(rows) == gradebook["students"]
    ids = [ex.grade_id for ex in exercises(solution(LESSON))]
    for r in rows.values():
        assert float(r["total"]) == sum(float(r[i]) for i in ids)
        assert float(r["max"]) == len(ids)  # each of lesson 00's checks is worth 1 point


@pytest.mark.parametrize("student", ["correct", "kim", "check_deleted"])
def test_correct_work_gets_full_marks(gradebook, student):
    r = row(gradebook, student)
    assert (r["status"], r["total"], r["notes"]) == ("graded", r["max"], "")


@pytest.mark.parametrize("student, says", [
    ("untouched", "⏳ dot: not implemented yet"),
    ("wrong", "❌ dot: case 1 of 5"),
    ("raises", "your code raised ZeroDivisionError"),
    ("exercise_deleted", "`dot` is not defined (was its cell deleted or the function renamed?)"),
    ("renamed", "`dot` is not defined (was its cell deleted or the function renamed?)"),
    ("cheat", "⏳ dot: not implemented yet"),
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
    assert (r["status"], r["total"]) == (status, "0")
    assert says in r["notes"], r["notes"]


def test_an_error_elsewhere_is_reported_but_does_not_cost_the_exercise(gradebook):
    r = row(gradebook, "stray_error")
    assert r["total"] == r["max"]
    assert "code cell 2 raised ZeroDivisionError" in r["notes"], r["notes"]


def test_submissions_run_in_their_own_kernel_in_an_empty_folder_and_are_stopped(gradebook):
    for name in ("stray", "loop"):
        pid, cwd = (gradebook["canaries"] / name).read_text().split(" ", 1)
        assert int(pid) != gradebook["grader_pid"]
        assert Path(cwd).name.startswith("attnlab-grade-") and not Path(cwd).exists()
        assert not Path(f"/proc/{pid}").exists(), f"kernel {pid} ({name}) still running"


def test_grading_time_and_kernel_memory_per_submission_are_measured(gradebook):
    graded = [float(r["seconds"]) for r in gradebook["rows"].values() if r["status"] == "graded"]
    assert all(0 < s < TIME_LIMIT for s in graded)
    peaks = {r["student"]: r["peak_mb"] for r in gradebook["rows"].values()}
    assert 20 < float(peaks["correct"]) < 4000  # a Python kernel with NumPy and matplotlib loaded
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
    for ex in exs:
        assert ex.function in ex.check and ex.points > 0


def test_both_layouts_are_found(tmp_path):
    (tmp_path / "ann.ipynb").write_text("{}")
    (tmp_path / "bob" / "03_softmax").mkdir(parents=True)
    (tmp_path / ".ipynb_checkpoints").mkdir()
    found = find_submissions(tmp_path, "03_softmax", roster=["cy"])
    assert found == {"ann": tmp_path / "ann.ipynb", "bob": tmp_path / "bob/03_softmax/03_softmax.ipynb",
                     "cy": tmp_path / "cy.ipynb"}


def _checks_follow(nb):
    """For each course check in a grading notebook, the source of the learner cell before it."""
    cells = nb.cells
    return {c.metadata.attnlab_check: cells[i - 1].source if i else None
            for i, c in enumerate(cells) if "attnlab_check" in c.metadata}


def test_the_course_check_replaces_the_learners_check_cell_or_follows_the_exercise():
    exs = exercises(solution(LESSON))
    solved = answer(course_student_copy(LESSON), LESSON)
    nb = grading_notebook(solved, exs, "@@")
    assert not any(c.source.startswith("### BEGIN HIDDEN") or c.source == "check_dot(dot)" for c in nb.cells)
    assert _checks_follow(nb)["dot"].startswith("def dot(")
    without_check = _edit(solved, "check_dot", lambda c: None)
    assert _checks_follow(grading_notebook(without_check, exs, "@@"))["dot"].startswith("def dot(")
    moved = _edit(without_check, "dot", lambda c: nbformat.v4.new_code_cell("x = 1"))  # no id left
    moved.cells.append(nbformat.v4.new_code_cell("def dot(u, v):\n    return 0.0"))
    assert _checks_follow(grading_notebook(moved, exs, "@@"))["dot"] == "def dot(u, v):\n    return 0.0"


def test_a_kernel_is_never_started_for_a_file_that_is_not_a_notebook(tmp_path):
    from attnlab.course.grading import grade
    (tmp_path / "a.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe not text")
    start = time.perf_counter()
    r = grade("a", tmp_path / "a.ipynb", exercises(solution(LESSON)))
    assert r.status == "invalid notebook" and time.perf_counter() - start < 1


def test_list_shows_a_lessons_exercises_and_points(capsys):
    from attnlab.course.grading import main
    assert main(["--lesson", LESSON, "--list"]) == 0
    assert capsys.readouterr().out == "dot: dot(), checked by check_dot, 1 point(s)\n"


def test_one_mistake_costs_one_exercise_not_every_exercise_built_on_it(tmp_path):
    """Lesson 03's later exercises call the learner's stable_softmax: a wrong one costs its own
    point only, and the gradebook says where the later points came from."""
    lesson = "03_softmax"
    path = tmp_path / "ana.ipynb"
    nbformat.write(answer(course_student_copy(lesson), lesson, wrong=("stable_softmax",)), path)
    result = grade("ana", path, exercises(solution(lesson)), time_limit=60)
    assert result.status == "graded"
    assert result.scores == {"stable_softmax": 0, "softmax_with_temperature": 1, "attention_pattern": 1}
    assert "softmax_with_temperature: ✅" in " | ".join(result.notes)
    assert "your `stable_softmax` is what goes wrong here" in " | ".join(result.notes)


def test_kernels_talk_over_private_unix_sockets_not_localhost_ports(gradebook):
    assert "over TCP without encryption" not in gradebook["log"]


def test_the_kernels_memory_is_its_own_not_the_graders_peak(tmp_path):
    """A kernel inherits ru_maxrss from the process that forked it (Linux keeps it across exec):
    the grader must report the kernel's own high-water mark, even when it has itself been big."""
    import numpy as np

    big = np.ones(2**27)  # 1 GiB touched: the grader's own peak is now above 1 GiB
    del big
    path = tmp_path / "ana.ipynb"
    nbformat.write(answer(course_student_copy(LESSON), LESSON), path)
    result = grade("ana", path, exercises(solution(LESSON)), time_limit=60)
    assert result.status == "graded"
    assert 20 < result.peak_mb < 600, result.peak_mb  # lesson 00's kernel holds about 100 MB
