"""A lesson's graded cells, as the table of exercises makes them (:mod:`attnlab.checks.exercises`).

Before a lesson is executed, :func:`apply` makes its solution notebook say what the declarations say:

- each declared exercise's cell carries nbgrader's solution metadata (grade id = the function's
  name) and starts with the declared signature; a new exercise's cells (its prompt, its solution,
  its check) are written from the declaration, after the cell it names (or the lesson's last check);
- the cell after it is the exercise's check cell: the check's line for the learner with the hidden
  assert nbgrader grades, locked, with the declared points;
- the first code cell imports exactly the lesson's checks;
- each written question (:mod:`attnlab.course.written`, ``solutions/written.toml``) is a locked
  question cell and, after it, nbgrader's manually graded answer cell (its grade id, its rubric's
  points; the model answer in the solution, nbgrader's stub in the student copy), written after the
  cell it names or at the lesson's end;
- every markdown cell carries nbgrader's lock (a learner cannot delete the lesson's text).

What it cannot derive it refuses, with one line naming the cell (:class:`LessonError`): a graded
cell no exercise declares, an exercise's cell whose function is not the declared one, a solution
with no ``### BEGIN SOLUTION`` region (its stub would not define the function), a declared
exercise with neither a cell nor its code in the declaration.
"""

from __future__ import annotations

import ast
import re

import nbformat

from attnlab.checks.exercises import EXERCISES as TABLE_OF_EXERCISES
from attnlab.checks.exercises import Exercise, of_lesson
from attnlab.course import prelude, written
from attnlab.yours.collect import python_of

TABLE = "lib/attnlab/checks/exercises.py"
_CHECKS_IMPORT = re.compile(r"^from attnlab\.checks import (\([^)]*\)|[^\n]*)$", re.M)
LINE_LENGTH = 110  # ruff's, which checks the notebooks too


class LessonError(ValueError):
    """A lesson's cells disagree with the table of exercises: one line naming the cell."""


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def solution_meta(ex: Exercise) -> dict:
    return {"grade": False, "grade_id": ex.name, "locked": False, "schema_version": 3, "solution": True,
            "task": False}


def check_meta(ex: Exercise) -> dict:
    points = int(ex.points) if float(ex.points).is_integer() else ex.points
    return {"grade": True, "grade_id": ex.check_id, "locked": True, "points": points, "schema_version": 3,
            "solution": False, "task": False}


def locked_meta(cell_id: str) -> dict:
    return {"grade": False, "grade_id": cell_id, "locked": True, "schema_version": 3, "solution": False,
            "task": False}


def checks_import(lesson: str) -> str:
    """The first cell's line importing the lesson's checks, wrapped as ruff's isort wraps it."""
    names = sorted({ex.check for ex in of_lesson(lesson)})
    line = "from attnlab.checks import " + ", ".join(names)
    if len(line) <= LINE_LENGTH:
        return line
    return "from attnlab.checks import (\n" + "".join(f"    {name},\n" for name in names) + ")"


def _header(source: str, name: str) -> str | None:
    """The first line of ``name``'s definition in ``source`` (normalised), or None."""
    try:
        body = ast.parse(python_of(source)).body
    except SyntaxError:
        return None
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
            node.body, node.decorator_list = [ast.Pass()], []
            return ast.unparse(node).splitlines()[0].rstrip(":").strip()
    return None


def _signature(ex: Exercise) -> str:
    return _header(f"{ex.signature}:\n    pass", ex.name) or ex.signature


def _where(lesson: str, cell) -> str:
    return f"solutions/{lesson}.ipynb, cell {cell.get('id')}"


def _new_cells(lesson: str, ex: Exercise) -> list:
    if not ex.solution:
        raise LessonError(f"solutions/{lesson}.ipynb: {ex.name} is declared in {TABLE} but no cell has "
                          f"grade id {ex.name!r} — give the declaration its solution= or add the cell")
    cells = []
    if ex.prompt:
        md = nbformat.v4.new_markdown_cell(ex.prompt.strip("\n"), id=f"{ex.name}-prompt")
        md.metadata["nbgrader"] = locked_meta(md.id)
        cells.append(md)
    cells.append(nbformat.v4.new_code_cell(ex.solution.strip("\n"), id=ex.name))
    return cells


def _insert_at(nb, lesson: str, ex, done: list[int]) -> int:
    if ex.after:
        for i, cell in enumerate(nb.cells):
            if cell.get("id") == ex.after:
                return i + 1
        name = getattr(ex, "name", getattr(ex, "id", ""))
        raise LessonError(f"solutions/{lesson}.ipynb: {name} is declared after cell {ex.after!r}, "
                          "which the lesson does not have")
    return (max(done) + 1) if done else len(nb.cells)


