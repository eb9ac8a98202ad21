"""A submitted notebook as the grader reads it: its cells, without their outputs, and bounded.

:func:`read_submission` parses the file once and keeps of each cell only what grading uses — its
type, source and (well-formed) nbgrader metadata — so a notebook's outputs (a few big plots: tens
of MB) are let go as soon as it is read, and the sandbox gets :func:`stripped`, the notebook
without them: a 100 MB notebook costs the sandbox a few kB.
"""

from __future__ import annotations

import json
from pathlib import Path

from attnlab.course.wire import whole_text

MAX_BYTES = 512 * 2**20  # the file (outputs included: a notebook with big plots may be 50 MB)
MAX_CODE = 4 * 2**20  # the code cells' sources together: a lesson's are about 20 kB


def nbgrader(cell) -> dict:
    """A cell's nbgrader metadata, ``{}`` if it has none (or none that is a dict)."""
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    found = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return found if isinstance(found, dict) else {}


def source(cell) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def _clean(cell: dict) -> dict:
    """What grading keeps of a cell: type, source, nbgrader metadata (none if it is malformed: not
    a dict, an id that is not text) — never its outputs."""
    nbg = nbgrader(cell)
    well_formed = nbg and (nbg.get("grade_id") is None or isinstance(nbg.get("grade_id"), str))
    meta = {"nbgrader": nbg} if well_formed else {}
    return {"cell_type": cell.get("cell_type"), "source": source(cell), "metadata": meta}


def read_submission(path: Path) -> list[dict]:
    """The submitted notebook's cells (no outputs), or ``ValueError`` saying why it cannot be graded."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValueError(f"the file is {size / 2**20:.0f} MB; the grader reads notebooks up to "
                         f"{MAX_BYTES // 2**20} MB")
    try:
        nb = json.loads(whole_text(path.read_bytes().decode("utf-8")))
    except UnicodeDecodeError:
        raise ValueError("the file is not text (UTF-8)") from None
    except (ValueError, RecursionError, MemoryError) as exc:  # (nested 100,000 deep, say)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"not a notebook: it does not appear to be JSON ({first[:120]})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise ValueError("not a notebook (it has no list of cells)")
    cells = [_clean(c) for c in nb["cells"] if isinstance(c, dict)]
    del nb  # the outputs go now
    code = sum(len(c["source"]) for c in cells if c["cell_type"] == "code")
    if code > MAX_CODE:
        raise ValueError(f"its code cells hold {code / 2**20:.1f} MB of code; a lesson's hold a few kB")
    return cells


def cells_shown(path: Path | None) -> list[dict]:
    """What every output that shows a learner's code reads of a handed-in file (feedback pages,
    the report's similar work): :func:`read_submission`'s cells, none for a file that cannot be
    graded — whatever is wrong with it, it never stops the outputs for anyone else."""
    try:
        return read_submission(Path(path)) if path else []
    except (OSError, ValueError):
        return []


def stripped(cells: list[dict]) -> bytes:
    """The notebook a sandbox gets as the learner's own file: the cells as read, no outputs."""
    out = [{**c, "outputs": [], "execution_count": None} if c["cell_type"] == "code" else c for c in cells]
    return json.dumps({"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).encode()
