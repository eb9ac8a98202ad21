"""Every student found, and nobody else's file counted for them: the submissions folder read once.

Files as learning platforms name their downloads are mapped to a student (a
:class:`~attnlab.course.roster.Roster` matches a token on id, login, e-mail or name):

=======================================================  ===================================
file as the platform names it                            student
=======================================================  ===================================
``erin.ipynb`` (or ``erin_03_softmax.ipynb``)            whoever ``erin`` is: id, login, e-mail or name
``erin/03_softmax/03_softmax.ipynb`` (nbgrader)          the same, for the folder's name
``smithdave_12345_6789_03_softmax.ipynb`` (Canvas)       ``12345`` (Canvas user id), or the login
``smithdave_LATE_12345_6789_03_softmax-1.ipynb``         the same, marked late by Canvas
``Dave Smith - 03_softmax.ipynb`` (Teams, Classroom…)    the student whose name is Dave Smith
``Dave Smith_4242_assignsubmission_file_/03_softmax…``   by name, else ``4242`` (Moodle participant id)
=======================================================  ===================================

Everything that matters is said, never decided silently (:attr:`Intake.warnings`): two files for
one student (the last counts: Canvas's highest submission number, else the newest file), a file for
no student on the roster (graded under its own name), a rostered student with no file, a name
that fits several students, and a Canvas name whose id and login point at different students
(credited to neither). A symbolic link, a folder or a special file where a notebook should be is
refused with a note on that student's row — the file is opened without following links
(``O_NOFOLLOW`` at every step) and must be a regular file.

Each accepted file is copied, through that one open, into the grader's own staging folder
(:meth:`Intake.stage`): from then on the grader reads only its copy — what is graded, hashed,
kept as evidence and shown on a feedback page are the same bytes, whatever happens to the folder.
"""

from __future__ import annotations

import atexit
import errno
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from attnlab.course.roster import Roster, Student, key, printable

CANVAS = re.compile(r"^(?P<login>[^_]+)_(?P<late>LATE_)?(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)\.ipynb$", re.S)
NAMED = re.compile(r"^(?P<name>.+?) - (?P<file>[^/]+)\.ipynb$", re.S)
MOODLE = re.compile(r"^(?P<name>.+)_(?P<id>\d+)_assignsubmission_(file|onlinetext)_?$", re.S)
LINK = "it is a symbolic link, not a notebook: only the notebook file itself is graded"
NOT_A_FILE = "it is a folder or a special file, not a notebook file"


@dataclass
class Found:
    """One submission and what its name says (``path`` may not exist: a student with no file)."""

    student: str
    path: Path
    name: str = ""
    late_by_lms: bool = False  # Canvas put LATE in the file name
    refused: str = ""  # why the file is not graded (a link, a folder, a special file)
    order: tuple = ()  # which of one student's files counts: the largest
    login: str = ""  # the login a Canvas name carries
    notes: list[str] = field(default_factory=list)  # for this student's row (a file not counted for them)


@dataclass
class Intake:
    """Who handed in what, for one lesson: ``found`` (student -> their file), and every warning."""

    folder: Path
    found: dict[str, Found] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    staged: dict[str, Path] = field(default_factory=dict)  # student -> the grader's own copy

    def stage(self, into: Path | None = None, max_bytes: int | None = None) -> dict[str, Path]:
        """Copy every accepted file into the grader's staging folder (see the module's docstring);
        a file that turns out to be a link or not a regular file is refused there and then.
        Student -> the path the grader reads (a refused or missing student's does not exist)."""
        into = into or _staging()
        into.mkdir(parents=True, exist_ok=True)
        for n, (sid, one) in enumerate(sorted(self.found.items())):
            copy = into / f"{n}.ipynb"
            if not one.refused:
                try:
                    _copy_no_follow(self.folder, one.path, copy, max_bytes)
                except FileNotFoundError:
                    pass  # a student with no file: their row says so
                except _Refused as why:
                    one.refused = str(why)
                    self.warnings.append(f"{shown(one.path)}: refused — {why}")
                except OSError as exc:
                    one.refused = f"the file could not be read ({exc.strerror or exc})"
            self.staged[sid] = copy
        return self.staged


def shown(path: Path) -> str:
    """A path as a warning names it: its last parts (the folder's own name is the instructor's),
    :func:`~attnlab.course.roster.printable`."""
    return printable("/".join(Path(path).parts[-3:]) if Path(path).parent.name == Path(path).stem
                     else Path(path).name)


class _Refused(OSError):
    pass


def _staging() -> Path:
    base = Path(tempfile.mkdtemp(prefix="attnlab-intake-"))
    atexit.register(shutil.rmtree, base, True)
    return base


def _open_no_follow(root: Path, path: Path) -> int:
    """An fd for ``path`` (inside the submissions folder ``root``) opened without following a link
    at any step below ``root``; ``_Refused`` if a step is a link or the end is not a regular file."""
    parts = Path(path).relative_to(root).parts
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)  # the instructor's folder: it may be a link
    try:
        for part in parts[:-1]:
            try:
                nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise _Refused(f"{part} is a symbolic link or not a folder") from None
                raise
            os.close(fd)
            fd = nxt
        try:
            end = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _Refused(LINK) from None
            raise
    finally:
        os.close(fd)
    if not stat.S_ISREG(os.fstat(end).st_mode):
        os.close(end)
        raise _Refused(NOT_A_FILE)
    return end


