"""A small class through ``attnlab-grade`` in one run: gradebook, feedback pages, class report with
its histogram, Canvas CSV — on honest, wrong, late, reference-calling and LMS-named files.

The class (lesson 03_softmax, made at test time from its student copy):

==========================================================  =========================================
file                                                        who / what
==========================================================  =========================================
``alice.ipynb``                                             honest, every exercise right
``bob.ipynb``                                               ``stable_softmax`` wrong (returns None)
``carterdana_LATE_12345_9001_03_softmax.ipynb``             Canvas download, marked LATE, honest
``dave.ipynb``                                              every exercise a call of the course's
                                                            ``softmax`` (aliased, plus zero…)
``Erin Example - 03_softmax.ipynb``                         Teams/Classroom name, honest
``Frank Fisher_4242_assignsubmission_file_/03_softmax.ipynb``  Moodle's folder, ``attention_pattern`` wrong
(roster only) ``gina``                                      never handed in
==========================================================  =========================================
"""

from __future__ import annotations

import csv
import hashlib
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from submissions import STUB, answer, course_student_copy, grade_id

from attnlab.checks.exercises import of_lesson
from attnlab.checks.mistakes import right_answer
from attnlab.course import sandbox
from attnlab.course.classbook import max_points

LESSON = "03_softmax"
EXERCISES = [ex.name for ex in of_lesson(LESSON)]  # the course's table of exercises, never typed here
FULL = max_points(LESSON)  # the lesson's points: its exercises' and its written questions'
AUTO = sum(ex.points for ex in of_lesson(LESSON))  # every exercise right, the written answer not written


def points(x: float) -> str:
    """A total as the gradebook writes it: ``3``, ``2.7``."""
    return f"{round(x, 2):g}"
CHEAT = {  # the course's softmax, dressed up three ways
    "stable_softmax": "    return softmax(scores)",
    "softmax_with_temperature": "    s = softmax\n    return s(scores / temperature) + 0.0",
    "attention_pattern": "    return softmax(q @ k.T / math.sqrt(q.shape[-1])).copy()",
}
ROSTER = """id,name,sis_user_id,sis_login_id,section
alice,Alice Adams,S001,aadams,A
bob,Bob Brown,S002,bbrown,A
12345,Dana Carter,S003,dcarter,B
dave,Dave Davis,S004,ddavis,B
erin,Erin Example,S005,eexample,B
frank,Frank Fisher,S006,ffisher,A
gina,Gina Green,S007,ggreen,A
"""


def cheating(student: nbformat.NotebookNode) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(student)
    for cell in nb.cells:
        body = CHEAT.get(grade_id(cell))
        if body is not None:
            cell.source = STUB.sub(lambda m, body=body: body, cell.source)
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    folder = root / "downloads"
    folder.mkdir()
    student = course_student_copy(LESSON)
    files = {
        "alice.ipynb": answer(student, LESSON),
        "bob.ipynb": answer(student, LESSON, wrong=("stable_softmax",)),
        f"carterdana_LATE_12345_9001_{LESSON}.ipynb": answer(student, LESSON),
        "dave.ipynb": cheating(student),
        f"Erin Example - {LESSON}.ipynb": answer(student, LESSON),
        f"Frank Fisher_4242_assignsubmission_file_/{LESSON}.ipynb":
            answer(student, LESSON, wrong=("attention_pattern",)),
    }
    for name, nb in files.items():
        (folder / name).parent.mkdir(exist_ok=True)
        nbformat.write(nb, folder / name)
    (root / "roster.csv").write_text(ROSTER)
    command = [str(Path(sys.executable).parent / "attnlab-grade"), str(folder), "--lesson", LESSON,
               "--roster", "roster.csv", "--late-penalty", "10%/day", "--jobs", "2",
               "--feedback", "feedback", "--report", "report", "--canvas", "canvas.csv"]
    if sandbox.bwrap() is None:
        command.append("--no-sandbox")
    run = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return root, run.stdout + run.stderr


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_gradebook_maps_every_file_to_its_student_and_scores_it(graded):
    root, log = graded
    rows = {r["student"]: r for r in _csv(root / "attnlab-grades" / f"{LESSON}.csv")}
    assert set(rows) == {"alice", "bob", "12345", "dave", "erin", "frank", "gina"}, log
    assert rows["alice"]["total"] == rows["erin"]["total"] == rows["12345"]["earned"] == points(AUTO)
    assert rows["bob"]["stable_softmax"] == "0" and rows["bob"]["attention_pattern"] == "1"
    assert rows["frank"]["attention_pattern"] == "0" and rows["frank"]["total"] == points(AUTO - 1)
    assert rows["gina"]["status"] == "missing"
    dana = rows["12345"]  # late by Canvas's mark: one day, 10% of 3 points off — in this CSV too
    assert (dana["points_off"], dana["late_hours"]) == (points(FULL * 0.1), "24.0")
    assert dana["total"] == points(AUTO - FULL * 0.1)


