"""Grading one submission: read it, run it in its sandbox, judge what came back.

The lesson (:class:`Lesson`) is read once from ``solutions/<lesson>.ipynb``: its exercises, points
and check cells (nbgrader metadata), and each check *recorded* (:func:`attnlab.course.replay.record`)
— its cases and expected answers stay in this process. For a submission, only its code cells, the
place of each check (where its check cell is, else right after the exercise) and the cases'
inputs go into the sandbox (:mod:`attnlab.course.runner`), which holds the lesson's grading build
(:mod:`attnlab.course.build`: no answer of this lesson in it); the answers come back as plain data
— one message per exercise, where the runner writes it — and are judged here
(:func:`attnlab.course.replay.replay`). A learner's function that misses only through a broken
helper of theirs gets a stand-in run of its own (a build holding that helper, counted for that
exercise only). :func:`grade` never raises for anything a submission contains: every problem
becomes a status and a note.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import attnlab.checks
from attnlab.checks.core import CheckSpec
from attnlab.checks.exercises import of_lesson
from attnlab.course import build, runner
from attnlab.course.execute import Run, execute, sandbox_env  # noqa: F401 — part of the grading API
from attnlab.course.partial import share
from attnlab.course.replay import Answers, inputs, record, replay
from attnlab.course.sandbox import private_folder

NOT_GRADED = "not graded"  # the grader or its sandbox failed: never a score
REFUSED = "refused"  # what was handed in is a link, a folder or a special file, not a notebook
TIME_LIMIT = 120.0  # seconds per notebook; every lesson runs in well under 15 s
MAX_BYTES = 512 * 2**20  # the file (outputs included: a notebook with big plots may be 50 MB)
MAX_CODE = 4 * 2**20  # the code cells' sources together: a lesson's are about 20 kB


@dataclass(frozen=True)
class Exercise:
    """One graded exercise of a lesson, read from the solution notebook."""

    grade_id: str  # the exercise cell's nbgrader id, e.g. "dot"
    check_id: str  # the check cell's nbgrader id, e.g. "check_dot"
    function: str  # the function the learner writes
    check: str  # the course's check cell, hidden tests included
    points: float
    check_name: str = ""  # the check it calls, e.g. "check_dot"


@dataclass
class Grade:
    """One student's row of the gradebook."""

    student: str
    status: str  # graded | missing | refused | invalid notebook | time limit | kernel died | not graded
    scores: dict[str, float] = field(default_factory=dict)  # by exercise grade_id
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_mb: float | None = None  # the sandbox's peak memory (what a hub must give each student)
    evidence: list = field(default_factory=list, repr=False)  # the sandbox's messages, kept as evidence
    diagnoses: dict[str, dict] = field(default_factory=dict)  # grade_id -> the check's Diagnosis as data


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    found = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return found if isinstance(found, dict) else {}


def _check_called(check_source: str, function: str) -> str:
    """The ``check_*`` function a check cell calls on ``function`` (every call must be the same)."""
    names = {node.func.id for node in ast.walk(ast.parse(check_source))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
             and node.func.id.startswith("check_") and any(isinstance(a, ast.Name) and a.id == function
                                                           for a in node.args)}
    if len(names) != 1:
        raise ValueError(f"the check cell of {function!r} must call one check_* on it, calls {sorted(names)}")
    return names.pop()


def exercises(solution) -> list[Exercise]:
    """Each exercise cell of a solution notebook with the check cell that follows it."""
    found = []
    for cell, after in zip(solution.cells, solution.cells[1:], strict=False):
        if not (_nbgrader(cell).get("solution") and _nbgrader(after).get("grade")):
            continue
        defined = [n.name for n in ast.parse(cell.source).body  # a function, or a class (lesson 10)
                   if isinstance(n, ast.FunctionDef | ast.ClassDef)]
        used = {n.id for n in ast.walk(ast.parse(after.source)) if isinstance(n, ast.Name)}
        function = next(name for name in defined if name in used)
        found.append(Exercise(_nbgrader(cell)["grade_id"], _nbgrader(after)["grade_id"], function,
                              after.source, float(_nbgrader(after)["points"]),
                              _check_called(after.source, function)))
    return found


