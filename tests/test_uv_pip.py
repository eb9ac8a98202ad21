"""etc/uv_pip.py: make's installs run uv with the settings the machine gives pip (uv reads none of
pip's configuration). pip's precedence holds — PIP_* variables over [install] over [global] — and
every index, find-links folder and constraint file is passed on, so uv installs what pip would."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from attnlab.paths import ROOT

SPEC = importlib.util.spec_from_file_location("uv_pip", ROOT / "etc" / "uv_pip.py")
uv_pip = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(uv_pip)

LISTING = """\
:env:.find-links='/opt/wheels'
:env:.default-timeout='180'
global.constraint='/etc/xdg/pip/constraints.txt'
global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'
global.find-links='/home/me/wheels'
global.index-url='https://mirror.example/simple'
install.index-url='https://install.example/simple'
global.no-index='false'
"""


def test_pips_precedence_decides_each_setting():
    settings = uv_pip.pip_settings(LISTING)
    assert settings["find-links"] == "/opt/wheels"  # the variable wins over the file
    assert settings["index-url"] == "https://install.example/simple"  # [install] over [global]
    assert settings["constraint"] == "/etc/xdg/pip/constraints.txt"


def test_every_index_folder_and_constraint_becomes_uvs_option():
    args = uv_pip.uv_arguments(uv_pip.pip_settings(LISTING))
    pairs = list(zip(args[::2], args[1::2], strict=False))
    assert pairs[0] == ("--index-strategy", "unsafe-best-match")  # pip's best match across indexes
    assert ("--index-url", "https://install.example/simple") in pairs
    assert [v for o, v in pairs if o == "--extra-index-url"] == ["file:///opt/pypi/simple",
                                                                 "file:///opt/pypi-more/simple"]
    assert ("--find-links", "/opt/wheels") in pairs and ("--find-links", "/home/me/wheels") not in pairs
    assert ("--constraint", "/etc/xdg/pip/constraints.txt") in pairs
    assert "--no-index" not in args
    assert "--no-index" in uv_pip.uv_arguments(uv_pip.pip_settings("global.no-index='yes'\n"))


@pytest.mark.parametrize("line", ["", "garbage", "user.find-links='/x'"])
def test_lines_pip_would_not_read_for_an_install_add_nothing(line):
    assert uv_pip.uv_arguments(uv_pip.pip_settings(line)) == ["--index-strategy", "unsafe-best-match"]


def test_this_venvs_uv_is_the_pinned_one():
    if not (Path(sys.executable).parent / "uv").exists():
        pytest.skip("this venv was made before make installed uv (make clean; make test makes one with it)")
    makefile = (ROOT / "Makefile").read_text()
    pinned = next(line.split("==")[1] for line in makefile.splitlines() if line.startswith("UV_RELEASE :="))
    out = subprocess.run([sys.executable, str(ROOT / "etc" / "uv_pip.py"), "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert out.split()[:2] == ["uv", pinned]
