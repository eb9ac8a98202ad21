"""Feedback to students: one self-contained HTML page per student (``attnlab-grade --feedback DIR``).

Each page lists the exercises by name (the table of contents links to them), and for each one the
points, the check's line — the failing case and its hint, wrapped, never cut off — the learner's
own code as submitted, and what to look at next: the lesson's section and the exercise's own
instructions. Formulas are drawn by matplotlib's mathtext as inline SVG, styles are inline: the
page needs no network, no CDN, no JavaScript. Pages are ``DIR/<lesson>/<student>.html``.
"""

from __future__ import annotations

import ast
import html
import io
import re
from dataclasses import replace
from functools import cache
from pathlib import Path

import mistune
import nbformat

import attnlab.checks.verdict as verdict
from attnlab.course import written
from attnlab.course.classbook import ClassBook, Record, lesson_exercises, max_points
from attnlab.course.notebook import cells_shown, nbgrader
from attnlab.course.roster import file_name
from attnlab.course.submission import UNSCORED
from attnlab.paths import SOLUTIONS_DIR

STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; max-width: 58rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; overflow-wrap: break-word; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ddd;
     display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: 0 1rem; }
.line { white-space: pre-wrap; overflow-wrap: anywhere; padding: .6rem .8rem; border-radius: 6px;
        background: #f6f6f6; border-left: 4px solid #999; }
.pass { border-left-color: #2a8f3d; } .fail { border-left-color: #c0392b; }
pre.code { white-space: pre; overflow-x: auto; background: #fbfbf8; border: 1px solid #e5e5dc;
           padding: .6rem .8rem; font: 13px/1.4 ui-monospace, monospace; }
code { font: .9em ui-monospace, monospace; background: #f0f0ea; padding: 0 .2em; border-radius: 3px; }
.answer { white-space: pre-wrap; overflow-wrap: anywhere; }
.meta { color: #666; font-size: .85rem; } .points { font-weight: 600; white-space: nowrap; }
.next { background: #f3f7fc; padding: .4rem .9rem; border-radius: 6px; overflow-x: auto; }
svg.math { vertical-align: middle; max-width: 100%; height: auto; }
.display { display: block; text-align: center; margin: .8rem 0; overflow-x: auto; }
@media (max-width: 600px) { body { margin: 1rem auto; padding: 0 .75rem; } h1 { font-size: 1.3rem; } }
"""
MATH = re.compile(r"(?<!\\)\$\$(.+?)\$\$|(?<!\\)\$(.+?)(?<!\\)\$", re.S)
CODE_SPAN = re.compile(r"`([^`\n]+)`")
EXERCISE = re.compile(r"^\*\*Exercise\b", re.M)
CELL_RAISED = re.compile(r"^code cell (\d+) raised ")


@cache
def formula_svg(tex: str, display: bool = False) -> str:
    """``tex`` drawn by matplotlib's mathtext as SVG (the TeX itself if it cannot be drawn): inline
    at the text's size, or — ``display`` — larger, as a centred block of its own."""
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    buf = io.BytesIO()
    for attempt in (tex, _plainer(tex)):  # mathtext knows a subset of TeX: try it without sizing
        try:
            mathtext.math_to_image(f"${attempt}$", buf, prop=FontProperties(size=17 if display else 12),
                                   format="svg", dpi=72)
            break
        except Exception:  # noqa: BLE001
            buf = io.BytesIO()
    else:  # show the source instead
        return f'<span class="display"><code>{html.escape(tex)}</code></span>' if display else \
            f"<code>{html.escape(tex)}</code>"
    svg = buf.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg"):]
    svg = svg.replace("<svg ", f'<svg class="math" role="img" aria-label="{html.escape(tex)}" ', 1)
    return f'<span class="display">{svg}</span>' if display else svg


def _plainer(tex: str) -> str:
    """TeX that mathtext can draw: delimiter sizes dropped, \\tfrac as \\frac, \\text as \\mathrm."""
    tex = re.sub(r"\\[Bb]igg?[lr]?(?![a-zA-Z])", "", tex)
    return re.sub(r"\\[td]frac(?![a-zA-Z])", r"\\frac", tex).replace("\\text{", "\\mathrm{")


def code_spans(escaped: str) -> str:
    """Already escaped text with each Markdown `` `code` `` span as ``<code>`` (a check's line is
    written in Markdown: "the course's `stable_softmax`")."""
    return CODE_SPAN.sub(r"<code>\1</code>", escaped)


def markdown(text: str) -> str:
    """Markdown to HTML, with each ``$…$`` formula as inline SVG and each ``$$…$$`` as a display."""
    formulas: list[str] = []

    def keep(m: re.Match) -> str:
        display = m.group(1) is not None
        formulas.append(formula_svg((m.group(1) if display else m.group(2)).strip(), display))
        return f"\x00{len(formulas) - 1}\x00"

    rendered = mistune.html(MATH.sub(keep, text))
    return re.sub(r"\x00(\d+)\x00", lambda m: formulas[int(m.group(1))], rendered)


def instructions(text: str) -> str:
    """The exercise's own words in the markdown cell before it: from its "**Exercise N.**"
    paragraph, else from the cell's last heading on — never the end of the section before."""
    found = list(EXERCISE.finditer(text))
    if found:
        return text[found[-1].start():]
    lines = text.splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("#")]
    return "\n".join(lines[heads[-1] + 1:]).strip() if heads else text


@cache
def guidance(lesson: str) -> dict[str, tuple[str, str]]:
    """Exercise id -> (the lesson section it is in, the exercise's instructions), from the solution."""
    nb = nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4)
    found, section, last_text = {}, lesson, ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            heads = [line.lstrip("#").strip() for line in cell.source.splitlines() if line.startswith("#")]
            section = heads[-1] if heads else section
            last_text = cell.source
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution"):
            found[grade_id] = (section, instructions(last_text))
    return found


def cell_names(path: Path | None, lesson: str) -> dict[int, str]:
    """Code cell number (1-based, as the grader counts them) -> what a learner calls it: "your
    exercise `stable_softmax`", "the check of …", or "the code cell under “heading”"."""
    exs = {ex.grade_id: ex for ex in lesson_exercises(lesson)}
    checks = {ex.check_id: ex for ex in exs.values()}
    names, heading, n = {}, lesson, 0
    for cell in cells_shown(path):
        if cell["cell_type"] == "markdown":
            heads = [line.lstrip("#").strip() for line in cell["source"].splitlines() if line.startswith("#")]
            heading = heads[-1] if heads else heading
        if cell["cell_type"] != "code":
            continue
        n += 1
        grade_id = nbgrader(cell).get("grade_id")
        if grade_id in exs:
            names[n] = f"your exercise `{exs[grade_id].function}` (code cell {n})"
        elif grade_id in checks:
            names[n] = f"the check of `{checks[grade_id].function}` (code cell {n})"
        else:
            names[n] = f"the code cell under “{heading[:80]}” (code cell {n})"
    return names


def _named_cell(note: str, names: dict[int, str]) -> str:
    """``code cell 3 raised …`` with the cell named as the learner knows it."""
    m = CELL_RAISED.match(note)
    if not m or int(m.group(1)) not in names:
        return note
    return f"{names[int(m.group(1))]} raised {note[m.end():]}"


def learner_code(path: Path, grade_id: str, function: str) -> str:
    """The learner's exercise cell as submitted (found by its id, else by the function it defines)."""
    sources = []
    for cell in cells_shown(path):
        if cell["cell_type"] != "code":
            continue
        source = cell["source"]
        if nbgrader(cell).get("grade_id") == grade_id:
            return source
        sources.append(source)
    for source in sources:
        try:
            if any(isinstance(n, ast.FunctionDef) and n.name == function for n in ast.parse(source).body):
                return source
        except (SyntaxError, ValueError, RecursionError, MemoryError):  # a 1 MB expression, say
            continue
    return ""


def _exercise(record: Record, ex, lesson: str, code_path: Path | None) -> str:
    points = record.scores.get(ex.grade_id, 0.0)
    line = record.line(ex)
    passed = points >= ex.points and not verdict.failed(line)
    section, instructions = guidance(lesson).get(ex.grade_id, (lesson, ""))
    code = learner_code(code_path, ex.grade_id, ex.function) if code_path else ""
    parts = [f'<h2 id="{html.escape(ex.grade_id)}"><span>{html.escape(ex.function)}()</span>'
             f'<span class="points">{points:g} / {ex.points:g}</span></h2>',
             f'<div class="line {"pass" if passed else "fail"}">{code_spans(html.escape(line))}</div>']
    if code:
        parts.append('<p class="meta">Your code, as submitted:</p>'
                     f'<pre class="code">{html.escape(code)}</pre>')
    if not passed:
        parts.append(f'<div class="next"><p><b>Look at next:</b> section “{markdown(section)[3:-5]}” of '
                     f"{html.escape(lesson)} — the exercise asks:</p>{markdown(instructions)}</div>")
    return "\n".join(parts)


def _in_words(record: Record, q: written.Question) -> str:
    """A written answer's section: the question, the answer as handed in, a grader's points and
    comment (or that it is not yet graded), and any regrade of it."""
    mark, text = record.mark(q), record.answers.get(q.id, "")
    shown = "not yet graded" if mark is None else f"{mark:g}"
    parts = [f'<h2 id="{html.escape(q.id)}"><span>In your own words</span>'
             f'<span class="points">{shown} / {q.points:g}</span></h2>',
             f"<p><b>{html.escape(q.guide)}</b></p>"]
    if text:
        parts.append(f'<p class="meta">Your answer, as submitted:</p><blockquote class="answer">'
                     f"{html.escape(text)}</blockquote>")
    else:
        parts.append(f"<p>{written.NOT_ANSWERED.capitalize()}: the answer cell was left as it was "
                     "handed out.</p>")
    entry = record.entries.get(q.id)
    if mark is None:
        parts.append("<p>A grader reads this answer; its points come with the next feedback.</p>")
    elif entry is not None and entry.comment:
        parts.append(f"<p><b>The grader says:</b> {html.escape(entry.comment)}</p>")
    for question, old, new, reason, at in record.regrades:
        if question == q.id:
            before, after = (html.escape(p or written.TO_GRADE) for p in (old, new))
            parts.append(f'<p class="meta">Regraded {html.escape(at)}: {before} → {after} — '
                         f"{html.escape(reason)}</p>")
    return "\n".join(parts)


def not_graded_page(record: Record, lesson: str) -> str:
    """The page of a student whose submission the grader could not grade: no score at all."""
    who = html.escape(record.name or record.student)
    why = "".join(f"<li>{html.escape(n[:500])}</li>" for n in record.notes[:5])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(lesson)} — {who}</title>
<style>{STYLE}</style></head>
<body><h1>{html.escape(lesson)}: feedback for {who}</h1>
<p><b>Not graded yet.</b> The grader could not grade this submission — a problem on the grader's
side, not in your work. Your instructor will grade it again; no score has been given.</p>
<ul>{why}</ul>
</body></html>
"""


def missing_page(record: Record, lesson: str) -> str:
    """The page of a student who handed nothing in: only what to hand in (no score, no path)."""
    who = html.escape(record.name or record.student)
    todo = "".join([*(f"<li>{html.escape(ex.function)}() — {ex.points:g} point(s)</li>"
                      for ex in lesson_exercises(lesson)),
                    *(f"<li>in your own words: {html.escape(q.guide)} — {q.points:g} point(s)</li>"
                      for q in written.of_lesson(lesson))])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(lesson)} — {who}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body><h1>{html.escape(lesson)}: feedback for {who}</h1>
<p><b>Nothing handed in yet.</b> Hand in your notebook <code>{html.escape(lesson)}.ipynb</code> with
these exercises written:</p>
<ul>{todo}</ul>
</body></html>
"""


def page(record: Record, lesson: str, code_path: Path | None) -> str:
    """One student's feedback page for one lesson (a complete HTML document)."""
    if record.status in UNSCORED:
        return not_graded_page(record, lesson)
    if record.status == "missing":
        return missing_page(record, lesson)
    exs, questions = lesson_exercises(lesson), written.of_lesson(lesson)
    top = max_points(lesson)
    who = html.escape(record.name or record.student)
    facts = [f"graded {html.escape(record.graded_at)}", f"course {html.escape(record.course_version)}"]
    if record.sha256:
        facts.append(f"file SHA-256 {record.sha256[:12]}…")
    late = ""
    if record.late:
        late = (f"<p><b>Late</b> by {record.late_s / 3600:.1f} hours"
                + (f": {record.points_off:g} point(s) off." if record.points_off else ".") + "</p>")
    toc = "".join(f'<li><a href="#{html.escape(ex.grade_id)}">{html.escape(ex.function)}()</a> — '
                  f"{record.scores.get(ex.grade_id, 0.0):g} / {ex.points:g}</li>" for ex in exs)
    toc += "".join(f'<li><a href="#{html.escape(q.id)}">in your own words</a> — '
                   f"{'not yet graded' if record.mark(q) is None else format(record.mark(q), 'g')} / "
                   f"{q.points:g}</li>" for q in questions)
    names = cell_names(code_path, lesson)
    other = "".join(f"<li>{code_spans(html.escape(_named_cell(n, names)))}</li>"
                    for n in record.other_notes())
    body = "\n".join([*(_exercise(record, ex, lesson, code_path) for ex in exs),
                      *(_in_words(record, q) for q in questions)])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(lesson)} — {who}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>
<body><h1>{html.escape(lesson)}: feedback for {who}</h1>
<p><b>{record.total:g} / {top:g}</b> points ({html.escape(record.status)}).</p>{late}
<p class="meta">{" · ".join(facts)}</p>
<ol>{toc}</ol>{f"<p>Also noted:</p><ul>{other}</ul>" if other else ""}
{body}
</body></html>
"""


def write_pages(book: ClassBook, lesson, folder: Path, evidence: Path | None = None) -> list[Path]:
    """One page per student of ``lesson`` into ``folder/<lesson>/``; the pages written."""
    name = getattr(lesson, "name", lesson)
    out = Path(folder) / name
    out.mkdir(parents=True, exist_ok=True)
    pages = []
    for record in book.records(name):
        # Only the grader's own copy (never the file in the folder: it may be a link to a classmate's)
        kept = evidence / file_name(record.student) / "submitted.ipynb" if evidence else None
        code_path = kept if kept and kept.is_file() else None
        path = out / f"{file_name(record.student)}.html"
        try:
            text = page(record, name, code_path)
        except Exception as exc:  # noqa: BLE001 — one student's data never stops the others' pages
            why = [f"the feedback page could not be made: {exc}"]
            text = not_graded_page(replace(record, notes=why), name)
        path.write_text(text, encoding="utf-8")
        pages.append(path)
    return pages
