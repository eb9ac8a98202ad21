"""A held-out class's term through ``attnlab-grade`` (issue 25's "Done when"): 9 students over
lessons 03 and 04, downloaded from Canvas, Teams, Moodle and an nbgrader exchange into one folder per
lesson, graded into one gradebook under a late rule of 10 % a day, with feedback pages, the class
report and every LMS file.

The students' code is tests/term_class.py's, written by hand:

=====  ==========================================================  =====================================
who    handed in                                                   what the test expects
=====  ==========================================================  =====================================
ana    Canvas names; in 04 a first try, then a LATE resubmission   all right; 04 one day late (Canvas)
ben    Teams names (``Ben Brown - 03_softmax.ipynb``)              all right
chloe  Moodle's folders (``Chloe Chen_4243_assignsubmission_…``)   catalogued slips, named in the report
dev    nbgrader folders, 26 h after the deadline                   eli's files byte for byte; a 2-day
                                                                   extension: on time
eli    nbgrader folders, 26 h after the deadline in 03             all right; 2 started days late
fay    ``fay.ipynb`` / ``Fay Fox - 04_masking.ipynb``, stubs        nothing attempted
gus    nothing                                                     missing: blank in every LMS file
hana   ``hana_03_softmax.ipynb`` / ``hana.ipynb``                   ben's code renamed: flagged
ivan   Canvas LATE in 03, ``ivan.ipynb`` in 04                      03 pastes the course's softmax
=====  ==========================================================  =====================================

Every expected number is computed here from that table and the course's exercise declarations
(points, names), every mistake's name from the checks' catalogues: nothing is typed from a run.
"""

from __future__ import annotations

import csv
import html
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from term_class import HONEST, OWN, PASTE, RENAMED_B, SLIPS, notebook
from test_catalogues import CATALOGUES

from attnlab.checks.exercises import of_lesson
from attnlab.course import lms, sandbox, written

pytestmark = pytest.mark.slow
LESSONS = ("03_softmax", "04_masking")
DEADLINE = {"03_softmax": "2026-11-20 23:59", "04_masking": "2026-11-27 23:59"}
LATE_PER_DAY = 0.10  # --late-penalty 10%/day
IDS = {"03_softmax": ("4567", "_1234_1"), "04_masking": ("4568", "_1235_1")}  # Canvas, Blackboard
ROSTER = [  # id, name, login, canvas_id, extension
    ("ana", "Ana Adams", "adamsana", "1001", ""), ("ben", "Ben Brown", "bbrown", "1002", ""),
    ("chloe", "Chloe Chen", "cchen", "1003", ""), ("dev", "Dev Das", "ddas", "1004", "2d"),
    ("eli", "Eli Evans", "eevans", "1005", ""), ("fay", "Fay Fox", "ffox", "1006", ""),
    ("gus", "Gus Green", "ggreen", "1007", ""), ("hana", "Hana Hill", "hhill", "1008", ""),
    ("ivan", "Ivan Petrov", "petrovivan", "1009", ""),
]
BODIES = {"ana": HONEST["a"], "ben": HONEST["b"], "eli": HONEST["c"], "dev": HONEST["c"], "hana": RENAMED_B,
          "chloe": {**OWN["chloe"], **SLIPS}, "fay": {}}
IVAN = {"03_softmax": {"stable_softmax": PASTE}, "04_masking": OWN["ivan"]}
# (student, file in the lesson's download folder, hours after the deadline in nbgrader's timestamp.txt)
FILES = {
    "03_softmax": [("ana", "adamsana_1001_5001_03_softmax.ipynb", None),
                   ("ben", "Ben Brown - 03_softmax.ipynb", None),
                   ("chloe", "Chloe Chen_4243_assignsubmission_file_/03_softmax.ipynb", None),
                   ("eli", "eli/03_softmax/03_softmax.ipynb", 26),
                   ("dev", "dev/03_softmax/03_softmax.ipynb", 26),
                   ("fay", "fay.ipynb", None), ("hana", "hana_03_softmax.ipynb", None),
                   ("ivan", "petrovivan_LATE_1009_5009_03_softmax.ipynb", None)],
    "04_masking": [("ana", "adamsana_LATE_1001_5101_04_masking-1.ipynb", None),
                   ("ben", "Ben Brown - 04_masking.ipynb", None),
                   ("chloe", "Chloe Chen_4243_assignsubmission_file_/04_masking.ipynb", None),
                   ("eli", "eli/04_masking/04_masking.ipynb", -2),
                   ("dev", "dev/04_masking/04_masking.ipynb", -2),
                   ("fay", "Fay Fox - 04_masking.ipynb", None), ("hana", "hana.ipynb", None),
                   ("ivan", "ivan.ipynb", None)],
}
FIRST_TRY = "adamsana_1001_5100_04_masking.ipynb"  # ana's earlier Canvas submission (stubs): replaced
CANVAS_LATE = {("ivan", "03_softmax"), ("ana", "04_masking")}  # Canvas says late, not by how much: one day


