"""The real nbgrader on a temporary course: solutions/ are its source notebooks.

``generate_assignment`` releases every lesson; its student copies must be the course's own
(``attnlab.course.authoring.student_copy``): the same cell sources and the same metadata, locks and
checksums included. Then ``autograde`` scores submissions made at test time — for lesson 00 fully
correct, untouched and partly wrong; for lesson 03 every honest and accidental submission of the
hostile corpus (tests/hostile.py: ordinary learner names, a function named like a check, deleted
or edited check cells, 50 MB of outputs, …) — and ``attnlab-grade`` must give the same totals on
nbgrader's ``submitted/`` folder, which for lesson 03 are the scores an honest grader gives.
"""

import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from hostile import CORPUS, FULL
from nbgrader.api import Gradebook  # the instructor extra: `make test` installs it
from nbgrader.nbgraderformat import MetadataValidator
from submissions import WRONG, answer, exercise_ids, solution

from attnlab.course import written
from attnlab.course.authoring import student_copy
from attnlab.course.classbook import max_points
from attnlab.course.nbgrader_hook import NBGRADER_CONFIG
from attnlab.paths import SOLUTIONS_DIR

LESSONS = sorted(p.stem for p in SOLUTIONS_DIR.glob("*.ipynb"))
# Lesson 00 (one exercise) and the first lesson with several, so a partly wrong submission
# earns part of the points: 03_softmax once it exists.
MULTI = next(n for n in ["03_softmax", *LESSONS] if n in LESSONS and len(exercise_ids(n)) > 1)
GRADED = ["00_start_here", MULTI]
HONEST = {s.name: s for s in CORPUS if s.kind in ("honest", "accidental")}  # lesson 03's


def nbgrader(course: Path, *args: str) -> str:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               JUPYTER_CONFIG_DIR=str(course / ".jupyter"), JUPYTER_PREFER_ENV_PATH="1")
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                         capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course directory: every lesson released, three submissions per graded lesson autograded."""
    course = tmp_path_factory.mktemp("course")
    (course / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "attnlab"\n'
        'c.CourseDirectory.db_url = "sqlite:///gradebook.db"\n' + NBGRADER_CONFIG)
    for lesson in LESSONS:
        (course / "source" / lesson).mkdir(parents=True)
        shutil.copy(SOLUTIONS_DIR / f"{lesson}.ipynb", course / "source" / lesson)
    times = {}
    start = time.perf_counter()
    nbgrader(course, "generate_assignment", "*")
    times["generate_assignment (all lessons)"] = time.perf_counter() - start
    for lesson in GRADED:
        released = nbformat.read(course / "release" / lesson / f"{lesson}.ipynb", as_version=4)
        made = {"full": answer(released, lesson), "untouched": released,
                # the last exercise wrong: later exercises may build on earlier ones (03's do)
                "partly_wrong": answer(released, lesson, wrong=exercise_ids(lesson)[-1:])}
        if lesson == "03_softmax":
            made |= {name: s.make(None) for name, s in HONEST.items()}
        for student, nb in made.items():
            folder = course / "submitted" / student / lesson
            folder.mkdir(parents=True)
            nbformat.write(nb, folder / f"{lesson}.ipynb")
    for lesson in GRADED:
        start = time.perf_counter()
        nbgrader(course, "autograde", lesson)
        times[f"autograde {lesson} ({len(students(course, lesson))} submissions)"] = (
            time.perf_counter() - start)
    grade_by_hand(course)
    print("\n" + "\n".join(f"nbgrader {k}: {v:.1f} s (measured under load)" for k, v in times.items()))
    return course


BY_HAND = ("full", "partly_wrong")  # their written answers are graded in the formgrader; the others' wait


def formgrader_put(gb, grade, manual_score) -> None:
    """What the formgrader's grade box does when a grader types points (nbgrader's
    ``formgrader.apihandlers.GradeHandler.put``): the manual score, and whether it still needs one."""
    grade.manual_score, grade.extra_credit = manual_score, None
    grade.needs_manual_grade = grade.manual_score is None and grade.auto_score is None
    gb.db.commit()


def grade_by_hand(course: Path) -> None:
    """The written answers of BY_HAND, given full points in the formgrader; the untouched answer
    cell nbgrader itself scored 0 ("No response.")."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="attnlab") as gb:
        for lesson in GRADED:
            for q in written.of_lesson(lesson):
                untouched = gb.find_grade(q.id, lesson, lesson, "untouched")
                assert (untouched.auto_score, untouched.needs_manual_grade) == (0, False)
                for student in BY_HAND:
                    grade = gb.find_grade(q.id, lesson, lesson, student)
                    assert grade.auto_score is None and grade.needs_manual_grade  # words: for a grader
                    formgrader_put(gb, grade, q.points)


def students(course: Path, lesson: str) -> list[str]:
    return sorted(p.parent.parent.name for p in (course / "submitted").glob(f"*/{lesson}/{lesson}.ipynb"))


def scores(course: Path, lesson: str) -> dict[str, tuple[float, float]]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="attnlab") as gb:
        return {s: (gb.find_submission(lesson, s).score, gb.find_submission(lesson, s).max_score)
                for s in students(course, lesson)}


