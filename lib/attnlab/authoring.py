"""The generator: student notebooks are made from ``solutions/``, never edited by hand.

A solution notebook is an nbgrader source notebook. In an exercise cell the answer sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION``; the student copy gets nbgrader's stub in its place
(``# YOUR CODE HERE`` / ``raise NotImplementedError()``, at the same indentation, so exercises are
written as functions and the stub still defines them). Lines between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS`` are removed. Both copies are then executed in this Python environment's
kernel and stored with their outputs, which strict nbval compares on every test run.

    attnlab-generate                 # execute solutions/, regenerate and execute notebooks/
    attnlab-generate 03_softmax      # only that lesson
    attnlab-generate --check         # exit 1 if notebooks/ is not what solutions/ generates
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ipykernel.kernelspec
import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from attnlab.paths import NOTEBOOKS_DIR, SOLUTIONS_DIR

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
EXECUTION_TIMEOUT = 300  # seconds per cell; lessons take seconds, this only stops a hang


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
                             f"an nbgrader {kind} cell (build it with exercise() or check())")


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
    return nb


class _ThisEnvironment(KernelSpecManager):
    """Kernel specs whose ``python3`` is always this environment's Python (as nbval's
    ``--nbval-current-env``), so a learner's other Pythons and global kernels never leak in."""

    def get_kernel_spec(self, kernel_name):
        if kernel_name == "python3":
            return self.kernel_spec_class(
                resource_dir=ipykernel.kernelspec.RESOURCES,
                **ipykernel.kernelspec.get_kernel_dict(),
            )
        return super().get_kernel_spec(kernel_name)


@contextmanager
def kernel_manager() -> Iterator[AsyncKernelManager]:
    """A manager for a fresh ``python3`` kernel running this environment's Python. Asynchronous,
    as nbclient expects: with a blocking one its time limits and dead-kernel detection never fire.

    The kernel talks over Unix sockets in a private temporary folder (removed when the block ends)
    instead of localhost TCP ports: no port another user could reach, and no warning about it in
    the log.
    """
    with tempfile.TemporaryDirectory(prefix="attnlab-kernel-") as sockets:
        yield AsyncKernelManager(kernel_name="python3", kernel_spec_manager=_ThisEnvironment(),
                                 transport="ipc", ip=str(Path(sockets) / "kernel"))


def execute(nb: nbformat.NotebookNode, workdir: Path) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel of this environment's Python and keep the outputs."""
    from nbconvert.preprocessors import CoalesceStreamsPreprocessor  # only here: a slow import

    with kernel_manager() as km:
        client = NotebookClient(
            nb, km=km, timeout=EXECUTION_TIMEOUT, resources={"metadata": {"path": str(workdir)}},
        )
        client.execute(cleanup_kc=True)  # shut the kernel down: the client does not own km
    # One stream output per cell and stream: how stdout arrives in pieces varies from run to run.
    CoalesceStreamsPreprocessor().preprocess(nb, {})
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # wall-clock timestamps: differ every run
    return nb


# --- building solution notebooks (for course authors) ------------------------------------------


def _nbgrader(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def markdown(text: str) -> nbformat.NotebookNode:
    """An instruction cell: read-only for nbgrader."""
    return nbformat.v4.new_markdown_cell(text.strip(), metadata={"locked": True})


def code(source: str) -> nbformat.NotebookNode:
    """An ordinary code cell the learner runs (and may change)."""
    return nbformat.v4.new_code_cell(source.strip())


def exercise(source: str, grade_id: str) -> nbformat.NotebookNode:
    """A cell with a ``### BEGIN SOLUTION`` region: the learner writes that part."""
    if "### BEGIN SOLUTION" not in source:
        raise ValueError(f"exercise {grade_id!r} has no ### BEGIN SOLUTION region")
    return nbformat.v4.new_code_cell(source.strip(), metadata=_nbgrader(grade_id, solution=True))


def check(source: str, grade_id: str, points: int = 1) -> nbformat.NotebookNode:
    """An autograded, read-only cell that runs a check (hidden tests may follow)."""
    return nbformat.v4.new_code_cell(
        source.strip(), metadata=_nbgrader(grade_id, grade=True, locked=True, points=points)
    )


def new_lesson(cells: list[nbformat.NotebookNode], title: str) -> nbformat.NotebookNode:
    """A solution notebook from cells; locked markdown cells get nbgrader ids of their own."""
    for i, cell in enumerate(cells):
        cell.id = f"cell-{i:02d}"
        if cell.metadata.pop("locked", False):
            cell.metadata.update(_nbgrader(f"cell-{i:02d}", locked=True))
    ids = [c.metadata["nbgrader"]["grade_id"] for c in cells if "nbgrader" in c.metadata]
    if len(ids) != len(set(ids)):  # nbgrader refuses a notebook with a repeated grade id
        raise ValueError(f"grade ids must be unique, got {sorted(i for i in ids if ids.count(i) > 1)}")
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.update({
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
        "title": title,
    })
    return nb


def lesson_names(names: list[str] | None = None) -> list[str]:
    """The lessons to build: the given names (with or without .ipynb), else every solution."""
    if names:
        return [Path(n).stem for n in names]
    return sorted(p.stem for p in SOLUTIONS_DIR.glob("*.ipynb"))


def build(name: str, run: bool = True) -> None:
    """Execute ``solutions/<name>.ipynb`` in place, then write its executed student copy."""
    source = SOLUTIONS_DIR / f"{name}.ipynb"
    if not source.exists():
        raise SystemExit(f"no solution notebook {source}")
    solution = nbformat.read(source, as_version=4)
    if run:
        solution = execute(solution, SOLUTIONS_DIR)
        nbformat.write(solution, source)
    student = student_copy(solution)
    if run:
        student = execute(student, NOTEBOOKS_DIR)
    NOTEBOOKS_DIR.mkdir(exist_ok=True)
    nbformat.write(student, NOTEBOOKS_DIR / f"{name}.ipynb")


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
        expected = student_copy(nbformat.read(SOLUTIONS_DIR / f"{name}.ipynb", as_version=4))
        if _cells(nbformat.read(path, as_version=4)) != _cells(expected):
            problems.append(f"notebooks/{name}.ipynb differs from what solutions/{name} generates")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="attnlab-generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson names (default: all of solutions/)")
    parser.add_argument("--check", action="store_true", help="only report notebooks out of sync")
    parser.add_argument("--no-execute", action="store_true", help="write copies without running")
    args = parser.parse_args(argv)
    if args.check:
        problems = out_of_sync()
        print("\n".join(problems) or "notebooks/ is in sync with solutions/")
        return 1 if problems else 0
    for name in lesson_names(args.lessons):
        print(f"building {name} ...", flush=True)
        build(name, run=not args.no_execute)
    return 0


if __name__ == "__main__":
    sys.exit(main())