def declared_exercises(lesson: str) -> list[Exercise]:
    """The graded exercises of ``lesson``, as :mod:`attnlab.checks.exercises` declares them."""
    return [Exercise(ex.name, ex.check_id, ex.name, ex.check_source, float(ex.points), ex.check)
            for ex in of_lesson(lesson)]


@dataclass
class Lesson:
    """A lesson as the grader needs it: exercises, and each check recorded (expected answers here)."""

    name: str
    exercises: list[Exercise]
    specs: dict[str, CheckSpec]
    partial: bool = False  # score a missed exercise by its share of passed cases (--partial)

    @classmethod
    def load(cls, name: str, solution=None) -> Lesson:
        """The lesson's exercises from the table of exercises (the solution notebook agrees: the
        generator makes it so); ``solution`` is not read."""
        exs = declared_exercises(name)
        return cls(name, exs, {ex.grade_id: record(getattr(attnlab.checks, ex.check_name)) for ex in exs})

    @property
    def max_points(self) -> float:
        return sum(ex.points for ex in self.exercises)

    def plan(self, cells: list[dict], only: set[str] | None = None, stand_in: bool = False) -> runner.Plan:
        """The sandbox's plan for a submission's cells: code, where each check goes, its inputs
        (``only`` those exercises; ``stand_in``: a stand-in run, with the helpers' signatures)."""
        code = [c for c in cells if c.get("cell_type") == "code"]
        places = placement(code, self.exercises)
        after: dict[int, list[runner.Exercise]] = {}
        for ex in self.exercises:
            if only is not None and ex.grade_id not in only:
                continue
            spec = self.specs[ex.grade_id]
            declared = {name: build.signatures().get(name) for name in spec.helpers} if stand_in else {}
            # A main run needs only the helpers' names: a reference the checks define is not in its build.
            helpers = spec.helpers if stand_in else {n: None if build.in_checks(r) else r
                                                     for n, r in spec.helpers.items()}
            after.setdefault(places[ex.grade_id], []).append(
                runner.Exercise(ex.grade_id, ex.function, inputs(spec), helpers, spec.time_limit_s, declared))
        checks = {ex.check_id for ex in self.exercises}
        # The submission's check cells do not run: the course's check runs in their place.
        sources = ["" if _nbgrader(c).get("grade_id") in checks else _source(c) for c in code]
        return runner.Plan(sources, dict(sorted(after.items())), stand_in)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _defines(source: str, name: str) -> bool:
    try:
        return any(isinstance(n, ast.FunctionDef) and n.name == name for n in ast.parse(source).body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # magics, a typo, a 1 MB expression
        return False


def placement(code: list[dict], exs: list[Exercise]) -> dict[str, int]:
    """Exercise -> the index of the code cell its check runs after (-1: before every cell).

    Where the submission's check cell is; if that was deleted, right after the exercise cell (found
    by its nbgrader id, else by the last cell defining the function); else after the last cell.
    """
    by_id = {}
    for i, cell in enumerate(code):
        by_id.setdefault(_nbgrader(cell).get("grade_id"), i)
    places = {}
    for ex in exs:
        if ex.check_id in by_id:
            places[ex.grade_id] = by_id[ex.check_id]
        elif ex.grade_id in by_id:
            places[ex.grade_id] = by_id[ex.grade_id]
        else:
            defining = [i for i, c in enumerate(code) if _defines(_source(c), ex.function)]
            places[ex.grade_id] = defining[-1] if defining else len(code) - 1  # the kernel runs the last
    return places


def _clean(cell: dict) -> dict:
    """A cell whose nbgrader metadata is malformed (not a dict, an id that is not text) has none."""
    meta = cell.get("metadata")
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    if isinstance(nbg, dict) and (nbg.get("grade_id") is None or isinstance(nbg.get("grade_id"), str)):
        return cell
    return {**cell, "metadata": {}}


def read_submission(path: Path) -> list[dict]:
    """The submitted notebook's cells, or ``ValueError`` saying why it cannot be graded."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"the file is {size / 2**20:.0f} MB; the grader reads notebooks up to "
                         f"{MAX_BYTES // 2**20} MB")
    try:
        nb = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("the file is not text (UTF-8)") from None
    except (ValueError, RecursionError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"not a notebook: it does not appear to be JSON ({first[:120]})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("not a notebook (it has no list of cells)")
    cells = [_clean(c) for c in nb["cells"] if isinstance(c, dict)]
    code = sum(len(_source(c)) for c in cells if c.get("cell_type") == "code")
    if code > MAX_CODE:
        raise ValueError(f"its code cells hold {code / 2**20:.1f} MB of code; a lesson's hold a few kB")
    return cells


# --- running the plan in a sandbox ---------------------------------------------------------------


# --- judging -------------------------------------------------------------------------------------


def _skeleton(plan: runner.Plan) -> list[tuple[str, object]]:
    """The runner's messages in the order it writes them: cell markers and exercises."""
    events = [("exercise", ex.grade_id) for ex in plan.after.get(-1, [])]
    for i in range(len(plan.cells)):
        events.append(("cell", i + 1))
        events += [("exercise", ex.grade_id) for ex in plan.after.get(i, [])]
    return events


def sent_answers(run: Run, plan: runner.Plan) -> tuple[dict[str, dict], dict[str, str]]:
    """Each exercise's message, taken only where the runner writes it (after its cell, in the
    plan's order) and only if it is the only one; and exercise -> why its message is refused."""
    expected, at = _skeleton(plan), 0
    found: dict[str, dict] = {}
    refused: dict[str, str] = {}
    for message in run.messages:
        kind = "cell" if "cell" in message else "exercise" if "exercise" in message else None
        if kind is None:
            continue
        key = message[kind]
        if not isinstance(key, str | int) or isinstance(key, bool):
            continue
        if at < len(expected) and expected[at] == (kind, key) and key not in found:
            at += 1
            if kind == "exercise":
                found[key] = message
        elif kind == "exercise" and any(key == k for t, k in expected if t == "exercise"):
            refused[key] = ("more than one answer message came back for it, or one out of order — "
                            "something in the notebook wrote to the grader's pipe")
    for key in refused:
        found.pop(key, None)
    return found, refused


def _answers(message: dict, run: Run) -> Answers | None:
    try:
        return Answers.from_message(message)
    except (ValueError, RecursionError):
        run.unreadable += 1
        return None


def _assigned(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    return names | {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
                    if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}


def first_error(run: Run, plan: runner.Plan) -> dict | None:
    """The first error of the learner's own: not a lesson demo that needs this lesson's answers
    (not in its grading build), nor a NameError for a name such a demo cell would have defined."""
    left_undefined: set[str] = set()
    for m in run.messages:
        error = m.get("error")
        if not isinstance(error, dict) or type(error.get("cell")) is not int:
            continue
        if type(error.get("text")) is not str:
            continue
        if "grading build" in error["text"]:
            if 0 < error["cell"] <= len(plan.cells):
                left_undefined |= _assigned(plan.cells[error["cell"] - 1])
            continue
        missing = re.match(r"NameError: name '(\w+)' is not defined", error["text"])
        if missing and missing.group(1) in left_undefined:  # and what that cell defines, in turn
            if error["cell"] <= len(plan.cells):
                left_undefined |= _assigned(plan.cells[error["cell"] - 1])
            continue
        return error
    return None


def needs_stand_in(lesson: Lesson, answers: dict[str, Answers]) -> dict[str, frozenset]:
    """Exercise -> the course helpers to stand in: where the learner's function missed, called a
    helper of the learner's own, and returned nothing of the course's."""
    found = {}
    for grade_id, got in answers.items():
        spec = lesson.specs[grade_id]
        used = [name for name in got.helpers_used if name in spec.helpers]
        if got.function != "callable" or not used or got.course_answers:
            continue
        if replay(spec, got).passed:
            continue
        found[grade_id] = frozenset().union(*(build.kept_for(spec.helpers[n]) for n in used))
    return found


def judge(row: Grade, lesson: Lesson, run: Run, plan: runner.Plan, answers: dict[str, Answers] | None = None,
          refused: dict[str, str] | None = None) -> None:
    """Scores and notes from a sandbox's messages (untrusted: see :func:`sent_answers`)."""
    if answers is None:
        sent, refused = sent_answers(run, plan)
        answers = {g: a for g, m in sent.items() if (a := _answers(m, run)) is not None}
    for ex in lesson.exercises:
        got = answers.get(ex.grade_id)
        if refused and ex.grade_id in refused:
            row.notes.append(f"{ex.grade_id}: ❌ not graded: {refused[ex.grade_id]}")
        elif got is None:
            row.notes.append(f"{ex.grade_id}: {run.stopped or 'the check did not run'}")
        elif got.function == "missing":
            row.notes.append(f"{ex.grade_id}: `{ex.function}` is not defined "
                             "(was its cell deleted or the function renamed?)")
            row.diagnoses[ex.grade_id] = {"verdict": "not attempted"}
        else:
            result = replay(lesson.specs[ex.grade_id], got)
            row.diagnoses[ex.grade_id] = result.diagnosis.to_dict()
            row.scores[ex.grade_id] = ex.points if result.passed else 0.0
            if lesson.partial and not result.passed:  # attnlab.course.partial
                row.scores[ex.grade_id] = round(ex.points * share(lesson.specs[ex.grade_id], got), 4)
            if not result.passed or result.stood_in:
                row.notes.append(f"{ex.grade_id}: {result.line}")
    error = first_error(run, plan)
    if error is not None:
        row.notes.append(f"code cell {error['cell']} raised {error['text'][:200]}")
    peaks = [m["peak_mb"] for m in run.messages if isinstance(m.get("peak_mb"), int | float)]
    row.peak_mb = float(peaks[-1]) if peaks else None
    if run.unreadable:
        row.notes.append(f"{run.unreadable} line(s) the sandbox sent could not be read")


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
            cells = read_submission(path)
        except (ValueError, OSError) as exc:
            row.status = "invalid notebook"
            row.notes.append(str(exc))
        else:
            try:
                _grade_cells(row, path, cells, lesson, isolation, time_limit)
            except Exception as exc:  # e.g. no sandbox could start: say so, and grade the others
                row.status = NOT_GRADED
                row.notes.append(f"grader error: {type(exc).__name__}: {str(exc)[:300]}")
    row.seconds = time.perf_counter() - start
    return row


def _run(path: Path, plan: runner.Plan, lesson: Lesson, isolation, time_limit: float,
         keep: frozenset = frozenset()) -> Run:
    """One sandbox run of ``plan`` on a copy of the submission, in the lesson's grading build."""
    work = private_folder()
    try:
        shutil.copyfile(path, work / f"{lesson.name}.ipynb")  # the submission's own copy
        with isolation.sandbox(work, build=build.BUILDS.get(lesson.name, keep)) as box:
            return execute(plan, box, time_limit)
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)


def _grade_cells(row: Grade, path: Path, cells, lesson: Lesson, isolation, time_limit: float) -> None:
    plan = lesson.plan(cells)
    run = _run(path, plan, lesson, isolation, time_limit)
    row.status = run.status
    row.evidence = list(run.messages)
    sent, refused = sent_answers(run, plan)
    answers = {g: a for g, m in sent.items() if (a := _answers(m, run)) is not None}
    groups: dict[frozenset, set[str]] = {}
    for grade_id, keep in needs_stand_in(lesson, answers).items():
        groups.setdefault(keep, set()).add(grade_id)
    for keep, only in groups.items():  # a run of its own per helper set, counted for those exercises only
        again_plan = lesson.plan(cells, only=only, stand_in=True)
        again = _run(path, again_plan, lesson, isolation, time_limit, keep)
        stood, _ = sent_answers(again, again_plan)
        for grade_id in only:
            outcomes = stood.get(grade_id, {}).get("standing_in")
            if isinstance(outcomes, list):
                got = Answers.from_message({**sent[grade_id], "standing_in": outcomes})
                answers[grade_id] = replace(got, course_answers=answers[grade_id].course_answers)
    judge(row, lesson, run, plan, answers, refused)
