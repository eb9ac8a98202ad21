"""The gradebook: every row stored the moment its submission is graded, so nothing is lost.

Rows live in SQLite (Python's standard library; one transaction per row) beside the CSV, e.g.
``grades.sqlite`` for ``grades.csv``; the CSV is rewritten from it after every row (written to a
temporary file, then renamed: a reader never sees half a CSV). A grader killed mid-batch keeps
every finished row, and ``attnlab-grade --resume`` grades only the rest — and any student whose
file changed since (rows remember the file's SHA-256).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path

from attnlab.course import safecsv, written
from attnlab.course.submission import UNSCORED, Exercise, Grade, capped

_SCHEMA = """CREATE TABLE IF NOT EXISTS rows (
    lesson TEXT NOT NULL, student TEXT NOT NULL, digest TEXT NOT NULL, status TEXT NOT NULL,
    scores TEXT NOT NULL, notes TEXT NOT NULL, seconds REAL, peak_mb REAL, graded_at TEXT,
    diagnoses TEXT, answers TEXT, PRIMARY KEY (lesson, student))"""
_COLUMNS = ("lesson", "student", "digest", "status", "scores", "notes", "seconds", "peak_mb", "graded_at",
            "diagnoses", "answers")


def digest(path: Path) -> str:
    """The SHA-256 of a submitted file ("" if there is none)."""
    if not path.is_file():
        return ""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class Gradebook:
    """One lesson's rows in ``<out>.sqlite``, exported to the CSV ``out`` after each row."""

    def __init__(self, out: Path, lesson: str, exercises: list[Exercise], resume: bool = False,
                 db_path: Path | None = None, missing_as_zero: bool = False):
        self.out, self.lesson, self.exercises = Path(out), lesson, exercises
        self.missing_as_zero = missing_as_zero
        self.db_path = Path(db_path) if db_path else self.out.with_suffix(".sqlite")  # one for all lessons
        self._lock = threading.RLock()  # one writer at a time: rows and CSV stay in step
        self._db = sqlite3.connect(self.db_path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        have = {r[1] for r in self._db.execute("PRAGMA table_info(rows)")}
        for column in ("diagnoses", "answers"):  # a gradebook from before the column
            if column not in have:
                self._db.execute(f"ALTER TABLE rows ADD COLUMN {column} TEXT")
        if not resume:
            self._db.execute("DELETE FROM rows WHERE lesson = ?", (lesson,))
        self.export()

    def finished(self) -> dict[str, str]:
        """Student -> the digest of the file their finished row graded (rows without a score excluded)."""
        with self._lock:
            found = self._db.execute("SELECT student, digest, status FROM rows WHERE lesson = ?",
                                     (self.lesson,)).fetchall()
        found = [(s, d) for s, d, status in found if status not in UNSCORED]
        return dict(found)

    def add(self, row: Grade, file_digest: str) -> None:
        """Store one row (committed before this returns), then rewrite the CSV."""
        values = (self.lesson, row.student, file_digest, row.status, json.dumps(row.scores),
                  json.dumps(capped(row.notes)), row.seconds, row.peak_mb, time.strftime("%Y-%m-%dT%H:%M:%S"),
                  json.dumps(getattr(row, "diagnoses", {})), json.dumps(getattr(row, "answers", {})))
        with self._lock:
            self._db.execute(f"INSERT OR REPLACE INTO rows ({', '.join(_COLUMNS)}) "
                             f"VALUES ({', '.join('?' * len(_COLUMNS))})", values)
            self.export()

    def rows(self) -> list[Grade]:
        with self._lock:
            found = self._db.execute(
                "SELECT student, status, scores, notes, seconds, peak_mb FROM rows WHERE lesson = ? "
                "ORDER BY student", (self.lesson,)).fetchall()
        return [Grade(s, status, json.loads(scores), json.loads(notes), seconds or 0.0, peak)
                for s, status, scores, notes, seconds, peak in found]

    def export(self) -> None:
        """Write the CSV from the stored rows (with each row's lateness under the lesson's rules),
        atomically."""
        from attnlab.course.classbook import ClassBook  # it reads this module's table

        with self._lock:
            temporary = self.out.with_name(f".{self.out.name}.{os.getpid()}.tmp")
            records = ClassBook(self._db).records(self.lesson)
            write_csv(records, self.exercises, temporary, self.missing_as_zero)
            os.replace(temporary, self.out)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def write_csv(records, exs: list[Exercise], out: Path, missing_as_zero: bool = False) -> None:
    """One row per student: status, a score per exercise and per written question (blank: not yet
    graded by hand), the points earned, how late and the points off, the total after them, maximum,
    seconds, the sandbox's peak memory in MB, notes. Missing work is blank, as in the LMS files
    (0 with ``missing_as_zero``); a row the grader could not grade is always blank."""
    lesson = records[0].lesson if records else ""
    questions = written.of_lesson(lesson) if lesson else []
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = safecsv.writer(f)
        writer.writerow(["student", "name", "status", *[ex.grade_id for ex in exs],
                         *[q.id for q in questions], "earned", "submitted_at", "late_hours", "points_off",
                         "total", "max", "seconds", "peak_mb", "notes"])
        for r in records:
            scores = [float(r.scores.get(ex.grade_id, 0.0)) for ex in exs]
            none = r.status in UNSCORED or (r.status == "missing" and not missing_as_zero)  # no score, not 0
            shown = ["" if none else f"{s:g}" for s in scores]
            by_hand = ["" if none or r.mark(q) is None else f"{r.mark(q):g}" for q in questions]
            earned, total = ("", "") if none else (f"{r.earned:g}", f"{r.total:g}")
            writer.writerow([r.student, r.name, r.status, *shown, *by_hand, earned, r.submitted_at,
                             f"{r.late_s / 3600:.1f}" if r.late_s else "",
                             f"{r.points_off:g}" if r.points_off else "", total,
                             f"{sum(ex.points for ex in exs) + sum(q.points for q in questions):g}",
                             f"{r.seconds:.1f}", "" if r.peak_mb is None else f"{r.peak_mb:.0f}",
                             " | ".join([*r.notes, *r.by_hand_notes()])])
        f.flush()
        os.fsync(f.fileno())
