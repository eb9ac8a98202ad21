"""Each row judged under limits, through the real ``attnlab-grade`` (issue 20).

Every submission is read and judged in a child process of its own (``attnlab.course.apart``): one
that needs more memory than ``--judge-memory-mb`` or more time than ``--judge-time-limit`` gets the
status "judging limit" and a note — no score in any output — while everyone else is graded and the
run exits 0. Nothing a submission sends stays in the grader after its row: the grader's own process
never builds a learner's type. Every note is capped, so Python's ``csv`` reads every output.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hostile import _PIPES, BY_NAME, FULL, LESSON, Context, correct, with_cell

from attnlab.course.apart import LIMIT

GRADER = str(Path(sys.executable).parent / "attnlab-grade")
pytestmark = pytest.mark.slow

# One line in the runner's form holding 7 million numbers: 28 MB on the pipe (under the line
# limit), over 300 MB parsed.
MEMORY_ON_THE_PIPE = _PIPES + """
_line = '{"exercise": "stable_softmax", "function": "callable", "own": [{"kind": "value", "value": ['
_to_the_grader((_line + ",".join(["0.5"] * 7_000_000) + "]}]}\\n").encode())
"""
# A 3 MB cell whose forged error makes the grader parse it (a few seconds): slow to judge.
BIG_CELL = "_unused = [" + ", ".join(str(i) for i in range(450_000)) + "]\n" + _PIPES + """
import json
_error = {"error": {"cell": 2, "text": "RuntimeError: not in the grading build"}}
_to_the_grader((json.dumps(_error) + "\\n").encode())
"""


def _grade(folder: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([GRADER, str(folder), "--lesson", LESSON, "--out", str(out / "grades.csv"),
                           "--jobs", "2", "--time-limit", "60", *extra],
                          capture_output=True, text=True, timeout=900)


def _rows(out: Path) -> dict[str, dict]:
    with sqlite3.connect(out / "gradebook.sqlite") as db:
        found = db.execute("SELECT student, status, scores, notes FROM rows WHERE lesson = ?", (LESSON,))
        return {s: {"status": st, "scores": json.loads(sc), "notes": json.loads(n)} for s, st, sc, n in found}


def _totals(out: Path) -> dict[str, str]:
    with open(out / "all-lessons.csv", newline="", encoding="utf-8") as f:  # the csv module's own limits
        rows = list(csv.DictReader(f))
    column = next(c for c in rows[0] if c.startswith(LESSON))
    return {r["student"]: r[column] for r in rows}


# Each limit's run grades Alice and the one submission that limit stops (what its test reads); the run
# under the default limits grades all four: no notebook runs in a sandbox for a row nobody reads.
RUNS = {"memory": (("--judge-memory-mb", "200"), ("alice", "hoarder")),
        "time": (("--judge-time-limit", "1"), ("alice", "slowpoke")),
        "default": ((), ("alice", "hoarder", "slowpoke", "types"))}


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    root = tmp_path_factory.mktemp("limits")
    ctx = Context(root / "default", root, root / "x.csv", 9, "limits")
    made = {"alice": correct(), "hoarder": with_cell(correct(), MEMORY_ON_THE_PIPE),
            "slowpoke": with_cell(correct(), BIG_CELL), "types": BY_NAME["type_names_200k"].make(ctx)}
    runs = {}
    for name, (extra, students) in RUNS.items():
        folder, out = root / name / "submitted", root / name / "out"
        folder.mkdir(parents=True)
        out.mkdir()
        for student in students:
            nbformat.write(made[student], folder / f"{student}.ipynb")
        runs[name] = (_grade(folder, out, *extra), out)
    return runs


def _stopped_alone(limited, run_name: str, student: str, says: str) -> None:
    """``student``'s row stopped at a limit (saying ``says``, no score anywhere); Alice graded."""
    run, out = limited[run_name]
    assert run.returncode == 0, run.stderr[-2000:]
    rows = _rows(out)
    assert rows[student]["status"] == LIMIT, rows[student]
    assert says in " ".join(rows[student]["notes"])
    assert rows["alice"]["status"] == "graded" and sum(rows["alice"]["scores"].values()) == FULL
    assert _totals(out)[student] == "" and float(_totals(out)["alice"]) == FULL  # no score, not 0
    assert "judging limit" in run.stderr and student in run.stderr


def test_a_row_past_the_memory_limit_says_so_and_everyone_else_is_graded(limited):
    _stopped_alone(limited, "memory", "hoarder", "memory")


def test_a_row_past_the_judging_time_limit_says_so_and_everyone_else_is_graded(limited):
    _stopped_alone(limited, "time", "slowpoke", "limit of 1 s")


def test_within_the_default_limits_each_is_graded_on_its_work(limited):
    run, out = limited["default"]
    assert run.returncode == 0, run.stderr[-2000:]
    rows = _rows(out)
    assert {s: r["status"] for s, r in rows.items()} == dict.fromkeys(rows, "graded")
    # the forged answer line is refused for its exercise; the big cell only costs time
    assert {s: sum(r["scores"].values()) for s, r in rows.items()} == {
        "alice": FULL, "hoarder": FULL - 1, "slowpoke": FULL, "types": 0.0}
    assert "wrote to the grader's pipe" in " ".join(rows["hoarder"]["notes"])


def test_every_note_is_capped_and_every_output_reads_with_the_csv_module(limited):
    for name, (_, out) in limited.items():
        for row in _rows(out).values():
            assert len(row["notes"]) <= 30 and all(len(n) <= 400 for n in row["notes"]), row
        _totals(out)
        with open(out / "grades.csv", newline="", encoding="utf-8") as f:
            assert [r["student"] for r in csv.DictReader(f)] == sorted(RUNS[name][1])


def test_nothing_a_submission_sent_stays_in_the_grader(tmp_path):
    """The grader's own process (here, this one: main() in-process) never makes a learner's type."""
    import gc

    from attnlab.checks import plain
    from attnlab.course.grading import main

    folder = tmp_path / "submitted"
    folder.mkdir()
    ctx = Context(folder, tmp_path, tmp_path / "x.csv", 9, "cache")
    nbformat.write(BY_NAME["type_names_200k"].make(ctx), folder / "types.ipynb")
    before = plain._opaque_type.cache_info().currsize
    out = tmp_path / "out" / "g.csv"
    assert main([str(folder), "--lesson", LESSON, "--out", str(out), "--jobs", "1"]) == 0
    assert _rows(tmp_path / "out")["types"]["status"] == "graded"
    assert plain._opaque_type.cache_info().currsize == before
    assert not [t for t in gc.get_objects() if isinstance(t, type) and issubclass(t, plain.Opaque)
                and t.__name__.startswith("T") and t.__name__[1:].isdigit()]
