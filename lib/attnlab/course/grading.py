"""Grading without nbgrader: a folder of submitted notebooks in, a gradebook out.

    attnlab-grade SUBMISSIONS_DIR --lesson 03_softmax --out grades.csv [--jobs N] [--resume]

``SUBMISSIONS_DIR`` holds one ``<student>.ipynb`` per student, or nbgrader's layout
``<student>/<lesson>/<lesson>.ipynb`` (e.g. an nbgrader course's ``submitted/`` folder).

Nothing in a submission is trusted, imported or run here. Each submission runs in a bubblewrap
sandbox of its own (:mod:`attnlab.course.sandbox`: no network, the course read-only, its own copy
as the only writable place, its processes killed with it), where only the learner's functions are
called on each check's inputs (:mod:`attnlab.course.runner`). The answers come back as plain data
and are judged here, by the course's own checks from ``solutions/<lesson>.ipynb``
(:mod:`attnlab.course.submission`): no expected answer is ever in the learner's process, so nothing
the learner's code does there can change a verdict. Rows are stored as each submission finishes
(:mod:`attnlab.course.gradebook`); ``--jobs`` grades several at once.

Without ``bwrap`` the grader refuses to grade for credit unless ``--no-sandbox`` is given.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat

from attnlab.course import apart, build, classroom, sandbox, written
from attnlab.course import isolation as kept_apart
from attnlab.course.gradebook import Gradebook, digest
from attnlab.course.replay import NotReplayable
from attnlab.course.submission import (  # noqa: F401 — the grading API, in one place
    LIMIT,
    NOT_GRADED,
    REFUSED,
    TIME_LIMIT,
    Exercise,
    Grade,
    Lesson,
    exercises,
    grade,
    read_submission,
    sandbox_env,
)
from attnlab.paths import SOLUTIONS_DIR


def find_submissions(folder: Path, lesson: str, roster: list[str] = ()) -> dict[str, Path]:
    """Student -> the notebook they should have submitted (which may be missing)."""
    found = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():  # nbgrader: <student>/<lesson>/<lesson>.ipynb
            found[entry.name] = entry / lesson / f"{lesson}.ipynb"
        elif entry.suffix == ".ipynb":
            found[entry.stem] = entry
    for student in roster:
        found.setdefault(student, folder / f"{student}.ipynb")
    return dict(sorted(found.items()))


def load_lesson(name: str) -> Lesson:
    """A lesson's exercises and recorded checks, from ``solutions/<name>.ipynb``; ``NotReplayable``
    (one sentence, naming the way to grade it) if its checks cannot be judged outside a sandbox."""
    try:
        return Lesson.load(name, nbformat.read(SOLUTIONS_DIR / f"{name}.ipynb", as_version=4))
    except NotReplayable as exc:
        raise NotReplayable(f"{name}'s checks cannot be judged outside the sandbox yet ({exc}): "
                            "grade this lesson with nbgrader (docs/instructors.md)") from None


def isolation(jobs: int, use_sandbox: bool = True):
    """How submissions are isolated: bubblewrap sandboxes (``RuntimeError`` with the install hint
    if ``bwrap`` is missing), or none at all for ``--no-sandbox``."""
    if not use_sandbox:
        return kept_apart.NoSandbox()
    if sandbox.bwrap() is None:
        raise RuntimeError(sandbox.INSTALL_HINT)
    return kept_apart.isolation(jobs, sandbox_env())


def _progress(total: int):
    try:
        from tqdm import tqdm
    except ImportError:  # the instructor extra pins tqdm; without it, no bar
        return None
    return tqdm(total=total, unit="notebook", desc="grading", file=sys.stderr, disable=None)


def grade_all(submissions: dict[str, Path], lesson: Lesson, book: Gradebook, jobs: int, isolated,
              time_limit: float = TIME_LIMIT, resume: bool = False, say=print, after=None,
              refused: dict[str, str] | None = None, missing: dict[str, str] | None = None,
              keep=None, memory: int = apart.MEMORY, judge_time: float = apart.TIME) -> list[Grade]:
    """Grade every submission not already in ``book`` (with ``resume``), ``jobs`` at once, each in
    a child of its own (:mod:`attnlab.course.apart`: a time and a memory limit; ``keep(row, path)``
    — its evidence — runs there too); each row is stored as soon as it is graded, after
    ``after(row, path, digest)`` (late rules, records). A ``refused`` student's file (a link, a
    folder) is not graded: their row says why; a ``missing`` one's row names the file they should
    hand in. The rows graded now."""
    finished = book.finished() if resume else {}
    refused, missing = refused or {}, missing or {}
    todo = {s: p for s, p in submissions.items() if s in refused or finished.get(s, None) != digest(p)}
    if resume:
        say(f"resuming: {len(submissions) - len(todo)} already graded, {len(todo)} to grade")
    bar, rows = _progress(len(todo)), []
    zeros = {ex.grade_id: 0.0 for ex in lesson.exercises}

    def store(row: Grade, path: Path) -> None:
        if after is not None:  # attnlab.course.classroom: late penalty, records — per student, guarded
            try:
                after(row, path, digest(path))
            except Exception as exc:  # noqa: BLE001 — one student's data never ends the class run
                row.notes.append(f"its record or evidence could not be kept: {type(exc).__name__}: "
                                 f"{str(exc)[:200]}")
        book.add(row, digest(path))
        rows.append(row)
        line = (f"{row.student}: {row.status}, {sum(row.scores.values()):g}/{lesson.max_points:g}"
                f" ({row.seconds:.1f} s)")
        if bar is not None and not bar.disable:  # a terminal: the line goes above the bar
            bar.write(line, file=sys.stdout)
            bar.update()
        else:
            say(line)

    graded = {}
    for student, path in todo.items():
        if student in refused:
            why = f"the file handed in was refused: {refused[student]}"
            store(Grade(student, REFUSED, dict(zeros), [why]), path)
        elif student in missing:
            store(Grade(student, "missing", dict(zeros), [f"no file {missing[student]} submitted"]), path)
        else:
            graded[student] = path
    _prepare_builds(lesson)

    def work(item, slot: int) -> dict:  # in the child
        student, path = item
        row = grade(student, path, lesson, isolated.for_slot(slot), time_limit)
        kept = False
        if keep is not None and path.is_file():
            apart.phase("keeping its evidence")
            try:
                keep(row, path)
                kept = True
            except Exception as exc:  # noqa: BLE001 — one student's data never ends the class run
                row.notes.append(f"its evidence could not be kept: {type(exc).__name__}: {str(exc)[:200]}")
        return {**row.plain(), "kept": kept}

    for (student, path), kind, what, seconds in apart.each_apart(graded.items(), jobs, work, memory,
                                                                 isolated.done, judge_time):
        if kind == "row":
            kept = what.pop("kept", False)
            row = Grade(**what)
        else:
            kept = False
            row = Grade(student, LIMIT if kind == "limit" else NOT_GRADED, dict(zeros),
                        [what if kind == "limit" else f"grader error: {what}"], seconds)
        if keep is not None and not kept and path.is_file():
            try:
                keep(row, path, graded_copy=False)  # the file as handed in, nothing read from it here
            except Exception as exc:  # noqa: BLE001
                row.notes.append(f"its evidence could not be kept: {type(exc).__name__}: {str(exc)[:200]}")
        store(row, path)
    if bar is not None:
        bar.close()
    return rows


def _prepare_builds(lesson: Lesson) -> None:
    """The lesson's grading builds, made once here, before any child needs one."""
    build.BUILDS.get(lesson.name)
    build.BUILDS.fonts()
    for keep in lesson.stand_in_keeps():
        build.BUILDS.get(lesson.name, keep)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="attnlab-grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, nargs="?", help="folder of submitted notebooks")
    parser.add_argument("--lesson", required=True, help="lesson name, e.g. 03_softmax")
    parser.add_argument("--out", type=Path, default=None,
                        help="gradebook CSV to write (rows are kept in OUT with .sqlite beside it); "
                        "default attnlab-grades/LESSON.csv, all lessons in attnlab-grades/gradebook.sqlite")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT,
                        help=f"seconds per notebook, a hard limit (default {TIME_LIMIT:g})")
    parser.add_argument("--judge-time-limit", type=float, default=apart.TIME,
                        help="seconds to read one notebook, or to judge its answers, in the grader "
                        f"(default {apart.TIME:g}); past it the row says {LIMIT!r}, no score")
    parser.add_argument("--judge-memory-mb", type=int, default=apart.MEMORY // 2**20,
                        help="MB the grader may use to read and judge one submission "
                        f"(default {apart.MEMORY // 2**20}); past it the row says {LIMIT!r}, no score")
    parser.add_argument("--roster", type=Path,
                        help="file with one student id per line: who should have submitted")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="notebooks graded at once (default: the number of cores)")
    parser.add_argument("--resume", action="store_true",
                        help="keep the rows already in the gradebook; grade only the rest")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run submissions without bubblewrap — for practice only, never for credit")
    parser.add_argument("--list", action="store_true", help="only list the lesson's exercises and points")
    parser.add_argument("--rubric", action="store_true",
                        help="only print the rubric of the lesson's written questions (for graders)")
    classroom.add_arguments(parser)
    args = parser.parse_args(argv)
    if not (SOLUTIONS_DIR / f"{args.lesson}.ipynb").is_file():
        parser.error(f"no lesson {args.lesson!r} (no {SOLUTIONS_DIR / args.lesson}.ipynb)")
    try:
        lesson = load_lesson(args.lesson)
    except NotReplayable as exc:
        print(f"attnlab-grade: {exc}", file=sys.stderr)
        return 2
    if args.rubric:
        print(written.rubric_markdown(args.lesson))
        return 0
    if args.list:
        for ex in lesson.exercises:
            print(f"{ex.grade_id}: {ex.function}(), checked by {ex.check_id}, {ex.points:g} point(s)")
        for q in written.of_lesson(args.lesson):
            print(f"{q.id}: written, graded by hand, {q.points:g} point(s): {q.guide}")
        return 0
    if args.submissions is None or not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder of submissions")
    try:
        isolated = isolation(args.jobs, not args.no_sandbox)
    except RuntimeError as exc:
        print(f"attnlab-grade: {exc}", file=sys.stderr)
        return 2
    print(f"sandbox: {isolated.note}", file=sys.stderr)
    try:
        args.out, db_path = classroom.resolve_out(args.out, args.lesson)
        klass = classroom.Class.start(args, lesson, db_path)  # roster, LMS names, deadline
    except ValueError as exc:
        parser.error(str(exc))
    klass.warn(lambda line: print(line, file=sys.stderr))
    submissions = klass.submissions
    book = Gradebook(args.out, args.lesson, lesson.exercises, resume=args.resume or bool(args.student),
                     db_path=db_path, missing_as_zero=args.missing_as_zero)
    try:
        grade_all(submissions, lesson, book, args.jobs, isolated, args.time_limit, args.resume,
                  after=klass.record, refused=klass.refused, missing=klass.missing, keep=klass.keep,
                  memory=args.judge_memory_mb * 2**20, judge_time=args.judge_time_limit)
    finally:
        book.close()
        klass.close()
    print(f"wrote {args.out} ({len(submissions)} students; rows kept in {book.db_path})")
    klass.finish()
    return _failed(db_path, args.lesson)


def _failed(db_path: Path, lesson: str) -> int:
    """0, or 3 with one line saying what to fix if the grader failed on any submission (those rows
    say "not graded": no score went anywhere)."""
    import json
    import sqlite3

    with sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True) as con:
        failed = con.execute("SELECT notes FROM rows WHERE lesson = ? AND status = ?",
                             (lesson, NOT_GRADED)).fetchall()
        stopped = con.execute("SELECT student FROM rows WHERE lesson = ? AND status = ?",
                              (lesson, LIMIT)).fetchall()
    if stopped:
        print(f"attnlab-grade: {len(stopped)} submission(s) stopped at the grader's judging limit, no "
              f"score given (their notes say why): {', '.join(s for (s,) in stopped)[:300]}", file=sys.stderr)
    if not failed:
        return 0
    why = next((n for n in json.loads(failed[0][0]) if n), "no reason recorded")
    print(f"attnlab-grade: {len(failed)} submission(s) not graded — the grader failed, not the "
          f"students (no score was given): {why[:300]}. Fix that, then run again with --resume.",
          file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
