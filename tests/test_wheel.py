"""The course as a package: the wheel built from this checkout, installed in a fresh venv, runs the
first lessons under strict nbval with no checkout in sight (Colab's and Binder's route, issue 24).

The fresh venv gets the wheel alone (``--no-deps``); its dependencies are the project venv's, seen
through a plain path line — not as a site folder, so that folder's editable hook (which points at
this checkout's ``lib/``) is never run. The notebooks and the sanitizer are copied to a folder of
their own and run from there: the checkout's ``solutions/`` or ``lib/`` cannot be reached by a
relative path, and ``attnlab`` must be imported from the wheel's files.

``ATTNLAB_WHEEL_ALSO="numpy==2.0.0 matplotlib==3.8.4"`` installs other releases into the fresh venv
first (from PyPI: it needs a network), to run the lessons at the ranges' floors by hand;
``ATTNLAB_WHEEL_PYTHON=~/.pyenv/versions/3.13.0/bin/python3`` runs them on another Python (README,
"Python": the releases tested).
"""

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from attnlab.paths import DATA_DIR, NOTEBOOKS_DIR, ROOT, SANITIZE_CFG, SOLUTIONS_DIR, lessons

FIRST_LESSONS = lessons()[:4]  # 00 to 03: the first hour, MiniLM and the tiny GPT included
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run(*command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                "-w", str(out), str(ROOT))
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("attnlab-*.whl")
    return found


def test_the_wheel_carries_the_data_and_nothing_of_the_checkout(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"attnlab/data/{p.name}" for p in DATA_DIR.iterdir() if p.is_file()}
    assert shipped and shipped <= names, shipped - names
    assert not [n for n in names if n.endswith(".ipynb") or "/pretrained/" in n or n.startswith("tests/")]


def pinned_tools(*names: str) -> list[str]:
    """The test extra's pins of ``names`` (pyproject.toml), e.g. ``["pytest==9.2.0", ...]``."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["test"]
    return [r for r in extra if Requirement(r).name in names]


def fresh_venv(wheel: Path, venv: Path) -> Path:
    """A venv with the wheel and nothing of the checkout; its Python.

    By default on this Python, the dependencies the project venv's, seen through a path line (no
    network). ``ATTNLAB_WHEEL_PYTHON=/path/to/python3.13`` makes it on that interpreter instead, with the
    wheel's dependencies at etc/pins.txt's releases (from the package index: it needs a network)."""
    other = os.environ.get("ATTNLAB_WHEEL_PYTHON")
    made = run(other or sys.executable, "-m", "venv", *([] if other else ["--without-pip"]), str(venv))
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    if other:
        installed = run(str(python), "-m", "pip", "install", "--quiet", str(wheel), "-c",
                        str(ROOT / "etc" / "pins.txt"), *pinned_tools("pytest", "nbval"))
        assert installed.returncode == 0, installed.stderr[-3000:]
        return python
    installed = run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
                    "--no-index", "--quiet", str(wheel))
    assert installed.returncode == 0, installed.stderr
    site = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])")
                .stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


@pytest.mark.slow
def test_a_fresh_venv_with_only_the_wheel_runs_the_first_lessons(wheel, tmp_path):
    venv = tmp_path / "venv"
    python = fresh_venv(wheel, venv)
    if os.environ.get("ATTNLAB_WHEEL_ALSO"):
        also = run(sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
                   *os.environ["ATTNLAB_WHEEL_ALSO"].split())
        assert also.returncode == 0, also.stderr
    print(run(str(python), "--version").stdout.strip(), end=" ")  # which Python ran the lessons (-s)

    # A learner's download: the lessons side by side (a later lesson gathers the earlier ones' functions)
    lessons_dir = tmp_path / "course"
    copies = []
    for folder in (NOTEBOOKS_DIR, SOLUTIONS_DIR):
        (lessons_dir / folder.name).mkdir(parents=True)
        copies += [shutil.copy(folder / f"{name}.ipynb", lessons_dir / folder.name) for name in FIRST_LESSONS]
    shutil.copy(SANITIZE_CFG, lessons_dir / "sanitize.cfg")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env |= ONE_THREAD | {"ATTNLAB_IGNORE_FETCHED": "1", "PYTHONNOUSERSITE": "1"}

    where = run(str(python), "-c", "import attnlab, attnlab.paths as p; print(attnlab.__file__); "
                "print(p.DATA_DIR)", cwd=lessons_dir, env=env)
    for release in os.environ.get("ATTNLAB_WHEEL_ALSO", "").split():  # the releases the lessons will import
        name, version = release.split("==")
        seen = run(str(python), "-c", f"import importlib.metadata as m; print(m.version({name!r}))", env=env)
        assert seen.stdout.strip() == version, (release, seen.stdout, seen.stderr)
    module, data = (Path(line) for line in where.stdout.split())
    assert venv in module.parents and venv in data.parents, where.stdout + where.stderr
    assert ROOT not in module.resolve().parents

    nbval = run(str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(lessons_dir),
                "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "sanitize.cfg",
                *[str(Path(c).relative_to(lessons_dir)) for c in copies], cwd=lessons_dir, env=env)
    assert nbval.returncode == 0, nbval.stdout[-6000:] + nbval.stderr[-2000:]
