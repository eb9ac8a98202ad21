"""Late submissions: when each was handed in, the deadline, and the penalty rule.

The deadline is ``--deadline`` ("2026-12-01 23:59", an ISO time; no zone means UTC), else the
``duedate`` of the lesson in nbgrader's gradebook (``gradebook.db`` in the course folder, i.e. the
parent of ``submitted/``, as set by ``nbgrader db assignment add 03_softmax --duedate=…``).

A submission's time is nbgrader's ``timestamp.txt`` beside it (written by ``nbgrader submit`` and
kept by ``collect``). Files with no timestamp (LMS downloads, e-mail) are on time — except that a
Canvas download named ``…_LATE_…`` is late by one period of the rule (Canvas records that it was
late, not by how much).

The rule (``--late-penalty``): nothing (late rows are only marked), ``P%`` (P per cent of the
lesson's points off once, ``100%``: no credit), or ``P%/day`` / ``P%/hour`` (P per cent off for
every started day or hour, never below 0). E.g. ``10%/day`` on a 3-point lesson handed in 26 hours
late: 2 started days, 0.6 points off.
"""

from __future__ import annotations

import errno
import math
import os
import re
import sqlite3
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dateutil import parser as dateparser

RULE = re.compile(r"^\s*(?P<pct>\d+(\.\d+)?)\s*%\s*(/\s*(?P<per>day|hour))?\s*$")
PERIOD_S = {"day": 86400.0, "hour": 3600.0, None: math.inf}


def parse_time(text: str) -> datetime:
    """A time as nbgrader writes it ("2026-12-01 10:00:00.123456 UTC") or ISO; naive means UTC."""
    text = text.strip()
    if text.endswith(" UTC"):
        text = text[:-4]
    try:
        when = dateparser.parse(text)
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError) as exc:  # e.g. 0001-01-01 +05:00: before the first UTC time
        raise ValueError(f"cannot read the time {text[:80]!r}: {exc}") from None


@dataclass(frozen=True)
class Penalty:
    """A late-penalty rule: ``pct`` per cent of the points off per ``per`` (None: once)."""

    pct: float
    per: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> Penalty | None:
        if not text:
            return None
        m = RULE.match(text)
        if not m or float(m["pct"]) > 100:
            raise ValueError(f"--late-penalty {text!r}: give P% (once), P%/day or P%/hour, P at most 100")
        return cls(float(m["pct"]), m["per"])

    def points_off(self, late_s: float, max_points: float, earned: float) -> float:
        """Points off for a submission ``late_s`` seconds late (0 if on time), at most ``earned``."""
        if late_s <= 0:
            return 0.0
        periods = 1 if self.per is None else math.ceil(late_s / PERIOD_S[self.per])
        return round(min(earned, max_points * self.pct / 100 * periods), 6)


def nbgrader_duedate(submissions: Path, lesson: str) -> datetime | None:
    """The lesson's ``duedate`` from nbgrader's gradebook beside ``submitted/``, if it has one."""
    db = Path(submissions).resolve().parent / "gradebook.db"
    if not db.is_file():
        return None
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
            row = con.execute("SELECT duedate FROM assignment WHERE name = ?", (lesson,)).fetchone()
    except sqlite3.Error:
        return None
    return parse_time(str(row[0])) if row and row[0] else None


def submitted_at(path: Path) -> datetime | None:
    """When nbgrader recorded this submission (its ``timestamp.txt``), else ``None``; ``ValueError``
    if the file says something no clock can read (the grader notes it on that student's row)."""
    stamp = Path(path).parent / "timestamp.txt"
    try:  # never through a link, never a pipe or a device, never more than 200 bytes of it
        fd = os.open(stamp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise ValueError("its timestamp.txt is a symbolic link, which is not followed") from None
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise ValueError("its timestamp.txt is not a regular file")
        text = f.read(200).decode("utf-8", errors="replace")
    return parse_time(text)


def lateness(path: Path, deadline: datetime | None, late_by_lms: bool,
             rule: Penalty | None) -> tuple[str, float]:
    """(when it was submitted, ISO or "", seconds late — 0 if on time)."""
    when = submitted_at(path)
    shown = when.isoformat(timespec="seconds") if when else ""
    if when is not None and deadline is not None:
        return shown, max(0.0, (when - deadline).total_seconds())
    if late_by_lms:  # Canvas says late, not by how much: one period of the rule
        return shown, PERIOD_S[rule.per] if rule and rule.per else 1.0
    return shown, 0.0
