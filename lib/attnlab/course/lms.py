"""Grade files a learning platform imports: Canvas, Moodle, Blackboard, Gradescope.

Every file is written from the one gradebook (:class:`~attnlab.course.classbook.ClassBook`), points
after the late penalty, and follows the platform's own import rules (tests/test_lms.py reads each
file back with those rules):

- **Canvas** (*Grades → Import*): the columns of Canvas's gradebook export — ``Student`` ("Last,
  First"), ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section`` — a ``Points Possible`` row, then a
  column per lesson. Canvas reads ``ID`` as its numeric user id, so ``ID`` holds only a number (the
  roster's ``canvas_id``, or an ``id`` made of digits, as in Canvas's download names); otherwise it is
  blank and Canvas matches the row by ``SIS User ID``/``SIS Login ID``, then by name. A lesson column
  is named ``03_softmax (4567)`` when its Canvas assignment id is given (``--assignment-ids``), which
  fills that assignment; without an id Canvas matches the column by title or makes a new assignment.
- **Moodle** (*Grades → Import → CSV file*): ``Username``, ``Email address``, ``ID number``, ``First
  name``, ``Surname``, then a column per lesson. Moodle's form maps one column to identify the user
  (username, e-mail or ID number) and each lesson column to a grade item (or *Ignore*).
- **Blackboard** (Grade Center → *Work Offline → Upload*): ``Last Name``, ``First Name``, ``Username``,
  ``Student ID``, then ``03_softmax [Total Pts: 3 Score] |1234`` per lesson — the ``|id`` of an existing
  Grade Center column when given, else Blackboard makes a new column. Rows are matched by ``Username``.
- **Gradescope** (one assignment, its score upload): ``First Name``, ``Last Name``, ``SID``, ``Email``,
  ``Total Score``, ``Max Points``, ``Status``, ``Lateness (H:M:S)`` — the columns of Gradescope's own
  score export; Gradescope matches a row by ``Email`` or ``SID``.

Missing work (no file handed in) and rows the grader could not grade are left **blank**: an import
then leaves a grade entered by hand as it is. ``--missing-as-zero`` writes 0 for missing work instead
(never for a row the grader failed on). The roster gives the ids: ``id``, ``name``, ``sis_user_id``,
``sis_login_id``, ``section``, and optionally ``canvas_id``, ``email``, ``username`` (Moodle and
Blackboard; default ``sis_login_id``, else ``id``), ``first_name``/``last_name``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from attnlab.course import safecsv
from attnlab.course.classbook import ClassBook, Record, max_points
from attnlab.course.submission import UNSCORED

CANVAS_HEAD = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEAD = ["Username", "Email address", "ID number", "First name", "Surname"]
BLACKBOARD_HEAD = ["Last Name", "First Name", "Username", "Student ID"]
GRADESCOPE_HEAD = ["First Name", "Last Name", "SID", "Email", "Total Score", "Max Points", "Status",
                   "Lateness (H:M:S)"]
PLATFORMS = {"canvas": "Canvas", "moodle": "Moodle", "blackboard": "Blackboard", "gradescope": "Gradescope"}
_DIGITS = re.compile(r"^\d+$")


@dataclass
class Person:
    """What the roster says about one student (every column, by name)."""

    id: str
    columns: dict[str, str] = field(default_factory=dict)

    def get(self, *names: str) -> str:
        return next((self.columns[n] for n in names if self.columns.get(n)), "")

    @property
    def name(self) -> str:
        joined = " ".join(p for p in (self.get("first_name"), self.get("last_name")) if p)
        return self.get("name") or joined

    def split_name(self) -> tuple[str, str]:
        """(first, last): the roster's columns, else "Last, First", else the last word is the surname."""
        first, last = self.get("first_name"), self.get("last_name")
        if first or last:
            return first, last
        name = self.name or self.id
        if "," in name:
            last, first = (p.strip() for p in name.split(",", 1))
            return first, last
        parts = name.split()
        return (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else ("", name)

    @property
    def username(self) -> str:
        return self.get("username", "login", "sis_login_id") or self.id


def _clean(row: dict) -> dict[str, str]:
    return {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str)}


def read_people(path: Path | None) -> dict[str, Person]:
    """Roster id -> :class:`Person` with every column of a CSV roster (a plain list: ids only)."""
    if path is None:
        return {}
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    if not lines or "," not in lines[0]:
        return {sid: Person(sid) for line in lines for sid in line.split()}
    people = {}
    for row in csv.DictReader(lines):
        clean = _clean(row)
        if clean.get("id"):
            people[clean["id"]] = Person(clean["id"], clean)
    return people


def read_assignment_ids(path: Path | None) -> dict[str, dict[str, str]]:
    """Lesson -> platform -> the id of its assignment there, from a CSV ``lesson,canvas,blackboard``
    (either id column may be left out or blank)."""
    if path is None:
        return {}
    found: dict[str, dict[str, str]] = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            clean = _clean(row)
            lesson = clean.pop("lesson", "")
            if lesson:
                found[lesson] = {k: v for k, v in clean.items() if v}
    for lesson, ids in found.items():
        bad = {k: v for k, v in ids.items() if k in ("canvas", "blackboard") and not _DIGITS.match(v)
               and not (k == "blackboard" and re.match(r"^_?\d+_\d+$", v))}
        if bad:
            raise ValueError(f"{path}: {lesson}'s assignment id {bad} is not a number as the platform "
                             "gives it")
    return found


