"""No submission's processes slow a classmate's sandbox (issue 20, session 4's attacker).

A sandbox's time limits are wall-clock (3 s per case, ``--time-limit`` for the notebook): a
notebook that forks processes which spin, each in a session of its own (Linux's autogroups then
give each one the share a whole login gets), took the machine's cores from the classmate graded
beside it — whose correct work then hit the time limit and scored 0 (measured with 200 spinners
on lesson 03: /work/notes/issue20-s4.md). As root, each sandbox runs
in a cpu cgroup of its own (at most one core, one scheduling entity however many processes or
sessions it makes), so the classmate keeps a core. Through the real ``attnlab-grade``.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from submissions import answer, course_student_copy

from attnlab.course import isolation

LESSON = "00_start_here"
GRADER = str(Path(sys.executable).parent / "attnlab-grade")
SPINNERS = 200  # the sandbox's process limit is 256
SPIN_S = 30  # they stop on their own: the test costs at most a core for this long
TIME_LIMIT = 25  # s per notebook: the classmate needs ~2 s of one core
pytestmark = pytest.mark.slow

SPIN = f'''\
import os, time
for _ in range({SPINNERS}):
    if os.fork() == 0:
        os.setsid()  # a session of its own: an autogroup of its own
        end = time.time() + {SPIN_S}
        while time.time() < end:
            pass
        os._exit(0)
'''


def _solved():
    return answer(course_student_copy(LESSON), LESSON)


@pytest.mark.skipif("cpu" not in isolation.usable_controllers(("cpu",)),
                    reason="a cpu cgroup per sandbox needs root and a writable cpu controller")
def test_a_submission_that_spins_processes_never_slows_its_classmate(tmp_path):
    folder = tmp_path / "submitted"
    folder.mkdir()
    hog = _solved()
    hog.cells.insert(0, nbformat.v4.new_code_cell(SPIN))  # first: it spins while the classmate starts
    hog.cells.append(nbformat.v4.new_code_cell(f"import time\ntime.sleep({SPIN_S})"))  # it lives on
    nbformat.write(hog, folder / "hog.ipynb")
    nbformat.write(_solved(), folder / "classmate.ipynb")
    run = subprocess.run([GRADER, str(folder), "--lesson", LESSON, "--out", str(tmp_path / "grades.csv"),
                          "--jobs", "2", "--time-limit", str(TIME_LIMIT)],
                         capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert run.returncode == 0, run.stderr[-2000:]
    assert "a cpu cgroup of its own" in run.stdout + run.stderr  # the sandbox line says so
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert (rows["classmate"]["status"], rows["classmate"]["total"]) == ("graded", "1"), rows["classmate"]
