"""Grading one submission: read it, run it in its sandbox, judge what came back.

The lesson (:mod:`attnlab.course.lesson`) holds the exercises and each check recorded — its cases
and expected answers stay in this process. For a submission (:mod:`attnlab.course.notebook`: its
cells, outputs let go), only its code cells, the place of each check and the cases' inputs go into
the sandbox (:mod:`attnlab.course.runner`), which holds the lesson's grading build
(:mod:`attnlab.course.build`: no answer of this lesson in it) and a copy of the notebook without
its outputs; the runner's messages come back as plain data (:mod:`attnlab.course.execute`: one per
exercise, where the runner writes it) and are judged here (:mod:`attnlab.course.judging`). A
learner's function that misses only through a broken helper of theirs gets a stand-in run of its
own (a build holding that helper, counted for that exercise only). :func:`grade` never raises for
anything a submission contains: every problem becomes a status and a note, and the notes are
capped (:func:`capped`). ``attnlab-grade`` runs it in a child of its own (:mod:`attnlab.course.apart`).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from attnlab.checks.diagnosis import Diagnosis
from attnlab.course import apart, build, runner, written
from attnlab.course.execute import Run, execute, sandbox_env  # noqa: F401 — part of the grading API
from attnlab.course.judging import answers_of, first_error, judge, needs_stand_in  # noqa: F401
from attnlab.course.lesson import Exercise, Lesson, declared_exercises, exercises, placement  # noqa: F401
from attnlab.course.notebook import MAX_BYTES, MAX_CODE, read_submission, stripped  # noqa: F401
from attnlab.course.replay import Answers
from attnlab.course.sandbox import private_folder

NOT_GRADED = "not graded"  # the grader or its sandbox failed: never a score
REFUSED = "refused"  # what was handed in is a link, a folder or a special file, not a notebook
LIMIT = apart.LIMIT  # reading or judging it passed the grader's limits: never a score either
UNSCORED = (NOT_GRADED, LIMIT)  # statuses whose row carries no score (blank in the LMS file)
TIME_LIMIT = 120.0  # seconds per notebook; every lesson runs in well under 15 s
MAX_NOTES, NOTE_CHARS = 30, 400  # notes kept per row, characters per note: any CSV reader reads them


@dataclass
class Grade:
    """One student's row of the gradebook."""

    student: str
    status: str  # graded | missing | refused | invalid notebook | time limit | kernel died | not graded
    #              | judging limit (LIMIT)
    scores: dict[str, float] = field(default_factory=dict)  # by exercise grade_id
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_mb: float | None = None  # the sandbox's peak memory (what a hub must give each student)
    evidence: list = field(default_factory=list, repr=False)  # the runner's messages, kept as evidence
    diagnoses: dict[str, dict] = field(default_factory=dict)  # grade_id -> the check's Diagnosis as data
    answers: dict[str, str] = field(default_factory=dict)  # written question -> the text ("": not answered)

    def plain(self) -> dict:
        """The row as JSON-able data, notes capped, no evidence (what crosses from a child)."""
        found = {g: Diagnosis.from_dict(d) for g, d in self.diagnoses.items()}  # bounded, as stored
        return {"student": self.student, "status": self.status, "scores": dict(self.scores),
                "notes": capped(self.notes), "seconds": self.seconds, "peak_mb": self.peak_mb,
                "diagnoses": {g: d.to_dict() for g, d in found.items() if d is not None},
                "answers": {str(q): str(t)[:written.MAX_ANSWER] for q, t in self.answers.items()}}


def capped(notes: list[str]) -> list[str]:
    """At most :data:`MAX_NOTES` notes of at most :data:`NOTE_CHARS` characters each (so a row's
    notes, joined, stay far below any CSV reader's field limit)."""
    kept = [n if len(n) <= NOTE_CHARS else n[:NOTE_CHARS - 1] + "…" for n in map(str, notes[:MAX_NOTES])]
    if len(notes) > MAX_NOTES:
        kept[-1] = f"… and {len(notes) - MAX_NOTES + 1} more notes"
    return kept


def grade(student: str, path: Path, lesson: Lesson, isolation, time_limit: float = TIME_LIMIT) -> Grade:
    """Grade one submission in a sandbox of ``isolation``. Never raises for anything the
    submission contains."""
    start = time.perf_counter()
    row = Grade(student, "graded", {ex.grade_id: 0.0 for ex in lesson.exercises})
    if not path.is_file():
        row.status = "missing"
        shown = "/".join(path.parts[-3:]) if path.parent.name == path.stem else path.name  # nbgrader's layout
        row.notes.append(f"no file {shown} submitted")
    else:
        try:
            apart.phase("reading its notebook")
            cells = read_submission(path)
        except (ValueError, OSError) as exc:
            row.status = "invalid notebook"
            row.notes.append(str(exc))
        else:
            row.answers = written.answers_of(cells, lesson.name)  # words: for a grader, never scored here
            try:
                _grade_cells(row, cells, lesson, isolation, time_limit)
            except MemoryError:  # what it sent was too big to judge here: no score, and said
                row.status, row.evidence = LIMIT, []
                row.scores = {ex.grade_id: 0.0 for ex in lesson.exercises}
                row.notes = ["judging it needed more memory than the grader has for one submission: "
                             "no score was given (look at the notebook)"]
            except Exception as exc:  # e.g. no sandbox could start: say so, and grade the others
                row.status = NOT_GRADED
                row.notes.append(f"grader error: {type(exc).__name__}: {str(exc)[:300]}")
    row.notes = capped(row.notes)
    row.seconds = time.perf_counter() - start
    return row


def _run(cells: list[dict], plan: runner.Plan, lesson: Lesson, isolation, time_limit: float,
         keep: frozenset = frozenset()) -> Run:
    """One sandbox run of ``plan``, with the notebook (no outputs) as its own file, in the lesson's
    grading build."""
    apart.phase("a sandbox run", time_limit + apart.MARGIN)
    work = private_folder()
    try:
        (work / f"{lesson.name}.ipynb").write_bytes(stripped(cells))  # the submission's own copy
        made = build.BUILDS.get(lesson.name, keep)
        with isolation.sandbox(work, build=made, fonts=build.BUILDS.fonts()) as box:
            return execute(plan, box, time_limit)
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
        apart.phase("judging its answers")


def _grade_cells(row: Grade, cells, lesson: Lesson, isolation, time_limit: float) -> None:
    plan = lesson.plan(cells)
    run = _run(cells, plan, lesson, isolation, time_limit)
    row.status = run.status
    row.evidence = list(run.messages)
    answers = answers_of(run)
    groups: dict[frozenset, set[str]] = {}
    for grade_id, keep in needs_stand_in(lesson, answers).items():
        groups.setdefault(keep, set()).add(grade_id)
    for keep, only in groups.items():  # a run of its own per helper set, counted for those exercises only
        again_plan = lesson.plan(cells, only=only, stand_in=True)
        again = _run(cells, again_plan, lesson, isolation, time_limit, keep)
        for grade_id in only:
            outcomes = again.answers.get(grade_id, {}).get("standing_in")
            if isinstance(outcomes, list):
                got = Answers.from_message({**run.answers[grade_id], "standing_in": outcomes})
                answers[grade_id] = replace(got, course_answers=answers[grade_id].course_answers)
    judge(row, lesson, run, plan, answers)
