"""docs/authoring.md's recipe, run as written: ``log_softmax`` added to lesson 03 in a copy of the
course by appending the page's code blocks to three files, then the page's next steps — generate
the lesson, ``make lesson L=03`` — and both graders on the result: nbgrader accepts the lesson, and
an untouched stub of the new exercise scores 0 in nbgrader and in attnlab-grade, while the solution
earns every point (slow: the lesson runs four times, about two minutes).

The copy runs on this environment's packages with its own ``lib`` first on the path: a small venv
whose one ``.pth`` puts the copy's library before this environment's site-packages (``python -I``,
which the grader's runner uses, keeps that order). attnlab-grade runs with ``--no-sandbox`` — the
same runner and judging, without bubblewrap, whose binds know only the installed course.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import nbformat
import pytest

from attnlab.course import written
from attnlab.course.nbgrader_hook import NBGRADER_CONFIG
from attnlab.paths import ROOT

pytestmark = pytest.mark.slow
LESSON = "03_softmax"
BLOCK = re.compile(r"```python\n# (?P<path>\S+) — append\n(?P<code>.*?)```", re.S)


def recipe() -> list[tuple[str, str]]:
    """The page's ``# <file> — append`` blocks, in order: (path, code)."""
    text = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    return [(m["path"], m["code"]) for m in BLOCK.finditer(text)]


