"""What a class needs around the scores: ``attnlab-grade``'s options beyond grading itself.

    attnlab-grade submitted/ --lesson 03_softmax --roster roster.csv --deadline "2026-12-01 23:59" \\
        --late-penalty 10%/day --feedback feedback/ --report report/ --canvas canvas.csv

The gradebook (:mod:`attnlab.course.gradebook`) keeps the scores; beside its rows this module
keeps, per lesson and student, what a regrade request needs (table ``submissions`` in the same
SQLite file): the file graded and its SHA-256, the course version, when it was handed in, how late
and the points off, and the evidence — a copy of the file exactly as graded and the notebook with
the grader's verdict in each check cell (``evidence/<lesson>/<student>.graded.ipynb``).

By default everything goes into ``attnlab-grades/`` of the current folder: ``<lesson>.csv`` per
lesson, one ``gradebook.sqlite`` for every lesson, and ``all-lessons.csv`` (a column per lesson and
per exercise) — never nbgrader's own ``grades.csv``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import attnlab.checks.verdict as verdict
from attnlab.course import intake, late, roster, rules, wire
from attnlab.paths import ROOT

DEFAULT_DIR = Path("attnlab-grades")
_SCHEMA = """CREATE TABLE IF NOT EXISTS submissions (
    lesson TEXT NOT NULL, student TEXT NOT NULL, name TEXT, file TEXT, sha256 TEXT,
    course_version TEXT, submitted_at TEXT, late_s REAL, points_off REAL, graded_at TEXT,
    late_by_lms INTEGER, PRIMARY KEY (lesson, student))"""
_COLUMNS = 11
_WARNINGS = "CREATE TABLE IF NOT EXISTS warnings (lesson TEXT NOT NULL, text TEXT NOT NULL)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The class options of ``attnlab-grade`` (docs/instructors.md)."""
    add = parser.add_argument
    add("--student", help="regrade only this student, into the existing gradebook")
    add("--partial", action=argparse.BooleanOptionalAction, default=None,
        help="score each exercise by its share of passed cases (default: all or nothing, or what the "
        "lesson was graded with before)")
    add("--deadline", help='e.g. "2026-12-01 23:59" (UTC unless a zone is given), "none" for no deadline; '
        "default: what the lesson was graded with before, else nbgrader's duedate for the lesson, if its "
        "gradebook.db is beside submitted/")
    add("--late-penalty", help="P%% (once), P%%/day or P%%/hour off a late submission's points, or none; "
        "default: what the lesson was graded with before, else late rows are only marked")
    add("--extensions", type=Path, help="CSV with columns student (or id) and extension: a time added "
        "to the deadline (2d, 36h) or the student's own deadline; the roster may have the column too")
    add("--feedback", type=Path, help="write one HTML page per student into this folder")
    add("--report", type=Path, help="write the class report (HTML, histogram PNG, CSV) into this folder")
    add("--canvas", type=Path, help="write a CSV for Canvas's gradebook import (every graded lesson)")
    add("--moodle", type=Path, help="write a CSV for Moodle's grade import (every graded lesson)")
    add("--blackboard", type=Path, help="write a CSV for Blackboard's Grade Center upload "
        "(every graded lesson)")
    add("--gradescope", type=Path, help="write this lesson's scores as a CSV for Gradescope")
    add("--assignment-ids", type=Path, help="CSV lesson,canvas,blackboard: each lesson's assignment id on "
        "the platform, so the import fills that assignment instead of making a new one")
    add("--missing-as-zero", action="store_true",
        help="LMS files and gradebook CSVs: 0 for missing work (default: blank, which leaves a grade "
        "entered by hand)")
    add("--regrade", metavar="QUESTION=POINTS", help="with --student: a regrade request for one written "
        "answer — its new points (kept with the old and --reason, shown on the feedback page)")
    add("--reason", default="", help="why --regrade changes the points")


CLASS_FILES = ("all-lessons.csv", "gradebook.sqlite")


