"""The library's layers, as the tree shows them: imports point downward only.

    attnlab/            the NumPy reference a learner reads (no torch at import, no widgets, no Jupyter)
    attnlab/models/     torch modules, corpora, trained and pretrained models, probes
    attnlab/views/      widgets, SVG, plots, the study guide's deck and quiz
    attnlab/checks/     the exercise checks
    attnlab/yours/      the learner's own functions run inside real models
    attnlab/course/     the machinery: generator, grader, kernels, bench

Only module-level imports count (a function may import a higher layer when it runs, e.g. a
widget loading a model); those must form no cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import attnlab

PACKAGE = Path(attnlab.__file__).parent
# Which layers each layer may import at module level (its own always).
MAY_IMPORT = {
    "reference": {"reference"},
    "models": {"reference", "models"},
    "views": {"reference", "models", "views"},
    "checks": {"reference", "models", "checks"},
    "yours": {"reference", "models", "checks", "yours"},
    "course": {"reference", "models", "views", "checks", "yours", "course"},
}
HEAVY = ("torch", "matplotlib", "ipywidgets", "IPython", "nbformat", "nbclient", "jupyter_client")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MAY_IMPORT else "reference"


def module_level_imports(path: Path) -> set[str]:
    """The attnlab modules ``path`` imports outside any function or class (``if`` blocks included)."""
    tree = ast.parse(path.read_text())
    found, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.If, ast.Try)):
            todo += node.body + node.orelse + getattr(node, "handlers", []) + getattr(node, "finalbody", [])
        elif isinstance(node, ast.ExceptHandler):
            todo += node.body
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("attnlab")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("attnlab"):
            for a in node.names:  # `from attnlab.models import corpus` imports attnlab.models.corpus
                sub = f"{node.module}.{a.name}"
                found.add(sub if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).exists()
                          or (PACKAGE.parent / sub.replace(".", "/")).is_dir() else node.module)
    return found


GRAPH = {module_name(p): module_level_imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_downward(module):
    wrong = {m for m in GRAPH[module] if layer(m) not in MAY_IMPORT[layer(module)]}
    assert not wrong, f"{module} ({layer(module)}) imports {sorted(wrong)} from a layer above it"


def test_no_module_level_import_cycle():
    state: dict[str, str] = {}

    def visit(m, path):
        state[m] = "open"
        for n in sorted(GRAPH.get(m, ())):
            if n == m or n not in GRAPH:
                continue
            if state.get(n) == "open":
                pytest.fail("import cycle: " + " → ".join([*path, m, n]))
            if n not in state:
                visit(n, [*path, m])
        state[m] = "done"

    for m in sorted(GRAPH):
        if m not in state:
            visit(m, [])


def test_the_graph_sees_the_imports_it_should():
    """The test above is only as good as the parser: a known downward import must be in the graph."""
    assert "attnlab.attention" in GRAPH["attnlab.multihead"]
    assert "attnlab.models.layers" in GRAPH["attnlab.models.gpt"]
    assert "attnlab.checks.core" in GRAPH["attnlab.checks.softmax"]
    assert layer("attnlab.course.bench.core") == "course" and layer("attnlab.attention") == "reference"


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_checks_load_no_widget_plot_torch_or_machinery():
    """Every lesson imports the checks: they stay light (make bench times it, goal < 0.3 s)."""
    loaded = loaded_after("import attnlab.checks")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    assert not {m for m in loaded if m.startswith(("attnlab.views", "attnlab.course", "attnlab.models"))}


def test_the_reference_loads_no_torch_or_widgets():
    modules = [module_name(p) for p in PACKAGE.glob("*.py")]
    loaded = loaded_after("; ".join(f"import {m}" for m in modules))
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: module_name(p))
def test_a_module_is_short_enough_to_read_top_to_bottom(path):
    n = len(path.read_text().splitlines())
    assert n <= 400, f"{module_name(path)} has {n} lines: split it along the ideas it holds"
