"""Who is in the class: a roster, how a name in a file name finds its student, and safe file names.

A roster is one student id per line, or a CSV whose header has ``id`` and any of ``name``,
``login``, ``email``, ``sis_user_id``, ``sis_login_id``, ``section`` (Canvas's own gradebook export
reads as one too: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``).

:meth:`Roster.match` finds the students a token from a file name stands for: the one whose id (or
SIS user id) it is, else those whose login, e-mail (or the e-mail's local part) it is, else those
whose name it is — "Dave Smith", "Smith, Dave", or squashed as Canvas writes logins
(``smithdave``). Every comparison is on :func:`key`: Unicode NFC, case folded, spaces collapsed —
so 王伟, 李娜, Иван Петров, Zoë and Zoé are each themselves (a macOS download's decomposed "Zoë"
is Zoë), and nobody is ever slugged to a shared placeholder.

:func:`file_name` gives each student id the one file name its evidence folder and feedback page
use: the id itself when it is plain (lowercase ASCII letters, digits, ``._@+=-``), else a readable
part and a digest of the exact id — no two ids share a name, on case-insensitive disks too.
"""

from __future__ import annotations

import csv
import hashlib
import re
import unicodedata
from dataclasses import dataclass, fields
from pathlib import Path

COLUMNS = ("id", "name", "login", "email", "sis_user_id", "sis_login_id", "section")
_ALIASES = {"student": "name", "student_name": "name", "full_name": "name", "e_mail": "email",
            "mail": "email", "email_address": "email", "username": "login", "user_name": "login",
            "student_id": "id", "user_id": "id"}
_PLAIN = re.compile(r"^[0-9a-z_@+=][0-9a-z._@+=-]{0,99}$")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def key(text: str) -> str:
    """``text`` as names are compared: NFC, case folded, runs of spaces and underscores as one space."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", str(text)).casefold())
    return " ".join(folded.replace("_", " ").split())


_BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A)}  # embeddings, overrides, isolates


def printable(text: str) -> str:
    """``text`` from the file system (a file's name: bytes that are not UTF-8 arrive as surrogates)
    as every output can hold it and show it as it is: such bytes, control characters (a terminal's
    escape sequences) and bidirectional overrides (a name that reads backwards) written as escapes,
    other white space as a space. A name without them is itself."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch.isspace():
            out.append(" ")
        elif 0xDC80 <= code <= 0xDCFF:  # a byte os.fsdecode could not decode
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF or code in _BIDI or unicodedata.category(ch) == "Cc":
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _squashed(text: str) -> str:
    return "".join(ch for ch in key(text) if ch.isalnum())


def file_name(student: str) -> str:
    """The file name (no suffix) of a student's evidence folder and feedback page: injective."""
    if _PLAIN.match(student) and student.split(".")[0] not in _RESERVED:
        return student
    readable = re.sub(r"[^\w.-]+", "-", key(student)).strip("-.")[:60] or "student"
    return f"{readable}~{hashlib.sha256(student.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


@dataclass
class Student:
    """One row of the roster (or a student the roster does not list)."""

    id: str
    name: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    login: str = ""
    email: str = ""


def _column(header: str) -> str:
    name = re.sub(r"[\s\-]+", "_", header.strip().lower())
    return _ALIASES.get(name, name)


def read_roster(path: Path | None) -> dict[str, Student]:
    """Student id -> :class:`Student`, from a plain list of ids or a CSV with an ``id`` column;
    ``ValueError`` naming the problem (no ``id`` column, an id listed twice)."""
    if path is None:
        return {}
    text = Path(path).read_text(encoding="utf-8-sig")
    first = text.splitlines()[0] if text.strip() else ""
    if "," not in first:
        ids = [unicodedata.normalize("NFC", sid) for sid in text.split()]
        return _unique(path, [Student(sid) for sid in ids])
    reader = csv.reader(text.splitlines())
    head = [_column(h) for h in next(reader)]
    if "id" not in head:
        raise ValueError(f"{path}: a CSV roster needs an 'id' column (and may have {', '.join(COLUMNS[1:])})")
    known = {f.name for f in fields(Student)}
    students = []
    for values in reader:
        row = {h: unicodedata.normalize("NFC", v.strip()) for h, v in zip(head, values, strict=False)
               if h in known}
        if row.get("id"):  # Canvas's "Points Possible" row has none
            students.append(Student(**row))
    return _unique(path, students)


def _unique(path, students: list[Student]) -> dict[str, Student]:
    found: dict[str, Student] = {}
    for s in students:
        if key(s.id) in {key(sid) for sid in found}:
            raise ValueError(f"{path}: the roster lists the id {s.id!r} twice")
        found[s.id] = s
    return found


class Roster:
    """A roster indexed for :meth:`match` (every key as :func:`key` makes it)."""

    def __init__(self, students: dict[str, Student]):
        self.students = students
        self._ids: dict[str, str] = {}
        self._logins: dict[str, set[str]] = {}
        self._names: dict[str, set[str]] = {}
        for sid, s in students.items():
            self._ids[key(sid)] = sid
            for login in (s.login, s.sis_login_id, s.email, s.email.split("@")[0] if "@" in s.email else "",
                          s.sis_user_id):
                if login:
                    self._logins.setdefault(key(login), set()).add(sid)
            for name in _forms(s.name):
                self._names.setdefault(name, set()).add(sid)

    def __contains__(self, sid: str) -> bool:
        return sid in self.students

    def match(self, token: str, by: tuple[str, ...] = ("id", "login", "name")) -> set[str]:
        """The roster ids ``token`` may stand for: by id, else by login or e-mail, else by name."""
        k = key(token)
        if "id" in by and k in self._ids:
            return {self._ids[k]}
        if "login" in by and k in self._logins:
            return set(self._logins[k])
        if "name" in by:
            for form in _forms(token):
                if form in self._names:
                    return set(self._names[form])
        return set()


def _forms(name: str) -> list[str]:
    """A name's keys: as written, "Last, First" turned round, and squashed ("smithdave")."""
    if not name.strip():
        return []
    parts = [p.strip() for p in name.split(",")]
    turned = " ".join(reversed(parts)) if len(parts) == 2 else name
    words = key(turned).split()
    found = [key(name), key(turned)]
    if len(words) > 1:
        found += [_squashed(turned), _squashed(" ".join([words[-1], *words[:-1]]))]
    return list(dict.fromkeys(f for f in found if f))
