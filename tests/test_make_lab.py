"""``make lab``, the README's first command, for real: it starts JupyterLab on the course's first
lesson, from the project's venv, and does not reinstall anything when nothing changed.

The "browser" is a script that writes down the address JupyterLab asks it to open (tests/servers.py's
``make_lab``); the test then asks the server for that notebook.
"""

import asyncio
import json
import re
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import servers
from servers import opened_address
from tornado.websocket import websocket_connect

from attnlab.paths import NOTEBOOKS_DIR, ROOT

FIRST_LESSON = "00_start_here.ipynb"  # JupyterLab serves notebooks/: the file browser shows the lessons


def descendants(pid: int) -> list[list[str]]:
    """The command lines of every process below ``pid`` (Linux ``/proc``)."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            found.append(Path(f"/proc/{child}/cmdline").read_text().rstrip("\0").split("\0"))
        except OSError:  # gone meanwhile
            continue
        found += descendants(int(child))
    return found


@pytest.fixture
def make_lab(tmp_path):
    with servers.make_lab(tmp_path) as running:
        yield running


def test_make_lab_opens_the_first_lesson_without_reinstalling(make_lab):
    text, port, log, pid = make_lab
    address = urllib.parse.urlparse(opened_address(text))
    assert address.path.endswith(f"/lab/tree/{FIRST_LESSON}"), text
    token = urllib.parse.parse_qs(address.query).get("token", [""])[0]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/?token={token}", timeout=30) as r:
        listed = {item["name"] for item in json.load(r)["content"]}
    assert {p.name for p in NOTEBOOKS_DIR.glob("*.ipynb")} <= listed  # every lesson, in the file browser
    # The server runs on the venv's Python, so its python3 kernel does too (kernel specs whose
    # command is plain "python" start the server's own interpreter).
    interpreters = [Path(cmd[0]) for cmd in descendants(pid) if "jupyter" in " ".join(cmd)]
    assert interpreters and all(i.parent == ROOT / ".venv" / "bin" for i in interpreters), interpreters
    assert "pip install" not in log.read_text()  # nothing changed, nothing reinstalled
    # No "notified about official Jupyter news?" pop-up and no update check on the first lesson.
    notification = "@jupyterlab/apputils-extension:notification"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/api/settings/{notification}?token={token}",
                                timeout=30) as r:
        defaults = {k: v.get("default") for k, v in json.load(r)["schema"]["properties"].items()}
    assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False  # the course's overrides


def open_lesson_with_a_kernel(port: int, token: str, lesson: str) -> None:
    """What the browser does on opening a lesson: a session (its kernel) and the kernel's websocket."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/sessions?token={token}", method="POST",
        data=json.dumps({"path": lesson, "type": "notebook", "kernel": {"name": "python3"}}).encode())
    with urllib.request.urlopen(request, timeout=120) as r:
        kernel = json.load(r)["kernel"]["id"]

    async def connect():
        socket = await websocket_connect(f"ws://127.0.0.1:{port}/api/kernels/{kernel}/channels"
                                         f"?token={token}&session_id={uuid.uuid4()}")
        socket.close()

    asyncio.run(connect())
    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/{lesson}?token={token}", timeout=30).close()


def test_the_terminal_shows_lesson_00s_address_and_no_warning(make_lab):
    """The issue's first hour: the printed address opened the Launcher, and the terminal carried a
    kernel's "TCP without encryption" warning, tornado's websocket_ping_timeout warning (once per
    lesson), nbgrader's "No nbgrader_config.py" (in a venv with the instructor tools), "not trusted"
    per lesson and a language-server scan. Only what a learner reads is left: no warning at all."""
    text, port, log, pid = make_lab
    token = urllib.parse.parse_qs(urllib.parse.urlparse(opened_address(text)).query)["token"][0]
    open_lesson_with_a_kernel(port, token, FIRST_LESSON)
    time.sleep(2)  # a warning is logged as the kernel starts; give it the time to reach the log
    terminal = log.read_text()
    assert f"/lab/tree/{FIRST_LESSON}?token={token}" in terminal, terminal
    assert not servers.alarming(terminal), terminal


def test_check_lines_wrap_at_words_in_the_courses_lab(make_lab):
    """JupyterLab's own rule breaks output text anywhere ("subt|ract"); the course's lab serves a
    stylesheet after it that wraps at spaces (tests/test_first_hour.py measures the wrapped lines)."""
    text, port, log, pid = make_lab
    token = urllib.parse.parse_qs(urllib.parse.urlparse(opened_address(text)).query)["token"][0]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/tree/{FIRST_LESSON}?token={token}",
                                timeout=30) as r:
        page = r.read().decode()
    assert "custom/custom.css" in page, "the lab page links no custom stylesheet"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/custom/custom.css?token={token}", timeout=30) as r:
        served = r.read().decode()
    assert served == (ROOT / "etc" / "jupyterlab-custom" / "custom.css").read_text()
    assert re.search(r"\.jp-OutputArea-output pre\s*\{[^}]*word-break:\s*normal", served), served
