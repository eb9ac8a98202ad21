"""Points graded by hand: the form a grader fills in, read back into the gradebook, and regrades.

``attnlab-grade`` cannot grade words. For a lesson with written questions (:mod:`attnlab.course.
written`) it writes, beside the gradebook, ``manual/<lesson>.csv`` — one row per student and
question: ``student, question, points, comment`` for the grader, then ``max``, ``answered``,
``like_study_guide`` (how much of the study guide's answer it repeats) and the ``answer`` itself
— and ``manual/<lesson>-rubric.md``, the questions with their rubric and model answer. Every run
of the lesson first reads the form back (:func:`read_form`): entered points join the autograded
ones in every output; a blank is "not yet graded" — never 0 and never a score; an answer left as
the stub is "not answered" and earns 0 without a grader. Rewriting the form keeps what was
entered and adds rows for students graded since.

A form the grader cannot have meant is refused before anything is graded, in one line naming its
row: an unknown student or question, a row given twice, points that are not a number, below 0 or
above the question's points.

A regrade request (``--student S --regrade QUESTION=POINTS --reason "…"``) changes that one row
of the form, and keeps the old points, the new, the reason and the time (table ``regrades``) for
the feedback page and ``manual/<lesson>-regrades.csv``.
"""

from __future__ import annotations

import csv
import math
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from attnlab.course import roster, safecsv, written

HEAD = ["student", "question", "points", "comment", "max", "answered", "like_study_guide", "answer"]
_SCHEMA = ("CREATE TABLE IF NOT EXISTS manual (lesson TEXT NOT NULL, student TEXT NOT NULL, "
           "question TEXT NOT NULL, points REAL, comment TEXT, PRIMARY KEY (lesson, student, question))")
_REGRADES = ("CREATE TABLE IF NOT EXISTS regrades (lesson TEXT NOT NULL, student TEXT NOT NULL, "
             "question TEXT NOT NULL, old TEXT, new TEXT, reason TEXT, at TEXT)")


@dataclass
class Entry:
    """What a grader entered for one student's answer (``points`` None: not yet graded)."""

    points: float | None
    comment: str = ""


def form_path(db_path: Path, lesson: str) -> Path:
    return Path(db_path).parent / "manual" / f"{lesson}.csv"


