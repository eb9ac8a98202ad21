"""The library's layers, as the tree shows them and docs/authoring.md's table says: imports point
downward only, at every depth.

    attnlab/            the NumPy reference a learner reads (no torch at import, no widgets, no Jupyter)
    attnlab/models/     torch modules, corpora, trained and pretrained models, probes
    attnlab/views/      widgets, SVG, plots, the study guide's deck and quiz
    attnlab/checks/     the exercise checks
    attnlab/yours/      the learner's own functions run inside real models
    attnlab/course/     the machinery: generator, grader, kernels, bench

Every import counts — at module level, inside a function, a class, an ``if`` or a ``try``: an import
a function makes when it runs is as much a dependency as one at the top. Which layer may import
which is read from the table in docs/authoring.md ("Where code goes"), so the page cannot drift
from the code; none may form a cycle, and the library reads nothing under ``tests/``.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import attnlab
from attnlab.paths import ROOT

PACKAGE = Path(attnlab.__file__).parent
LAYERS = ("reference", "models", "views", "checks", "yours", "course")
FACE = "face"  # attnlab/__init__.py: `import attnlab as al`, names from every layer on first use
HEAVY = ("torch", "matplotlib", "ipywidgets", "IPython", "nbformat", "nbclient", "jupyter_client")


def layer_table() -> dict[str, set[str]]:
    """Layer -> the layers it may import, from docs/authoring.md's table (its own always)."""
    text = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    table: dict[str, set[str]] = {}
    for row in re.findall(r"^\| `lib/attnlab/([\w.]*)/?` \|.*\| ([^|]+) \|$", text, re.M):
        folder, may = row
        name = FACE if folder == "__init__.py" else folder or "reference"
        named = {w for w in re.findall(r"\w+", may) if w in LAYERS}
        allowed = {*LAYERS, FACE} if "everything" in may else named
        table[name] = allowed | {name}
    return table


MAY_IMPORT = layer_table()


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    if module == "attnlab":
        return FACE
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "reference"


def _is_module(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.with_suffix(".py").exists() or path.is_dir()


def imports(path: Path) -> set[str]:
    """Every attnlab module ``path`` imports, anywhere in its code (functions and classes included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("attnlab")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("attnlab"):
            for a in node.names:  # `from attnlab.models import corpus` imports attnlab.models.corpus
                sub = f"{node.module}.{a.name}"
                found.add(sub if _is_module(sub) else node.module)
    return found


def face_imports() -> set[str]:
    """What the public face imports when a name is first used: the modules its ``_PUBLIC`` names."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    table = next(node.value for node in tree.body if isinstance(node, ast.AnnAssign)
                 and getattr(node.target, "id", "") == "_PUBLIC")
    return {value.value for value in table.values} | {"attnlab.checks", "attnlab.yours"}


GRAPH = {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH["attnlab"] |= face_imports()


def test_the_docs_table_names_every_layer():
    assert set(MAY_IMPORT) == {*LAYERS, FACE}, f"docs/authoring.md's table names {sorted(MAY_IMPORT)}"
    assert MAY_IMPORT["reference"] == {"reference"} and MAY_IMPORT["course"] == {*LAYERS, FACE}
    below = set(LAYERS) - {"course"}  # only the machinery may import the face (the course as installed)
    assert FACE not in set().union(*(MAY_IMPORT[name] for name in below))


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_downward(module):
    wrong = {m for m in GRAPH[module] if layer(m) not in MAY_IMPORT[layer(module)]}
    assert not wrong, (f"{module} ({layer(module)}) imports {sorted(wrong)} from a layer docs/authoring.md "
                       "does not let it import")


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(m, path):
        state[m] = "open"
        for n in sorted(graph.get(m, ())):
            if n == m or n not in graph:
                continue
            if state.get(n) == "open":
                return [*path, m, n]
            if n not in state and (found := visit(n, [*path, m])):
                return found
        state[m] = "done"
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m, [])):
            return found
    return None


def test_no_import_cycle_at_any_depth():
    cycle = _cycle(GRAPH)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_the_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_graph_sees_the_imports_it_should():
    """The tests above are only as good as the parser: known imports, at both depths, must be there."""
    assert "attnlab.attention" in GRAPH["attnlab.multihead"]
    assert "attnlab.models.layers" in GRAPH["attnlab.models.gpt"]
    assert "attnlab.checks.core" in GRAPH["attnlab.checks.softmax"]
    assert "attnlab.yours.runners" in GRAPH["attnlab.yours.yours"]  # imported inside a method
    assert layer("attnlab.course.bench.core") == "course" and layer("attnlab.attention") == "reference"


def test_the_library_reads_nothing_under_tests():
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value == "tests":
                pytest.fail(f"{module_name(path)} builds a path into tests/ (line {node.lineno})")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "tests/" in node.value \
                    and not isinstance(getattr(node, "parent", None), ast.Expr):
                if re.search(r"(^|[\s'\"/])tests/\w+\.(py|cfg|json)$", node.value.strip()):
                    pytest.fail(f"{module_name(path)} reads {node.value!r} (line {node.lineno})")


def loaded_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_checks_load_no_widget_plot_torch_or_machinery():
    """Every lesson imports the checks: they stay light (make bench times it, goal < 0.15 s)."""
    loaded = loaded_after("import attnlab.checks")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}
    assert not {m for m in loaded if m.startswith(("attnlab.views", "attnlab.course", "attnlab.models"))}


def test_the_checks_load_no_lesson_until_asked():
    """``import attnlab.checks`` reads the table of exercises, not their checks; a lesson's import
    loads that lesson's check module and builds none of its cases."""
    loaded = loaded_after("import attnlab.checks")
    assert not {m for m in loaded if m.startswith("attnlab.checks.") and m.split(".")[2] in
                {"softmax", "masking", "gpt", "own_gpt", "scale", "todays", "cross"}}
    code = ("import sys; from attnlab.checks import check_stable_softmax, softmax; "
            "print(softmax.SOFTMAX_CASES.built, 'attnlab.checks.masking' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_the_reference_loads_no_torch_or_widgets():
    modules = [module_name(p) for p in PACKAGE.glob("*.py")]
    loaded = loaded_after("; ".join(f"import {m}" for m in modules))
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: module_name(p))
def test_a_module_is_short_enough_to_read_top_to_bottom(path):
    n = len(path.read_text().splitlines())
    assert n <= 400, f"{module_name(path)} has {n} lines: split it along the ideas it holds"
