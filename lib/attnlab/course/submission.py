"""Grading one submission: read it, run it in its sandbox, judge what came back.

The lesson (:class:`Lesson`) is read once from ``solutions/<lesson>.ipynb``: its exercises, points
and check cells (nbgrader metadata), and each check *recorded* (:func:`attnlab.checks.replay.record`)
— its cases and expected answers stay in this process. For a submission, only its code cells, the
place of each check (where its check cell is, else right after the exercise) and the cases'
inputs go into the sandbox (:mod:`attnlab.course.runner`); the answers come back as plain data
and are judged here (:func:`attnlab.checks.replay.replay`). :func:`grade` never raises for
anything a submission contains: every problem becomes a status and a note.
"""

from __future__ import annotations

import ast
import json
import os
import pickle
import selectors
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import attnlab.checks
from attnlab.checks import plain
from attnlab.checks.core import CheckSpec
from attnlab.checks.replay import Answers, inputs, record, replay
from attnlab.course import runner
from attnlab.course.partial import share
from attnlab.course.sandbox import HOME, private_folder

TIME_LIMIT = 120.0  # seconds per notebook; every lesson runs in well under 15 s
MAX_BYTES = 512 * 2**20  # the file (outputs included: a notebook with big plots may be 50 MB)
MAX_CODE = 4 * 2**20  # the code cells' sources together: a lesson's are about 20 kB
MAX_MESSAGES = 64 * 2**20  # what a sandbox may send back in all (a lesson's answers: well under 1 MB)
RUNNER = ["-I", "-m", "attnlab.course.runner"]  # -I: no folder the submission can write is on sys.path


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
    status: str  # graded | missing | invalid notebook | time limit | kernel died | grader error
    scores: dict[str, float] = field(default_factory=dict)  # by exercise grade_id
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_mb: float | None = None  # the sandbox's peak memory (what a hub must give each student)
    evidence: list = field(default_factory=list, repr=False)  # the sandbox's messages, kept as evidence


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


@dataclass
class Lesson:
    """A lesson as the grader needs it: exercises, and each check recorded (expected answers here)."""

    name: str
    exercises: list[Exercise]
    specs: dict[str, CheckSpec]
    partial: bool = False  # score a missed exercise by its share of passed cases (--partial)

    @classmethod
    def load(cls, name: str, solution) -> Lesson:
        exs = exercises(solution)
        return cls(name, exs, {ex.grade_id: record(getattr(attnlab.checks, ex.check_name)) for ex in exs})

    @property
    def max_points(self) -> float:
        return sum(ex.points for ex in self.exercises)

    def plan(self, cells: list[dict]) -> runner.Plan:
        """The sandbox's plan for a submission's cells: code, where each check goes, its inputs."""
        code = [c for c in cells if c.get("cell_type") == "code"]
        places = placement(code, self.exercises)
        after: dict[int, list[runner.Exercise]] = {}
        for ex in self.exercises:
            spec = self.specs[ex.grade_id]
            after.setdefault(places[ex.grade_id], []).append(
                runner.Exercise(ex.grade_id, ex.function, inputs(spec), spec.helpers, spec.time_limit_s))
        checks = {ex.check_id for ex in self.exercises}
        # The submission's check cells do not run: the course's check runs in their place.
        sources = ["" if _nbgrader(c).get("grade_id") in checks else _source(c) for c in code]
        return runner.Plan(sources, after)


def _source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _defines(source: str, name: str) -> bool:
    try:
        return any(isinstance(n, ast.FunctionDef) and n.name == name for n in ast.parse(source).body)
    except (SyntaxError, ValueError, RecursionError):  # IPython magics, or a learner's typo
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
            places[ex.grade_id] = defining[0] if defining else len(code) - 1
    return places


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
    cells = [c for c in nb["cells"] if isinstance(c, dict)]
    code = sum(len(_source(c)) for c in cells if c.get("cell_type") == "code")
    if code > MAX_CODE:
        raise ValueError(f"its code cells hold {code / 2**20:.1f} MB of code; a lesson's hold a few kB")
    return cells


# --- running the plan in a sandbox ---------------------------------------------------------------


def sandbox_env(home: str = HOME) -> dict[str, str]:
    """The whole environment of a sandboxed runner: no secrets, one thread per library (several
    submissions run at once), everything offline."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": home,
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp/matplotlib", "IPYTHONDIR": "/tmp/ipython",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
    }


@dataclass
class Run:
    """What came back from one sandbox."""

    messages: list[dict] = field(default_factory=list)
    status: str = "graded"  # graded | time limit | kernel died | grader error
    stopped: str | None = None  # why it stopped early
    unreadable: int = 0  # lines that were not messages
    stderr: bytes = b""


def _feed(proc, payload: bytes) -> None:
    try:
        proc.stdin.write(payload)
        proc.stdin.close()
    except OSError:  # it died before reading everything: the run's status says so
        pass


def _parse(line: bytes, run: Run) -> bool:
    """Keep one line's message; True once the runner says it is done."""
    try:
        message = plain.loads(line.decode("utf-8"))  # arrays as arrays; nothing but plain data
    except (ValueError, RecursionError):
        run.unreadable += 1
        return False
    if not isinstance(message, dict):
        run.unreadable += 1
        return False
    run.messages.append(message)
    return message.get("done") is True


