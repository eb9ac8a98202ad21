"""One gradebook across lessons, read back from ``gradebook.sqlite``.

:class:`ClassBook` joins the grader's rows (``rows``: scores, notes, status, the file's SHA-256,
when it was graded) with what :mod:`attnlab.course.classroom` keeps beside them (``submissions``:
the student's name, the file, the course version, when it was handed in, how late, points off).
Feedback pages, the class report and the Canvas export all read it; ``all-lessons.csv`` is its
spreadsheet form: one row per student, a column per lesson (points after any late penalty) and per
exercise (``03_softmax:stable_softmax``), then each lesson's record (late hours, points off,
SHA-256, course version, graded at).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat

import attnlab.checks.verdict as verdict
from attnlab.checks.diagnosis import Diagnosis
from attnlab.course import manual, rules, safecsv, written
from attnlab.course.submission import UNSCORED, Exercise, exercises
from attnlab.paths import SOLUTIONS_DIR


@dataclass
class Record:
    """One student's row for one lesson, with everything a regrade request needs."""

    lesson: str
    student: str
    status: str
    scores: dict[str, float]
    notes: list[str]
    seconds: float = 0.0
    sha256: str = ""
    graded_at: str = ""
    name: str = ""
    file: str = ""
    course_version: str = ""
    submitted_at: str = ""
    late_s: float = 0.0  # under the lesson's rules as they are now (attnlab.course.rules)
    points_off: float = 0.0
    late_by_lms: bool = False
    peak_mb: float | None = None
    extra: dict = field(default_factory=dict)
    diagnoses: dict[str, Diagnosis] = field(default_factory=dict)  # grade_id -> what its check found
    answers: dict[str, str] = field(default_factory=dict)  # written question -> the text ("": not answered)
    entries: dict[str, manual.Entry] = field(default_factory=dict)  # written question -> a grader's points
    regrades: list[tuple] = field(default_factory=list)  # (question, old, new, reason, at)

    def mark(self, q: written.Question) -> float | None:
        """A written answer's points: a grader's; 0 when not answered; ``None``: not yet graded."""
        entry = self.entries.get(q.id)
        if entry is not None and entry.points is not None:
            return entry.points
        return None if self.answers.get(q.id) else 0.0

    def by_hand_notes(self) -> list[str]:
        return [f"{q.id}: {written.TO_GRADE} by hand" for q in written.of_lesson(self.lesson)
                if self.mark(q) is None]

    @property
    def earned(self) -> float:
        """The autograded points and the points graded by hand so far."""
        marks = [self.mark(q) for q in written.of_lesson(self.lesson)]
        return sum(self.scores.values()) + sum(m for m in marks if m is not None)

    @property
    def total(self) -> float:
        """Points after the late penalty."""
        return max(0.0, self.earned - self.points_off)

    @property
    def late(self) -> bool:
        return self.late_s > 0

    def line(self, ex: Exercise) -> str:
        """The check's line for one exercise, as the grader noted it."""
        for note in self.notes:
            if note.startswith(f"{ex.grade_id}: "):
                return note.split(": ", 1)[1]
        if self.status == "missing":
            return "not submitted"
        points = self.scores.get(ex.grade_id, 0.0)
        if points >= ex.points:
            return verdict.OK + "all cases pass"
        return f"{points:g} of {ex.points:g} point(s)"

    def other_notes(self) -> list[str]:
        """Notes that belong to no single exercise (an error elsewhere, why it was not graded)."""
        ids = {f"{g}: " for g in self.scores}
        return [n for n in self.notes if not any(n.startswith(i) for i in ids)]


def _diagnoses(text: str | None) -> dict[str, Diagnosis]:
    try:
        stored = json.loads(text) if text else {}
    except ValueError:
        return {}
    found = {g: Diagnosis.from_dict(d) for g, d in stored.items()} if isinstance(stored, dict) else {}
    return {g: d for g, d in found.items() if d is not None}


def _answers(text: str | None) -> dict[str, str]:
    try:
        stored = json.loads(text) if text else {}
    except ValueError:
        return {}
    return {str(q): str(t) for q, t in stored.items()} if isinstance(stored, dict) else {}


def max_points(lesson: str) -> float:
    """The lesson's points: its exercises' and its written questions'."""
    by_hand = sum(q.points for q in written.of_lesson(lesson))
    return sum(ex.points for ex in lesson_exercises(lesson)) + by_hand


@cache
def lesson_exercises(lesson: str) -> tuple[Exercise, ...]:
    """A lesson's exercises, from its solution notebook (no checks recorded: quick)."""
    return tuple(exercises(nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4)))


