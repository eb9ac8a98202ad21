"""The class report (``attnlab-grade --report DIR``): what to say in the next lecture.

For one lesson: per exercise the pass rate, the case that failed most often with how many hit it,
and the mistakes the checks named most often (each check line's reason, numbers left out so the
same slip counts once however the values differ); a histogram of the class's scores (matplotlib,
PNG). Written as ``DIR/<lesson>/index.html`` (the histogram embedded, readable offline),
``histogram.png`` and ``exercises.csv``.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from attnlab.course import safecsv
from attnlab.course.classbook import ClassBook, Record, lesson_exercises

CASE = re.compile(r"case (?P<n>\d+) of (?P<of>\d+) \((?P<label>.*?)\): (?P<why>.*)$", re.S)
NUMBER = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?|\[[^\]]*\]")


@dataclass
class ExerciseStats:
    grade_id: str
    function: str
    points: float
    graded: int = 0
    passed: int = 0
    cases: Counter = field(default_factory=Counter)  # "case 3 (huge scores …)" -> learners
    mistakes: Counter = field(default_factory=Counter)  # the check's reason, numbers left out

    @property
    def pass_rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


def mistake(why: str) -> str:
    """A check's reason with the numbers left out: ``expected …, got …`` counts once."""
    reason = why.split(" Hint: ")[0].split(". ")[0]  # the first sentence: what went wrong
    reason = " ".join(NUMBER.sub("…", reason).split())
    return reason if len(reason) <= 200 else reason[:199] + "…"


def exercise_stats(records: list[Record], lesson: str) -> list[ExerciseStats]:
    stats = []
    for ex in lesson_exercises(lesson):
        s = ExerciseStats(ex.grade_id, ex.function, ex.points)
        for r in records:
            if r.status == "missing":
                continue
            s.graded += 1
            line = r.line(ex)
            if r.scores.get(ex.grade_id, 0.0) >= ex.points and not line.startswith("❌"):
                s.passed += 1
                continue
            text = line[2:] if line[:1] in "❌⏳✅" else line
            text = text.split(": ", 1)[1] if text.startswith(f"{ex.function}: ") else text
            m = CASE.search(text)
            if m:
                s.cases[f"case {m['n']} ({m['label']})"] += 1
                s.mistakes[mistake(m["why"])] += 1
            else:
                s.mistakes[mistake(text)] += 1
        stats.append(s)
    return stats


def histogram_png(totals: list[float], top: float, lesson: str) -> bytes:
    """A histogram of the class's scores, one bar per possible score (PNG bytes)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.2), dpi=100)
    ax = fig.add_subplot()
    step = 1.0 if all(float(t).is_integer() for t in totals) else 0.5 if top > 4 else 0.25
    edges = [i * step - step / 2 for i in range(int(top / step) + 2)]
    ax.hist(totals, bins=edges, color="#4a78b5", edgecolor="white")
    ax.set_xlabel(f"points (of {top:g})")
    ax.set_ylabel("students")
    ax.set_title(f"{lesson}: {len(totals)} submissions")
    ax.yaxis.get_major_locator().set_params(integer=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _row(s: ExerciseStats) -> str:
    case, hits = s.cases.most_common(1)[0] if s.cases else ("—", 0)
    mistakes = "".join(f"<li>{html.escape(m)} <b>×{n}</b></li>" for m, n in s.mistakes.most_common(3))
    return (f"<tr><td>{html.escape(s.function)}()</td><td>{s.passed}/{s.graded} "
            f"({100 * s.pass_rate:.0f}%)</td><td>{html.escape(case)}"
            f"{f' — {hits} learner(s)' if hits else ''}</td><td><ul>{mistakes}</ul></td></tr>")


def _warnings(warnings: list[str]) -> str:
    """What the grader warned about the submissions folder (files, names, the roster)."""
    if not warnings:
        return ""
    items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
    return (f"<h2>Warnings ({len(warnings)})</h2><p>About the files handed in and the roster:</p>"
            f"<ul>{items}</ul>")


def write_report(book: ClassBook, lesson, folder: Path) -> Path:
    """The report for ``lesson`` into ``folder/<lesson>/``; the HTML page's path."""
    name = getattr(lesson, "name", lesson)
    out = Path(folder) / name
    out.mkdir(parents=True, exist_ok=True)
    records = book.records(name)
    top = sum(ex.points for ex in lesson_exercises(name))
    handed_in = [r for r in records if r.status != "missing"]
    totals = [r.total for r in handed_in]
    stats = exercise_stats(records, name)
    png = histogram_png(totals, top, name)
    (out / "histogram.png").write_bytes(png)
    with open(out / "exercises.csv", "w", newline="", encoding="utf-8") as f:
        writer = safecsv.writer(f)
        writer.writerow(["exercise", "passed", "graded", "pass_rate", "most_failed_case", "learners",
                         "top_mistake", "times"])
        for s in stats:
            case, hits = s.cases.most_common(1)[0] if s.cases else ("", 0)
            top_mistake, times = s.mistakes.most_common(1)[0] if s.mistakes else ("", 0)
            writer.writerow([s.grade_id, s.passed, s.graded, f"{s.pass_rate:.2f}", case, hits,
                             top_mistake, times])
    mean = sum(totals) / len(totals) if totals else 0.0
    late = sum(r.late for r in records)
    missing = len(records) - len(handed_in)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(name)}: class report</title>
<style>body {{ font: 15px/1.5 system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem; }}
table {{ border-collapse: collapse; width: 100%; }} td, th {{ border-bottom: 1px solid #ddd; padding: .4rem;
vertical-align: top; text-align: left; overflow-wrap: anywhere; }}
ul {{ margin: 0; padding-left: 1.1rem; }} td:first-child, td:nth-child(2) {{ white-space: nowrap; }}
</style>
</head><body><h1>{html.escape(name)}: class report</h1>
<p>{len(handed_in)} submissions ({missing} missing, {late} late); mean {mean:.2f} of {top:g} points.</p>
<img alt="histogram of the class's scores" src="data:image/png;base64,{base64.b64encode(png).decode()}">
<table><tr><th>exercise</th><th>passed</th><th>most-failed case</th><th>mistakes named most often</th></tr>
{"".join(_row(s) for s in stats)}</table>{_warnings(book.warnings(name))}</body></html>
"""
    (out / "index.html").write_text(page, encoding="utf-8")
    return out / "index.html"
