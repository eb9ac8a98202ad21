"""docs/instructors.md runs as written: every ```bash block, in order, in one shell.

The shell starts in a fresh copy of the repository (its tracked files as they are on disk, no
``.venv``), as a reader does after cloning, with ``HOME`` a temporary folder: the course folder,
the local nbgrader exchange, the learners' folders and ``~/.jupyter`` all live there, so nothing
outside it changes. The first block's ``make instructor`` runs for real — it makes the copy's own
``.venv`` from nothing with the machine's pip settings and download caches — and every command
after it uses that venv: the install a reader does is tested, once per run. Then the files the
docs promise are checked.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from attnlab.paths import ROOT

pytestmark = pytest.mark.slow
DOC = ROOT / "docs" / "instructors.md"
BLOCK = re.compile(r"^(?P<indent>[ \t]*)```bash\n(?P<body>.*?)^(?P=indent)```$", re.M | re.S)


def blocks(text: str) -> list[str]:
    """Every ```bash block of a Markdown text, dedented (blocks inside list items too)."""
    found = []
    for m in BLOCK.finditer(text):
        indent = len(m["indent"])
        found.append("".join(line[indent:] if line.strip() else line
                             for line in m["body"].splitlines(keepends=True)))
    return found


def script(text: str) -> str:
    parts = ["set -euo pipefail"]
    for i, block in enumerate(blocks(text), 1):
        parts.append(f'echo "=== docs/instructors.md, block {i}, $SECONDS s" >&2\n{block}')
    return "\n".join(parts) + "\n"


def test_the_blocks_are_found_and_none_is_left_out():
    text = DOC.read_text()
    found = blocks(text)
    assert len(found) >= 10
    assert text.count("```bash") == len(found)  # an unparsed block would go untested
    assert all("SUBMISSIONS_DIR" not in b for b in found)  # no placeholders in what readers copy


