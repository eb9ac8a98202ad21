"""The generator: student notebooks are made from ``solutions/``, never edited by hand.

A solution notebook is an nbgrader source notebook. In an exercise cell the answer sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION``; the student copy gets nbgrader's stub in its place
(``# YOUR CODE HERE`` / ``raise NotImplementedError()``, at the same indentation, so exercises are
written as functions and the stub still defines them). Lines between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS`` are removed. The graded cells — exercise, check, their nbgrader metadata, the
first cell's import of the checks — are first made what the table of exercises declares
(:mod:`attnlab.course.declared`; a lesson that disagrees in a way it cannot derive is refused in one
line naming the cell). Both copies are then executed in this Python environment's
kernel and stored with their outputs, which strict nbval compares on every test run.

    attnlab-generate                 # execute solutions/, regenerate and execute notebooks/
    attnlab-generate 03_softmax      # only that lesson
    attnlab-generate --check         # exit 1 if notebooks/ is not what solutions/ generates
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path

import nbformat

from attnlab.course.declared import LessonError, apply
from attnlab.course.kernels import execute
from attnlab.course.outputs import drop_widget_state, keep_unchanged
from attnlab.paths import NOTEBOOKS_DIR, SOLUTIONS_DIR, lessons

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
MARKDOWN_STUB = "YOUR ANSWER HERE"
_SOLUTION = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*(\n|$)",
    re.M | re.S,
)
_HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n.*?^[ \t]*### END HIDDEN TESTS[^\n]*(\n|$)", re.M | re.S
)
_MARKER = re.compile(r"(BEGIN|END) (SOLUTION|HIDDEN TESTS)")


def strip_solutions(source: str, cell_type: str = "code") -> str:
    """Replace every solution region with the stub, indented like its ``### BEGIN`` line."""
    stub = CODE_STUB if cell_type == "code" else MARKDOWN_STUB

    def stub_for(match: re.Match) -> str:
        indent = match.group("indent")
        ending = match.group(0)[-1] if match.group(0).endswith("\n") else ""
        return "\n".join(indent + line for line in stub.splitlines()) + ending

    return _SOLUTION.sub(stub_for, source)


def strip_hidden_tests(source: str) -> str:
    """Remove hidden-test regions (nbgrader puts them back only when autograding)."""
    return _HIDDEN.sub("", source).rstrip("\n")


def check_markers(cell: nbformat.NotebookNode) -> None:
    """Refuse what nbgrader's ``generate_assignment`` refuses, with the same rules: it takes any
    line containing ``BEGIN SOLUTION`` (or ``HIDDEN TESTS``) as a marker, and allows solution
    regions only in solution cells, hidden tests only in grade cells."""
    meta = cell.metadata.get("nbgrader", {})
    for line in cell.source.splitlines():
        found = _MARKER.search(line)
        if found is None:
            continue
        if not re.match(r"[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)", line):
            raise ValueError(f"cell {cell.get('id')}: {line.strip()!r} is read as a marker by nbgrader; "
                             f"write it as '### {found.group(0)}' on a line of its own")
        kind = "solution" if found.group(2) == "SOLUTION" else "grade"
        if not meta.get(kind):
            raise ValueError(f"cell {cell.get('id')}: a {found.group(2)} region in a cell that is not "
                             f"an nbgrader {kind} cell (declare the exercise in "
                             "lib/attnlab/checks/exercises.py: the generator writes its cells)")