def bodies(student: str, lesson: str) -> dict[str, str]:
    return IVAN[lesson] if student == "ivan" else BODIES.get(student, {})


def points(x: float) -> str:
    return f"{round(x, 2):g}"


def full(lesson: str) -> float:
    """The lesson's points: its exercises' and its written questions'."""
    return sum(ex.points for ex in of_lesson(lesson)) + sum(q.points for q in written.of_lesson(lesson))


def days_late(student: str, lesson: str) -> int:
    if (student, lesson) in CANVAS_LATE:
        return 1
    hours = next((h for s, _, h in FILES[lesson] if s == student), None)
    extension = {"dev": 48}.get(student, 0)  # the roster's 2d
    return -(-(hours - extension) // 24) if hours is not None and hours > extension else 0


def expected(student: str, lesson: str) -> tuple[str, str]:
    """(total after the penalty, points off) as every file should write them; ("", "") if missing."""
    if student == "gus":
        return "", ""
    mine = bodies(student, lesson)
    right = [ex for ex in of_lesson(lesson) if ex.name in mine and mine[ex.name] != SLIPS.get(ex.name)]
    earned = sum(ex.points for ex in right)
    off = min(earned, days_late(student, lesson) * LATE_PER_DAY * full(lesson))
    return points(earned - off), points(off) if off else ""


def _stamp(hours: float, lesson: str) -> str:
    from datetime import timedelta

    from attnlab.course.late import parse_time

    return f"{(parse_time(DEADLINE[lesson]) + timedelta(hours=hours)):%Y-%m-%d %H:%M:%S}.000000 UTC"


def _write_class(root: Path) -> None:
    lines = ["id,name,login,email,sis_user_id,sis_login_id,section,canvas_id,extension"]
    for i, (sid, name, login, canvas, extension) in enumerate(ROSTER, 1):
        section = "AB"[i % 2]
        lines.append(f"{sid},{name},{login},{sid}@uni.example,S{i:02d},{login},{section},{canvas},{extension}")
    (root / "roster.csv").write_text("\n".join(lines) + "\n")
    (root / "ids.csv").write_text("lesson,canvas,blackboard\n" +
                                  "".join(f"{x},{c},{b}\n" for x, (c, b) in IDS.items()))
    for lesson, files in FILES.items():
        folder = root / f"downloads-{lesson}"
        made: dict[str, bytes] = {}
        for student, name, hours in files:
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if student == "dev":  # the byte-identical copy
                path.write_bytes(made["eli"])
            else:
                nbformat.write(notebook(lesson, bodies(student, lesson)), path)
            made[student] = path.read_bytes()
            if hours is not None:
                (path.parent / "timestamp.txt").write_text(_stamp(hours, lesson))
        if lesson == "04_masking":
            nbformat.write(notebook(lesson, {}), folder / FIRST_TRY)


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    root = tmp_path_factory.mktemp("term")
    _write_class(root)
    logs = {}
    for lesson in LESSONS:
        command = [str(Path(sys.executable).parent / "attnlab-grade"), f"downloads-{lesson}",
                   "--lesson", lesson, "--roster", "roster.csv", "--deadline", DEADLINE[lesson],
                   "--late-penalty", "10%/day", "--jobs", "2", "--feedback", "feedback", "--report", "report",
                   "--assignment-ids", "ids.csv",
                   "--canvas", "canvas.csv", "--moodle", "moodle.csv", "--blackboard", "blackboard.csv",
                   "--gradescope", f"gradescope-{lesson}.csv"]
        if sandbox.bwrap() is None:
            command.append("--no-sandbox")
        run = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=900)
        assert run.returncode == 0, run.stdout + run.stderr
        logs[lesson] = run.stdout + run.stderr
    return root, logs


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _by(rows: list[dict], key: str) -> dict[str, dict]:
    return {r[key]: r for r in rows}


