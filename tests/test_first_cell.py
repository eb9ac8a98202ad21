"""Lesson 00's first cell installs the course where it is missing (a Colab, a bare Python), and only
there: it is run as IPython runs it, with the import system told whether ``attnlab`` exists and
``%pip`` recorded instead of run."""

import contextlib
import importlib.util
import io
import tomllib
from unittest import mock

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from attnlab.paths import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR

REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


class Shell:
    """What the cell needs of IPython: ``get_ipython().run_line_magic`` (recorded)."""

    def __init__(self):
        self.magics = []

    def run_line_magic(self, name, line, *args):
        self.magics.append((name, line))


def run_first_cell(folder, installed: bool) -> tuple[list, str]:
    nb = nbformat.read(folder / "00_start_here.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if c.cell_type == "code")
    setup = source.split("\nimport matplotlib")[0]  # the install step; the lesson's imports follow
    python = TransformerManager().transform_cell(setup)
    shell, printed = Shell(), io.StringIO()
    real = importlib.util.find_spec

    def find_spec(name, *args):
        return (real(name, *args) if installed else None) if name == "attnlab" else real(name, *args)

    with mock.patch("importlib.util.find_spec", find_spec), contextlib.redirect_stdout(printed):
        exec(compile(python, "cell-02", "exec"), {"get_ipython": lambda: shell})
    return shell.magics, printed.getvalue()


@pytest.mark.parametrize("folder", [NOTEBOOKS_DIR, SOLUTIONS_DIR], ids=["student", "solution"])
def test_where_the_course_is_missing_the_first_cell_installs_it_from_the_repository(folder):
    magics, printed = run_first_cell(folder, installed=False)
    assert [name for name, _ in magics] == ["pip"]
    assert f"attnlab @ git+{REPOSITORY}" in magics[0][1] and "--quiet" in magics[0][1]
    assert len(printed.splitlines()) == 1 and "install" in printed


@pytest.mark.parametrize("folder", [NOTEBOOKS_DIR, SOLUTIONS_DIR], ids=["student", "solution"])
def test_where_it_is_installed_the_first_cell_installs_nothing_and_says_nothing(folder):
    assert run_first_cell(folder, installed=True) == ([], "")
