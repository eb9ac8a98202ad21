"""Where the course's files live: the package's data, and a checkout's folders.

Notebooks and scripts reach data through these paths, never through a relative path that would
depend on the folder a notebook was started from. ``DATA_DIR`` is all a learner's install needs; the
others (``solutions/``, ``notebooks/``, ``etc/``) exist only in a checkout, for the course's machinery.
"""

from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # lib/attnlab/paths.py -> the repository (a checkout's)
# The course's data ships inside the package (package data: the tiny models, model configs, the study
# guide), so an installed wheel finds it without the checkout. A plain folder in every install pip makes.
DATA_DIR = Path(str(files("attnlab") / "data"))
SOLUTIONS_DIR = ROOT / "solutions"
NOTEBOOKS_DIR = ROOT / "notebooks"
# What legitimately differs between two runs of a notebook (nbval's sanitizer; the generator reads it too)
SANITIZE_CFG = ROOT / "etc" / "nbval_sanitize.cfg"
# Checkpoints a learner fetches (`attnlab-fetch gpt2`): a Hugging Face cache, outside git.
PRETRAINED_DIR = DATA_DIR / "pretrained"


def lessons() -> list[str]:
    """Every lesson, in order: the names of the notebooks in ``solutions/`` (never a typed list)."""
    return sorted(p.stem for p in SOLUTIONS_DIR.glob("*.ipynb"))
