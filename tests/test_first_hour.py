"""The first hour in JupyterLab, as a learner meets it: ``make lab`` itself (the course's settings and
flags), headless Chromium at a laptop's size, lessons 00, 03, 06 and 12 each opened and *Run All
Cells* clicked. Every screen of each lesson is saved to ``build/first-hour/`` (not committed: look at
them), and the page is asserted: every cell ran and none shows an error, every verdict sign carries
its word, no output line wraps inside a word, a live widget takes its static picture's place (never
both), and the terminal printed no warning.

    .venv/bin/python -m pytest -m browser tests/test_first_hour.py

Needs ``/usr/bin/chromium`` (Debian's package ``chromium``; ``.ci/run`` installs it). The lessons on
disk are not changed (autosave is off in this run's own settings folder).
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request

import pytest
import servers
from playwright.sync_api import sync_playwright
from test_browser import CHROMIUM, CHROMIUM_ARGS

from attnlab.checks.verdict import SEP, SIGNS
from attnlab.paths import NOTEBOOKS_DIR, ROOT

pytestmark = pytest.mark.browser

LESSONS = ("00_start_here", "03_softmax", "06_multi_head", "12_todays_llms")
SCREENS = ROOT / "build" / "first-hour"
VIEWPORT = {"width": 1280, "height": 900}  # a laptop's screen: long check lines wrap
RUN_ALL_S = 600  # the slowest lesson (12, SmolLM2) on a busy 2-core machine
SETTINGS = {  # this run's own, beside the course's (make lab's venv settings and flags)
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},  # the lessons on disk stay as they are
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},  # every cell laid out, to measure
}
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the lesson's tab
WIDGET = "application/vnd.jupyter.widget-view+json"

# What each output of a cell shows: its MIME type (JupyterLab's attribute), or a live widget's view
KINDS = f"""els => els.map(e => e.getAttribute('data-mime-type')
                             || (e.querySelector(':scope > .jupyter-widgets') ? '{WIDGET}' : 'unknown'))"""

# Where each soft-wrapped line of a <pre> breaks: [the two characters either side, some context].
WRAPS = """pre => {
  const range = document.createRange(), chars = [];
  const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.textContent.length; i++) {
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rects = range.getClientRects();
      chars.push([node.textContent[i], rects.length ? rects[0].top : null]);
    }
  }
  const text = chars.map(c => c[0]).join(''), wraps = [];
  for (let i = 1; i < chars.length; i++) {
    const [before, top0] = chars[i - 1], [after, top1] = chars[i];
    if (top0 === null || top1 === null || before === '\\n' || after === '\\n') continue;
    const context = text.slice(Math.max(0, i - 30), i) + '|' + text.slice(i, i + 30);
    if (top1 > top0 + 2) wraps.push([before, after, context]);
  }
  return wraps;
}"""


def at_a_word(before: str, after: str) -> bool:
    """A line may wrap after a space or a dash (the browser's break opportunities in running text)."""
    return before.isspace() or after.isspace() or before in "-‐–—/"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    with servers.make_lab(tmp_path_factory.mktemp("make-lab"), SETTINGS) as (text, port, log, pid):
        address = urllib.parse.urlparse(servers.opened_address(text))
        token = urllib.parse.parse_qs(address.query)["token"][0]
        yield {"base": f"http://127.0.0.1:{port}", "token": token, "log": log, "opened": address.path}


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def screens(page, lesson: str) -> list:
    """Every screen of the notebook, top to bottom, as PNGs in build/first-hour/."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    for old in SCREENS.glob(f"{lesson}-*.png"):
        old.unlink()
    scroller = page.locator(f"{NOTEBOOK} .jp-WindowedPanel-outer")
    height, step = scroller.evaluate("e => [e.scrollHeight, e.clientHeight]")
    saved = []
    for n, top in enumerate(range(0, height, step - 60)):  # 60 px overlap: no line lost between two
        scroller.evaluate("(e, top) => { e.scrollTop = top; }", top)
        page.wait_for_timeout(150)  # one repaint
        saved.append(SCREENS / f"{lesson}-{n:02d}.png")
        page.screenshot(path=str(saved[-1]))
    return saved


def shut_down(lab: dict, lesson: str) -> None:
    """The lesson's kernel stopped (as File → Close and Shut Down Notebook does)."""
    query = f"?token={lab['token']}"
    with urllib.request.urlopen(f"{lab['base']}/api/sessions{query}", timeout=30) as r:
        sessions = [s["id"] for s in json.load(r) if s["path"] == f"{lesson}.ipynb"]
    for session in sessions:
        request = urllib.request.Request(f"{lab['base']}/api/sessions/{session}{query}", method="DELETE")
        urllib.request.urlopen(request, timeout=60).close()


@pytest.fixture(scope="module", params=LESSONS)
def ran(request, lab, browser):
    """A lesson open in make lab's JupyterLab with every cell run, its screens saved."""
    lesson = request.param
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(RUN_ALL_S * 1000)
    # ?reset: a fresh workspace (no tab of the lesson before, with its kernel, restored beside it)
    page.goto(f"{lab['base']}/lab/tree/{lesson}.ipynb?reset&token={lab['token']}")
    page.wait_for_selector(".jp-StatusBar-Item:has-text('(ipykernel) | Idle')")
    start = time.monotonic()
    page.click(".lm-MenuBar-item:has-text('Run')")
    page.click(".lm-Menu-item:has-text('Run All Cells')")
    prompts = f"[...document.querySelectorAll('{NOTEBOOK} .jp-CodeCell .jp-InputPrompt')]"
    page.wait_for_function(f"() => {prompts}.some(p => p.textContent.includes('*'))", timeout=60_000)
    page.wait_for_function(f"() => !{prompts}.some(p => p.textContent.includes('*'))")
    page.wait_for_selector(".jp-StatusBar-Item:has-text('(ipykernel) | Idle')")
    seconds = time.monotonic() - start
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    saved = screens(page, lesson)
    print(f"\n{lesson}: Run All {seconds:.0f} s, {len(saved)} screens in {SCREENS}")
    yield {"lesson": lesson, "page": page, "lab": lab}
    page.close()
    shut_down(lab, lesson)


def code_cells(page) -> list:
    return page.locator(f"{NOTEBOOK} .jp-CodeCell").all()


def test_every_cell_ran_and_none_shows_an_error(ran):
    page = ran["page"]
    cells = code_cells(page)
    stored = json.loads((NOTEBOOKS_DIR / f"{ran['lesson']}.ipynb").read_text())
    assert len(cells) == sum(c["cell_type"] == "code" for c in stored["cells"])
    for n, cell in enumerate(cells):
        prompt = cell.locator(".jp-InputPrompt").inner_text()
        assert re.search(r"\[\d+\]", prompt), f"code cell {n} did not run: {prompt!r}"
    outputs = page.locator(".jp-OutputArea-output")
    mimes = outputs.evaluate_all("els => els.map(e => e.getAttribute('data-mime-type'))")
    assert "application/vnd.jupyter.stderr" not in mimes and "application/vnd.jupyter.error" not in mimes
    text = "\n".join(outputs.all_inner_texts())
    assert "Traceback" not in text and "Error displaying widget" not in text


def test_every_verdict_sign_carries_its_word(ran):
    text = "\n".join(ran["page"].locator(".jp-OutputArea-output").all_inner_texts())
    assert any(sign in text for sign in SIGNS), "no verdict at all: did the checks run?"
    for sign, word in SIGNS.items():
        assert text.count(sign) == text.count(word + SEP), (sign, word)


def test_no_output_line_wraps_inside_a_word(ran):
    pres = ran["page"].locator(".jp-OutputArea-output pre").all()
    wraps = [wrap for pre in pres for wrap in pre.evaluate(WRAPS)]
    assert wraps, "no output line wrapped at this width: the test measures nothing"
    inside = [context for before, after, context in wraps if not at_a_word(before, after)]
    assert not inside, inside


def test_a_live_widget_replaces_its_static_picture(ran):
    """The generator stores a widget's picture (the view's model is random); with a kernel each widget
    cell shows the view and none of its pictures, and every other picture stays."""
    stored = json.loads((NOTEBOOKS_DIR / f"{ran['lesson']}.ipynb").read_text())
    code = [c for c in stored["cells"] if c["cell_type"] == "code"]
    cells = code_cells(ran["page"])
    for n, (cell, source) in enumerate(zip(cells, code, strict=True)):
        live = [o for o in source["outputs"]
                if "".join(o.get("data", {}).get("text/plain", "")).endswith("to use it]")]
        pictures = [o for o in source["outputs"] if "image/png" in o.get("data", {}) and o not in live]
        mimes = cell.locator(".jp-OutputArea-output").evaluate_all(KINDS)
        assert mimes.count(WIDGET) == len(live), (n, mimes)
        assert mimes.count("image/png") == len(pictures), (n, mimes)


def test_the_terminal_still_shows_no_warning(ran):
    terminal = ran["lab"]["log"].read_text()
    assert ran["lab"]["opened"].endswith("/lab/tree/00_start_here.ipynb")
    assert not servers.alarming(terminal), terminal