@dataclass
class Table:
    """The gradebook as the LMS files need it: every student, every lesson's row."""

    lessons: list[str]
    people: dict[str, Person]
    by: dict[str, dict[str, Record]]
    missing_as_zero: bool = False

    @classmethod
    def of(cls, book: ClassBook, people: dict[str, Person], missing_as_zero: bool = False) -> Table:
        lessons = book.lessons()
        by = {lesson: {r.student: r for r in book.records(lesson)} for lesson in lessons}
        everyone = set(people) | {s for rows in by.values() for s in rows}
        full = {sid: people.get(sid, Person(sid)) for sid in sorted(everyone)}
        for sid, person in full.items():  # a name the platform's file gave, if the roster has none
            if not person.name:
                named = [rows[sid].name for rows in by.values() if sid in rows and rows[sid].name]
                if named:
                    person.columns["name"] = named[0]
        return cls(lessons, full, by, missing_as_zero)

    def score(self, lesson: str, sid: str) -> str:
        """The cell for one lesson: points after the penalty; blank for missing work (0 if asked)
        and for a row the grader could not grade."""
        r = self.by[lesson].get(sid)
        if r is None or r.status in UNSCORED:
            return ""
        if r.status == "missing":
            return "0" if self.missing_as_zero else ""
        return f"{r.total:g}"


def _points(lesson: str) -> str:
    return f"{max_points(lesson):g}"


def canvas_rows(table: Table, ids: dict[str, dict[str, str]]) -> list[list[str]]:
    heads = [f"{lesson} ({ids[lesson]['canvas']})" if ids.get(lesson, {}).get("canvas") else lesson
             for lesson in table.lessons]
    possible = ["    Points Possible", "", "", "", ""] + [_points(x) for x in table.lessons]
    rows = [CANVAS_HEAD + heads, possible]
    for sid, who in table.people.items():
        canvas_id = who.get("canvas_id") or (sid if _DIGITS.match(sid) else "")
        first, last = who.split_name()
        student = f"{last}, {first}" if first else last
        rows.append([student, canvas_id, who.get("sis_user_id"), who.get("sis_login_id"), who.get("section"),
                     *[table.score(x, sid) for x in table.lessons]])
    return rows


def moodle_rows(table: Table, ids: dict[str, dict[str, str]]) -> list[list[str]]:
    rows = [MOODLE_HEAD + table.lessons]
    for sid, who in table.people.items():
        first, last = who.split_name()
        rows.append([who.username, who.get("email"), who.get("sis_user_id", "id_number"), first, last,
                     *[table.score(x, sid) for x in table.lessons]])
    return rows


def blackboard_rows(table: Table, ids: dict[str, dict[str, str]]) -> list[list[str]]:
    heads = []
    for lesson in table.lessons:
        head = f"{lesson} [Total Pts: {_points(lesson)} Score]"
        column = ids.get(lesson, {}).get("blackboard")
        heads.append(f"{head} |{column}" if column else head)
    rows = [BLACKBOARD_HEAD + heads]
    for sid, who in table.people.items():
        first, last = who.split_name()
        rows.append([last, first, who.username, who.get("sis_user_id", "student_id"),
                     *[table.score(x, sid) for x in table.lessons]])
    return rows


def _hms(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def gradescope_rows(table: Table, lesson: str) -> list[list[str]]:
    rows = [GRADESCOPE_HEAD]
    for sid, who in table.people.items():
        r = table.by.get(lesson, {}).get(sid)
        first, last = who.split_name()
        status = ("Missing" if r is None or r.status == "missing" else
                  "Ungraded" if r.status in UNSCORED else "Graded")
        rows.append([first, last, who.get("sis_user_id") or sid, who.get("email"), table.score(lesson, sid),
                     _points(lesson), status, _hms(r.late_s) if r is not None and r.late else "0:00:00"])
    return rows


def write(rows: list[list[str]], out: Path, delimiter: str = ",") -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = safecsv.writer(f, delimiter=delimiter)
        for row in rows:
            writer.writerow(row)


def write_all(book: ClassBook, lesson: str, args, say=print) -> None:
    """Every LMS file asked for on the command line (``--canvas FILE`` …), from the gradebook."""
    wanted = {p: getattr(args, p, None) for p in PLATFORMS if getattr(args, p, None)}
    if not wanted:
        return
    people = read_people(getattr(args, "roster", None))
    table = Table.of(book, people, getattr(args, "missing_as_zero", False))
    ids = read_assignment_ids(getattr(args, "assignment_ids", None))
    makers = {"canvas": canvas_rows, "moodle": moodle_rows, "blackboard": blackboard_rows}
    for platform, out in wanted.items():
        if platform == "gradescope":
            write(gradescope_rows(table, lesson), Path(out))
            say(f"wrote {out}: {lesson} for Gradescope's score upload")
        else:
            write(makers[platform](table, ids), Path(out))
            say(f"wrote {out}: every graded lesson for {PLATFORMS[platform]}'s grade import")
