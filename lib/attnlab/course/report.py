"""The class report (``attnlab-grade --report DIR``): what to say in the next lecture.

For one lesson (``DIR/<lesson>/index.html``, readable offline, pictures embedded): per exercise
how many passed, how many did not attempt it apart from those who answered wrong, the catalogued
mistakes by name with how many made each (and who), the failing case most hit, and a bar chart of
all that; a table of students — each exercise's mark and a link to the student's feedback page;
the histogram of the class's scores after late penalties; the warnings about the files handed
in. Beside it ``exercises.csv``, ``students.csv``, ``histogram.png`` and one ``<exercise>.png`` each.

Across lessons (``DIR/index.html`` and ``DIR/progress.csv``, rewritten from the whole gradebook
each time): each student's points per lesson graded so far, and the class's hardest exercises.
The numbers come from :mod:`attnlab.course.diagnosis`.
"""

from __future__ import annotations

import base64
import html
import os
from pathlib import Path

from attnlab.course import diagnosis, report_plots, safecsv
from attnlab.course.classbook import ClassBook, Record, lesson_exercises, max_points
from attnlab.course.diagnosis import ExerciseStats
from attnlab.course.roster import file_name

STYLE = """body { font: 15px/1.5 system-ui, sans-serif; max-width: 66rem; margin: 2rem auto; padding: 0 1rem;
color: #222; } table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; }
td, th { border-bottom: 1px solid #ddd; padding: .35rem .5rem; vertical-align: top; text-align: left; }
th { background: #f4f4f4; } td.n { text-align: right; white-space: nowrap; } img { max-width: 100%; }
.pass { color: #2a8f3d; } .fail { color: #c0392b; } .idle { color: #777; }
.scroll { overflow-x: auto; } section.ex { border-top: 2px solid #ddd; margin-top: 1.5rem; }
.who { color: #666; font-size: .85rem; }
pre.code { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; font: 12px/1.35 ui-monospace,
monospace; }"""


