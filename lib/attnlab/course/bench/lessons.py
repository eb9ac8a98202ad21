"""Sections 5 and 6: every lesson run in a fresh kernel, and every widget control's latency."""

from __future__ import annotations

import importlib
import inspect
import json
import statistics
import time

from attnlab.course.bench.core import GOALS, mark, ms
from attnlab.paths import NOTEBOOKS_DIR, SOLUTIONS_DIR


def _run_lesson(path) -> tuple[float, str]:
    """Seconds to execute ``path`` (a copy in memory, in a fresh kernel, kernel start included) and
    its error's first line ("" when it ran)."""
    import nbformat

    from attnlab.course.kernels import execute

    nb = nbformat.read(path, as_version=4)  # in memory: the file is never written
    start = time.perf_counter()
    try:
        execute(nb, path.parent)
        error = ""
    except Exception as exc:  # a failing lesson is reported, not fatal to the bench
        error = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
    return time.perf_counter() - start, error


def bench_notebooks() -> list[dict]:
    """Every lesson run twice, each in a fresh kernel: the student copy (notebooks/, the stubs: a
    learner's first Run all) and the solution (solutions/: a learner whose functions all work)."""
    rows = []
    for path in sorted(SOLUTIONS_DIR.glob("*.ipynb")):
        print(f"  {path.stem}", flush=True)
        seconds, error = _run_lesson(path)
        row = {"lesson": path.stem, "seconds": seconds, "error": error}
        student = NOTEBOOKS_DIR / path.name
        if student.exists():
            row["stub_seconds"], row["stub_error"] = _run_lesson(student)
        rows.append(row)
    return rows


def _controls(widget) -> list:
    """The controls a learner moves or clicks (sliders, dropdowns, text, buttons) inside
    ``widget``, depth first."""
    import ipywidgets

    found = []
    display_only = ipywidgets.Label | ipywidgets.HTML | ipywidgets.HTMLMath | ipywidgets.Valid
    if isinstance(widget, ipywidgets.Button) or (
            isinstance(widget, ipywidgets.ValueWidget) and not isinstance(widget, display_only)):
        found.append(widget)
    for child in getattr(widget, "children", ()):
        found += _controls(child)
    return found


def _other_value(control):
    """A valid value for ``control`` different from its current one, or None."""
    import ipywidgets

    options = getattr(control, "options", None)
    if options:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        return next((o for o in values if o != control.value), None)
    if isinstance(control.value, bool):
        return not control.value
    if isinstance(control, ipywidgets.FloatLogSlider):  # min and max are exponents
        low, high = control.base**control.min, control.base**control.max
        return low if abs(control.value - low) > 1e-12 * high else high
    if isinstance(control.value, int | float) and hasattr(control, "max"):
        return control.min if control.value != control.min else control.max
    if isinstance(control.value, str):
        return control.value + "s"
    return None


def _change_times(control, repeats: int) -> list[float]:
    """Seconds each of ``repeats`` clicks or value changes of ``control`` took, until its
    handlers returned (they run synchronously); a changed value is put back afterwards."""
    import ipywidgets

    times = []
    if isinstance(control, ipywidgets.Button):
        for _ in range(repeats):
            start = time.perf_counter()
            control.click()
            times.append(time.perf_counter() - start)
        return times
    original = control.value
    try:
        for _ in range(repeats):
            value = _other_value(control)
            if value is None:
                break
            start = time.perf_counter()
            control.value = value
            times.append(time.perf_counter() - start)
    finally:
        control.value = original
    return times


def _failure(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:100]}" if text else type(exc).__name__


def _needs_arguments(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                                                   p.KEYWORD_ONLY) for p in params)