def _exercise(nb, lesson: str, ex: Exercise, done: list[int]) -> int:
    """Make ``ex``'s two cells what the declaration says; the index of its check cell."""
    found = [i for i, cell in enumerate(nb.cells) if _meta(cell).get("grade_id") == ex.name]
    if not found:
        at = _insert_at(nb, lesson, ex, done)
        new = _new_cells(lesson, ex)
        nb.cells[at:at] = new
        found = [at + len(new) - 1]
    i = found[0]
    cell = nb.cells[i]
    if cell.cell_type != "code":
        raise LessonError(f"{_where(lesson, cell)}: grade id {ex.name!r} is on a markdown cell; "
                          "an exercise is a code cell")
    header = _header(cell.source, ex.name)
    if header != _signature(ex):
        says = f"defines {header}" if header else f"does not define {ex.name}"
        raise LessonError(f"{_where(lesson, cell)}: {says}, but {TABLE} declares {_signature(ex)}")
    if "### BEGIN SOLUTION" not in cell.source:
        raise LessonError(f"{_where(lesson, cell)}: {ex.name} has no '### BEGIN SOLUTION' region — "
                          "the student's stub would not define it")
    cell.metadata["nbgrader"] = solution_meta(ex)
    after = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
    if after is None or _meta(after).get("grade_id") != ex.check_id:
        for other in nb.cells:
            if _meta(other).get("grade_id") == ex.check_id:
                raise LessonError(f"{_where(lesson, other)}: the check cell of {ex.name} must come right "
                                  f"after its exercise cell ({cell.get('id')})")
        after = nbformat.v4.new_code_cell("", id=ex.check_id)
        nb.cells.insert(i + 1, after)
    after.source, after.metadata["nbgrader"] = ex.check_source, check_meta(ex)
    return i + 1


def _first_cell(nb, lesson: str) -> None:
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if not code:
        return
    first, line = code[0], checks_import(lesson)
    if _CHECKS_IMPORT.search(first.source):
        first.source = _CHECKS_IMPORT.sub(lambda m: line, first.source, count=1)
    else:
        raise LessonError(f"{_where(lesson, first)}: the first code cell does not import the lesson's "
                          f"checks — add the line {line.splitlines()[0]!r} (the generator keeps it)")


def _written(nb, lesson: str, q: written.Question) -> None:
    """``q``'s question cell and answer cell, as its declaration makes them."""
    found = [i for i, cell in enumerate(nb.cells) if _meta(cell).get("grade_id") == q.id]
    if not found:
        at = _insert_at(nb, lesson, q, []) if q.after else len(nb.cells)
        nb.cells[at:at] = [nbformat.v4.new_markdown_cell("", id=q.question_id),
                           nbformat.v4.new_markdown_cell("", id=q.id)]
        found = [at + 1]
    i = found[0]
    answer, question = nb.cells[i], nb.cells[i - 1] if i else None
    if answer.cell_type != "markdown":
        raise LessonError(f"{_where(lesson, answer)}: the written question {q.id!r} is answered in a "
                          "markdown cell")
    if question is None or question.get("id") != q.question_id:
        raise LessonError(f"{_where(lesson, answer)}: the answer to {q.id!r} must follow its question "
                          f"cell {q.question_id!r}")
    answer.source, answer.metadata["nbgrader"] = q.answer, q.meta()
    question.source, question.metadata["nbgrader"] = q.prompt, locked_meta(q.question_id)


def apply(nb: nbformat.NotebookNode, lesson: str) -> nbformat.NotebookNode:
    """``nb`` (a solution notebook, changed in place) as the declarations of ``lesson`` make it."""
    declared = of_lesson(lesson)
    questions = written.of_lesson(lesson)
    ids = {ex.name for ex in declared} | {ex.check_id for ex in declared} | {q.id for q in questions}
    for cell in nb.cells:
        meta = _meta(cell)
        if (meta.get("solution") or meta.get("grade")) and meta.get("grade_id") not in ids:
            raise LessonError(f"{_where(lesson, cell)}: graded as {meta.get('grade_id')!r}, which no "
                              f"exercise of {lesson} in {TABLE} declares")
    done: list[int] = []
    for ex in declared:
        done.append(_exercise(nb, lesson, ex, done))
    if declared:
        _first_cell(nb, lesson)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if code:  # every lesson, with exercises or not: its first import works on a Colab too
        code[0].source = prelude.with_prelude(code[0].source)
    for q in questions:
        _written(nb, lesson, q)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and not _meta(cell):
            cell.metadata["nbgrader"] = locked_meta(cell.get("id"))
    return nb


def _shell(number: str) -> str:
    """``make lesson L=03``'s variables for one lesson: its name, its checks' topic, and a pytest
    ``-k`` expression selecting its checks' tests."""
    import shlex

    found = sorted({ex.lesson for ex in TABLE_OF_EXERCISES if ex.lesson.split("_", 1)[0] == number.zfill(2)})
    if len(found) != 1:
        raise SystemExit(f"make lesson L={number}: no lesson {number} has exercises "
                         f"(lessons: {', '.join(dict.fromkeys(ex.lesson for ex in TABLE_OF_EXERCISES))})")
    lesson = found[0]
    exercises = of_lesson(lesson)
    topic = exercises[0].topic
    words = [f"test_checks_{topic}", *dict.fromkeys(w for ex in exercises for w in (ex.name, ex.check))]
    return (f"name={shlex.quote(lesson)}; topic={shlex.quote(topic)}; "
            f"select={shlex.quote(' or '.join(words))}")


if __name__ == "__main__":  # python -m attnlab.course.declared 03  (what make lesson L=03 runs)
    import sys

    print(_shell(sys.argv[1] if len(sys.argv) > 1 else ""))
