"""The course's public face: ``import attnlab as al`` gives the names a learner meets, loads
nothing heavy until one is used, and every lesson imports from at most three attnlab modules; the
course's clear errors are one ``AttnlabError``, a ``ValueError`` naming the argument and shapes."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

import attnlab as al
from attnlab.paths import SOLUTIONS_DIR, lessons

MAX_MODULES = 3


def test_every_public_name_is_there_and_documented_in_one_short_list():
    assert 30 <= len(al.__all__) <= 60 and len(set(al.__all__)) == len(al.__all__)
    for name in al.__all__:
        assert getattr(al, name) is not None, name
    assert al.softmax is __import__("attnlab.attention", fromlist=["softmax"]).softmax  # the same object
    assert al.checks.check_stable_softmax.__name__ == "check_stable_softmax"
    with pytest.raises(AttributeError):
        al.not_a_name  # noqa: B018


def test_import_attnlab_loads_no_torch_plot_or_widget():
    code = "import sys, attnlab as al; al.softmax; print(' '.join(sys.modules))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True).stdout.split())
    assert not {m for m in loaded if m.split(".")[0] in ("torch", "matplotlib", "ipywidgets", "nbformat")}


def lesson_modules(lesson: str) -> set[str]:
    """The attnlab modules a lesson's code cells import from (``from attnlab.models import corpus``
    counts as ``attnlab.models``)."""
    nb = nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4)
    found = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("attnlab"):
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("attnlab")}
    return found


@pytest.mark.parametrize("lesson", lessons())
def test_a_lesson_imports_from_at_most_three_attnlab_modules(lesson):
    modules = lesson_modules(lesson)
    assert len(modules) <= MAX_MODULES, f"{lesson} imports from {sorted(modules)}"


def test_the_course_s_clear_errors_are_one_attnlab_error_naming_argument_and_shapes():
    assert issubclass(al.AttnlabError, ValueError)
    with pytest.raises(al.AttnlabError) as err:
        al.scaled_dot_product_attention(np.ones((4, 8)), np.ones((4, 16)), np.ones((4, 16)))
    assert "(4, 8)" in str(err.value) and "(4, 16)" in str(err.value) and "q" in str(err.value)
    with pytest.raises(ValueError):  # code that catches ValueError keeps working
        al.softmax(np.ones(3), axis=2)


LEARNER_LAYERS = ("views", "yours", "models", "checks")


def test_the_learner_s_layers_raise_no_bare_value_error():
    """What a learner calls (the reference, models, views, yours, checks) says a clear error as an
    AttnlabError; only the course machinery (the grader's files, the generator) keeps ValueError."""
    lib = Path(al.__file__).parent
    files = [*lib.glob("*.py"), *(p for layer in LEARNER_LAYERS for p in (lib / layer).rglob("*.py"))]
    bare = [f"{p.relative_to(lib)}:{i}" for p in files
            for i, line in enumerate(p.read_text().splitlines(), 1) if "raise ValueError(" in line]
    assert not bare, f"bare ValueError where a learner meets it: {bare}"


@pytest.mark.parametrize("call", [
    lambda: al.plot_pattern(np.ones(3)),
    lambda: al.plot_pattern(np.ones((2, 2)), query_tokens=["a"]),
    lambda: al.questions_for("99_nothing"),
    lambda: al.collect(folder="/no/such/folder"),
], ids=["pattern-1d", "labels", "lesson", "folder"])
def test_views_and_yours_say_bad_input_as_an_attnlab_error(call):
    with pytest.raises(al.AttnlabError) as err:
        call()
    assert str(err.value).strip()
