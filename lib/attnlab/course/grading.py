"""Grading without nbgrader: a folder of submitted notebooks in, a gradebook CSV out.

    attnlab-grade SUBMISSIONS_DIR --lesson 03_softmax --out grades.csv

``SUBMISSIONS_DIR`` holds one ``<student>.ipynb`` per student, or nbgrader's layout
``<student>/<lesson>/<lesson>.ipynb`` (e.g. an nbgrader course's ``submitted/`` folder).

Nothing in a submission is trusted or imported here. Each notebook runs in a fresh kernel of this
environment's Python, in an empty temporary folder, with one time limit for the whole notebook.
Where the submission has a check cell — or right after its exercise if the check cell was deleted —
the grader runs the *course's* check from ``solutions/<lesson>.ipynb`` instead (hidden tests
included), with :mod:`attnlab.checks` imported afresh from disk, on the learner's function as it is
at that point. The exercises, their function names and points come from the solution notebook's
nbgrader metadata. Invalid or missing files, exceptions, endless loops, a dying kernel, deleted
cells and renamed functions each become a clear line in the CSV; the run always goes on.

Like nbgrader's hidden tests, the checks share the learner's kernel: they are safe from accidents
and simple tampering, not from a learner who sets out to subvert Python itself. For untrusted
classes, run the grader as an unprivileged user or in a container.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import secrets
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from attnlab.checks.core import WELL_DONE
from attnlab.course.kernels import kernel_manager
from attnlab.paths import SOLUTIONS_DIR

TIME_LIMIT = 120.0  # seconds per notebook; every lesson runs in well under 15 s
MAX_BYTES = 20_000_000  # a lesson notebook with outputs is well under 1 MB


@dataclass(frozen=True)
class Exercise:
    """One graded exercise of a lesson, read from the solution notebook."""

    grade_id: str  # the exercise cell's nbgrader id, e.g. "dot"
    check_id: str  # the check cell's nbgrader id, e.g. "check_dot"
    function: str  # the function the learner writes
    check: str  # the course's check cell, hidden tests included
    points: float


@dataclass
class Grade:
    """One student's row of the gradebook."""

    student: str
    status: str  # graded | missing | invalid notebook | time limit | kernel died | grader error
    scores: dict[str, float] = field(default_factory=dict)  # by exercise grade_id
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    peak_mb: float | None = None  # the kernel's peak memory (what a hub must give each student)


def _nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def exercises(solution: nbformat.NotebookNode) -> list[Exercise]:
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
                              after.source, float(_nbgrader(after)["points"])))
    return found


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


# --- what runs in the learner's kernel ----------------------------------------------------------

_CHECK_CELL = '''\
def __attnlab_grade():
    import importlib, sys
    if {function!r} not in globals():
        return False, "`{function}` is not defined (was its cell deleted or the function renamed?)"
    for name in [m for m in sys.modules if m.split(".")[0] == "attnlab"]:
        del sys.modules[name]  # the checks fresh from disk, whatever the notebook did to them
    checks = importlib.import_module("attnlab.checks")
    course_checks = {{k: v for k, v in vars(checks).items() if k.startswith("check_")}}
    namespace = {{**globals(), **course_checks}}
    try:
        exec({head!r}, namespace)
        result = eval({tail!r}, namespace) if {tail!r} else None
    except AssertionError as exc:
        return False, str(exc) or "a hidden test failed"
    except BaseException as exc:
        return False, f"the check raised {{type(exc).__name__}}: {{exc}}"
    return getattr(result, "passed", True) is True, getattr(result, "line", "")
print({mark!r} + __import__("json").dumps(__attnlab_grade()))'''


def check_cell(exercise: Exercise, mark: str) -> nbformat.NotebookNode:
    """A cell that runs the course's check on the learner's function and prints one result line.

    The check cell's statements run as they are (a failing hidden ``assert`` fails the exercise);
    if it ends in an expression (``check_foo(foo)``), its ``CheckResult`` must also have passed.
    """
    body = ast.parse(exercise.check).body
    tail = ast.unparse(body.pop()) if body and isinstance(body[-1], ast.Expr) else ""
    head = ast.unparse(ast.Module(body=body, type_ignores=[]))
    source = _CHECK_CELL.format(function=exercise.function, head=head, tail=tail, mark=mark)
    return nbformat.v4.new_code_cell(source, metadata={"attnlab_check": exercise.grade_id})