def student_copy(solution: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student notebook for a solution notebook, without outputs: the same cell sources as
    nbgrader's ``generate_assignment`` makes (tests/test_nbgrader.py compares them)."""
    nb = nbformat.from_dict(solution)  # a deep copy
    for cell in nb.cells:
        check_markers(cell)
        if cell.metadata.get("nbgrader", {}).get("solution") and not _SOLUTION.search(cell.source):
            cell.source = CODE_STUB if cell.cell_type == "code" else MARKDOWN_STUB  # whole cell
        else:
            cell.source = strip_hidden_tests(strip_solutions(cell.source, cell.cell_type))
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        lock(cell)
    return nb


def nbgrader_checksum(cell: nbformat.NotebookNode) -> str:
    """The checksum nbgrader keeps for a cell (``nbgrader.utils.compute_checksum``): autograde
    compares it to notice an edited check or read-only cell, and puts the course's source back."""
    meta = cell.metadata["nbgrader"]
    grade, solution = bool(meta.get("grade")), bool(meta.get("solution"))
    locked = not solution and (grade or bool(meta.get("locked")))
    parts = [cell.source, cell.cell_type, str(grade), str(solution), str(locked), meta["grade_id"]]
    if grade:
        parts.append(str(float(meta["points"])))
    digest = hashlib.md5()
    for part in parts:
        digest.update(part.encode("utf-8"))
    return digest.hexdigest()


def lock(cell: nbformat.NotebookNode) -> None:
    """What nbgrader's ``generate_assignment`` adds to a released cell, in place: JupyterLab's locks
    (``deletable``/``editable`` false on check and read-only cells, ``deletable`` false on exercise
    cells — nbgrader's LockCells) and the checksum and cell type (ComputeChecksums)."""
    meta = cell.metadata.get("nbgrader")
    if not meta:
        return
    grade, solution = bool(meta.get("grade")), bool(meta.get("solution"))
    if solution:
        cell.metadata["deletable"] = False
    elif grade or meta.get("locked"):
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False
    if grade or solution or meta.get("locked"):
        meta["checksum"] = nbgrader_checksum(cell)
        meta["cell_type"] = cell.cell_type


def lesson_names(names: list[str] | None = None) -> list[str]:
    """The lessons to build: the given names (with or without .ipynb), else every solution."""
    if names:
        return [Path(n).stem for n in names]
    return lessons()


def _stored(path: Path) -> nbformat.NotebookNode | None:
    return nbformat.read(path, as_version=4) if path.exists() else None


def _run(nb: nbformat.NotebookNode, path: Path, fresh: bool) -> nbformat.NotebookNode:
    """Execute ``nb`` beside ``path``; keep the outputs stored in ``path`` that did not change."""
    stored = None if fresh else _stored(path)
    return drop_widget_state(keep_unchanged(execute(nb, path.parent), stored))


def build(name: str, run: bool = True, fresh: bool = False,
          solutions: Path = SOLUTIONS_DIR, notebooks: Path = NOTEBOOKS_DIR) -> None:
    """Execute ``solutions/<name>.ipynb`` in place, then write its executed student copy into
    ``notebooks/``.

    Outputs that strict nbval would find unchanged stay as stored (:mod:`attnlab.course.outputs`),
    unless ``fresh``; widget state is never stored."""
    source = solutions / f"{name}.ipynb"
    if not source.exists():
        raise SystemExit(f"no solution notebook {source}")
    stored = nbformat.read(source, as_version=4)
    solution = apply(nbformat.from_dict(stored), name)  # the graded cells as the exercises' table says
    if run:
        solution = _run(solution, source, fresh)
    if run or _cells(solution) != _cells(stored):
        nbformat.write(solution, source)
    student = student_copy(solution)
    target = notebooks / f"{name}.ipynb"
    notebooks.mkdir(exist_ok=True)
    if run:
        student = _run(student, target, fresh)
    nbformat.write(student, target)


def _cells(nb: nbformat.NotebookNode) -> list[tuple]:
    return [(c.cell_type, c.source, dict(c.metadata)) for c in nb.cells]


def out_of_sync() -> list[str]:
    """Lessons whose student copy in ``notebooks/`` is not what the generator makes (sources)."""
    problems = []
    wanted = set(lesson_names())
    for extra in sorted({p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb")} - wanted):
        problems.append(f"notebooks/{extra}.ipynb has no solution in solutions/")
    for name in sorted(wanted):
        path = NOTEBOOKS_DIR / f"{name}.ipynb"
        if not path.exists():
            problems.append(f"notebooks/{name}.ipynb is missing")
            continue
        solution = nbformat.read(SOLUTIONS_DIR / f"{name}.ipynb", as_version=4)
        try:
            declared = apply(nbformat.from_dict(solution), name)
        except LessonError as exc:
            problems.append(str(exc))
            continue
        if _cells(declared) != _cells(solution):
            problems.append(f"solutions/{name}.ipynb is not what the table of exercises makes it: "
                            f"run attnlab-generate {name}")
        expected = student_copy(solution)
        if _cells(nbformat.read(path, as_version=4)) != _cells(expected):
            problems.append(f"notebooks/{name}.ipynb differs from what solutions/{name} generates")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="attnlab-generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson names (default: all of solutions/)")
    parser.add_argument("--check", action="store_true", help="only report notebooks out of sync")
    parser.add_argument("--no-execute", action="store_true", help="write copies without running")
    parser.add_argument("--fresh", action="store_true",
                        help="store every fresh output (default: keep those strict nbval finds unchanged)")
    args = parser.parse_args(argv)
    if args.check:
        problems = out_of_sync()
        print("\n".join(problems) or "notebooks/ is in sync with solutions/")
        return 1 if problems else 0
    for name in lesson_names(args.lessons):
        print(f"building {name} ...", flush=True)
        try:
            build(name, run=not args.no_execute, fresh=args.fresh)
        except LessonError as exc:
            print(f"attnlab-generate: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