def execute(plan: runner.Plan, box, time_limit: float) -> Run:
    """Run ``plan`` in ``box`` (a sandbox), reading its messages until it is done, dies, or the
    wall-clock ``time_limit`` passes; then kill it, whatever it started."""
    run = Run()
    proc = box.start([sys.executable, *RUNNER], sandbox_env(), stdin=-1, stdout=-1, stderr=-1)
    feeder = threading.Thread(target=_feed, args=(proc, pickle.dumps(plan)), daemon=True)
    feeder.start()
    deadline = time.monotonic() + time_limit
    buffer, received, done = b"", 0, False
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        sel.register(proc.stderr, selectors.EVENT_READ)
        while sel.get_map() and not done:
            left = deadline - time.monotonic()
            if left <= 0:
                run.status = "time limit"
                run.stopped = f"stopped after the notebook's time limit of {time_limit:g} s"
                break
            for key, _ in sel.select(timeout=min(left, 1.0)):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fileobj)
                elif key.fileobj is proc.stderr:
                    run.stderr = (run.stderr + chunk)[-4000:]
                else:
                    received += len(chunk)
                    if received > MAX_MESSAGES:
                        run.status, run.stopped = "kernel died", "stopped: it sent more than the grader reads"
                        done = True
                        break
                    buffer += chunk
                    *lines, buffer = buffer.split(b"\n")
                    done = any(_parse(line, run) for line in lines if line.strip())
    box.stop()
    feeder.join(timeout=5)
    if run.status == "graded" and not done:
        cells = [m["cell"] for m in run.messages if isinstance(m.get("cell"), int)]
        if cells:
            run.status, run.stopped = "kernel died", f"the kernel died in code cell {cells[-1]}"
        else:
            tail = run.stderr.decode(errors="replace").strip().splitlines()
            run.status = "grader error"
            run.stopped = "the sandbox did not start" + (f": {tail[-1][:300]}" if tail else "")
    return run


# --- judging -------------------------------------------------------------------------------------


def judge(row: Grade, lesson: Lesson, run: Run) -> None:
    """Scores and notes from a sandbox's messages (untrusted: the first readable message for each
    exercise counts; anything else is ignored)."""
    answers: dict[str, Answers] = {}
    for message in run.messages:
        grade_id = message.get("exercise")
        if grade_id in lesson.specs and grade_id not in answers:
            try:
                answers[grade_id] = Answers.from_message(message)
            except (ValueError, RecursionError):
                run.unreadable += 1
    for ex in lesson.exercises:
        got = answers.get(ex.grade_id)
        if got is None:
            row.notes.append(f"{ex.grade_id}: {run.stopped or 'the check did not run'}")
        elif got.function == "missing":
            row.notes.append(f"{ex.grade_id}: `{ex.function}` is not defined "
                             "(was its cell deleted or the function renamed?)")
        else:
            result = replay(lesson.specs[ex.grade_id], got)
            row.scores[ex.grade_id] = ex.points if result.passed else 0.0
            if lesson.partial and not result.passed:  # attnlab.course.partial
                row.scores[ex.grade_id] = round(ex.points * share(lesson.specs[ex.grade_id], got), 4)
            if not result.passed or result.stood_in:
                row.notes.append(f"{ex.grade_id}: {result.line}")
    errors = [m["error"] for m in run.messages if isinstance(m.get("error"), dict)]
    if errors and isinstance(errors[0].get("cell"), int) and isinstance(errors[0].get("text"), str):
        row.notes.append(f"code cell {errors[0]['cell']} raised {errors[0]['text'][:200]}")
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
                row.status = "grader error"
                row.notes.append(f"{type(exc).__name__}: {exc}")
    row.seconds = time.perf_counter() - start
    return row


def _grade_cells(row: Grade, path: Path, cells, lesson: Lesson, isolation, time_limit: float) -> None:
    work = private_folder()
    try:
        shutil.copyfile(path, work / f"{lesson.name}.ipynb")  # the submission's own copy
        with isolation.sandbox(work) as box:
            run = execute(lesson.plan(cells), box, time_limit)
        row.status = run.status
        row.evidence = run.messages
        judge(row, lesson, run)
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
