"""Which outputs the generator stores: only real changes reach ``git diff``.

Re-running a lesson whose source did not change must reproduce the committed notebook byte for
byte. Two things change on every run although nothing did:

- **widget state** — every run gives each widget new model ids, and Jupyter stores the models'
  state in the notebook's metadata (hundreds of kB). The course stores none of it: each widget
  leaves a static picture in the outputs (:mod:`attnlab.views.live`), and its live view needs a
  kernel anyway. The widget-view output and ``metadata.widgets`` are dropped.
- **measured figures** — a timing printed by a lesson differs a little on every run. Where a
  cell's source is unchanged and its fresh outputs equal the stored ones *as strict nbval compares
  them* (the same keys and mime types, images and widget views skipped, the sanitizer's patterns
  replaced; nothing at all for a cell nbval ignores), the stored outputs are kept.

``attnlab-generate --fresh`` stores every fresh output instead (after changing a plotting helper,
say, whose picture nbval does not compare).
"""

from __future__ import annotations

import configparser
import re

import nbformat

from attnlab.paths import SANITIZE_CFG

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# What nbval leaves out of a comparison (nbval.plugin.IPyNbFile.skip_compare).
SKIP = {"metadata", "traceback", "prompt_number", "output_type", "name", "execution_count", WIDGET_VIEW,
        "image/png", "image/jpeg"}
IGNORE_MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "PYTEST_VALIDATE_IGNORE_OUTPUT")
IGNORE_TAGS = ("nbval-ignore-output", "nbval-skip")


def sanitizer_patterns() -> list[tuple[re.Pattern, str]]:
    """The ``(regex, replacement)`` pairs of ``etc/nbval_sanitize.cfg``, in order."""
    cfg = configparser.ConfigParser()
    cfg.read(SANITIZE_CFG)
    return [(re.compile(cfg[s]["regex"]), cfg[s]["replace"]) for s in cfg.sections()]


def drop_widget_state(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove widget views from outputs and widget state from the metadata (in place)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            out.get("data", {}).pop(WIDGET_VIEW, None)
    return nb


def nbval_ignores(cell) -> bool:
    """Does strict nbval skip comparing this cell's outputs (a marker comment or tag)?"""
    tags = cell.metadata.get("tags", [])
    return any(m in cell.source for m in IGNORE_MARKERS) or any(t in tags for t in IGNORE_TAGS)


def comparable(outputs, patterns) -> dict[str, list]:
    """The outputs as nbval compares them: ``key → [sanitized values]``, mime types flattened."""
    def clean(value):
        text = "".join(value) if isinstance(value, list) else value
        if isinstance(text, str):
            for regex, replacement in patterns:
                text = regex.sub(replacement, text)
        return text

    found: dict[str, list] = {}
    for out in outputs:
        for key, value in out.items():
            if key in SKIP:
                continue
            items = value.items() if key == "data" else [(key, value)]
            for name, item in items:
                if name not in SKIP:
                    found.setdefault(name, []).append(clean(item))
    return found


def keep_unchanged(fresh: nbformat.NotebookNode, stored: nbformat.NotebookNode | None):
    """Give each cell of ``fresh`` the stored outputs where nbval would see no change (in place)."""
    if stored is None:
        return fresh
    patterns = sanitizer_patterns()
    by_id = {c.get("id"): c for c in stored.cells if c.cell_type == "code"}
    for cell in fresh.cells:
        old = by_id.get(cell.get("id"))
        if cell.cell_type != "code" or old is None or old.source != cell.source:
            continue
        if nbval_ignores(cell) or comparable(cell.outputs, patterns) == comparable(old.outputs, patterns):
            cell.outputs = old.outputs
    return fresh
