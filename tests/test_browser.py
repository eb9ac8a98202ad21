"""The course in a real browser: JupyterLab, headless Chromium, a learner's clicks.

Starts JupyterLab on a free localhost port (temporary root, settings, workspace, runtime and
config folders; a random token), opens a copy of the review lesson in Debian's Chromium through
Playwright, runs all its cells, and drives the widgets as a learner would: drags the softmax
temperature slider, picks another head in the attention explorer, flips a flashcard, answers a
quiz question. Every wait is on a selector or a page condition, never a fixed sleep. On a failure
a screenshot lands in ``test-artifacts/``; JupyterLab is stopped by its pid.

    .venv/bin/python -m pytest -m browser tests/test_browser.py

Needs ``/usr/bin/chromium`` (Debian's package ``chromium``; ``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from servers import free_port, wait_for

from attnlab.paths import NOTEBOOKS_DIR, ROOT
from attnlab.views.studyguide import flashcards_for

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
LESSON = "13_review.ipynb"
TIMEOUT_MS = 120_000  # the longest any one wait may take (a cold kernel on a busy 2-core machine)
expect.set_options(timeout=30_000)  # a widget's redraw: a kernel round trip, on a busy machine

# JupyterLab settings for the test: no autosave, no news or update checks over the network.
SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


def server_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def stop(process: subprocess.Popen) -> None:
    """Stop JupyterLab by its pid: SIGTERM (it shuts its kernels down), SIGKILL if it hangs."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free port, serving a copy of the review lesson; yields its URL."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    tmp = tmp_path_factory.mktemp("lab")
    root, settings = tmp / "course", tmp / "settings"
    root.mkdir()
    shutil.copy(NOTEBOOKS_DIR / LESSON, root / LESSON)  # the repository's copy is never touched
    for name, values in SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1", "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp / "config"), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--ServerApp.token={token}",
               f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={settings}",
               f"--LabApp.workspaces_dir={tmp / 'workspaces'}", "--LabApp.news_url=",
               "--LabApp.extension_manager=readonly"]
    if os.getuid() == 0:
        command.append("--allow-root")  # CI machines and containers run as root
    log = tmp / "jupyterlab.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for("JupyterLab to answer", lambda: server_answers(f"{base}/api/status?token={token}"),
                 process, log, timeout=120)
        yield {"base": base, "token": token, "log": log}
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def lesson(lab, browser):
    """The review lesson open in JupyterLab with every cell run (once for all tests here)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{lab['base']}/lab/tree/{LESSON}?token={lab['token']}")
    try:
        page.wait_for_selector(".jp-Notebook .jp-Cell")
        # The kernel is up (the status bar names it and says Idle) before anything runs.
        page.wait_for_selector(".jp-StatusBar-Item:has-text('(ipykernel) | Idle')")
        page.click(".lm-MenuBar-item:has-text('Run')")
        page.click(".lm-Menu-item:has-text('Run All Cells')")
        # Done when the live widgets have drawn (stored outputs cannot: they have no kernel
        # behind them) and no cell is still queued or running ([*]).
        page.wait_for_selector(".attnlab-temperature-view svg.attnlab-bars")
        page.wait_for_function("""() => ![...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                                          .some(p => p.textContent.includes('*'))""")
        page.wait_for_selector(".jp-StatusBar-Item:has-text('(ipykernel) | Idle')")
    except Exception:
        screenshot(page, "run-all")
        raise
    yield page
    page.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"browser-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


@pytest.fixture
def page(lesson, request):
    """The lesson page; a screenshot of the widget under test is saved if the test fails (or
    always, with ATTNLAB_SCREENSHOTS=1)."""
    failed = request.session.testsfailed
    yield lesson
    if request.session.testsfailed > failed or os.environ.get("ATTNLAB_SCREENSHOTS"):
        screenshot(lesson, request.node.name)


def centre(locator):
    """Scroll ``locator`` to the middle of the notebook (clear of the toolbar) and return it."""
    locator.evaluate("e => e.scrollIntoView({block: 'center'})")
    return locator


def changed(page, selector: str, before: str) -> None:
    """Wait until the element's inner HTML is no longer ``before``."""
    page.wait_for_function("([sel, before]) => document.querySelector(sel).innerHTML !== before",
                           arg=[selector, before])


def weights(page, selector: str) -> list[float]:
    return [float(w) for w in page.eval_on_selector_all(
        f"{selector} [data-weight]", "els => els.map(e => e.getAttribute('data-weight'))")]


def test_every_cell_ran_without_an_error(page):
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    assert "Traceback" not in page.inner_text(".jp-Notebook")
    # The lesson's own pictures are drawn; a live widget's picture is not (the view takes its place).
    stored = json.loads((NOTEBOOKS_DIR / LESSON).read_text())
    outputs = [o for c in stored["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    live = [o for o in outputs if "".join(o.get("data", {}).get("text/plain", "")).endswith("to use it]")]
    pictures = [o for o in outputs if "image/png" in o.get("data", {}) and o not in live]
    assert live and pictures
    assert page.locator(".jp-RenderedImage img").count() == len(pictures)
    assert page.locator(".jp-OutputArea-output > .jupyter-widgets").count() >= len(live)


def test_dragging_the_temperature_slider_changes_the_weights(page):
    view = ".attnlab-temperature-view"
    handle = centre(page.locator(".attnlab-temperature .noUi-handle"))
    before_html = page.inner_html(view)
    before = weights(page, view)
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] - 120, box["y"] + box["height"] / 2, steps=5)  # to the left: colder
    page.mouse.up()
    changed(page, view, before_html)
    readout = ".attnlab-temperature .widget-readout"
    # The drag sends several values; the view redraws for each. Wait for the last one to be drawn:
    # the view names the temperature the slider's readout shows.
    page.wait_for_function(
        "([view, readout]) => document.querySelector(view).innerText.includes("
        "'at temperature ' + parseFloat(document.querySelector(readout).innerText).toFixed(2))",
        arg=[view, readout])
    assert float(page.locator(readout).inner_text()) < 1.0
    after = weights(page, view)
    n = len(after) // 2  # bars: the scores, then the weights
    assert after[:n] == before[:n]  # the scores stay
    assert after[n:] != before[n:] and max(after[n:]) > max(before[n:])  # colder: sharper weights


