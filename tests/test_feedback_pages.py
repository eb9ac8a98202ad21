"""Feedback pages as a student reads them — on a 390 px phone and a 1280 px laptop, in Debian's
Chromium through Playwright — and the defects a class found in them, each checked: no raw Markdown
backticks, "Look at next" starting at the exercise's own words, display formulas drawn larger and
centred, a raising cell named by its exercise or heading, token ids as whole numbers, the title
clear of the points, code keeping its indentation, and a missing student's page saying only what
to hand in.

The page is made from a record built here (the grader's own run is tests/test_class.py's), with a
submission written from the lesson's student copy.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from submissions import STUB, course_student_copy, grade_id

from attnlab.checks.core import show
from attnlab.checks.exercises import of_lesson
from attnlab.course import feedback
from attnlab.course.classbook import Record, lesson_exercises
from attnlab.paths import SOLUTIONS_DIR, lessons

LESSON = "13_review"  # its exercise's own words hold a display formula
EX = "head_update"
LONG = ("    if np.ndim(scores) > 1:\n        shifted = scores - np.max(scores, axis=-1, keepdims=True)"
        "  # a comment long enough to wrap on any phone screen at all\n    return shifted")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _submission(tmp_path: Path) -> Path:
    nb = nbformat.from_dict(course_student_copy(LESSON))
    for cell in nb.cells:
        if grade_id(cell) == EX:
            cell.source = STUB.sub(lambda m: LONG, cell.source)
    path = tmp_path / "submitted.ipynb"
    nbformat.write(nb, path)
    return path


def _record(path: Path) -> tuple[Record, int]:
    code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    cell = next(i for i, c in enumerate(code, 1) if grade_id(c) == EX)
    exs = lesson_exercises(LESSON)
    notes = [f"{EX}: ❌ {EX}: case 1 of 8 (x): the course's `stable_softmax` stood in; "
             f"expected {show(np.array([3.0, 1.0, 4.0]))}, got {show([3, 1, 5])}. Hint: subtract `np.max`.",
             f"code cell {cell} raised NameError: name 'shifted' is not defined"]
    scores = {ex.grade_id: 0.0 if ex.grade_id == EX else ex.points for ex in exs}
    return Record(LESSON, "zoe", "graded", scores, notes, name="Zoë Żak", graded_at="2026-12-03T08:00:00",
                  course_version="0.1.0"), cell


def test_the_listed_defects_are_gone_from_the_page(tmp_path):
    path = _submission(tmp_path)
    record, cell = _record(path)
    page = feedback.page(record, LESSON, path)
    text = re.sub(r"<svg.*?</svg>", "", page, flags=re.S)
    assert "<code>stable_softmax</code>" in page and "`" not in re.sub(r"<pre.*?</pre>", "", text, flags=re.S)
    assert f"your exercise <code>{EX}</code> (code cell {cell}) raised NameError" in page
    assert "[3 1 4]" in page and "[3. 1. 4.]" not in page  # token ids (floats that are whole) stay whole
    assert 'class="display"' in page  # the exercise's formula, drawn as a display: larger than inline
    tex = re.search(r'class="display"><svg class="math" role="img" aria-label="([^"]*)"', page)[1]
    tex = html.unescape(tex)
    drawn = [feedback.formula_svg(tex, display) for display in (False, True)]
    height = [float(re.search(r'height="([\d.]+)pt"', svg)[1]) for svg in drawn]
    assert height[1] > 1.3 * height[0], height


def test_look_at_next_starts_at_the_exercise_in_every_lesson():
    """The words shown are the exercise's own: its "**Exercise N.**" paragraph on when there is
    one, and never anything before the last heading of the cell (the end of the section before)."""
    for lesson in lessons():
        nb = nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4)
        before = {}
        for cell, after in zip(nb.cells, nb.cells[1:], strict=False):
            if cell.cell_type == "markdown" and grade_id(after):
                before[grade_id(after)] = cell.source
        for ex in of_lesson(lesson):
            section, words = feedback.guidance(lesson)[ex.name]
            cell = before[ex.name]
            heads = [m.end() for m in re.finditer(r"^#.*$", cell, re.M)]
            assert words and cell.rfind(words) >= (heads[-1] if heads else 0), (lesson, ex.name, words[:80])
            if "**Exercise" in cell:
                assert words.startswith("**Exercise"), (lesson, ex.name, words[:80])
            assert not re.search(r"^#", words, re.M), (lesson, ex.name)


def test_a_missing_students_page_says_only_what_to_hand_in():
    where = f"/home/instructor/course/submitted/gus/{LESSON}.ipynb"
    record = Record(LESSON, "gus", "missing", {}, [f"no file {where}"])
    page = feedback.page(record, LESSON, None)
    assert "Nothing handed in yet" in page and f"{LESSON}.ipynb" in page
    assert "/home/instructor" not in page and "graded" not in page.lower()
    for ex in lesson_exercises(LESSON):
        assert f"{ex.function}()" in page


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


LAYOUT = """() => {
  const box = e => e.getBoundingClientRect();
  const heads = [...document.querySelectorAll('h2')].map(h => {
    const [name, points] = [h.children[0], h.querySelector('.points')];
    const a = box(name), b = box(points);
    return a.right <= b.left + 1 || a.bottom <= b.top + 1;  // side by side, or the points below
  });
  const pre = document.querySelector('pre.code');
  const display = document.querySelector('.display svg.math');
  const holder = box(display.parentElement), d = box(display);
  return {overflow: document.documentElement.scrollWidth - window.innerWidth, heads,
          preWhiteSpace: getComputedStyle(pre).whiteSpace, preScrolls: getComputedStyle(pre).overflowX,
          indented: pre.textContent.includes('\\n        shifted'),
          displayShown: d.height > 0 && d.width > 0,
          centred: Math.abs((d.left - holder.left) - (holder.right - d.right)) <= 2 ||
                   d.width >= holder.width - 2,
          backticks: document.body.innerText.replace(pre.textContent, '').includes('`')};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_the_page_reads_at_phone_and_laptop_width(chromium, tmp_path, width):
    path = _submission(tmp_path)
    record, _ = _record(path)
    saved = tmp_path / "zoe.html"
    saved.write_text(feedback.page(record, LESSON, path), encoding="utf-8")
    page = chromium.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(saved.as_uri())
        found = page.evaluate(LAYOUT)
    finally:
        page.close()
    assert found["overflow"] <= 0, found  # nothing wider than the screen: long code scrolls in its box
    assert all(found["heads"]), found  # the exercise's name never runs into its points
    assert found["preWhiteSpace"] == "pre" and found["preScrolls"] == "auto" and found["indented"], found
    assert found["displayShown"] and found["centred"], found
    assert not found["backticks"], found