def _copy_no_follow(root: Path, path: Path, copy: Path, max_bytes: int | None) -> None:
    fd = _open_no_follow(root, path)
    with os.fdopen(fd, "rb") as src, open(copy, "wb") as dst:
        left = None if max_bytes is None else max_bytes + 1  # one byte more: the size check then says so
        while block := src.read(1 << 20 if left is None else min(1 << 20, left)):
            dst.write(block)
            if left is not None:
                left -= len(block)
                if left <= 0:
                    break


def _kind(entry: os.DirEntry) -> str:
    try:
        if entry.is_symlink():
            return "link"
        if entry.is_dir(follow_symlinks=False):
            return "dir"
        return "file" if entry.is_file(follow_symlinks=False) else "special"
    except OSError:
        return "special"


class _Finder:
    def __init__(self, folder: Path, lesson: str, roster: Roster):
        self.folder, self.lesson, self.roster = Path(folder), lesson, roster
        self.claims: list[Found] = []
        self.warnings: list[str] = []
        self.unknown: dict[str, str] = {}  # key(token) -> the student id it became

    def who(self, tokens: list[str], where: str, by=("id", "login", "name")) -> str | None:
        """The student the first token that fits stands for (an unknown one keeps its own name)."""
        for token in tokens:
            hits = self.roster.match(token, by) if self.roster.students else set()
            if len(hits) == 1:
                return hits.pop()
            if len(hits) > 1:
                self.warnings.append(f"{where}: {token!r} fits {len(hits)} students on the roster "
                                     f"({', '.join(sorted(hits))}) — credited to none of them")
                return None
        token = unicodedata.normalize("NFC", " ".join(tokens[0].split())) or "?"
        return self.unknown.setdefault(key(token), token)

    def claim(self, sid: str | None, path: Path, **facts) -> None:
        if sid is not None:
            self.claims.append(Found(sid, path, **facts))

    def entry(self, entry: os.DirEntry) -> None:
        # every text made from a name (ids, warnings) is printable; only ``path`` holds its bytes
        kind, path, name = _kind(entry), Path(entry.path), printable(entry.name)
        if kind == "dir" and not name.endswith(".ipynb"):
            return self.folder_entry(entry, name)
        if kind == "link" and not name.endswith(".ipynb") and os.path.isdir(path):  # a student's folder
            notebook = path / self.lesson / f"{self.lesson}.ipynb"
            self.claim(self.who([name], f"{name}/"), notebook, refused=LINK, order=(0, _mtime(path), name))
            return None
        if not name.endswith(".ipynb"):
            if kind != "dir":
                self.warnings.append(f"{name}: not a notebook — ignored")
            return None
        refused = LINK if kind == "link" else NOT_A_FILE if kind != "file" else ""
        canvas = CANVAS.match(name)
        if canvas:
            return self.canvas(canvas, path, refused)
        named = NAMED.match(name)
        stem = name[:-len(".ipynb")]
        tokens = [named["name"]] if named else [stem]
        for sep in ("_", "-", " "):  # erin_03_softmax.ipynb: the lesson's name after the student's
            if not named and stem.endswith(sep + self.lesson) and len(stem) > len(self.lesson) + 1:
                tokens.append(stem[:-len(self.lesson) - 1])
        self.claim(self.who(tokens, name), path, name=tokens[0] if named else "", refused=refused,
                   order=(0, _mtime(path), name))
        return None

    def canvas(self, m: re.Match, path: Path, refused: str) -> None:
        by_id = self.roster.match(m["id"], ("id",)) if self.roster.students else set()
        by_login = self.roster.match(m["login"], ("login", "name")) if self.roster.students else set()
        if by_id and by_login and not by_id & by_login:
            self.warnings.append(
                f"{shown(path)}: its id {m['id']} is {', '.join(by_id)} on the roster but its login "
                f"{m['login']!r} is {', '.join(sorted(by_login))} — credited to neither; rename it to the "
                "student's own name and grade it with --student")
            return
        sid = (by_id.pop() if len(by_id) == 1 else by_login.pop() if len(by_login) == 1
               else self.who([m["id"]], shown(path), ("id",)))
        self.claim(sid, path, name=m["login"], late_by_lms=bool(m["late"]), refused=refused,
                   order=(int(m["sub"]), _mtime(path), path.name), login=m["login"])

    def folder_entry(self, entry: os.DirEntry, name: str) -> None:
        path, moodle = Path(entry.path), MOODLE.match(name)
        if moodle:
            files = _notebooks(path)
            if not files:
                self.warnings.append(f"{name}/: no notebook in it — ignored")
                return
            own = [f for f in files if f.name == f"{self.lesson}.ipynb"]
            if len(files) > 1 and not own:
                self.warnings.append(f"{name}/: {len(files)} notebooks, none named {self.lesson}.ipynb "
                                     f"— {printable(files[-1].name)} is graded")
            one = own[0] if own else files[-1]
            sid = self.who([moodle["name"], moodle["id"]], name)
            kind = _kind_of(one)
            refused = LINK if kind == "link" else NOT_A_FILE if kind != "file" else ""
            self.claim(sid, one, name=moodle["name"], refused=refused, order=(0, _mtime(one), name))
            return
        # nbgrader's layout: <student>/<lesson>/<lesson>.ipynb (a student with no notebook there is missing)
        notebook = path / self.lesson / f"{self.lesson}.ipynb"
        sid = self.who([name], f"{name}/")
        self.claim(sid, notebook, order=(0, _mtime(notebook), name))