def test_picking_another_head_changes_the_heatmap(page):
    heatmap = ".attnlab-explorer-heatmap"
    centre(page.locator(".attnlab-explorer"))
    before_html = page.inner_html(heatmap)
    before = weights(page, heatmap)
    head = page.locator(".attnlab-explorer .widget-dropdown", has=page.locator("label", has_text="head"))
    head.locator("select").select_option(label="3")
    changed(page, heatmap, before_html)
    after = weights(page, heatmap)
    assert len(after) == len(before) and after != before
    # The caption is a second widget, redrawn after the heatmap: wait for it (up to 10 s), then assert.
    page.wait_for_function("() => document.querySelector('.attnlab-explorer').innerText.includes('head 3')",
                           timeout=10_000)
    assert "head 3" in page.inner_text(".attnlab-explorer")


def test_flipping_a_flashcard_shows_its_definition(page):
    card = centre(page.locator(".attnlab-card"))
    first = flashcards_for()[0]
    expect(card).to_have_attribute("data-side", "front")
    expect(card).to_have_text(first.term)
    page.click(".attnlab-flashcards .attnlab-flip")
    expect(card).to_have_attribute("data-side", "back")
    expect(card).to_contain_text(first.definition)
    page.click(".attnlab-flashcards .attnlab-knew")
    expect(card).to_have_attribute("data-side", "front")
    expect(card).not_to_have_text(first.term)  # the next card
    expect(page.locator(".attnlab-flashcards")).to_contain_text("1 reviews")


def test_answering_a_quiz_question_reveals_the_course_answer(page):
    quiz = centre(page.locator(".attnlab-quiz"))
    quiz.locator("textarea").fill("It predicts the next token of the text.")
    quiz.locator(".attnlab-show").click()
    answer = quiz.locator(".attnlab-answer")
    expect(answer).to_contain_text("01_embeddings.ipynb")
    expect(answer).to_contain_text("Key words you used: next, predict, text, token")
    quiz.locator(".attnlab-got").click()
    expect(quiz.locator(".attnlab-question")).to_contain_text("2/20.")
    expect(quiz).to_contain_text("1 of 1 answered right")