def resolve_out(out: Path | None, lesson: str) -> tuple[Path, Path]:
    """(the lesson's CSV, the SQLite gradebook). Default: ``attnlab-grades/<lesson>.csv`` and one
    ``attnlab-grades/gradebook.sqlite`` for all lessons; ``--out DIR/X.csv`` keeps every lesson
    graded into DIR in one ``DIR/gradebook.sqlite`` the same way (and ``DIR/all-lessons.csv``
    beside it), so no lesson's file replaces another's. ``ValueError`` for a name the class's
    own files use."""
    if out is None:
        return DEFAULT_DIR / f"{lesson}.csv", DEFAULT_DIR / "gradebook.sqlite"
    if out.name in CLASS_FILES or out.suffix.lower() != ".csv":
        raise ValueError(f"--out {out}: give a .csv file for this lesson's rows (not "
                         f"{' or '.join(CLASS_FILES)}, which hold every lesson graded into that folder)")
    return out, out.parent / "gradebook.sqlite"


def course_version() -> str:
    """The package version and, in a git checkout, the commit (``+dirty`` if files changed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("attnlab")
    except PackageNotFoundError:
        found = "unknown"
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty=+dirty"],
                              capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        head = ""
    return f"{found} ({head})" if head else found


@dataclass
class Class:
    """One run of ``attnlab-grade`` on a lesson: who submitted what, and where things go."""

    lesson: object  # attnlab.course.submission.Lesson
    args: argparse.Namespace
    db_path: Path
    found: dict[str, intake.Found] = field(default_factory=dict)
    students: dict[str, roster.Student] = field(default_factory=dict)
    policy: rules.Rules = field(default_factory=rules.Rules)  # the rules this run grades with
    version: str = ""
    staged: dict[str, Path] = field(default_factory=dict)  # student -> the grader's own copy of the file
    warnings: list[str] = field(default_factory=list)
    entries: dict = field(default_factory=dict)  # (student, question) -> points graded by hand (manual)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.db_path, check_same_thread=False, isolation_level=None)
        self._db.execute(_SCHEMA)
        self._db.execute(_WARNINGS)
        have = {r[1] for r in self._db.execute("PRAGMA table_info(submissions)")}
        if "late_by_lms" not in have:  # a gradebook from before the column
            self._db.execute("ALTER TABLE submissions ADD COLUMN late_by_lms INTEGER")

    @classmethod
    def start(cls, args, lesson, db_path: Path, say=print) -> Class:
        """Read the roster and the submissions folder; ``ValueError`` for a bad option."""
        db_path.parent.mkdir(parents=True, exist_ok=True)
        from attnlab.course.submission import MAX_BYTES

        students = roster.read_roster(args.roster)
        found = intake.find(args.submissions, lesson.name, students)
        everyone = set(found.found)
        if args.student:
            wanted = [s for s in found.found if roster.key(s) == roster.key(args.student)]
            if not wanted:
                raise ValueError(f"--student {args.student!r}: no such student in {args.submissions}")
            found.found = {wanted[0]: found.found[wanted[0]]}
        staged = found.stage(max_bytes=MAX_BYTES)
        klass = cls(lesson, args, db_path, found.found, students, version=course_version(), staged=staged,
                    warnings=found.warnings)
        from attnlab.course import lms

        lms.read_assignment_ids(getattr(args, "assignment_ids", None))  # ValueError now, not after grading
        klass.policy = klass.keep_rules(args, say)
        lesson.partial = klass.policy.partial
        klass.by_hand(set(found.found) | everyone | set(students), say)
        return klass

    def by_hand(self, students: set[str], say=print) -> None:
        """Read the graders' form of the lesson (``ValueError`` naming a row it cannot take), apply
        a regrade request, and keep the entries in the gradebook."""
        from attnlab.course import manual

        form = manual.form_path(self.db_path, self.lesson.name)
        self.entries = manual.read_form(form, self.lesson.name, students | self._graded())
        request = getattr(self.args, "regrade", None)
        if request:
            if not self.args.student:
                raise ValueError("--regrade needs --student: whose answer is regraded")
            student = next(iter(self.found))
            with self._lock:
                old, new = manual.regrade(self._db, form, self.lesson.name, student, request,
                                          getattr(self.args, "reason", ""), self.entries)
            say(f"{self.lesson.name}: {student}'s {request.partition('=')[0]} regraded: "
                f"{old or 'not yet graded'} -> {new or 'not yet graded'}")
        with self._lock:
            manual.store(self._db, self.lesson.name, self.entries)

    def _graded(self) -> set[str]:
        with self._lock:
            have = self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'rows'").fetchone()
            if not have:
                return set()
            return {r[0] for r in self._db.execute("SELECT student FROM rows WHERE lesson = ?",
                                                   (self.lesson.name,))}

    def warn(self, say) -> None:
        """Say every warning of the intake (and keep them for the report)."""
        with self._lock:
            self._db.execute("DELETE FROM warnings WHERE lesson = ?", (self.lesson.name,))
            self._db.executemany("INSERT INTO warnings VALUES (?, ?)",
                                 [(self.lesson.name, w) for w in self.warnings])
        for w in self.warnings:
            say(f"attnlab-grade: warning: {w}")

    def keep_rules(self, args, say=print) -> rules.Rules:
        """This run's rules (those stored for the lesson, each replaced by an option given), stored
        for the next run; ``ValueError`` if ``--out`` names another lesson's CSV."""
        out = getattr(args, "out", None)
        owner = rules.csv_owner(self._db, out) if out else None
        if owner and owner != self.lesson.name:
            raise ValueError(f"--out {out} is {owner}'s gradebook CSV; give {self.lesson.name} a file "
                             "of its own")
        before = rules.stored(self._db, self.lesson.name)
        nbgrader = None if before else late.nbgrader_duedate(args.submissions, self.lesson.name)
        now, kept = rules.resolve(before, args, nbgrader, args.roster)
        if kept:
            say(f"{self.lesson.name}: kept from its last grading: {', '.join(kept)} (give the option, "
                "or 'none', to change it)")
        rules.store(self._db, self.lesson.name, now, out)
        return now

    @property
    def submissions(self) -> dict[str, Path]:
        """Student -> the grader's own copy of their file (which does not exist for a student
        with no file, or whose file was refused)."""
        return {sid: self.staged[sid] for sid in self.found}

    @property
    def missing(self) -> dict[str, str]:
        """Student -> the file they should have handed in (as a note names it), for those with none."""
        return {sid: intake.shown(one.path) for sid, one in self.found.items()
                if not one.refused and not self.staged[sid].exists()}

    @property
    def refused(self) -> dict[str, str]:
        """Student -> why their file is not graded (a link, a folder, a special file)."""
        return {sid: one.refused for sid, one in self.found.items() if one.refused}

    @property
    def evidence_dir(self) -> Path:
        return self.db_path.parent / "evidence" / self.lesson.name

    def record(self, row, path: Path, file_digest: str) -> None:
        """Before a row is stored: the penalty and the submission's record."""
        one = self.found.get(row.student, intake.Found(row.student, path))
        row.notes += [n for n in one.notes if n not in row.notes]
        try:  # (a refused file's folder is not read at all)
            stamp = None if one.refused else late.submitted_at(one.path)
            when = stamp.isoformat(timespec="seconds") if stamp else ""
        except (ValueError, OverflowError) as exc:  # a timestamp no clock can hold: on time, and said
            when = ""
            row.notes.append(f"its handed-in time could not be read ({str(exc)[:120]}): taken as on time")
        now = rules.lateness(self.policy, row.student, when, one.late_by_lms, self.lesson.max_points,
                             sum(row.scores.values()))  # as at grading; every output recomputes it
        values = (self.lesson.name, row.student, one.name, roster.printable(str(one.path)), file_digest,
                  self.version, when, now.late_s, now.points_off, time.strftime("%Y-%m-%dT%H:%M:%S"),
                  int(one.late_by_lms))
        with self._lock:
            self._db.execute(f"INSERT OR REPLACE INTO submissions VALUES ({', '.join('?' * _COLUMNS)})",
                             values)

    def keep(self, row, path: Path, graded_copy: bool = True) -> None:
        """The submission's evidence (run where it was judged: :mod:`attnlab.course.apart`)."""
        keep_evidence(self.evidence_dir, row, path, self.lesson, graded_copy)

    def close(self) -> None:
        self._db.close()

    def finish(self, say=print) -> None:
        """Write everything asked for, from the gradebook as it now is."""
        from attnlab.course import feedback, lms, report
        from attnlab.course.classbook import ClassBook

        book = ClassBook.open(self.db_path)
        try:
            out = self.db_path.parent / "all-lessons.csv"
            book.write_csv(out, getattr(self.args, "missing_as_zero", False))
            say(f"wrote {out} (every lesson in {self.db_path.name})")
            self.write_form(book, say)
            if self.args.feedback:
                pages = feedback.write_pages(book, self.lesson, self.args.feedback, self.evidence_dir)
                say(f"wrote {len(pages)} feedback page(s) into {self.args.feedback}")
            if self.args.report:
                from attnlab.course import similar_section

                folder = Path(self.args.report) / self.lesson.name
                folder.mkdir(parents=True, exist_ok=True)
                similar, said = similar_section.for_report(book, self.lesson.name, self.evidence_dir, folder)
                for line in said:
                    say(f"attnlab-grade: look at: {line}")
                report.write_report(book, self.lesson, self.args.report, feedback=self.args.feedback,
                                    similar=similar)
                say(f"wrote the class report into {self.args.report}")
            lms.write_all(book, self.lesson.name, self.args, say)
        finally:
            book.close()

    def write_form(self, book, say=print) -> None:
        """The graders' form and rubric page of a lesson with written questions (what was entered kept)."""
        from attnlab.course import manual, written

        if not written.of_lesson(self.lesson.name):
            return
        form = manual.form_path(self.db_path, self.lesson.name)
        records = [r for r in book.records(self.lesson.name) if r.status not in ("missing", "refused")]
        manual.write_form(form, self.lesson.name, {r.student: r.answers for r in records}, self.entries)
        con = sqlite3.connect(self.db_path)  # (the run's own connection is closed by now)
        try:
            manual.write_regrades(con, form.parent, self.lesson.name)
        finally:
            con.close()
        waiting = sum(1 for r in records for q in written.of_lesson(self.lesson.name) if r.mark(q) is None)
        say(f"wrote {form} (written answers: {waiting} to grade by hand; the rubric: "
            f"{form.with_name(self.lesson.name + '-rubric.md')})")