class ClassBook:
    """Every lesson's rows in one SQLite gradebook (read-only)."""

    def __init__(self, con: sqlite3.Connection):
        self._db = con

    @classmethod
    def open(cls, db_path: Path) -> ClassBook:
        return cls(sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True))

    def close(self) -> None:
        self._db.close()

    def lessons(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT lesson FROM rows ORDER BY lesson")]

    def _has_submissions(self) -> bool:
        return bool(self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='submissions'").fetchone())

    def _columns(self, table: str) -> set[str]:
        return {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}

    def rules_of(self, lesson: str) -> rules.Rules | None:
        """The rules the lesson is graded with (``None``: graded before rules were kept)."""
        try:
            return rules.stored(self._db, lesson)
        except sqlite3.OperationalError:  # a read-only gradebook without the table
            return None

    def records(self, lesson: str) -> list[Record]:
        """Every row of ``lesson``, its lateness and points off under the lesson's rules now."""
        extras = {}
        if self._has_submissions():
            lms = "late_by_lms" if "late_by_lms" in self._columns("submissions") else "late_s > 0"
            for r in self._db.execute("SELECT student, name, file, course_version, submitted_at, late_s, "
                                      f"points_off, {lms} FROM submissions WHERE lesson = ?", (lesson,)):
                extras[r[0]] = dict(name=r[1] or "", file=r[2] or "", course_version=r[3] or "",
                                    submitted_at=r[4] or "", late_s=r[5] or 0.0, points_off=r[6] or 0.0,
                                    late_by_lms=bool(r[7]) and not r[4])
        have = self._columns("rows")
        kept = [c if c in have else "NULL" for c in ("diagnoses", "answers")]  # older books: none
        found = self._db.execute("SELECT student, status, scores, notes, seconds, digest, graded_at, "
                                 f"peak_mb, {', '.join(kept)} FROM rows WHERE lesson = ? ORDER BY student",
                                 (lesson,)).fetchall()
        entries, regrades = manual.stored(self._db, lesson), manual.regrades(self._db, lesson)
        records = [Record(lesson, s, status, json.loads(scores), json.loads(notes), seconds or 0.0,
                          digest or "", graded or "", **extras.get(s, {}), peak_mb=peak,
                          diagnoses=_diagnoses(found_diagnoses), answers=_answers(found_answers),
                          entries={q: e for (who, q), e in entries.items() if who == s},
                          regrades=regrades.get(s, []))
                   for s, status, scores, notes, seconds, digest, graded, peak, found_diagnoses, found_answers
                   in found]
        kept = self.rules_of(lesson)
        if kept is not None:  # else: as stored when graded (a gradebook from before rules were kept)
            top = max_points(lesson)
            for r in records:
                now = rules.lateness(kept, r.student, r.submitted_at, r.late_by_lms, top, r.earned)
                r.late_s, r.points_off = now.late_s, now.points_off
        return records

    def warnings(self, lesson: str) -> list[str]:
        """What the grader warned about when it read the lesson's submissions folder."""
        if not self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'warnings'").fetchone():
            return []
        return [r[0] for r in self._db.execute("SELECT text FROM warnings WHERE lesson = ?", (lesson,))]

    def students(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT student FROM rows ORDER BY student")]

    def write_csv(self, out: Path, missing_as_zero: bool = False) -> None:
        """``all-lessons.csv``: a row per student, a column per lesson, per exercise and per written
        question (blank: not yet graded by hand); missing work blank unless ``missing_as_zero``."""
        lessons = self.lessons()
        by = {lesson: {r.student: r for r in self.records(lesson)} for lesson in lessons}
        head = ["student", "name"]
        for lesson in lessons:
            head += [lesson, *[f"{lesson}:{ex.grade_id}" for ex in lesson_exercises(lesson)],
                     *[f"{lesson}:{q.id}" for q in written.of_lesson(lesson)]]
        for lesson in lessons:
            head += [f"{lesson}:{what}" for what in
                     ("status", "late_hours", "points_off", "sha256", "course_version", "graded_at")]
        with open(out, "w", newline="", encoding="utf-8") as f:
            writer = safecsv.writer(f)
            writer.writerow(head)
            for student in self.students():
                records = [by[lesson].get(student) for lesson in lessons]
                name = next((r.name for r in records if r and r.name), "")
                row = [student, name]
                for lesson, r in zip(lessons, records, strict=True):
                    exs = lesson_exercises(lesson)
                    none = r is None or r.status in UNSCORED or (r.status == "missing"
                                                                  and not missing_as_zero)
                    marks = [None if none else r.mark(q) for q in written.of_lesson(lesson)]
                    row += ["" if none else f"{r.total:g}",
                            *["" if none else f"{r.scores.get(ex.grade_id, 0.0):g}" for ex in exs],
                            *["" if m is None else f"{m:g}" for m in marks]]
                for r in records:
                    row += ["", "", "", "", "", ""] if r is None else [
                        r.status, f"{r.late_s / 3600:.1f}" if r.late else "",
                        f"{r.points_off:g}" if r.points_off else "", r.sha256, r.course_version, r.graded_at]
                writer.writerow(row)
