"""One student's bad data never ends the class run, and a grader failure is never a score (issue 20).

Through the real ``attnlab-grade`` on lesson 00 with ``--feedback --report --canvas`` and a deadline:
a class with a timestamp no clock can hold, malformed nbgrader metadata, a 1 MB expression cell, a
bare NaN written to the grader's pipe, a file named like a spreadsheet formula and one named like a
classmate's evidence — every output is written for everyone and the run exits 0. Then the same
class with a sandbox that cannot start: every row "not graded", no score anywhere, exit 3 and one
line saying what to fix.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from submissions import answer, course_student_copy

from attnlab.course.classbook import max_points
from attnlab.course.roster import file_name

LESSON = "00_start_here"
GRADER = str(Path(sys.executable).parent / "attnlab-grade")
pytestmark = pytest.mark.slow

NAN_ON_THE_PIPE = '''\
import os, stat
for fd in map(int, os.listdir("/proc/self/fd")):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, b'{"note": NaN}\\n')
    except OSError:
        pass
'''


NAMES_NO_OUTPUT_HOLDS = (b"\xff\xfeana", b"esc\x1b[2J")
PRINTABLE_IDS = {r"\xff\xfeana", r"esc\x1b[2J"}  # what they are graded as


def _class(folder: Path) -> None:
    solved = answer(course_student_copy(LESSON), LESSON)
    nbformat.write(solved, folder / "alice.ipynb")
    late = folder / "tim" / LESSON
    late.mkdir(parents=True)
    nbformat.write(solved, late / f"{LESSON}.ipynb")
    (late / "timestamp.txt").write_text("0001-01-01 00:00:00 +05:00")
    meta = json.loads(nbformat.writes(solved))
    meta["metadata"] = "oops"
    for cell in meta["cells"]:
        if cell["cell_type"] == "code":
            cell["metadata"] = {"nbgrader": "oops"} if "def " in "".join(cell["source"]) else cell["metadata"]
    (folder / "mona.ipynb").write_text(json.dumps(meta))
    ids = json.loads(nbformat.writes(solved))
    for cell in ids["cells"]:
        if isinstance(cell.get("metadata", {}).get("nbgrader"), dict):
            cell["metadata"]["nbgrader"]["grade_id"] = []
    (folder / "gid.ipynb").write_text(json.dumps(ids))
    huge = nbformat.from_dict(solved)
    huge.cells.insert(2, nbformat.v4.new_code_cell("x = " + "+".join(["1"] * 350_000)))
    nbformat.write(huge, folder / "huge.ipynb")
    nan = nbformat.from_dict(solved)
    nan.cells.insert(2, nbformat.v4.new_code_cell(NAN_ON_THE_PIPE))
    nbformat.write(nan, folder / "nan.ipynb")
    nbformat.write(course_student_copy(LESSON), folder / "=1+2.ipynb")
    nbformat.write(course_student_copy(LESSON), folder / "alice.graded.ipynb")
    deep = json.loads(nbformat.writes(solved))
    deep["cells"][0]["metadata"]["x"] = "@@"  # valid JSON nested 100,000 deep: no parser's recursion holds it
    (folder / "deep.ipynb").write_text(json.dumps(deep).replace('"@@"', "[" * 100_000 + "]" * 100_000))
    lone = nbformat.from_dict(solved)  # an error whose text no UTF-8 output holds (a lone surrogate)
    lone.cells.insert(2, nbformat.v4.new_code_cell('raise ValueError("\\udcff\\ud800 mallory")'))
    nbformat.write(lone, folder / "lone.ipynb")
    code = json.loads(nbformat.writes(solved))  # the same in the exercise's code, as JSON escapes it
    ex = next(c for c in code["cells"] if c["cell_type"] == "code" and "def " in "".join(c["source"]))
    ex["source"] = "".join(ex["source"]) + "\n# \udcff\n"
    (folder / "lonecode.ipynb").write_text(json.dumps(code))
    for name in NAMES_NO_OUTPUT_HOLDS:  # bytes that are not UTF-8; a terminal's clear-screen escape
        with open(os.fsencode(folder) + b"/" + name + b".ipynb", "w", encoding="utf-8") as f:
            nbformat.write(solved, f)


def _run(folder: Path, root: Path, env=None):
    command = [GRADER, str(folder), "--lesson", LESSON, "--out", str(root / "grades.csv"), "--jobs", "2",
               "--time-limit", "60", "--deadline", "2026-12-01 23:59", "--late-penalty", "10%/day",
               "--feedback", str(root / "feedback"), "--report", str(root / "report"),
               "--canvas", str(root / "canvas.csv")]
    return subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=root,
                          env=env or dict(os.environ))


def _rows(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return {r.get("student", r.get("ID")): r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("outputs")
    folder = root / "submitted"
    folder.mkdir()
    _class(folder)
    return root, _run(folder, root)


def test_every_output_is_written_for_everyone_and_the_run_exits_0(graded):
    root, run = graded
    assert run.returncode == 0, run.stderr[-3000:]
    rows = _rows(root / "grades.csv")
    students = {"alice", "tim", "mona", "gid", "huge", "nan", "=1+2", "alice.graded", "deep", "lone",
                "lonecode", *PRINTABLE_IDS}
    assert set(rows) == students - {"=1+2"} | {"'=1+2"}  # the CSV shows it as text
    for student in ("alice", "tim", "mona", "gid", "nan", "lone", "lonecode", *PRINTABLE_IDS):
        assert (rows[student]["status"], rows[student]["total"]) == ("graded", "1"), rows[student]["notes"]
    assert rows["deep"]["status"] == "invalid notebook"  # and the report (similar work) still reads the rest
    assert rows["huge"]["status"] == "kernel died"  # Python's compiler gives up on it, as a kernel's would
    assert "handed-in time could not be read" in rows["tim"]["notes"]
    assert "could not be read" in rows["nan"]["notes"]  # the bare NaN line: not a message
    assert (root / "attnlab-grades" / "all-lessons.csv").exists() or (root / "all-lessons.csv").exists()
    assert (root / "report" / LESSON / "index.html").is_file()
    assert {p.stem for p in (root / "feedback" / LESSON).glob("*.html")} == set(map(file_name, students))
    with open(root / "canvas.csv", newline="", encoding="utf-8") as f:
        assert len(list(csv.reader(f))) == len(students) + 2  # the header and the "Points Possible" row


def test_a_file_name_no_output_could_hold_is_graded_under_a_printable_id(graded):
    """Issue 20 (session 4): a file name whose bytes are not UTF-8 ended the class run (sqlite
    cannot store it: exit 1, no output for anyone); one with an escape sequence cleared the
    instructor's terminal. Every text made from a name is printable; the file itself is graded."""
    _, run = graded
    assert "\x1b" not in run.stdout + run.stderr
    for sid in PRINTABLE_IDS:
        assert f"{sid}: graded, 1/{max_points(LESSON):g}" in run.stdout  # dot right; its words: a grader's


