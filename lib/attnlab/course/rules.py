"""The rules a lesson is graded with, kept in its gradebook so that a regrade keeps them.

A lesson's first grading stores its rules — the deadline, the late penalty, each student's
extension, partial credit — in the gradebook (table ``rules``). Every later run of the same lesson
into the same gradebook (``--student frank``, ``--resume``, the whole class again) starts from the
stored rules; an option given on the command line replaces that one rule (``--late-penalty none``
and ``--deadline none`` remove it), and the run says which rules it kept.

The penalty is never stored per row: every output (the lesson's CSV, ``all-lessons.csv``, the LMS
files, feedback pages, the report) computes a row's points off from its handed-in time and the
lesson's rules as they are now (:func:`lateness`), so no two files can disagree and a changed rule
reaches every row at once.

Extensions: a roster column ``extension`` or ``--extensions FILE`` (a CSV ``student,extension``).
An extension is a time added to the deadline (``2d``, ``36h``, ``90m``, ``3 days``) or a deadline of
the student's own (``2026-12-06 23:59``). A Canvas ``_LATE_`` file has no time, only Canvas's own
mark (which already knows Canvas's per-student due dates): it stays late.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from pathlib import Path

from attnlab.course import late

_SCHEMA = "CREATE TABLE IF NOT EXISTS rules (lesson TEXT PRIMARY KEY, rules TEXT NOT NULL, csv TEXT)"
NONE = "none"
SPAN = re.compile(r"^\s*(?P<n>\d+(\.\d+)?)\s*(?P<unit>d|days?|h|hours?|m|min|minutes?)\s*$", re.I)
UNIT_S = {"d": 86400.0, "h": 3600.0, "m": 60.0}


@dataclass
class Rules:
    """How one lesson is graded: what ``attnlab-grade`` was told (or read from nbgrader)."""

    deadline: str = ""  # ISO time in UTC, "" for none
    late_penalty: str = ""  # as given ("10%/day"), "" for none
    extensions: dict[str, str] = field(default_factory=dict)  # student -> "2d" or their own deadline
    partial: bool = False

    @property
    def penalty(self) -> late.Penalty | None:
        return late.Penalty.parse(self.late_penalty)

    def deadline_for(self, student: str) -> datetime | None:
        """The student's deadline: the lesson's, moved by their extension (``ValueError`` if it
        cannot be read)."""
        base = late.parse_time(self.deadline) if self.deadline else None
        extension = self.extensions.get(student, "").strip()
        if not extension:
            return base
        span = SPAN.match(extension)
        if span is None:
            return late.parse_time(extension)  # a deadline of their own
        if base is None:
            return None
        return base + timedelta(seconds=float(span["n"]) * UNIT_S[span["unit"][0].lower()])

    def check(self) -> None:
        """``ValueError`` naming the first rule that cannot be read."""
        self.penalty  # noqa: B018 — parses it
        for student in self.extensions:
            try:
                self.deadline_for(student)
            except ValueError as exc:
                raise ValueError(f"the extension of {student!r} ({self.extensions[student]!r}) is neither a "
                                 f"time to add (2d, 36h) nor a deadline: {exc}") from None

    def describe(self) -> str:
        parts = [f"deadline {self.deadline}" if self.deadline else "no deadline",
                 f"late penalty {self.late_penalty}" if self.late_penalty else "no late penalty"]
        if self.extensions:
            parts.append(f"{len(self.extensions)} extension(s)")
        if self.partial:
            parts.append("partial credit")
        return ", ".join(parts)


def stored(con: sqlite3.Connection, lesson: str) -> Rules | None:
    """The rules ``lesson`` was last graded with in this gradebook, if any."""
    if not con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='rules'").fetchone():
        return None
    row = con.execute("SELECT rules FROM rules WHERE lesson = ?", (lesson,)).fetchone()
    if row is None:
        return None
    known = {f.name for f in fields(Rules)}
    return Rules(**{k: v for k, v in json.loads(row[0]).items() if k in known})


def store(con: sqlite3.Connection, lesson: str, rules: Rules, csv_path: Path | None = None) -> None:
    con.execute(_SCHEMA)
    con.execute("INSERT OR REPLACE INTO rules VALUES (?, ?, ?)",
                (lesson, json.dumps(asdict(rules), sort_keys=True),
                 str(Path(csv_path).resolve()) if csv_path else None))


def csv_owner(con: sqlite3.Connection, csv_path: Path) -> str | None:
    """The lesson whose CSV ``csv_path`` is in this gradebook, if any."""
    con.execute(_SCHEMA)
    row = con.execute("SELECT lesson FROM rules WHERE csv = ?", (str(Path(csv_path).resolve()),)).fetchone()
    return row[0] if row else None


def read_extensions(path: Path | None, column: str = "extension") -> dict[str, str]:
    """Student -> extension, from a CSV with ``id`` (or ``student``) and ``extension`` columns; a
    roster without that column gives none."""
    if path is None:
        return {}
    text = Path(path).read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    if not lines or "," not in lines[0]:
        return {}
    found = {}
    for row in csv.DictReader(lines):
        sid = (row.get("id") or row.get("student") or "").strip()
        value = (row.get(column) or "").strip()
        if sid and value:
            found[sid] = value
    return found


def _given(text: str | None) -> str | None:
    """An option as given: ``None`` when not given, ``""`` for ``none``."""
    if text is None:
        return None
    return "" if text.strip().lower() == NONE else text.strip()


def resolve(before: Rules | None, args, nbgrader_deadline: datetime | None,
            roster_path: Path | None = None) -> tuple[Rules, list[str]]:
    """This run's rules: the stored ones, each replaced by the option given for it; and what to
    say about the rules kept from the stored ones."""
    rules = Rules(**asdict(before)) if before else Rules()
    kept = []
    deadline = _given(getattr(args, "deadline", None))
    if deadline is not None:
        rules.deadline = late.parse_time(deadline).isoformat() if deadline else ""
    elif before is None and nbgrader_deadline is not None:
        rules.deadline = nbgrader_deadline.isoformat()
    elif before is not None and before.deadline:
        kept.append(f"deadline {before.deadline}")
    penalty = _given(getattr(args, "late_penalty", None))
    if penalty is not None:
        late.Penalty.parse(penalty)  # ValueError for a rule that cannot be read
        rules.late_penalty = penalty
    elif before is not None and before.late_penalty:
        kept.append(f"late penalty {before.late_penalty}")
    given = {**read_extensions(roster_path), **read_extensions(getattr(args, "extensions", None))}
    if given:
        rules.extensions = {**rules.extensions, **given}
    elif before is not None and before.extensions:
        kept.append(f"{len(before.extensions)} extension(s)")
    partial = getattr(args, "partial", None)
    if partial is not None:
        rules.partial = bool(partial)
    elif before is not None and before.partial:
        kept.append("partial credit")
    rules.check()
    return rules, kept


@dataclass(frozen=True)
class Lateness:
    """One row's lateness under the lesson's rules."""

    late_s: float = 0.0
    points_off: float = 0.0


def lateness(rules: Rules | None, student: str, submitted_at: str, late_by_lms: bool,
             max_points: float, earned: float) -> Lateness:
    """How late a row is and the points off, from its handed-in time and the rules."""
    if rules is None:
        return Lateness()
    try:
        deadline = rules.deadline_for(student)
        when = late.parse_time(submitted_at) if submitted_at else None
    except ValueError:
        return Lateness()
    rule = rules.penalty
    if when is not None and deadline is not None:
        late_s = max(0.0, (when - deadline).total_seconds())
    elif late_by_lms:  # Canvas says late, not by how much: one period of the rule
        late_s = late.PERIOD_S[rule.per] if rule and rule.per else 1.0
    else:
        late_s = 0.0
    return Lateness(late_s, rule.points_off(late_s, max_points, earned) if rule else 0.0)
