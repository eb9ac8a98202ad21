"""The class report's pictures (matplotlib, PNG bytes, no date in the file): the class's scores, and
per exercise how the class fared — passed, each named mistake, other wrong answers, errors, not
attempted — as one bar each, longest first."""

from __future__ import annotations

import io

from attnlab.course.diagnosis import NOT_ATTEMPTED, ExerciseStats

PASS, NAMED, OTHER, IDLE = "#2a8f3d", "#c0392b", "#e08e2b", "#9a9a9a"


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def histogram_png(totals: list[float], top: float, lesson: str) -> bytes:
    """A histogram of the class's scores, one bar per possible score."""
    fig = _figure(6, 3.2)
    ax = fig.add_subplot()
    step = 1.0 if all(float(t).is_integer() for t in totals) else 0.5 if top > 4 else 0.25
    edges = [i * step - step / 2 for i in range(int(top / step) + 2)]
    ax.hist(totals, bins=edges, color="#4a78b5", edgecolor="white")
    ax.set_xlabel(f"points after late penalties (of {top:g})")
    ax.set_ylabel("students")
    ax.set_title(f"{lesson}: {len(totals)} submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def _colour(way: str, named: set[str]) -> str:
    if way == NOT_ATTEMPTED:
        return IDLE
    return NAMED if way in named else OTHER


def outcomes_png(s: ExerciseStats) -> bytes:
    """One bar per outcome of an exercise: passed (green), each catalogued mistake (red), other
    wrong answers and errors (orange), not attempted (grey)."""
    ways = [("passed", s.passed), *s.failing()]
    ways = [(w if len(w) <= 48 else w[:47] + "…", n) for w, n in ways]
    named = {w if len(w) <= 48 else w[:47] + "…" for w in s.mistakes}
    fig = _figure(6, 0.45 * len(ways) + 0.9)
    ax = fig.add_subplot()
    labels = [w for w, _ in ways][::-1]
    counts = [n for _, n in ways][::-1]
    colours = [PASS if w == "passed" else _colour(w, named) for w in labels]
    bars = ax.barh(range(len(ways)), counts, color=colours)
    ax.bar_label(bars, padding=3)
    ax.set_yticks(range(len(ways)), labels)
    ax.set_xlim(0, max(counts + [1]) * 1.15)
    ax.set_xlabel(f"students (of {s.handed_in} who handed in)")
    ax.set_title(f"{s.function}(): {s.passed}/{s.handed_in} passed", loc="left")
    ax.xaxis.get_major_locator().set_params(integer=True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _png(fig)

