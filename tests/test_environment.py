"""environment.yml (conda, Binder) and pyproject.toml (pip) must install the same thing."""

import tomllib

import yaml

from attnlab.paths import ROOT


def pyproject_requirements(extras=("test",)) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = set(project["dependencies"])
    for extra in extras:
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