STUDENTS = [sid for sid, *_ in ROSTER]


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_output_shows_the_total_after_the_penalty(term, lesson):
    root, logs = term
    sis = {sid: f"S{i:02d}" for i, sid in enumerate(STUDENTS, 1)}
    canvas_id, blackboard_id = IDS[lesson]
    bb_column = f"{lesson} [Total Pts: {points(full(lesson))} Score] |{blackboard_id}"
    book = _by(_csv(root / "attnlab-grades" / f"{lesson}.csv"), "student")
    everyone = _by(_csv(root / "attnlab-grades" / "all-lessons.csv"), "student")
    canvas = _by(_csv(root / "canvas.csv")[1:], "SIS User ID")  # after the Points Possible row
    moodle = _by(_csv(root / "moodle.csv"), "Username")
    blackboard = _by(_csv(root / "blackboard.csv"), "Username")
    gradescope = _by(_csv(root / f"gradescope-{lesson}.csv"), "SID")
    progress = _by(_csv(root / "report" / "progress.csv"), "student")
    students = _by(_csv(root / "report" / lesson / "students.csv"), "student")
    assert set(book) == set(STUDENTS), logs[lesson]
    for sid, _, login, _, _ in ROSTER:
        total, off = expected(sid, lesson)
        shown = {
            "canvas": canvas[sis[sid]][f"{lesson} ({canvas_id})"],
            "moodle": moodle[login][lesson],
            "blackboard": blackboard[login][bb_column],
            "gradescope": gradescope[sis[sid]]["Total Score"],
            "progress": progress[sid][lesson],
            "students.csv": students[sid]["total"],
        }
        assert shown == dict.fromkeys(shown, total), (sid, total, logs[lesson])
        kept = {"gradebook": book[sid]["total"], "all-lessons": everyone[sid][lesson]}  # blank when missing
        assert kept == dict.fromkeys(kept, total), (sid, total)
        status = "missing" if sid == "gus" else "graded"
        assert book[sid]["status"] == everyone[sid][f"{lesson}:status"] == status
        assert (book[sid]["points_off"], everyone[sid][f"{lesson}:points_off"]) == (off, off), sid
        if sid == "gus":
            assert book[sid]["status"] == "missing" and gradescope[sis[sid]]["Status"] == "Missing"
        else:
            page = (root / "feedback" / lesson / f"{sid}.html").read_text()
            assert f"<b>{total} / {points(full(lesson))}</b>" in page, sid
            assert ("point(s) off" in page) == bool(off), sid
    grand = {sid: points(sum(float(expected(sid, x)[0] or 0) for x in LESSONS))
             for sid in STUDENTS if sid != "gus"}
    assert {sid: progress[sid]["total"] for sid in grand} == grand


def test_late_work_is_late_by_its_timestamp_its_extension_or_canvas(term):
    root, _ = term
    book = _by(_csv(root / "attnlab-grades" / "03_softmax.csv"), "student")
    assert float(book["eli"]["late_hours"]) == pytest.approx(26.0, abs=0.02)  # 26 h: two started days
    assert book["dev"]["points_off"] == "" and float(book["dev"]["late_hours"] or 0) == 0  # within 2d
    assert book["ivan"]["late_hours"] == "24.0"  # Canvas's _LATE_: one period of the rule
    gradescope = _by(_csv(root / "gradescope-03_softmax.csv"), "Email")
    assert gradescope["eli@uni.example"]["Lateness (H:M:S)"].startswith("26:00")
    assert gradescope["ben@uni.example"]["Lateness (H:M:S)"] == "0:00:00"