@pytest.mark.parametrize("lesson", LESSONS)
def test_solutions_are_valid_nbgrader_source_notebooks(lesson):
    MetadataValidator().validate_nb(solution(lesson))  # raises nbgrader's ValidationError


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_nbgrader_releases_the_same_student_copy_as_the_course(course, lesson):
    released = nbformat.read(course / "release" / lesson / f"{lesson}.ipynb", as_version=4)
    ours = student_copy(solution(lesson))
    assert [c.source for c in released.cells] == [c.source for c in ours.cells]
    # The same locks (deletable/editable) and checksums: nbgrader restores what a learner edited.
    assert [c.metadata for c in released.cells] == [c.metadata for c in ours.cells]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", GRADED)
def test_autograde_gives_full_zero_and_partial_scores(course, lesson):
    got = scores(course, lesson)
    points = {c.metadata.nbgrader.grade_id: c.metadata.nbgrader.points
              for c in solution(lesson).cells if c.metadata.get("nbgrader", {}).get("grade")}
    total = sum(points.values())  # the checks' and the written answers' (graded in the formgrader)
    checks = [c.metadata.nbgrader.grade_id for c in solution(lesson).cells
              if c.metadata.get("nbgrader", {}).get("grade") and not c.metadata.nbgrader.get("solution")]
    last_check = checks[-1]
    assert got["full"] == (total, total)
    assert got["untouched"] == (0, total)
    assert got["partly_wrong"] == (total - points[last_check], total)
    if lesson == MULTI:
        assert 0 < got["partly_wrong"][0] < total


@pytest.mark.slow
def test_the_partly_wrong_submission_really_is_a_learners_slip(course):
    nb = nbformat.read(course / "submitted" / "partly_wrong" / MULTI / f"{MULTI}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert text.count(WRONG) == 1 and "NotImplementedError" not in text


@pytest.mark.slow
@pytest.mark.parametrize("lesson", GRADED)
def test_attnlab_grade_agrees_with_nbgrader_on_its_submitted_folder(course, lesson, tmp_path):
    """The same written answers graded by hand in both: nbgrader's formgrader (above) and
    attnlab-grade's form (manual/<lesson>.csv, the same points)."""
    out = tmp_path / "grades.csv"
    form = tmp_path / "manual" / f"{lesson}.csv"
    form.parent.mkdir()
    form.write_text("student,question,points\n" + "".join(
        f"{s},{q.id},{q.points:g}\n" for s in BY_HAND for q in written.of_lesson(lesson)))
    command = [str(Path(sys.executable).parent / "attnlab-grade"), str(course / "submitted"),
               "--lesson", lesson, "--out", str(out), "--jobs", "2"]
    subprocess.run(command, check=True, capture_output=True, timeout=900)
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    ours = {r["student"]: (float(r["total"]), float(r["max"])) for r in rows if r["status"] != "missing"}
    assert ours == scores(course, lesson)
    # (lesson 03's extra students have no lesson-00 folder: "missing" in attnlab-grade's book)
    assert {r["student"] for r in rows if r["status"] == "missing"}.isdisjoint(students(course, lesson))


@pytest.mark.slow
def test_both_graders_give_honest_and_accidental_work_its_honest_score(course):
    got = scores(course, "03_softmax")
    for name, submission in HONEST.items():  # (their written answers are not graded yet: 0 so far)
        assert got[name] == (submission.score, max_points("03_softmax")), name


@pytest.mark.slow
def test_nbgrader_puts_back_deleted_and_edited_check_cells(course):
    """The released notebook locks its check cells; a learner who still deletes or edits one
    loses nothing: nbgrader restores them from its gradebook (add_missing_cells, checksums)."""
    got = scores(course, "03_softmax")
    assert got["check_cells_deleted"] == got["check_cells_edited"] == got["correct"] == (
        FULL, max_points("03_softmax"))


@pytest.mark.slow
def test_nbgraders_export_joins_the_points_graded_by_hand(course, tmp_path):
    """``nbgrader export`` with the course's plugin: a column per graded cell, a written answer's
    as the formgrader graded it, blank while it waits, 0 for one left as handed out."""
    out = tmp_path / "export.csv"
    nbgrader(course, "export", "--to", str(out),
             "--ExportApp.plugin_class=attnlab.course.nbgrader_extras.PerExerciseExport")
    with open(out, newline="", encoding="utf-8") as f:
        rows = {(r["assignment"], r["student_id"]): r for r in csv.DictReader(f)}
    for lesson in GRADED:
        for q in written.of_lesson(lesson):
            column = f"{lesson}:{q.id}"
            assert float(rows[(lesson, "full")][column]) == q.points
            assert float(rows[(lesson, "untouched")][column]) == 0
        assert float(rows[(lesson, "full")]["score"]) == max_points(lesson)
    waiting = [q.id for q in written.of_lesson("03_softmax")]
    assert waiting and all(rows[("03_softmax", "correct")][f"03_softmax:{w}"] == "" for w in waiting)


def test_the_instructors_guide_shows_the_nbgrader_configuration():
    guide = (SOLUTIONS_DIR.parent / "docs" / "instructors.md").read_text()
    for line in NBGRADER_CONFIG.strip().splitlines():
        assert line in guide
