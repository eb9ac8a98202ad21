"""The root conftest.py's promise: in one pytest run, a notebook of ``solutions/`` gets a kernel on the
kernels ``ATTNLAB_SOLUTIONS_KERNELS`` names and one of ``notebooks/`` keeps this CPU's own — under
xdist, as ``make test`` runs them. A lesson-sized notebook pair in a temporary course, its stored
outputs being what each kernel must see.
"""

import importlib.util
import os
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from attnlab.paths import ROOT

pytestmark = pytest.mark.slow
SEEN = ("import os, torch\n"
        "print(os.environ.get('ATEN_CPU_CAPABILITY'), torch.backends.cpu.get_cpu_capability())")
ASKED = ("ATEN_CPU_CAPABILITY", "ATTNLAB_SOLUTIONS_KERNELS")


def notebook(path, source, stored):
    cell = new_code_cell(source, execution_count=1,
                         outputs=[new_output("stream", name="stdout", text=stored + "\n")])
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[cell]), path)


def nbval(course, workers, **env):
    base = {k: v for k, v in os.environ.items() if k not in ASKED}
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", str(workers),
                          "--dist", "loadfile", "--nbval", "--nbval-current-env", "notebooks", "solutions"],
                         cwd=course, env={**base, **env}, capture_output=True, text=True, timeout=300)
    return run.returncode, run.stdout + run.stderr


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "conftest.py", course / "conftest.py")
    notebook(course / "solutions" / "k.ipynb", SEEN, "default DEFAULT")
    notebook(course / "notebooks" / "k.ipynb", "import os\nprint(os.environ.get('ATEN_CPU_CAPABILITY'))",
             "None")
    return course


def test_solutions_run_on_the_named_kernels_and_notebooks_on_this_cpus(course):
    code, out = nbval(course, 2, ATTNLAB_SOLUTIONS_KERNELS="ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE")
    assert code == 0 and "2 passed" in out, out[-3000:]


def test_without_the_variable_the_solutions_kernel_is_this_cpus(course):
    code, out = nbval(course, 0)
    assert code == 1 and "1 failed, 1 passed" in out and "solutions/k.ipynb::Cell 0" in out, out[-3000:]


def test_a_malformed_variable_is_one_usage_error(monkeypatch):
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    root = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root)
    monkeypatch.setenv("ATTNLAB_SOLUTIONS_KERNELS", "MKL_CBWR=COMPATIBLE ATEN_CPU_CAPABILITY")
    with pytest.raises(pytest.UsageError, match="NAME=value words, not 'ATEN_CPU_CAPABILITY'"):
        root.solutions_kernel_env()
    monkeypatch.setenv("ATTNLAB_SOLUTIONS_KERNELS", " MKL_CBWR=COMPATIBLE  ATEN_CPU_CAPABILITY=avx2 ")
    assert root.solutions_kernel_env() == {"MKL_CBWR": "COMPATIBLE", "ATEN_CPU_CAPABILITY": "avx2"}