def evidence_of(folder: Path, student: str) -> Path:
    """A student's own evidence folder (``<student>/submitted.ipynb``, ``graded.ipynb``): no two
    students' files can share a name, whatever their ids are."""
    return folder / roster.file_name(student)


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    found = nbg.get("grade_id") if isinstance(nbg, dict) else None
    return found if isinstance(found, str) else None


def keep_evidence(folder: Path, row, path: Path, lesson, graded_copy: bool = True) -> None:
    """The submitted file exactly as graded, and (``graded_copy``) a copy with the verdict in each
    check cell."""
    mine = evidence_of(folder, row.student)
    mine.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, mine / "submitted.ipynb")
    if not graded_copy:
        return
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError, OSError, RecursionError, MemoryError):
        return  # an invalid notebook: the copy is the evidence
    if not isinstance(nb, dict) or not isinstance(cells, list):
        return
    lines = {note.split(": ", 1)[0]: note.split(": ", 1)[1] for note in row.notes if ": " in note}
    checks = {ex.check_id: ex for ex in lesson.exercises}
    for cell in cells:
        ex = checks.get(_grade_id(cell))
        if ex is None:
            continue
        points = row.scores.get(ex.grade_id, 0.0)
        text = lines.get(ex.grade_id, verdict.OK + "all cases pass" if points else "no verdict")
        cell["outputs"] = [{"output_type": "stream", "name": "stdout",
                            "text": f"attnlab-grade: {points:g}/{ex.points:g} — {text}\n"}]
    messages = getattr(row, "evidence", None)
    if not isinstance(nb.get("metadata"), dict):
        nb["metadata"] = {}
    if messages:
        nb["metadata"]["attnlab_grade"] = {"messages": json.loads(wire.dumps(messages))}
    temporary = mine / f".graded.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as f:  # written piece by piece: no second copy in memory
        json.dump(nb, f, ensure_ascii=False, indent=1)
    os.replace(temporary, mine / "graded.ipynb")


def read_csv_rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
