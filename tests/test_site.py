"""``make site``: the staged pages (fast), then the built site in headless Chromium with every request
that is not to the local server blocked (browser): no failed request, every formula typeset, every
image loaded, nothing wider than a 390 px phone except inside a code block, working links.

    .venv/bin/python -m pytest tests/test_site.py            # both (the build takes ~30 s)
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
import urllib.parse
from pathlib import Path

import pytest
from servers import free_port

from attnlab.course import site
from attnlab.errors import AttnlabError
from attnlab.paths import NOTEBOOKS_DIR, ROOT, lessons

MATHJAX = ROOT / ".cache" / "mathjax" / "node_modules" / "mathjax" / "es5"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


def test_a_lesson_page_has_its_launch_links_and_each_solution_folded_under_its_exercise():
    page = site.lesson_page("03_softmax", "someone/course", "spring")
    sources = ["".join(c["source"]) for c in page["cells"]]
    launch = sources[1]
    assert ("https://colab.research.google.com/github/someone/course/blob/spring/notebooks/03_softmax.ipynb"
            in launch)
    binder = "https://mybinder.org/v2/gh/someone/course/spring?urlpath=lab/tree/notebooks/03_softmax.ipynb"
    assert binder in launch
    # the code exercises (a written answer, a Markdown cell graded by hand, gets no folded code)
    exercises = [i for i, c in enumerate(page["cells"]) if site._is_solution(c)]
    assert exercises, "lesson 03 has exercises"
    for i in exercises:
        assert "raise NotImplementedError()" in sources[i]  # the student's stub, as Colab opens it
        fold = sources[i + 1]
        assert fold.startswith('<details class="attnlab-solution">') and "BEGIN SOLUTION" not in fold
        assert "NotImplementedError" not in fold and "def " in fold
    unfolded = site.lesson_page("03_softmax", "someone/course", "spring", solutions=False)
    assert not any("attnlab-solution" in "".join(c["source"]) for c in unfolded["cells"])


@pytest.mark.parametrize("url", ["https://gitlab.com/a/b", "https://github.com/a", "not a url/x/y"])
def test_launch_links_need_a_github_repository(url):
    with pytest.raises(AttnlabError, match="GitHub"):
        site.github_path(url)


def test_the_landing_page_is_the_readmes_lesson_table_and_refuses_one_that_disagrees():
    readme = (ROOT / "README.md").read_text()
    page = site.landing_page(readme)
    for number, name, what in site.lesson_table(readme):
        assert f"| [{number}](notebooks/{name}.ipynb) |" in page and what in page
    assert [name for _, name, _ in site.lesson_table(readme)] == lessons()
    with pytest.raises(AttnlabError, match="13_review"):
        site.landing_page(re.sub(r"^\| 13 .*\n", "", readme, flags=re.M))


# --- the built site, in a browser ---------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if not (MATHJAX / "tex-chtml.js").exists():
        pytest.fail(f"MathJax 3 is not at {MATHJAX}: make site (and make test) install it from npm")
    tmp = tmp_path_factory.mktemp("site")
    return site.build(MATHJAX, tmp / "html", stage_dir=tmp / "src", repo="https://github.com/someone/course")


@pytest.fixture(scope="module")
def served(built):
    handler = functools.partial(_QuietHandler, directory=str(built))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pages(built: Path) -> list[str]:
    return sorted(str(p.relative_to(built)) for p in built.rglob("*.html")
                  if p.parent.name != "_static" and p.name not in ("genindex.html", "search.html"))


# Everything measured in the page: what would scroll sideways (outside code), formulas left raw,
# images that did not load, links inside the site.
MEASURE = """() => {
  // code blocks and displayed formulas scroll inside their own box
  const inCode = el => el.closest('div.cell_input, div.highlight, pre.literal-block, div.math');
  const wide = [];
  for (const el of document.querySelectorAll('article *')) {
    if (inCode(el) || el.closest('mjx-container')) continue;
    const style = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(style.overflowX))
      wide.push(el.tagName + '.' + el.className + ': ' + el.textContent.slice(0, 60));
  }
  return {
    page: document.scrollingElement.scrollWidth - window.innerWidth,
    sideways: [...document.querySelectorAll('article *')]
                 .filter(e => !inCode(e) && !e.closest('mjx-assistive-mml')
                              && e.getBoundingClientRect().right > window.innerWidth + 1)
                 .map(e => e.tagName + ': ' + e.textContent.slice(0, 60)).slice(0, 5),
    wide,
    raw_math: [...document.querySelectorAll('.math')].filter(m => !m.querySelector('mjx-container'))
                 .map(m => m.textContent.slice(0, 60)),
    math: document.querySelectorAll('mjx-container').length,
    broken_images: [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
    links: [...document.querySelectorAll('article a[href]')].map(a => a.getAttribute('href')),
  };
}"""


@pytest.mark.browser
def test_every_page_renders_offline_on_a_phone(built, served):
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)")
    failed, blocked, problems, math_total = [], [], {}, 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, device_scale_factor=1)

        def route(r):
            if r.request.url.startswith(served + "/"):
                r.continue_()
            else:
                blocked.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.url} ({r.status})"))
        for name in pages(built):
            page.goto(f"{served}/{name}", wait_until="load")
            if page.locator(".math").count():
                page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                                       " && document.querySelector('mjx-container')", timeout=60_000)
                page.evaluate("() => MathJax.startup.promise")
            found = page.evaluate(MEASURE)
            math_total += found["math"]
            bad = {k: found[k] for k in ("wide", "sideways", "raw_math", "broken_images") if found[k]}
            if found["page"] > 0:
                bad["page scrolls sideways by (px)"] = found["page"]
            local = [h for h in found["links"] if not (urllib.parse.urlparse(h).scheme or h.startswith("#"))]
            dead = [h for h in local if not (built / Path(name).parent / h.split("#")[0]).resolve().exists()]
            anchors = [h for h in found["links"] if re.fullmatch(r"#\d\d_\w+\.ipynb", h)]
            if dead or anchors:
                bad["dead links"] = dead + anchors
            if bad:
                problems[name] = bad
        browser.close()
    assert not failed, failed
    assert not blocked, f"the site asked for remote resources: {blocked[:10]}"
    assert not problems, json.dumps(problems, indent=1)[:4000]
    assert math_total > 100, "formulas were typeset"


@pytest.mark.browser
def test_each_lesson_page_links_to_the_next_lesson_and_to_colab(built):
    names = lessons()
    for here, after in zip(names, names[1:], strict=False):
        html = (built / "notebooks" / f"{here}.html").read_text()
        assert re.search(rf'class="right-next"\s+href="{after}.html"', html), f"{here}: no link to {after}"
        assert f"colab.research.google.com/github/someone/course/blob/main/notebooks/{here}.ipynb" in html
    assert (NOTEBOOKS_DIR / f"{names[0]}.ipynb").exists()