def fresh_copy(dest: Path) -> Path:
    """The repository's tracked files as they are on disk, into ``dest`` (no venv, caches or builds)."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.split(b"\0")):
        src, target = ROOT / os.fsdecode(name), dest / os.fsdecode(name)
        if src.is_symlink() or src.is_file():  # a file deleted in the work tree stays deleted
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target, follow_symlinks=False)
    return dest


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    return fresh_copy(tmp_path_factory.mktemp("checkout"))


@pytest.fixture(scope="module")
def ran(tmp_path_factory, checkout):
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JUPYTER_", "VIRTUAL_ENV", "NBGRADER", "PYTHONPATH"))}
    outer = str(ROOT / ".venv")  # this run's venv is not the reader's: off PATH
    env.update(HOME=str(home), PYDEVD_DISABLE_FILE_VALIDATION="1",
               PATH=os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if not p.startswith(outer)))
    # The machine's download caches stay the reader's own (a new HOME would empty them): make instructor
    # still installs every package into the copy's new venv, without fetching again what was fetched.
    caches = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    env.setdefault("UV_CACHE_DIR", str(caches / "uv"))
    env.setdefault("PIP_CACHE_DIR", str(caches / "pip"))
    start = time.perf_counter()
    run = subprocess.run(["bash", "-c", script(DOC.read_text())], cwd=checkout, env=env,
                         capture_output=True, text=True, timeout=1800)
    seconds = time.perf_counter() - start
    marks = [(int(m[1]), int(m[2])) for m in re.finditer(r"^=== docs/instructors\.md, block (\d+), (\d+) s$",
                                                         run.stderr, re.M)]
    ends = [*marks[1:], (0, round(seconds))]
    took = [f"{i}: {b - a} s" for (i, a), (_, b) in zip(marks, ends, strict=True)]
    print(f"docs/instructors.md ran in {seconds:.0f} s (block by block: {', '.join(took)})")
    assert run.returncode == 0, (run.stderr[-6000:], run.stdout[-3000:])
    return home / "attention-course", run.stdout + run.stderr, seconds


def test_make_instructor_made_the_venv_every_command_used(ran, checkout):
    _, log, _ = ran
    venv = checkout / ".venv"
    installed = re.search(r"pip install --quiet -e '\.\[([a-z,]+)\]'", log)  # really ran
    assert installed and "instructor" in installed[1].split(","), log[:3000]
    assert "test" not in installed[1].split(",")  # the instructor tools, no test suite
    assert (venv / ".installed-instructor").is_file() and (venv / "bin" / "attnlab-grade").is_file()
    assert not (venv / ".installed-test").exists()  # the instructor extra alone, no test suite
    assert "claims to be submitted by bob but is owned by" in log  # collect's words, as the docs quote them


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_local_exchange_is_the_course_folders_own(ran):
    course, log, _ = ran
    assert (course / "exchange" / "attention-2026" / "outbound" / "03_softmax").is_dir()
    assert not Path("/usr/local/share/nbgrader/exchange/attention-2026").exists()
    for learner in ("alice", "bob", "carol"):
        assert (course / "submitted" / learner / "03_softmax" / "timestamp.txt").is_file()


def test_nbgrader_grades_exports_per_exercise_and_feeds_back(ran):
    course, _, _ = ran
    rows = {r["student_id"]: r for r in _rows(course / "grades-nbgrader.csv")}
    assert rows["alice"]["score"] == "3.0" and rows["bob"]["score"] == "0.0"
    assert rows["alice"]["03_softmax:check_stable_softmax"] == "1.0"
    assert rows["alice"]["03_softmax:softmax_in_words"] == ""  # answered, waiting for the formgrader
    assert rows["bob"]["03_softmax:softmax_in_words"] == "0.0"  # left as handed out: "No response."
    page = (course / "feedback" / "bob" / "03_softmax" / "03_softmax.html").read_text()
    assert '">stable_softmax</a>' in page and ">Test cell<" not in page and "pre-wrap" in page
    fetched = course.parent / "learners" / "alice" / "03_softmax" / "feedback"
    assert len(list(fetched.glob("*/03_softmax.html"))) == 3  # one account, three learners' submissions


def test_attnlab_grade_writes_the_class_outputs(ran):
    course, _, _ = ran
    book = {r["student"]: r for r in _rows(course / "attnlab-grades" / "03_softmax.csv")}
    assert book["alice"]["total"] == "3" and book["bob"]["total"] == "0"
    assert book["erin"]["status"] == "missing"
    assert "no file erin/03_softmax/03_softmax.ipynb" in book["erin"]["notes"]
    everyone = {r["student"]: r for r in _rows(course / "attnlab-grades" / "all-lessons.csv")}
    carol = everyone["carol"]  # 3 + her written answer's 2 (regraded from 1), less 10 % of 5 for a day
    assert (carol["03_softmax"], carol["03_softmax:points_off"], carol["03_softmax:softmax_in_words"]) == (
        "4.5", "0.5", "2")
    assert everyone["alice"]["03_softmax:softmax_in_words"] == "0" and everyone["erin"]["03_softmax"] == ""
    assert (course / "feedback-attnlab" / "03_softmax" / "carol.html").is_file()
    assert (course / "report" / "03_softmax" / "histogram.png").is_file()
    with open(course / "canvas.csv", newline="", encoding="utf-8") as f:
        canvas = list(csv.reader(f))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert ["Chen, Carol", "", "S003", "cchen", "B", "4.5"] in canvas  # "carol" is no Canvas user id
    regrades = _rows(course / "attnlab-grades" / "manual" / "03_softmax-regrades.csv")
    assert [(r["student"], r["old"], r["new"]) for r in regrades] == [("carol", "1", "2")]
    page = (course / "feedback-attnlab" / "03_softmax" / "carol.html").read_text()
    assert "Regraded" in page and "her last sentence says larger scores get more weight" in page
    assert not (course / "grades.csv").exists() or (course / "grades.csv").stat().st_size  # never ours


def test_lms_names_map_to_the_roster(ran):
    course, log, _ = ran
    rows = {r["student"]: r for r in _rows(course / "lms" / "03_softmax.csv")}
    assert rows["alice"]["total"] == "3" and rows["bob"]["total"] == "0"
    assert "alice,Alice Adams,graded,1,1,1,,3" in log  # (the written answer's column: not yet graded)


def test_learners_lose_the_formgrader_and_its_server_extension(ran):
    course, log, _ = ran
    home = course.parent
    server = json.loads((home / ".jupyter" / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is False
    assert re.search(r"server_extensions\.formgrader\W+\[31mdisabled", log)  # the user's config wins
    lab = json.loads((home / ".jupyter" / "labconfig" / "page_config.json").read_text())
    assert lab["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