def _mtime(path: Path) -> int:
    try:
        return path.lstat().st_mtime_ns
    except OSError:
        return 0


def _kind_of(path: Path) -> str:
    try:
        mode = path.lstat().st_mode
    except OSError:
        return "special"
    return ("link" if stat.S_ISLNK(mode) else "dir" if stat.S_ISDIR(mode)
            else "file" if stat.S_ISREG(mode) else "special")


def _notebooks(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir()
                      if p.name.endswith(".ipynb") and not p.name.startswith("."))
    except OSError:
        return []


def _own_logins(sid: str, claims: list[Found], roster: Roster, warnings: list[str]) -> list[Found]:
    """One student's files, less those a Canvas name carrying their id but another login put there:
    a file whose login is not theirs never replaces theirs (a higher submission number notwithstanding),
    and is credited to nobody. If no login is known to be theirs, none of the files is credited."""
    logins = {c.login for c in claims if c.login}
    if len(logins) < 2:
        return claims
    theirs = {c.login for c in claims if c.login and roster.students
              and roster.match(c.login, ("login", "name")) == {sid}}
    if not theirs:
        last = claims[-1]
        last.refused = (f"files carrying this id have different logins ({', '.join(sorted(logins))}) and "
                        "none is known to be this student's: none is credited — rename the right one to "
                        "the student's own name and grade it with --student")
        warnings.append(f"{sid}: {last.refused}")
        return [last]
    kept = [c for c in claims if not c.login or c.login in theirs]
    for c in claims:
        if c not in kept:
            warnings.append(f"{shown(c.path)}: carries {sid}'s id but the login {c.login!r}, which is not "
                            f"theirs — credited to nobody ({sid}'s own file is graded)")
            kept[-1].notes.append(f"a file carrying your id with another login ({c.login!r}, "
                                  f"{shown(c.path)}) was not counted for you")
    return kept


def find(folder: Path, lesson: str, students: dict[str, Student]) -> Intake:
    """Every file in ``folder`` and every roster student: student id -> their submission (a
    student with no file keeps the layout the folder uses), and the warnings."""
    finder = _Finder(folder, lesson, Roster(students))
    with os.scandir(folder) as listing:
        entries = sorted((e for e in listing if not e.name.startswith(".")), key=lambda e: e.name)
    for entry in entries:
        finder.entry(entry)
    intake = Intake(Path(folder), warnings=finder.warnings)
    by_student: dict[str, list[Found]] = {}
    for one in finder.claims:
        by_student.setdefault(one.student, []).append(one)
    for sid, claims in by_student.items():
        claims.sort(key=lambda c: (not c.refused, c.order))  # a real notebook over a link; then the last
        claims = _own_logins(sid, claims, finder.roster, intake.warnings)
        intake.found[sid] = claims[-1]
        if len(claims) > 1:
            logins = {c.login for c in claims if c.login}
            intake.warnings.append(
                f"{sid}: {len(claims)} files — {', '.join(shown(c.path) for c in claims)}; "
                f"{shown(claims[-1].path)} is graded"
                + (f" (their logins differ: {', '.join(sorted(logins))} — check which is theirs)"
                   if len(logins) > 1 else ""))
    if students:
        strays = sorted(s for s in intake.found if s not in students)
        intake.warnings += [f"{shown(intake.found[s].path)}: no student on the roster fits it — graded as "
                            f"{s!r}" for s in strays]
    dirs = sum(_kind(e) == "dir" and not MOODLE.match(e.name) for e in entries)
    nbgrader = dirs > len(entries) - dirs  # mostly <student>/<lesson>/ folders: nbgrader's layout
    for sid, student in students.items():
        if sid not in intake.found:
            path = (Path(folder) / sid / lesson / f"{lesson}.ipynb" if nbgrader
                    else Path(folder) / f"{sid}.ipynb")
            intake.found[sid] = Found(sid, path)
            intake.warnings.append(f"{sid}{f' ({student.name})' if student.name else ''}: no file handed in")
    for sid, one in intake.found.items():
        if sid in students and students[sid].name:  # the roster's name over a platform's login
            one.name = students[sid].name
        if one.refused:
            intake.warnings.append(f"{shown(one.path)} ({sid}): refused — {one.refused}")
    intake.found = dict(sorted(intake.found.items()))
    return intake