def _esc(text) -> str:
    return html.escape(str(text))


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{_esc(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _document(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{_esc(title)}</title>\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style>'
            f"</head><body>\n{body}\n</body></html>\n")


def _exercise_section(s: ExerciseStats, png: bytes) -> str:
    rows = []
    for way, n in s.failing():
        names = s.who.get(way, [])
        kind = "idle" if way == diagnosis.NOT_ATTEMPTED else "fail"
        rows.append(f'<tr><td class="{kind}">{_esc(way)}</td><td class="n">{n}</td>'
                    f'<td class="who">{_esc(", ".join(names))}</td></tr>')
    case, hits = s.case_most_hit
    most = (f"<p>The failing case most hit: <b>{_esc(case)}</b> — {hits} learner(s).</p>" if hits else "")
    table = ('<table><tr><th>what went wrong</th><th>learners</th><th>who</th></tr>'
             f'{"".join(rows)}</table>' if rows else "<p>Everyone who handed in passed.</p>")
    return (f'<section class="ex" id="{_esc(s.grade_id)}">'
            f"<h3>{_esc(s.function)}() — {s.points:g} point(s)</h3>"
            f"<p>{s.passed} of {s.handed_in} passed ({100 * s.pass_rate:.0f}%); {s.attempted} attempted it, "
            f"{s.not_attempted} did not.</p>{most}{table}{_img(png, f'outcomes of {s.function}')}</section>")


def _feedback_link(record: Record, here: Path, feedback: Path | None) -> str:
    label = _esc(record.student)
    if feedback is None:
        return label
    page = Path(feedback) / record.lesson / f"{file_name(record.student)}.html"
    return f'<a href="{_esc(Path(os.path.relpath(page, here)).as_posix())}">{label}</a>'


def _cell(found) -> str:
    kind = {"pass": "pass", diagnosis.NOT_ATTEMPTED: "idle", "missing": "idle"}.get(found.verdict, "fail")
    return f'<td class="{kind}">{_esc(diagnosis.mark(found))}</td>'


def _students(records: list[Record], lesson: str, here: Path, feedback: Path | None) -> str:
    exs = lesson_exercises(lesson)
    head = "".join(f"<th>{_esc(ex.function)}()</th>" for ex in exs)
    rows = []
    for r, found in diagnosis.student_rows(records, lesson):
        total = "—" if r.status == "missing" else f"{r.total:g}"
        late = f"{r.points_off:g} off" if r.points_off else ("late" if r.late else "")
        rows.append(f"<tr><td>{_feedback_link(r, here, feedback)}</td><td>{_esc(r.name)}</td>"
                    f'<td class="n">{total}</td><td>{_esc(late)}</td>{"".join(_cell(f) for f in found)}</tr>')
    return ('<div class="scroll"><table><tr><th>student</th><th>name</th><th>points</th><th>late</th>'
            f'{head}</tr>{"".join(rows)}</table></div>')


def _warnings(warnings: list[str]) -> str:
    """What the grader warned about the submissions folder (files, names, the roster)."""
    if not warnings:
        return ""
    items = "".join(f"<li>{_esc(w)}</li>" for w in warnings)
    return (f"<h2>Warnings ({len(warnings)})</h2><p>About the files handed in and the roster:</p>"
            f"<ul>{items}</ul>")


def _write_csvs(out: Path, stats: list[ExerciseStats], records: list[Record], lesson: str) -> None:
    with open(out / "exercises.csv", "w", newline="", encoding="utf-8") as f:
        writer = safecsv.writer(f)
        writer.writerow(["exercise", "passed", "graded", "attempted", "not_attempted", "pass_rate",
                         "most_failed_case", "learners", "top_mistake", "times", "mistakes"])
        for s in stats:
            case, hits = s.case_most_hit
            top, times = s.top_mistake
            every = "; ".join(f"{m} ×{n}" for m, n in s.failing())
            writer.writerow([s.grade_id, s.passed, s.handed_in, s.attempted, s.not_attempted,
                             f"{s.pass_rate:.2f}", case, hits, top, times, every])
    exs = lesson_exercises(lesson)
    with open(out / "students.csv", "w", newline="", encoding="utf-8") as f:
        writer = safecsv.writer(f)
        writer.writerow(["student", "name", "status", "total", "max", *[ex.grade_id for ex in exs]])
        for r, found in diagnosis.student_rows(records, lesson):
            total = "" if r.status in ("missing", "not graded") else f"{r.total:g}"
            writer.writerow([r.student, r.name, r.status, total, f"{max_points(lesson):g}",
                             *[diagnosis.mark(d) for d in found]])


def write_report(book: ClassBook, lesson, folder: Path, feedback: Path | None = None,
                 similar: str = "") -> Path:
    """The report for ``lesson`` into ``folder/<lesson>/`` (and the class's overview into
    ``folder/``); the lesson page's path. ``feedback``: the folder of the feedback pages, to link
    them; ``similar``: the similar-work section (HTML) to include."""
    name = getattr(lesson, "name", lesson)
    out = Path(folder) / name
    out.mkdir(parents=True, exist_ok=True)
    records = book.records(name)
    top = max_points(name)
    handed_in = [r for r in records if r.status != "missing"]
    totals = [r.total for r in handed_in]
    stats = diagnosis.exercise_stats(records, name)
    histogram = report_plots.histogram_png(totals, top, name)
    (out / "histogram.png").write_bytes(histogram)
    sections = []
    for s in stats:
        png = report_plots.outcomes_png(s)
        (out / f"{file_name(s.grade_id)}.png").write_bytes(png)
        sections.append(_exercise_section(s, png))
    _write_csvs(out, stats, records, name)
    mean = sum(totals) / len(totals) if totals else 0.0
    late = sum(r.late for r in records)
    body = (f'<p><a href="../index.html">The whole class, every lesson</a></p>'
            f"<h1>{_esc(name)}: class report</h1>"
            f"<p>{len(handed_in)} submissions ({len(records) - len(handed_in)} missing, {late} late); "
            f"mean {mean:.2f} of {top:g} points after late penalties.</p>"
            f"{_img(histogram, 'the class scores')}"
            f"<h2>Exercises</h2>{''.join(sections)}"
            f"<h2>Students</h2><p>Each name links to the student's feedback page.</p>"
            f"{_students(records, name, out, feedback)}{similar}{_warnings(book.warnings(name))}")
    (out / "index.html").write_text(_document(f"{name}: class report", body), encoding="utf-8")
    write_overview(book, Path(folder))
    return out / "index.html"


def _hard_row(s: ExerciseStats) -> str:
    ways = s.failing()
    worst = ways[0][0] if ways else ""
    return (f'<tr><td><a href="{_esc(s.lesson)}/index.html#{_esc(s.grade_id)}">{_esc(s.lesson)}: '
            f'{_esc(s.function)}()</a></td><td class="n">{s.passed}/{s.handed_in} '
            f'({100 * s.pass_rate:.0f}%)</td><td class="n">{s.not_attempted}</td><td>{_esc(worst)}</td></tr>')


def write_overview(book: ClassBook, folder: Path) -> Path:
    """``folder/index.html`` and ``progress.csv``: each student's points per lesson so far, the
    class's hardest exercises, a link to each lesson's report."""
    lessons, by_student = diagnosis.progress(book)
    with open(folder / "progress.csv", "w", newline="", encoding="utf-8") as f:
        writer = safecsv.writer(f)
        writer.writerow(["student", "name", *lessons, "total", "max"])
        for student, mine in sorted(by_student.items()):
            name = next((r.name for r in mine.values() if r.name), "")
            cells = ["" if diagnosis.share(mine.get(lesson)) is None else f"{mine[lesson].total:g}"
                     for lesson in lessons]
            total = sum(r.total for r in mine.values() if diagnosis.share(r) is not None)
            writer.writerow([student, name, *cells, f"{total:g}", f"{sum(max_points(x) for x in lessons):g}"])
    head = "".join(f'<th><a href="{_esc(x)}/index.html">{_esc(x)}</a> ({max_points(x):g})</th>'
                   for x in lessons)
    rows = []
    for student, mine in sorted(by_student.items()):
        name = next((r.name for r in mine.values() if r.name), "")
        cells = []
        for lesson in lessons:
            part = diagnosis.share(mine.get(lesson))
            shown = "—" if part is None else f"{mine[lesson].total:g}"
            kind = "idle" if part is None else "pass" if part >= 0.999 else "fail" if part < 0.5 else ""
            cells.append(f'<td class="n {kind}">{shown}</td>')
        rows.append(f"<tr><td>{_esc(student)}</td><td>{_esc(name)}</td>{''.join(cells)}</tr>")
    hard = "".join(_hard_row(s) for s in diagnosis.hardest(book))
    body = (f"<h1>The class: every lesson graded</h1><p>{len(by_student)} students, "
            f"{len(lessons)} lesson(s); "
            "points after late penalties (— : nothing handed in, or not graded).</p>"
            f'<h2>Each student\'s progress</h2><div class="scroll"><table><tr><th>student</th><th>name</th>'
            f'{head}</tr>{"".join(rows)}</table></div>'
            "<h2>The hardest exercises</h2><table><tr><th>exercise</th><th>passed</th><th>not attempted</th>"
            f"<th>the mistake made most</th></tr>{hard}</table>")
    (folder / "index.html").write_text(_document("The class: every lesson", body), encoding="utf-8")
    return folder / "index.html"