def _points(text: str, q: written.Question, where: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{where}: points {text!r} is not a number (give 0 … {q.points:g}, or leave it "
                         "blank: not yet graded)")
    if value < 0 or value > q.points:
        raise ValueError(f"{where}: points {text} is outside 0 … {q.points:g}, the points of {q.id}")
    return value


def read_form(path: Path, lesson: str, students) -> dict[tuple[str, str], Entry]:
    """The form's entries, (student, question) -> :class:`Entry`; ``ValueError`` naming the row of
    anything it cannot have meant. ``students``: the ids the lesson knows (roster, submissions,
    gradebook); a row's student is matched as names are (case, spaces)."""
    if not path.is_file():
        return {}
    questions = {q.id: q for q in written.of_lesson(lesson)}
    known = {roster.key(s): s for s in students}
    with open(path, newline="", encoding="utf-8-sig") as f:  # (a spreadsheet may add a BOM)
        rows = list(csv.DictReader(f))
        fields = set(rows[0]) if rows else set()
    missing = {"student", "question", "points"} - fields
    if rows and missing:
        raise ValueError(f"{path}: no column {', '.join(sorted(missing))} "
                         f"(the form's columns: {', '.join(HEAD)})")
    found: dict[tuple[str, str], Entry] = {}
    where_of: dict[tuple[str, str], int] = {}
    for n, row in enumerate(rows, 2):  # row 1 is the header, as a spreadsheet numbers them
        where = f"{path} row {n}"
        student, qid = (row.get("student") or "").strip(), (row.get("question") or "").strip()
        if not student and not qid and not (row.get("points") or "").strip():
            continue  # an empty line
        if roster.key(student) not in known:
            raise ValueError(f"{where}: no student {student!r} in {lesson} (the roster and the submissions "
                             "name every student)")
        if qid not in questions:
            raise ValueError(f"{where}: {lesson} has no written question {qid!r} "
                             f"(its questions: {', '.join(questions) or 'none'})")
        sid = known[roster.key(student)]
        if (sid, qid) in found:
            raise ValueError(f"{where}: {sid}'s {qid} is given twice (row {where_of[(sid, qid)]} too): "
                             "keep one")
        found[(sid, qid)] = Entry(_points(row.get("points") or "", questions[qid], where),
                                  (row.get("comment") or "").strip())
        where_of[(sid, qid)] = n
    return found


def store(con: sqlite3.Connection, lesson: str, entries: dict[tuple[str, str], Entry]) -> None:
    """The lesson's entries in the gradebook (replacing those stored before)."""
    con.execute(_SCHEMA)
    con.execute(_REGRADES)
    con.execute("DELETE FROM manual WHERE lesson = ?", (lesson,))
    con.executemany("INSERT INTO manual VALUES (?, ?, ?, ?, ?)",
                    [(lesson, s, q, e.points, e.comment) for (s, q), e in entries.items()])


def _has(con: sqlite3.Connection, table: str) -> bool:
    return bool(con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone())


def stored(con: sqlite3.Connection, lesson: str) -> dict[tuple[str, str], Entry]:
    if not _has(con, "manual"):
        return {}
    return {(s, q): Entry(p, c or "") for s, q, p, c in
            con.execute("SELECT student, question, points, comment FROM manual WHERE lesson = ?", (lesson,))}


def regrades(con: sqlite3.Connection, lesson: str) -> dict[str, list[tuple[str, str, str, str, str]]]:
    """Student -> their regrades of the lesson: (question, old, new, reason, at), oldest first."""
    if not _has(con, "regrades"):
        return {}
    found: dict[str, list] = {}
    for s, *rest in con.execute("SELECT student, question, old, new, reason, at FROM regrades "
                                "WHERE lesson = ? ORDER BY rowid", (lesson,)):
        found.setdefault(s, []).append(tuple(rest))
    return found


def _text(points: float | None) -> str:
    return "" if points is None else f"{points:g}"


def write_form(path: Path, lesson: str, answers: dict[str, dict[str, str]],
               entries: dict[tuple[str, str], Entry]) -> None:
    """The form: a row per student (``answers``: student -> question -> their text) and question,
    with what was entered kept; written to a temporary file, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", newline="", encoding="utf-8") as f:
        writer = safecsv.writer(f)
        writer.writerow(HEAD)
        for student in sorted(answers):
            for q in written.of_lesson(lesson):
                text = answers[student].get(q.id, "")
                entry = entries.get((student, q.id), Entry(None))
                like = f"{written.like_the_guide(text, q):.0%}" if text else ""
                writer.writerow([student, q.id, _text(entry.points), entry.comment, f"{q.points:g}",
                                 "yes" if text else "no", like, text])
    os.replace(temporary, path)
    (path.parent / f"{lesson}-rubric.md").write_text(written.rubric_markdown(lesson) + "\n", encoding="utf-8")


def regrade(con: sqlite3.Connection, path: Path, lesson: str, student: str, request: str, reason: str,
            entries: dict[tuple[str, str], Entry]) -> tuple[str, str]:
    """One regrade request (``request`` is ``QUESTION=POINTS``): the form's row changed, the change
    kept with its reason; (old, new) points as text. ``ValueError`` for a request it cannot apply."""
    qid, sep, value = request.partition("=")
    questions = {q.id: q for q in written.of_lesson(lesson)}
    if not sep or qid.strip() not in questions:
        raise ValueError(f"--regrade {request!r}: give QUESTION=POINTS, QUESTION one of "
                         f"{', '.join(questions) or 'none'} ({lesson}'s written questions)")
    if not reason.strip():
        raise ValueError("--regrade: say why with --reason (the student's feedback page shows it)")
    q = questions[qid.strip()]
    new = _points(value, q, f"--regrade {request}")
    old = entries.get((student, q.id), Entry(None))
    entries[(student, q.id)] = Entry(new, old.comment)
    con.execute(_REGRADES)
    con.execute("INSERT INTO regrades VALUES (?, ?, ?, ?, ?, ?, ?)",
                (lesson, student, q.id, _text(old.points), _text(new), reason.strip(),
                 time.strftime("%Y-%m-%dT%H:%M:%S")))
    _set_in_form(path, student, q.id, _text(new))
    return _text(old.points), _text(new)


def _set_in_form(path: Path, student: str, qid: str, points: str) -> None:
    """The form with one row's points changed (a row added if it has none); every other cell as it was."""
    rows: list[dict] = []
    fields = list(HEAD)
    if path.is_file():
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            fields = list(reader.fieldnames or HEAD)
            rows = list(reader)
    mine = [r for r in rows
            if roster.key(r.get("student") or "") == roster.key(student) and r.get("question") == qid]
    if mine:
        mine[0]["points"] = points
    else:
        rows.append({"student": student, "question": qid, "points": points})
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", newline="", encoding="utf-8") as f:
        writer = safecsv.writer(f)
        writer.writerow(fields)
        for r in rows:
            writer.writerow([r.get(k, "") for k in fields])
    os.replace(temporary, path)


def write_regrades(con: sqlite3.Connection, folder: Path, lesson: str) -> Path | None:
    """``manual/<lesson>-regrades.csv``: every regrade of the lesson (none: no file)."""
    found = regrades(con, lesson)
    if not found:
        return None
    out = folder / f"{lesson}-regrades.csv"
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = safecsv.writer(f)
        writer.writerow(["student", "question", "old", "new", "reason", "at"])
        for student, changes in sorted(found.items()):
            for change in changes:
                writer.writerow([student, *change])
    return out
