"""The course's public face: ``import attnlab as al`` gives the names a learner meets, loads
nothing heavy until one is used, and every lesson imports from at most three attnlab modules; the
course's clear errors are one ``AttnlabError``, a ``ValueError`` naming the argument and shapes."""

from __future__ import annotations

import ast
import subprocess
import sys

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
