"""``python etc/uv_pip.py pip install ARGS``: uv's pip install into this Python's venv, with pip's settings.

The Makefile installs with uv (pip, one download at a time, took 90 s of a 2-core machine's install
from nothing; uv, the same releases under the same constraints, 25 s, 10 s from its cache). uv reads
none of pip's configuration, so the indexes, extra indexes, find-links folders and constraint files
the machine gives pip (its pip.conf files and PIP_* variables, as ``pip config list`` shows them)
are passed on. ``--index-strategy unsafe-best-match`` is pip's rule: the best release across every
index and folder, not the first index that has the package (uv's default).

Run with the venv's Python (the standard library and pip only; uv installed beside it). Any other
uv command (``python etc/uv_pip.py --version``) runs as it is.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

# pip's setting -> uv's option; each value may hold several, separated by white space
OPTIONS = {"index-url": "--index-url", "extra-index-url": "--extra-index-url",
           "find-links": "--find-links", "constraint": "--constraint"}
FLAGS = {"no-index": "--no-index"}
LINE = re.compile(r"^(?P<section>[^.]*)\.(?P<key>[\w-]+)=(?P<value>.*)$")
# pip's own order of precedence: the [global] section, then [install], then PIP_* variables
PRECEDENCE = ("global", "install", ":env:")


def pip_settings(listing: str) -> dict[str, str]:
    """``pip config list``'s output -> the value pip's install command uses for each setting."""
    found: dict[str, dict[str, str]] = {}
    for line in listing.splitlines():
        m = LINE.match(line.strip())
        if m and m["section"] in PRECEDENCE:
            value = m["value"]
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            found.setdefault(m["key"], {})[m["section"]] = value
    return {key: by[next(s for s in reversed(PRECEDENCE) if s in by)] for key, by in found.items()}


def uv_arguments(settings: dict[str, str]) -> list[str]:
    args = ["--index-strategy", "unsafe-best-match"]
    for key, option in OPTIONS.items():
        for value in shlex.split(settings.get(key, "")):
            args += [option, value]
    for key, flag in FLAGS.items():
        if settings.get(key, "").lower() in ("1", "true", "yes", "on"):
            args.append(flag)
    return args


def main(argv: list[str]) -> None:
    uv = Path(sys.executable).parent / "uv"
    if argv[:2] == ["pip", "install"]:
        listing = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True,
                                 text=True, check=True).stdout
        argv = [*argv[:2], "--python", sys.executable, *uv_arguments(pip_settings(listing)), *argv[2:]]
    os.execv(uv, [str(uv), *argv])


if __name__ == "__main__":
    main(sys.argv[1:])