def test_a_classmates_evidence_is_never_anyone_elses(graded):
    root, _ = graded
    alice = (root / "feedback" / LESSON / "alice.html").read_text()
    graded_too = (root / "feedback" / LESSON / "alice.graded.html").read_text()
    assert "return" in alice and "1 / 1" in alice
    assert "0 / 1" in graded_too and "raise NotImplementedError()" in graded_too  # its own stub, not alice's


def test_no_csv_cell_starts_a_formula(graded):
    root, _ = graded
    for path in [root / "grades.csv", root / "canvas.csv", *root.rglob("all-lessons.csv")]:
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.reader(f):
                for value in row:
                    assert not value.startswith(("=", "+", "@")), (path.name, value)
                    assert not (value.startswith("-") and not value.lstrip("-").replace(".", "").isdigit())
    assert "'=1+2" in (root / "grades.csv").read_text()


def test_a_grader_failure_is_never_a_score_and_exits_3(tmp_path, monkeypatch, capsys):
    """attnlab-grade's own main (the console script's), with a runner the sandbox cannot start."""
    from attnlab.course import execute, grading

    folder = tmp_path / "submitted"
    folder.mkdir()
    nbformat.write(answer(course_student_copy(LESSON), LESSON), folder / "alice.ipynb")
    monkeypatch.setattr(execute, "RUNNER", ["-I", "-m", "attnlab.course.no_such_runner"])
    monkeypatch.chdir(tmp_path)
    code = grading.main([str(folder), "--lesson", LESSON, "--out", str(tmp_path / "grades.csv"),
                         "--jobs", "1", "--feedback", str(tmp_path / "feedback"),
                         "--canvas", str(tmp_path / "canvas.csv")])
    assert code == 3
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "not graded — the grader failed" in last and "no_such_runner" in last and "--resume" in last
    row = _rows(tmp_path / "grades.csv")["alice"]
    assert (row["status"], row["total"]) == ("not graded", "")
    with open(tmp_path / "canvas.csv", newline="", encoding="utf-8") as f:
        canvas = {r["Student"]: r for r in csv.DictReader(f)}
    assert canvas["alice"][LESSON] == ""  # no score, not 0
    page = (tmp_path / "feedback" / LESSON / "alice.html").read_text()
    assert "Not graded yet" in page and "0 / 1" not in page
