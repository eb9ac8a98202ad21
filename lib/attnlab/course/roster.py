"""Who submitted what: a class roster, and the file names learning platforms give downloads.

A roster is one student id per line, or a CSV whose header has ``id`` (and any of ``name``,
``sis_user_id``, ``sis_login_id``, ``section`` — what a Canvas export needs). Downloaded
submissions are recognised by their platform's naming and mapped to a student id:

=======================================================  ===================================
file as the platform names it                            student
=======================================================  ===================================
``erin.ipynb``                                           ``erin``
``erin/03_softmax/03_softmax.ipynb`` (nbgrader)          ``erin``
``smithdave_12345_6789_03_softmax.ipynb`` (Canvas)       ``12345`` (Canvas user id)
``smithdave_LATE_12345_6789_03_softmax-1.ipynb``         ``12345``, marked late by Canvas
``Dave Smith - 03_softmax.ipynb`` (Teams, Classroom…)    the roster id whose name is Dave Smith
``Dave Smith_4242_assignsubmission_file_/03_softmax…``   the roster id whose name is Dave Smith,
(Moodle's "download all submissions" folders)            else ``4242`` (Moodle participant id)
=======================================================  ===================================

A Canvas id or a name the roster does not know is kept as it is (a name becomes ``dave-smith``).
When one student has several files (Canvas's ``-1``, ``-2`` resubmissions), the last one counts.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

CANVAS = re.compile(r"^(?P<login>[^_]+)_(?P<late>LATE_)?(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)\.ipynb$")
NAMED = re.compile(r"^(?P<name>.+?) - (?P<file>[^/]+)\.ipynb$")
MOODLE = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_file_?$")
COLUMNS = ("id", "name", "sis_user_id", "sis_login_id", "section")


@dataclass
class Student:
    """One row of the roster (or a student the roster does not list)."""

    id: str
    name: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


@dataclass
class Found:
    """One submission file and what its name says."""

    student: str
    path: Path
    name: str = ""
    late_by_lms: bool = False  # Canvas put LATE in the file name


def read_roster(path: Path | None) -> dict[str, Student]:
    """Student id -> :class:`Student`, from a plain list of ids or a CSV with an ``id`` column."""
    if path is None:
        return {}
    text = Path(path).read_text(encoding="utf-8-sig")
    first = text.splitlines()[0] if text.strip() else ""
    if "," not in first:
        return {sid: Student(sid) for sid in text.split()}
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or "id" not in rows[0]:
        raise ValueError(f"{path}: a CSV roster needs an 'id' column (and may have {', '.join(COLUMNS[1:])})")
    return {r["id"].strip(): Student(**{c: (r.get(c) or "").strip() for c in COLUMNS}) for r in rows
            if (r.get("id") or "").strip()}


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "unnamed"


def _by_name(roster: dict[str, Student], name: str) -> str | None:
    wanted = {_slug(name), _slug(" ".join(reversed([p.strip() for p in name.split(",")])))}
    for sid, student in roster.items():
        if student.name and _slug(student.name) in wanted:
            return sid
    return None


def identify(entry: Path, lesson: str, roster: dict[str, Student]) -> Found | None:
    """The student a top-level entry of the submissions folder belongs to (``None``: not one)."""
    if entry.is_dir():
        moodle = MOODLE.match(entry.name)
        if moodle:
            files = sorted(entry.glob("*.ipynb"))
            if not files:
                return None
            name = moodle["name"]
            sid = _by_name(roster, name) or (moodle["id"] if moodle["id"] in roster else None)
            return Found(sid or moodle["id"], files[-1], name)
        return Found(entry.name, entry / lesson / f"{lesson}.ipynb")  # nbgrader
    if entry.suffix != ".ipynb":
        return None
    canvas = CANVAS.match(entry.name)
    if canvas:
        return Found(canvas["id"], entry, canvas["login"], bool(canvas["late"]))
    named = NAMED.match(entry.name)
    if named:
        return Found(_by_name(roster, named["name"]) or _slug(named["name"]), entry, named["name"])
    return Found(entry.stem, entry)


def _order(found: Found):
    canvas = CANVAS.match(found.path.name)
    return (int(canvas["sub"]) if canvas else 0, found.path.name)


def find(folder: Path, lesson: str, roster: dict[str, Student]) -> dict[str, Found]:
    """Student id -> their submission, for every file in ``folder`` and every roster student
    (a missing file keeps the layout the folder uses: nbgrader's, or one file per student)."""
    found: dict[str, Found] = {}
    entries = [e for e in sorted(Path(folder).iterdir()) if not e.name.startswith(".")]
    for one in sorted(filter(None, (identify(e, lesson, roster) for e in entries)), key=_order):
        found[one.student] = one  # the last file of a student counts
    folders = sum(e.is_dir() and not MOODLE.match(e.name) for e in entries)
    nbgrader = folders > len(entries) - folders  # mostly <student>/<lesson>/ folders: nbgrader's layout
    for sid in roster:
        if sid not in found:
            path = folder / sid / lesson / f"{lesson}.ipynb" if nbgrader else folder / f"{sid}.ipynb"
            found[sid] = Found(sid, path)
    for sid, one in found.items():
        if sid in roster and roster[sid].name:  # the roster's name over a platform's login
            one.name = roster[sid].name
    return dict(sorted(found.items()))
