"""Lesson 03's hostile corpus (tests/hostile.py) through the real ``attnlab-grade`` and its sandbox.

Every submission must score what an honest grader gives it (hostile ones at most the untouched
notebook's 0, accidental ones full marks); afterwards nothing outside the sandboxes was written,
no connection reached the host, the installed checks are unchanged, and no process any submission
started is still alive. Then a grader killed mid-batch keeps every finished row, and ``--resume``
grades only the rest.
"""

from __future__ import annotations

import csv
import hashlib
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from hostile import CORPUS, LESSON, Context
from submissions import answer, course_student_copy

import attnlab

GRADER = str(Path(sys.executable).parent / "attnlab-grade")
TIME_LIMIT = 45  # seconds per notebook; lesson 03 runs in about 2 s in its sandbox, more under load
pytestmark = pytest.mark.slow


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()


def _processes_with(text: str) -> list[int]:
    """Pids whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _write(folder: Path, name: str, nb) -> Path:
    path = folder / f"{name}.ipynb"
    path.write_text(nb) if isinstance(nb, str) else nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    folder, canaries, scratch = root / "submitted", root / "canaries", root / "grader-tmp"
    for d in (folder, canaries, scratch):
        d.mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    ctx = Context(folder, canaries, root / "grades.csv", listener.getsockname()[1],
                  f"attnlab-hostile-{secrets.token_hex(6)}")
    for submission in CORPUS:
        _write(folder, submission.name, submission.make(ctx))
    before = {p.name for p in folder.iterdir()}
    course_before = _tree_digest(Path(attnlab.__file__).parent)
    env = dict(os.environ, TMPDIR=str(scratch))  # the grader's own temporary folders go here
    start = time.perf_counter()
    command = [GRADER, str(folder), "--lesson", LESSON, "--out", str(ctx.gradebook), "--jobs", "2",
               "--time-limit", str(TIME_LIMIT)]
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1200)
    seconds = time.perf_counter() - start
    connections = []
    try:
        while True:
            connections.append(listener.accept()[0].recv(100))
    except OSError:
        pass
    listener.close()
    time.sleep(0.5)
    with open(ctx.gradebook, newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    changed = _tree_digest(Path(attnlab.__file__).parent) != course_before
    return {"run": run, "rows": rows, "ctx": ctx, "before": before, "scratch": scratch,
            "connections": connections, "course_changed": changed, "seconds": seconds}


def test_the_grader_finishes_and_writes_every_row(graded):
    assert graded["run"].returncode == 0, graded["run"].stderr[-3000:]
    assert set(graded["rows"]) == {s.name for s in CORPUS}
    print(f"\ngraded {len(CORPUS)} lesson-03 submissions in {graded['seconds']:.0f} s "
          "(2 at once, under load)")


@pytest.mark.parametrize("submission", CORPUS, ids=lambda s: s.name)
def test_every_submission_scores_what_an_honest_grader_gives(graded, submission):
    row = graded["rows"][submission.name]
    assert (row["status"], float(row["total"])) == (submission.status, submission.score), row["notes"]
    assert submission.says in row["notes"], row["notes"]
    assert "Traceback" not in row["notes"]


def test_no_hostile_submission_beats_the_untouched_notebook(graded):
    untouched = float(graded["rows"]["untouched"]["total"])
    for s in CORPUS:
        if s.kind == "hostile" and s.score == 0:
            assert float(graded["rows"][s.name]["total"]) <= untouched, s.name


def test_nothing_outside_the_sandboxes_was_written(graded):
    ctx = graded["ctx"]
    assert list(ctx.canaries.iterdir()) == []
    assert {p.name for p in ctx.submissions.iterdir()} == graded["before"]  # nothing planted
    assert not graded["course_changed"], "a submission changed the installed course"
    assert list(graded["scratch"].iterdir()) == []  # the grader's own folders are gone too
    for path in (f"/tmp/{ctx.token}", f"/root/{ctx.token}", f"/work/{ctx.token}"):
        assert not Path(path).exists(), path
    rows = list(csv.DictReader(ctx.gradebook.read_text().splitlines()))  # the grader's own file
    assert rows and list(rows[0])[:3] == ["student", "name", "status"]
    assert not any(row["student"] == "hostile" and row["total"] == "3" for row in rows)


def test_no_connection_reached_the_host(graded):
    assert graded["connections"] == []


def test_no_process_a_submission_started_outlives_grading(graded):
    assert _processes_with(graded["ctx"].token) == []
    assert _processes_with(str(graded["scratch"])) == []  # no sandbox (its command names the folder)


# --- a grader killed mid-batch, then resumed ----------------------------------------------------------


def test_a_killed_grader_keeps_every_finished_row_and_resume_grades_only_the_rest(tmp_path):
    folder, scratch = tmp_path / "submitted", tmp_path / "grader-tmp"
    folder.mkdir()
    scratch.mkdir()
    solved = answer(course_student_copy("00_start_here"), "00_start_here")
    names = [f"student{i}" for i in range(6)]
    for name in names:
        _write(folder, name, solved)
    out = tmp_path / "grades.csv"
    command = [GRADER, str(folder), "--lesson", "00_start_here", "--out", str(out), "--jobs", "1"]
    env = dict(os.environ, TMPDIR=str(scratch))
    grader = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    db = out.parent / "gradebook.sqlite"  # every lesson graded into this folder
    deadline = time.monotonic() + 300
    finished = 0
    while finished < 2 and time.monotonic() < deadline and grader.poll() is None:
        time.sleep(0.2)
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
                finished = con.execute("SELECT COUNT(*) FROM rows").fetchone()[0]
        except sqlite3.OperationalError:  # not made yet, or its table not yet
            continue
    assert finished >= 2 and grader.poll() is None, "the grader finished before it could be killed"
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    with sqlite3.connect(db) as con:
        kept = dict(con.execute("SELECT student, graded_at FROM rows"))
    assert len(kept) >= 2
    with open(out, newline="", encoding="utf-8") as f:
        assert {r["student"] for r in csv.DictReader(f)} >= set(kept)  # the CSV has them too
    time.sleep(1)
    assert _processes_with(str(scratch)) == []  # its sandbox died with it (--die-with-parent)
    # (its pids cgroup, if it made one, is left empty: a later grader sweeps it, isolation.sweep_cgroups)
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True, env=env, timeout=600)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resuming: {len(kept)} already graded, {len(names) - len(kept)} to grade" in resumed.stdout
    graded_now = {line.split(":")[0] for line in resumed.stdout.splitlines() if line.startswith("student")}
    assert graded_now == set(names) - set(kept)
    with sqlite3.connect(db) as con:
        after = dict(con.execute("SELECT student, graded_at FROM rows"))
    assert set(after) == set(names) and all(after[s] == kept[s] for s in kept)
    with open(out, newline="", encoding="utf-8") as f:
        assert {r["student"]: r["total"] for r in csv.DictReader(f)} == {s: "1" for s in names}