def test_calling_the_courses_reference_scores_zero_with_a_note(graded):
    root, _ = graded
    dave = {r["student"]: r for r in _csv(root / "attnlab-grades" / f"{LESSON}.csv")}["dave"]
    assert dave["total"] == "0" and dave["status"] == "graded"
    for exercise in CHEAT:  # the course's softmax is not in lesson 03's grading build: nothing to call
        line = f"{exercise}: ❌ not yet · {exercise}: case 1 of "
        assert line in dave["notes"]
    assert "the course's softmax is not in 03_softmax's grading build" in dave["notes"]


def test_one_gradebook_records_file_hash_version_time_and_lateness(graded):
    root, _ = graded
    rows = {r["student"]: r for r in _csv(root / "attnlab-grades" / "all-lessons.csv")}
    dana = rows["12345"]
    assert dana["name"] == "Dana Carter" and dana[LESSON] == points(AUTO - FULL * 0.1)  # a day late: 10% off
    assert dana[f"{LESSON}:points_off"] == points(FULL * 0.1) and dana[f"{LESSON}:late_hours"] == "24.0"
    assert rows["alice"][f"{LESSON}:points_off"] == "" and rows["alice"][LESSON] == points(AUTO)
    assert re.fullmatch(r"[0-9a-f]{64}", rows["alice"][f"{LESSON}:sha256"])
    assert rows["alice"][f"{LESSON}:course_version"].startswith("0.1.0")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", rows["alice"][f"{LESSON}:graded_at"])
    assert {f"{LESSON}:stable_softmax", f"{LESSON}:attention_pattern"} <= set(rows["alice"])
    evidence = root / "attnlab-grades" / "evidence" / LESSON
    kept = nbformat.read(evidence / "bob" / "graded.ipynb", as_version=4)
    verdicts = [o["text"] for c in kept.cells if c.cell_type == "code" for o in c.get("outputs", [])
                if o.get("text", "").startswith("attnlab-grade:")]
    assert len(verdicts) == len(EXERCISES) and "0/1" in verdicts[0] and "1/1" in verdicts[2]
    kept_file = hashlib.sha256((evidence / "bob" / "submitted.ipynb").read_bytes()).hexdigest()
    assert kept_file == rows["bob"][f"{LESSON}:sha256"]


def test_each_student_gets_a_self_contained_feedback_page(graded):
    root, _ = graded
    pages = sorted((root / "feedback" / LESSON).glob("*.html"))
    assert len(pages) == 7
    bob = (root / "feedback" / LESSON / "bob.html").read_text()
    assert "Bob Brown" in bob and f"<b>{points(AUTO - 1)} / {points(FULL)}</b>" in bob
    for function in EXERCISES:
        assert f">{function}()</a>" in bob  # the contents name each exercise
    assert "got None" in bob and "Hint:" in bob  # the check's line, with its hint
    assert "def stable_softmax(scores):" in bob and "return None" in bob  # the learner's code
    assert "Look at next:" in bob and "Overflow" in bob  # the section to re-read
    assert "pre-wrap" in bob and "overflow-wrap: anywhere" in bob  # long lines wrap
    assert "the exercise asks:</p><p><strong>Exercise 1.</strong>" in bob  # its own words, no more
    assert not re.search(r"""(src|href)=["']https?://""", bob)  # no CDN, nothing fetched
    dana = (root / "feedback" / LESSON / "12345.html").read_text()
    assert "Late" in dana and f"{points(FULL * 0.1)} point(s) off" in dana
    dave = (root / "feedback" / LESSON / "dave.html").read_text()
    assert "the course&#x27;s softmax is not in 03_softmax&#x27;s grading build" in dave