def _defines(cell, name: str) -> bool:
    try:
        return any(isinstance(n, ast.FunctionDef) and n.name == name for n in ast.parse(cell.source).body)
    except SyntaxError:  # IPython magics, or a learner's typo
        return False


def grading_notebook(submission: nbformat.NotebookNode, exs: list[Exercise], mark: str):
    """The submission's code cells with the course's checks in place of its check cells.

    A check goes where the submission's check cell is; if that was deleted, right after the
    exercise cell (found by its nbgrader id, else by the cell defining the function); else last.
    """
    learner = [c for c in submission.cells if c.get("cell_type") == "code"]
    by_id = {_nbgrader(c).get("grade_id"): i for i, c in enumerate(learner) if _nbgrader(c)}
    place = {}  # learner cell index -> checks to run after it (-1: before everything)
    for ex in exs:
        if ex.check_id in by_id:
            where = by_id[ex.check_id]
        elif ex.grade_id in by_id:
            where = by_id[ex.grade_id]
        else:
            where = next((i for i, c in enumerate(learner) if _defines(c, ex.function)), len(learner) - 1)
        place.setdefault(where, []).append(ex)
    checks = {ex.check_id for ex in exs}
    cells = [check_cell(ex, mark) for ex in place.get(-1, [])]
    for i, cell in enumerate(learner):
        if _nbgrader(cell).get("grade_id") not in checks:
            cells.append(nbformat.v4.new_code_cell(cell.get("source", ""), metadata={"learner": i + 1}))
        cells.extend(check_cell(ex, mark) for ex in place.get(i, []))
    return nbformat.v4.new_notebook(cells=cells, metadata=dict(submission.get("metadata", {})))


# --- grading one submission ---------------------------------------------------------------------