def run(argv: list, cwd: Path, env: dict, timeout: int = 600) -> str:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course copied (its files as git knows them), the recipe applied, the lesson generated."""
    root = tmp_path_factory.mktemp("recipe")
    copy = root / "attnlab"
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    git = ["git", "-c", "user.name=recipe", "-c", "user.email=recipe@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    subprocess.run(["git", "add", "-A"], cwd=copy, check=True)
    subprocess.run([*git, "commit", "-qm", "before"], cwd=copy, check=True)
    for path, code in recipe():
        target = copy / path
        target.write_text(target.read_text(encoding="utf-8").rstrip("\n") + "\n\n\n" + code, encoding="utf-8")
    changed = subprocess.run(["git", "status", "--porcelain"], cwd=copy, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    (site / "00-attnlab-copy.pth").write_text(
        f"{copy / 'lib'}\nimport site; site.addsitedir({sysconfig.get_path('purelib')!r})\n")
    python = venv / "bin" / "python"
    path = os.pathsep.join([str(venv / "bin"), str(Path(sys.executable).parent), os.environ["PATH"]])
    env = dict(os.environ, ATTNLAB_IGNORE_FETCHED="1", JUPYTER_PREFER_ENV_PATH="1", PATH=path)
    env.pop("PYTHONPATH", None)
    out = run([python, "-c", "import attnlab, sys; print(attnlab.__file__)"], copy, env)
    assert out.strip() == str(copy / "lib" / "attnlab" / "__init__.py")
    run([python, "-m", "attnlab.course.authoring", LESSON], copy, env, timeout=900)
    return {"copy": copy, "python": python, "env": env, "changed": changed, "root": root}


def test_the_recipe_changes_three_files(course):
    assert len(recipe()) == 3
    assert sorted(line[3:] for line in course["changed"]) == sorted(path for path, _ in recipe())


def test_the_generator_wrote_the_exercise_its_check_and_the_import(course):
    solution = nbformat.read(course["copy"] / "solutions" / f"{LESSON}.ipynb", as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in solution.cells}
    assert "### BEGIN HIDDEN TESTS" in by_id["check_log_softmax"].source
    assert by_id["check_log_softmax"].outputs[0]["data"]["text/plain"].startswith("✅ pass · log_softmax")
    assert "check_log_softmax" in solution.cells[1].source
    student = nbformat.read(course["copy"] / "notebooks" / f"{LESSON}.ipynb", as_version=4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in student.cells}
    assert "raise NotImplementedError()" in by_id["log_softmax"].source
    assert by_id["check_log_softmax"].source == "check_log_softmax(log_softmax)"
    assert "not implemented yet" in by_id["check_log_softmax"].outputs[0]["data"]["text/plain"]


def test_make_lesson_runs_the_lessons_check_tests_and_nbval(course):
    venv_bin = course["python"].parent
    # PYTEST_WORKERS=0: inside make test both cores are taken already; two xdist workers per pytest
    # would only import and collect twice more (about 20 CPU-s)
    make = ["make", "-o", ".venv/.installed-test", "lesson", "L=03", f"BIN={venv_bin}", "PYTEST_WORKERS=0"]
    out = run(make, course["copy"], course["env"], timeout=900)
    assert "log_softmax" not in re.findall(r"FAILED \S+", out)
    passed = [int(n) for n in re.findall(r"(\d+) passed", out)]
    assert len(passed) == 2 and all(passed), out[-2000:]


def test_nbgrader_accepts_the_lesson_and_gives_the_stub_nothing(course):
    from nbgrader.api import Gradebook

    nbgrader = course["root"] / "nbgrader"
    (nbgrader / "source" / LESSON).mkdir(parents=True)
    (nbgrader / "nbgrader_config.py").write_text(
        'c = get_config()\nc.CourseDirectory.course_id = "attnlab"\n'
        'c.CourseDirectory.db_url = "sqlite:///gradebook.db"\n' + NBGRADER_CONFIG)
    shutil.copy(course["copy"] / "solutions" / f"{LESSON}.ipynb", nbgrader / "source" / LESSON)
    env = dict(course["env"], JUPYTER_CONFIG_DIR=str(nbgrader / ".jupyter"))
    run([course["python"], "-m", "nbgrader", "generate_assignment", LESSON], nbgrader, env)
    released = nbgrader / "release" / LESSON / f"{LESSON}.ipynb"
    for student, notebook in {"untouched": released,
                              "solved": course["copy"] / "solutions" / f"{LESSON}.ipynb"}.items():
        (nbgrader / "submitted" / student / LESSON).mkdir(parents=True)
        shutil.copy(notebook, nbgrader / "submitted" / student / LESSON / f"{LESSON}.ipynb")
    run([course["python"], "-m", "nbgrader", "autograde", LESSON], nbgrader, env, timeout=900)
    with Gradebook(f"sqlite:///{nbgrader / 'gradebook.db'}", course_id="attnlab") as gb:
        untouched = gb.find_submission(LESSON, "untouched")
        solved = gb.find_submission(LESSON, "solved")
        # the exercises' 4 points (3 of the lesson's, 1 the recipe's) and the written answers', which
        # wait for a grader (nbgrader's formgrader): the solution's code earns its 4 alone
        in_words = sum(q.points for q in written.of_lesson(LESSON))
        assert untouched.max_score == 4.0 + in_words and untouched.score == 0.0
        assert solved.score == 4.0
        grades = {g.name: g.score for g in gb.find_submission_notebook(LESSON, LESSON, "untouched").grades}
        assert grades["check_log_softmax"] == 0.0


def test_attnlab_grade_gives_the_stub_nothing_and_the_solution_every_point(course):
    folder = course["root"] / "submissions"
    folder.mkdir()
    shutil.copy(course["copy"] / "notebooks" / f"{LESSON}.ipynb", folder / "untouched.ipynb")
    shutil.copy(course["copy"] / "solutions" / f"{LESSON}.ipynb", folder / "solved.ipynb")
    out_csv = course["root"] / "grades.csv"
    run([course["python"], "-m", "attnlab.course.grading", folder, "--lesson", LESSON, "--out", out_csv,
         "--no-sandbox", "--jobs", "1"], course["root"], course["env"], timeout=900)
    with open(out_csv, newline="", encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert rows["untouched"]["log_softmax"] == "0" and rows["untouched"]["total"] == "0"
    assert rows["solved"]["log_softmax"] == "1" and rows["solved"]["total"] == "4"