def widget_latencies(repeats: int = 5) -> list[dict] | str:
    """For every widget ``attnlab.views.widgets`` makes without arguments: the median time from moving
    (or clicking) each of its controls until its handlers — recomputing, redrawing — return.

    Run inside a kernel (see :func:`bench_widgets`). Kernel-side latency: the browser's drawing
    is not included. A widget that cannot be built, or a handler that raises, becomes a row
    saying so.
    """
    import ipywidgets
    import matplotlib.pyplot as plt

    try:  # import_module reads sys.modules (tests put a stand-in there), `import a.b` the attribute
        module = importlib.import_module("attnlab.views.widgets")
    except ImportError:
        return "not present"
    rows = []
    for name in sorted(n for n in dir(module) if not n.startswith("_")):
        maker = getattr(module, name)
        if (isinstance(maker, type) or not callable(maker) or _needs_arguments(maker)
                or getattr(maker, "__module__", None) != module.__name__):
            continue  # a class, something imported, or a function that needs arguments
        try:
            widget = maker()
        except Exception as exc:
            rows.append({"widget": name, "control": "(building it)", "seconds": None,
                         "error": _failure(exc)})
            continue
        if not isinstance(widget, ipywidgets.Widget):
            continue
        for control in _controls(widget):
            label = control.description or type(control).__name__
            try:
                times = _change_times(control, repeats)
            except Exception as exc:  # a handler that fails is reported, not fatal
                rows.append({"widget": name, "control": label, "seconds": None, "error": _failure(exc)})
                continue
            if times:
                rows.append({"widget": name, "control": label, "seconds": statistics.median(times)})
        plt.close("all")
    return rows or "present, but no widget could be built without arguments"


def bench_widgets() -> list[dict] | str:
    """:func:`widget_latencies`, run in a fresh kernel as a learner's notebook would."""
    import nbformat

    from attnlab.course.kernels import execute

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import json\nfrom attnlab.course.bench import widget_latencies\n"
        "print(json.dumps(widget_latencies()))")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    try:
        execute(nb, SOLUTIONS_DIR)
        text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
        return json.loads(text.strip().splitlines()[-1])
    except Exception as exc:
        return f"could not be measured: {str(exc).strip()[:200]}"


def _lesson_cell(seconds, error) -> str:
    if seconds is None:
        return "–"
    return f"{seconds:.1f} " + ("❌ failed: " + error if error else mark(seconds < GOALS["lesson_s"]))


def notebooks_section(rows: list[dict]) -> list[str]:
    if not rows:
        return ["## 5. Lessons", "", "Not measured in this run.", ""]
    total = sum(row["seconds"] for row in rows)
    stubs = [row["stub_seconds"] for row in rows if row.get("stub_seconds") is not None]
    return [
        "## 5. Lessons: execution time",
        "",
        "Each lesson executed in a fresh kernel with `attnlab.course.kernels.execute` (kernel start "
        "included), one after the other: the student copy in `notebooks/` (the stubs, a learner's first "
        "Run all) and the solution in `solutions/` (every function written). Goal: each < 15 s, "
        "all < 3 min.",
        "",
        "| lesson | with the stubs (s) | with the solutions (s) |",
        "|---|---:|---:|",
        *[f"| {row['lesson']} | {_lesson_cell(row.get('stub_seconds'), row.get('stub_error', ''))} | "
          f"{_lesson_cell(row['seconds'], row['error'])} |" for row in rows],
        f"| **all {len(rows)}** | **{sum(stubs):.1f}** {mark(sum(stubs) < GOALS['course_s'])} | "
        f"**{total:.1f}** {mark(total < GOALS['course_s'])} |",
        "",
    ]


def widgets_section(widgets: list[dict] | str) -> list[str]:
    head = ["## 6. Widgets: update latency", ""]
    if isinstance(widgets, str):
        return head + [f"`attnlab.views.widgets`: {widgets}.", ""]
    return head + [
        "Time from moving (or clicking) a control until its handlers (recompute, redraw) return, in "
        "a fresh kernel, median of 5 changes; the browser's drawing is not included. Every widget "
        "`attnlab.views.widgets` builds without arguments is probed.",
        "",
        "| widget | control | median (ms) |",
        "|---|---|---:|",
        *[f"| {row['widget']} | {row['control']} | "
          f"{ms(row['seconds']) if row['seconds'] is not None else 'failed — ' + row['error']} |"
          for row in widgets],
        "",
    ]

