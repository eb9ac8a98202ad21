"""Gather the learner's own exercise functions from their saved lesson notebooks (and live kernel).

For every exercise a real model uses (:data:`attnlab.yours.steps.EXERCISES`), :func:`collect`

1. opens the lesson's notebook in ``folder`` (a notebook that is missing, not JSON or not a lesson
   gives one line, never a traceback);
2. runs, in a fresh namespace of its own, only the **definitions** of its code cells — the imports,
   functions and classes, the solution cells (nbgrader ``grade_id``) included — never the cells'
   other statements (no plots, no prints, no model runs), each under the checks' time limit, its
   output swallowed;
3. runs the exercise's own check on the function found, quietly: passed → yours, wrong → the course's
   stands in (with the check's line), still the stub → the course's stands in (not written yet).

``live`` (a lesson's ``globals()``) with ``lesson`` takes *that* lesson's functions from the running
kernel instead — what the learner just ran, saved or not — and the report says which came from where.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import re
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path

from attnlab.checks.core import TIME_LIMIT, CheckTimeout, time_limit
from attnlab.checks.verdict import NO, WAIT
from attnlab.errors import AttnlabError
from attnlab.paths import NOTEBOOKS_DIR
from attnlab.yours.found import Found
from attnlab.yours.steps import EXERCISES, first_line
from attnlab.yours.yours import Yours

KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@contextlib.contextmanager
def quietly(seconds: float | None = TIME_LIMIT):
    """No output, no warnings, and at most ``seconds`` for the code inside (None: no limit — an
    import such as torch's must never be cut off halfway)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.nullcontext() if seconds is None else time_limit(seconds):
            yield


def read_lesson(path: Path) -> tuple[dict | None, str]:
    """``(notebook, "")`` — the notebook's JSON as a dict — or ``(None, why not)`` in one line.
    Read with ``json``, not nbformat: nbformat validates with jsonschema, whose import costs a
    lesson seconds, and only the code cells' sources are needed here."""
    if not path.is_file():
        return None, f"{path.name} not found in {path.parent.name}/"
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"{path.name} is not a valid notebook ({type(exc).__name__}): save it again from Jupyter"
    if not isinstance(nb, dict):
        return None, f"{path.name} is not a notebook (its JSON is a {type(nb).__name__}, not an object)"
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        return None, f"{path.name} is not a lesson notebook (it has no cells)"
    return nb, ""


def _nbgrader(cell: dict) -> dict:
    metadata = cell.get("metadata")
    nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return nbgrader if isinstance(nbgrader, dict) else {}


def _grade_id(cell) -> str:
    grade_id = _nbgrader(cell).get("grade_id", "")
    return grade_id if isinstance(grade_id, str) else ""


def _is_check(cell) -> bool:
    return bool(_nbgrader(cell).get("grade"))


def _source(cell: dict) -> str:
    """A cell's source: a string, or a list of lines (anything else in a broken file: nothing)."""
    source = cell.get("source", "")
    if isinstance(source, list):
        return "".join(line for line in source if isinstance(line, str))
    return source if isinstance(source, str) else ""


_MAGIC = re.compile(r"^([ \t]*)[%!].*$", re.M)  # IPython's line magics and shell escapes


def python_of(source: str) -> str:
    """``source`` as Python: each IPython magic or shell line (``%pip install …`` in every lesson's
    first cell, where the course is missing) becomes ``pass`` at its indentation — never run here."""
    return _MAGIC.sub(r"\1pass", source)


def definitions(nb: dict, lesson: str) -> tuple[dict, dict[str, str]]:
    """Run the definitions of ``nb``'s code cells in a new namespace → ``(namespace, problems)``:
    ``problems`` maps an exercise whose own cell could not run to the reason."""
    namespace: dict = {"__name__": f"attnlab_yours_{lesson}"}
    problems: dict[str, str] = {}
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code" or _is_check(cell):
            continue
        exercise = _grade_id(cell)
        try:
            tree = ast.parse(python_of(_source(cell)))
        except SyntaxError as exc:
            if exercise:
                problems[exercise] = f"its cell has a syntax error on line {exc.lineno}: {exc.msg}"
            continue
        for node in tree.body:
            if not isinstance(node, KEPT):
                continue
            try:
                with quietly(None if isinstance(node, ast.Import | ast.ImportFrom) else TIME_LIMIT):
                    exec(compile(ast.Module([node], []), f"<{lesson}>", "exec"), namespace)
            except (Exception, CheckTimeout) as exc:  # a learner's cell may raise anything
                if exercise:
                    problems[exercise] = f"its cell raised {first_line(exc)}"
    return namespace, problems


def check(name: str, fn) -> tuple[str, str]:
    """Run the exercise's check quietly → ``(state, line)``."""
    import attnlab.checks as checks

    try:
        with quietly(seconds=60):  # each case has its own limit; this one guards the whole check
            result = getattr(checks, f"check_{name}")(fn)
    except (Exception, CheckTimeout) as exc:
        return "failing", f"{NO}{name}: the check could not run it ({first_line(exc)})"
    if result.passed:
        return "yours", result.line
    return ("missing" if result.n_cases == 0 else "failing"), result.line


def _found(name: str, namespace: Mapping, origin: str, problem: str | None) -> Found:
    if problem:
        return Found(name, "failing", f"{NO}{name}: {problem}", origin)
    fn = namespace.get(name)
    if fn is None:
        return Found(name, "missing", f"{WAIT}{name}: not defined in {origin}", origin)
    state, line = check(name, fn)
    return Found(name, state, line, origin, fn if state != "missing" else None)


def lesson_of(name: str) -> str:
    return EXERCISES[name][0]


def resolve_folder(folder) -> Path:
    """``folder`` as given, or — for the default ``"notebooks"`` seen from inside a lesson folder —
    the folder the lesson runs in, else the course's ``notebooks/``."""
    path = Path(folder)
    if path.is_dir():
        return path
    if str(folder) == "notebooks":
        here = Path.cwd()
        return here if any(here.glob("0*_*.ipynb")) else NOTEBOOKS_DIR
    raise AttnlabError(f"folder {str(folder)!r} does not exist: give the folder holding your lessons")


def collect(folder="notebooks", live: Mapping | None = None, lesson: str | None = None,
            names: Iterable[str] | None = None):
    """The learner's exercise functions, checked: a :class:`~attnlab.yours.yours.Yours`.

    ``folder``: where the saved lessons are (``"."`` inside a lesson). ``live`` and ``lesson``: take
    that lesson's functions from the running kernel's ``globals()``. ``names``: only these exercises.
    """
    folder = resolve_folder(folder)
    names = list(EXERCISES) if names is None else list(names)
    unknown = [n for n in names if n not in EXERCISES]
    if unknown:
        raise AttnlabError(f"unknown exercise(s) {', '.join(unknown)}: the real models use "
                         f"{', '.join(EXERCISES)}")
    if live is not None and lesson not in {lesson_of(n) for n in EXERCISES}:
        raise AttnlabError(f"lesson must name the lesson whose functions come from `live`, one of "
                         f"{sorted({lesson_of(n) for n in EXERCISES})}, but got {lesson!r}")
    found, notes, lessons = {}, [], {}
    for name in names:
        here = lesson_of(name)
        if live is not None and here == lesson:
            found[name] = _found(name, live, "this notebook (your kernel)", None)
            continue
        if here not in lessons:
            nb, why = read_lesson(folder / f"{here}.ipynb")
            lessons[here] = (definitions(nb, here) if nb is not None else None, why)
            if why:
                notes.append(f"⚠️ {why} — the course's functions stand in for its exercises.")
        ran, why = lessons[here]
        if ran is None:
            found[name] = Found(name, "missing", f"{WAIT}{name}: {why}", f"{here}.ipynb")
        else:
            found[name] = _found(name, ran[0], f"{here}.ipynb", ran[1].get(name))
    return Yours(found, folder.name or str(folder), notes)