def test_the_lms_files_have_each_formats_columns(term):
    root, _ = term
    with open(root / "canvas.csv", newline="", encoding="utf-8") as f:
        canvas = list(csv.reader(f))
    assert canvas[0] == lms.CANVAS_HEAD + [f"{x} ({IDS[x][0]})" for x in LESSONS]
    assert canvas[1][0].strip() == "Points Possible" and canvas[1][5:] == [points(full(x)) for x in LESSONS]
    rows = {r[2]: r for r in canvas[2:]}
    assert len(rows) == len(ROSTER)
    for i, (_, name, login, canvas_id, _) in enumerate(ROSTER, 1):
        first, last = name.split()
        assert rows[f"S{i:02d}"][:4] == [f"{last}, {first}", canvas_id, f"S{i:02d}", login]
    with open(root / "moodle.csv", newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == lms.MOODLE_HEAD + list(LESSONS)
    with open(root / "blackboard.csv", newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == lms.BLACKBOARD_HEAD + [
            f"{x} [Total Pts: {points(full(x))} Score] |{IDS[x][1]}" for x in LESSONS]
    for lesson in LESSONS:
        with open(root / f"gradescope-{lesson}.csv", newline="", encoding="utf-8") as f:
            assert next(csv.reader(f)) == lms.GRADESCOPE_HEAD


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_report_names_the_mistakes_and_tells_not_attempted_from_wrong(term, lesson):
    root, _ = term
    report = _by(_csv(root / "report" / lesson / "exercises.csv"), "exercise")
    students = _by(_csv(root / "report" / lesson / "students.csv"), "student")
    handed_in = [sid for sid in STUDENTS if sid != "gus"]
    for ex in of_lesson(lesson):
        row = report[ex.name]
        skipped = [sid for sid in handed_in if ex.name not in bodies(sid, lesson)]
        assert row["not_attempted"] == str(len(skipped)), (ex.name, row)
        assert all(students[sid][ex.name] == "not attempted" for sid in skipped)
        counted = {f"not attempted ×{len(skipped)}"} if skipped else set()
        if ex.name in SLIPS:  # chloe's slip, by the name her check's catalogue gives it
            assert row["top_mistake"] in [m.name for m in CATALOGUES[ex.name][1]], row
            assert set(row["mistakes"].split("; ")) == counted | {f"{row['top_mistake']} ×1"}, row
            assert students["chloe"][ex.name] == row["top_mistake"]  # her mark names it too
            page = html.unescape((root / "feedback" / lesson / "chloe.html").read_text())
            assert row["top_mistake"] in page
        else:
            assert set(filter(None, row["mistakes"].split("; "))) == counted, row
            assert row["passed"] == str(len(handed_in) - len(skipped)), row
    page = (root / "report" / lesson / "index.html").read_text()
    assert '<a href="../../feedback/' + lesson + '/chloe.html">chloe</a>' in page


@pytest.mark.parametrize("lesson", LESSONS)
def test_similar_work_is_flagged_and_honest_work_is_not(term, lesson):
    root, logs = term
    similar = _csv(root / "report" / lesson / "similar.csv")
    kinds = {kind: {(r["student"], r["other"]) for r in similar
                    if r["kind"] == kind and r["flagged"] == "yes"}
             for kind in ("identical file", "similar code", "course source")}
    assert kinds["identical file"] == {("dev", "eli")}
    assert kinds["similar code"] == {("ben", "hana"), ("dev", "eli")}, similar
    pasted = {student for student, _ in kinds["course source"]}
    assert pasted == ({"ivan"} if lesson == "03_softmax" else set()), similar
    assert f"look at: {lesson}: identical files handed in by dev, eli" in logs[lesson]
    assert re.search(rf"look at: {lesson}: ben and hana: \d+% similar code", logs[lesson])


def test_two_canvas_files_of_one_student_keep_the_latest_and_say_so(term):
    root, logs = term
    log = logs["04_masking"]
    assert FIRST_TRY in log and "adamsana_LATE_1001_5101_04_masking-1.ipynb" in log
    ana = _by(_csv(root / "attnlab-grades" / "04_masking.csv"), "student")["ana"]
    assert ana["total"] == expected("ana", "04_masking")[0]


def test_the_feedback_pages_have_none_of_the_old_defects(term):
    root, _ = term
    for lesson in LESSONS:
        for page_path in (root / "feedback" / lesson).glob("*.html"):
            page = page_path.read_text()
            prose = re.sub(r"<(pre|svg)\b.*?</\1>", "", page, flags=re.S)
            assert "`" not in prose, page_path.name  # Markdown code spans became <code>
            assert str(root) not in page and "downloads-" not in page, page_path.name  # no path of ours
            assert 'name="viewport"' in page and not re.search(r"""(src|href)=["']https?://""", page)
        gus = (root / "feedback" / lesson / "gus.html").read_text()
        assert "Nothing handed in" in gus and f"{lesson}.ipynb" in gus and "graded" not in gus
        assert all(f"{ex.name}()" in gus for ex in of_lesson(lesson))  # what to hand in