def read_submission(path: Path) -> nbformat.NotebookNode:
    """The submitted notebook, or ``ValueError`` saying why it cannot be graded."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"the file is {size / 1e6:.0f} MB; a lesson notebook is well under 1 MB")
    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except UnicodeDecodeError:
        raise ValueError("the file is not text (UTF-8)") from None
    except Exception as exc:  # nbformat raises several kinds for non-notebooks
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"not a notebook ({first[:120]})") from None
    if not isinstance(nb.get("cells"), list):
        raise ValueError("not a notebook (it has no list of cells)")
    return nb


def _result(cell, mark: str) -> tuple[bool, str] | None:
    for out in cell.get("outputs", []):
        for line in out.get("text", "").splitlines():
            if line.startswith(mark):
                return tuple(json.loads(line[len(mark):]))
    return None


def _first_error(cells) -> str | None:
    for cell in cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error" and "learner" in cell.metadata:
                return f"code cell {cell.metadata.learner} raised {out['ename']}: {out['evalue'][:200]}"
    return None


def run(nb: nbformat.NotebookNode, time_limit: float) -> tuple[str, str | None]:
    """Execute ``nb`` in place in a fresh kernel, in an empty folder, stopping at ``time_limit``
    seconds in all; return (status, what stopped it)."""
    with tempfile.TemporaryDirectory(prefix="attnlab-grade-") as workdir, kernel_manager() as km:
        client = NotebookClient(nb, km=km, allow_errors=True, shutdown_kernel="immediate",
                                resources={"metadata": {"path": workdir}})
        deadline = time.monotonic() + time_limit
        with client.setup_kernel(cleanup_kc=True):
            for i, cell in enumerate(nb.cells):
                client.timeout = max(1, int(deadline - time.monotonic()))
                try:
                    client.execute_cell(cell, i)
                except CellTimeoutError:
                    return "time limit", f"stopped after the notebook's time limit of {time_limit:g} s"
                except DeadKernelError:
                    where = cell.metadata.get("learner")
                    return "kernel died", "the kernel died" + (f" in code cell {where}" if where else "")
    return "graded", None


def grade(student: str, path: Path, exs: list[Exercise], time_limit: float = TIME_LIMIT) -> Grade:
    """Grade one submission. Never raises for anything the submission contains."""
    start = time.perf_counter()
    row = Grade(student, "graded", {ex.grade_id: 0.0 for ex in exs})
    if not path.is_file():
        row.status = "missing"
        row.notes.append(f"no file {path.name} submitted")
    else:
        try:
            submission = read_submission(path)
        except (ValueError, OSError) as exc:
            row.status = "invalid notebook"
            row.notes.append(str(exc))
        else:
            try:
                _grade_notebook(row, submission, exs, time_limit)
            except Exception as exc:  # e.g. no kernel could start: say so, and grade the others
                row.status = "grader error"
                row.notes.append(f"{type(exc).__name__}: {exc}")
    row.seconds = time.perf_counter() - start
    return row


# The kernel's peak resident memory in MB: VmHWM, the high-water mark of this process's own memory
# (Linux). Not ru_maxrss, which a child inherits from whoever forked it (Linux keeps it across
# exec): a kernel started by a big process would report that process's peak.
_MEMORY_CELL = """\
def __attnlab_peak_mb():
    import re, resource, sys
    try:
        with open("/proc/self/status") as f:
            return round(int(re.search(r"VmHWM:\\s+(\\d+) kB", f.read()).group(1)) / 1024, 1)
    except (OSError, AttributeError):
        scale = 1024 ** 2 if sys.platform == "darwin" else 1024
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale, 1)
print({mark!r} + __import__("json").dumps([__attnlab_peak_mb()]))"""


def _grade_notebook(row: Grade, submission, exs: list[Exercise], time_limit: float) -> None:
    mark = f"@@attnlab-grade-{secrets.token_hex(8)} "  # unguessable: prints cannot fake a result
    nb = grading_notebook(submission, exs, mark)
    nb.cells.append(nbformat.v4.new_code_cell(_MEMORY_CELL.format(mark=mark)))
    row.status, stopped = run(nb, time_limit)
    peak = _result(nb.cells[-1], mark)
    row.peak_mb = peak[0] if peak else None
    results = {c.metadata["attnlab_check"]: _result(c, mark) for c in nb.cells
               if "attnlab_check" in c.metadata}
    for ex in exs:
        passed, message = results.get(ex.grade_id) or (False, stopped or "the check did not run")
        row.scores[ex.grade_id] = ex.points if passed else 0.0
        if not passed or (message and not message.endswith(WELL_DONE)):  # e.g. passed, helper noted
            row.notes.append(f"{ex.grade_id}: {message}")
    error = _first_error(nb.cells)
    if error:
        row.notes.append(error)


# --- the gradebook ------------------------------------------------------------------------------


def write_csv(rows: list[Grade], exs: list[Exercise], out: Path) -> None:
    """One row per student: status, a score per exercise, total, maximum, seconds, the kernel's
    peak memory in MB, notes."""
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", "status", *[ex.grade_id for ex in exs], "total", "max",
                         "seconds", "peak_mb", "notes"])
        for row in rows:
            writer.writerow([row.student, row.status, *[f"{row.scores[ex.grade_id]:g}" for ex in exs],
                             f"{sum(row.scores.values()):g}", f"{sum(ex.points for ex in exs):g}",
                             f"{row.seconds:.1f}", "" if row.peak_mb is None else f"{row.peak_mb:.0f}",
                             " | ".join(row.notes)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="attnlab-grade", description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, nargs="?", help="folder of submitted notebooks")
    parser.add_argument("--lesson", required=True, help="lesson name, e.g. 03_softmax")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="gradebook CSV to write")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT,
                        help=f"seconds per notebook (default {TIME_LIMIT:g})")
    parser.add_argument("--roster", type=Path,
                        help="file with one student id per line: who should have submitted")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at once (default 1)")
    parser.add_argument("--list", action="store_true", help="only list the lesson's exercises and points")
    args = parser.parse_args(argv)
    solution_path = SOLUTIONS_DIR / f"{args.lesson}.ipynb"
    if not solution_path.is_file():
        parser.error(f"no lesson {args.lesson!r} (no {solution_path})")
    exs = exercises(nbformat.read(solution_path, as_version=4))
    if args.list:
        for ex in exs:
            print(f"{ex.grade_id}: {ex.function}(), checked by {ex.check_id}, {ex.points:g} point(s)")
        return 0
    if args.submissions is None or not args.submissions.is_dir():
        parser.error(f"{args.submissions} is not a folder of submissions")
    roster = args.roster.read_text().split() if args.roster else []
    submissions = find_submissions(args.submissions, args.lesson, roster)
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:  # each notebook runs in its own kernel
        rows = list(pool.map(lambda item: grade(*item, exs, args.time_limit), submissions.items()))
    for row in rows:
        print(f"{row.student}: {row.status}, {sum(row.scores.values()):g}/{sum(e.points for e in exs):g}"
              f" ({row.seconds:.1f} s)")
    write_csv(rows, exs, args.out)
    print(f"wrote {args.out} ({len(rows)} students)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