def test_the_class_report_counts_passes_cases_and_mistakes_with_a_histogram(graded):
    root, log = graded
    assert "look at: 03_softmax: identical files handed in by 12345, alice, erin" in log
    report = root / "report" / LESSON
    assert (report / "histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = {r["exercise"]: r for r in _csv(report / "exercises.csv")}
    assert rows["stable_softmax"]["passed"] == "4" and rows["stable_softmax"]["graded"] == "6"
    assert rows["stable_softmax"]["most_failed_case"].startswith("case 1 (")
    assert rows["attention_pattern"]["passed"] == "4"
    # dave's calls of the course's softmax raise in the grading build; bob's None is no catalogued slip
    assert rows["softmax_with_temperature"]["mistakes"] == "raised RuntimeError ×1"
    assert rows["stable_softmax"]["mistakes"] == "another wrong answer ×1; raised RuntimeError ×1"
    assert rows["stable_softmax"]["not_attempted"] == "0" and rows["stable_softmax"]["top_mistake"] == ""
    page = (report / "index.html").read_text()
    assert "data:image/png;base64," in page and "1 missing, 1 late" in page
    assert '<a href="../../feedback/03_softmax/bob.html">bob</a>' in page  # each student's page linked
    students = {r["student"]: r for r in _csv(report / "students.csv")}
    assert students["bob"]["stable_softmax"] == "wrong at case 1" and students["gina"]["status"] == "missing"
    # alice, Dana and erin handed in the one file the test makes for an honest learner: flagged
    similar = _csv(report / "similar.csv")
    assert {(r["student"], r["other"]) for r in similar if r["kind"] == "identical file"} == {
        ("12345", "alice"), ("12345", "erin")}
    assert "byte-identical files" in page and "Similar work" in page
    progress = {r["student"]: r for r in _csv(root / "report" / "progress.csv")}
    assert progress["12345"][LESSON] == points(AUTO - FULL * 0.1)  # after the late penalty, as everywhere


def test_the_canvas_csv_has_canvas_columns_and_a_points_possible_row(graded):
    root, _ = graded
    with open(root / "canvas.csv", newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LESSON]
    assert table[1][0].strip() == "Points Possible" and table[1][-1] == points(FULL)
    by_id = {r[1]: r for r in table[2:]}
    assert by_id["12345"] == ["Carter, Dana", "12345", "S003", "dcarter", "B", points(AUTO - FULL * 0.1)]
    by_sis = {r[2]: r for r in table[2:]}
    assert by_sis["S007"][5] == "" and by_sis["S001"][5] == points(AUTO)  # missing: blank, hand grades stay
    assert by_sis["S001"][1] == ""  # "alice" is no Canvas user id: Canvas matches her by SIS id


def test_a_regrade_keeps_the_lessons_late_rule(graded):
    root, _ = graded
    command = [str(Path(sys.executable).parent / "attnlab-grade"), "downloads", "--lesson", LESSON,
               "--roster", "roster.csv", "--student", "12345", "--canvas", "canvas.csv"]
    if sandbox.bwrap() is None:
        command.append("--no-sandbox")
    run = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "kept from its last grading: late penalty 10%/day" in run.stdout
    lesson = {r["student"]: r for r in _csv(root / "attnlab-grades" / f"{LESSON}.csv")}
    everyone = {r["student"]: r for r in _csv(root / "attnlab-grades" / "all-lessons.csv")}
    canvas = {r["SIS User ID"]: r for r in _csv(root / "canvas.csv")}
    late = points(AUTO - FULL * 0.1)
    assert lesson["12345"]["total"] == everyone["12345"][LESSON] == canvas["S003"][LESSON] == late


def test_regrading_one_student_keeps_everyone_elses_row(graded, tmp_path):
    root, _ = graded
    db = root / "attnlab-grades" / "gradebook.sqlite"
    with sqlite3.connect(db) as con:
        before = dict(con.execute("SELECT student, graded_at FROM rows"))
    command = [str(Path(sys.executable).parent / "attnlab-grade"), "downloads", "--lesson", LESSON,
               "--roster", "roster.csv", "--student", "bob", "--partial"]
    if sandbox.bwrap() is None:
        command.append("--no-sandbox")
    run = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    with sqlite3.connect(db) as con:
        after = dict(con.execute("SELECT student, graded_at FROM rows"))
        bob = con.execute("SELECT scores FROM rows WHERE student = 'bob'").fetchone()[0]
    assert set(after) == set(before) and all(after[s] == before[s] for s in before if s != "bob")
    assert '"stable_softmax": 0.0' in bob  # None for every case: no share of the cases passed
    bad = subprocess.run([*command[:-1], "--student", "nobody"], cwd=root, capture_output=True, text=True)
    assert bad.returncode == 2 and "no such student" in bad.stderr


def test_partial_credit_is_the_share_of_passed_cases():
    from attnlab.checks.core import Outcome
    from attnlab.checks.softmax import check_stable_softmax
    from attnlab.course import replay as rp
    from attnlab.course.partial import share

    spec = rp.record(check_stable_softmax)
    right = [Outcome("value", right_answer(c.expected)) for c in spec.cases]
    half = len(spec.cases) // 2
    answers = rp.Answers("callable", own=tuple(right[:half] + [Outcome("value", None)] * half))
    assert share(spec, answers) == pytest.approx(half / len(spec.cases))
    assert share(spec, rp.Answers("callable", own=tuple(right[:2]))) == pytest.approx(2 / len(spec.cases))
    assert share(spec, rp.Answers("callable", own=tuple(right), course_answers=("softmax",))) == 0.0


def test_the_default_gradebook_never_overwrites_nbgraders_grades_csv():
    from attnlab.course.classroom import resolve_out

    out, db = resolve_out(None, LESSON)
    assert out.name == f"{LESSON}.csv" and out.parent.name == "attnlab-grades"
    assert db.name == "gradebook.sqlite"
    assert "grades.csv" not in str(out)
