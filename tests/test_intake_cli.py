"""Every student found, through the real ``attnlab-grade`` (issue 20, item 6).

A class of lesson 00 as a messy folder holds it: 王伟, 李娜 and Иван Петров by name, Zoë (as macOS
decomposes her name) beside Zoé, Ivan's login for a file name, an e-mail for another, a link to a
classmate's notebook and one to the solutions, a pipe, a folder named like a notebook, two files of
one student, a Canvas name whose id and login disagree, a file for nobody on the roster and a
student with no file. Each is found, refused or warned about — on the terminal and in the report —
and every rostered student gets a page.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import nbformat
import pytest
from submissions import answer, course_student_copy

from attnlab.paths import SOLUTIONS_DIR

LESSON = "00_start_here"
GRADER = str(Path(sys.executable).parent / "attnlab-grade")
pytestmark = pytest.mark.slow
ROSTER = """id,name,login,email
1001,王伟,wwang,wang.wei@uni.example
1002,李娜,lna,li.na@uni.example
1003,Иван Петров,iivanov,ivan.petrov@uni.example
1004,Zoë Li,zli,zoe.li@uni.example
1005,Zoé Li,zli2,zoe.li2@uni.example
1006,Bob Brown,bbrown,bob@uni.example
1007,Mallory Moss,mmoss,mallory@uni.example
1008,Trudy Tran,ttran,trudy@uni.example
1009,Erin Early,eearly,erin@uni.example
1010,Gina Green,ggreen,gina@uni.example
1011,Pat Pipe,ppipe,pat@uni.example
1012,Dora Dir,ddir,dora@uni.example
1013,Vic Victim,vvictim,vic@uni.example
1014,Stan Stamp,sstamp,stan@uni.example
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("intake")
    folder = root / "submitted"
    folder.mkdir()
    student = course_student_copy(LESSON)
    solved, wrong = answer(student, LESSON), answer(student, LESSON, wrong=("dot",))
    for name, nb in {
        f"王伟 - {LESSON}.ipynb": solved,
        f"李娜 - {LESSON}.ipynb": solved,
        "iivanov.ipynb": solved,  # Иван Петров's login
        f"{unicodedata.normalize('NFD', 'Zoë Li')} - {LESSON}.ipynb": solved,
        f"Zoé Li - {LESSON}.ipynb": wrong,  # the other Zoe: her own score
        "bob@uni.example.ipynb": solved,  # Bob's e-mail
        f"mmoss_1006_900_{LESSON}.ipynb": wrong,  # Mallory's login, Bob's id: neither
        "eearly.ipynb": wrong,  # Erin's draft …
        f"Erin Early - {LESSON}.ipynb": solved,  # … and her final file: this one counts (name order)
        "stranger.ipynb": solved,  # nobody on the roster
        f"vvictim_1013_100_{LESSON}.ipynb": solved,  # Vic's own file …
        f"zz_1013_999_{LESSON}.ipynb": wrong,  # … and one with his id, another login, a higher number
        f"sstamp/{LESSON}/{LESSON}.ipynb": solved,  # nbgrader's layout, its timestamp.txt a link
    }.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / name)
    (root / "late-stamp.txt").write_text("2031-01-01 00:00:00 UTC")
    (folder / "sstamp" / LESSON / "timestamp.txt").symlink_to(root / "late-stamp.txt")
    (folder / "mmoss.ipynb").symlink_to(folder / "bob@uni.example.ipynb")
    (folder / "ttran.ipynb").symlink_to(SOLUTIONS_DIR / f"{LESSON}.ipynb")
    os.mkfifo(folder / "ppipe.ipynb")
    (folder / "ddir.ipynb").mkdir()
    (root / "roster.csv").write_text(ROSTER)
    command = [GRADER, str(folder), "--lesson", LESSON, "--roster", "roster.csv", "--jobs", "2",
               "--time-limit", "60", "--feedback", "feedback", "--report", "report", "--canvas", "canvas.csv"]
    run = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=900)
    return root, run


def _rows(path: Path) -> dict[str, dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


def test_every_student_is_found_and_scored_as_their_own_file_deserves(graded):
    root, run = graded
    assert run.returncode == 0, run.stderr[-3000:]
    rows = _rows(root / "attnlab-grades" / f"{LESSON}.csv")
    full = {s: rows[s]["total"] for s in ("1001", "1002", "1003", "1004", "1006", "1009", "stranger")}
    assert set(full.values()) == {"1"}, {s: rows[s]["notes"] for s in full}
    assert rows["1005"]["total"] == "0"  # Zoé's own (wrong) work, not Zoë's
    for sid in ("1007", "1008", "1011", "1012"):  # a link to Bob's, to the solutions, a pipe, a folder
        assert (rows[sid]["status"], rows[sid]["total"]) == ("refused", "0"), rows[sid]
    assert rows["1010"]["status"] == "missing"
    assert set(rows) == {f"10{i:02d}" for i in range(1, 15)} | {"stranger"}
    # a file with Vic's id and another login, numbered higher, does not replace his: said on his row
    assert (rows["1013"]["status"], rows["1013"]["total"]) == ("graded", "1"), rows["1013"]
    assert "another login ('zz'" in rows["1013"]["notes"]
    # a timestamp.txt that is a link is not followed: no handed-in time from it, and the row says so
    assert (rows["1014"]["total"], rows["1014"]["submitted_at"]) == ("1", ""), rows["1014"]
    assert "symbolic link" in rows["1014"]["notes"]


def test_each_problem_is_a_warning_on_the_terminal_and_in_the_report(graded):
    root, run = graded
    warned = [line for line in run.stderr.splitlines() if line.startswith("attnlab-grade: warning: ")]
    text = "\n".join(warned)
    assert "credited to neither" in text and f"mmoss_1006_900_{LESSON}.ipynb" in text
    assert "1009: 2 files" in text and "stranger.ipynb: no student on the roster fits it" in text
    assert "1010 (Gina Green): no file handed in" in text
    assert f"zz_1013_999_{LESSON}.ipynb: carries 1013's id but the login 'zz'" in text
    assert "ttran.ipynb (1008): refused" in text and "ppipe.ipynb (1011): refused" in text
    report = (root / "report" / LESSON / "index.html").read_text()
    for line in ("credited to neither", "1009: 2 files", "no file handed in", "refused"):
        assert line in report


def test_every_rostered_student_gets_a_page_and_a_missing_one_only_what_to_hand_in(graded):
    root, _ = graded
    pages = {p.stem: p.read_text() for p in (root / "feedback" / LESSON).glob("*.html")}
    assert len(pages) == 15  # fourteen on the roster, and the stranger
    gina = pages["1010"]
    assert "Gina Green" in gina and "Nothing handed in yet" in gina and "dot()" in gina
    assert "graded" not in gina.lower() and str(root) not in gina and "0 / 1" not in gina
    trudy, mallory = pages["1008"], pages["1007"]
    solution_line = "np.asarray(u) * np.asarray(v)"
    assert solution_line not in trudy and "symbolic link" in trudy  # the solutions never shown
    assert "def dot" not in mallory  # Bob's code is not Mallory's evidence
    assert "1 / 1" in pages["1003"] and "Иван Петров" in pages["1003"]
