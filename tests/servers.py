"""For the tests that start real servers (JupyterLab, `make lab`, JupyterHub): a free port, a wait on
a condition that gives up — with the server's log — as soon as the server dies, and `make lab`."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, probe: Callable, process: subprocess.Popen | None = None,
             log: Path | None = None, timeout: float = 90, every: float = 0.2):
    """Poll ``probe()`` until it returns something truthy, and return that; fail after ``timeout``
    seconds, or at once if ``process`` exits (the tail of ``log`` in the message)."""
    tail = (lambda: "\n" + log.read_text()[-3000:]) if log else (lambda: "")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        if process is None:
            time.sleep(every)
            continue
        try:
            process.wait(timeout=every)  # returns at once if the server dies
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"gave up waiting for {what}: the process exited with {process.returncode}{tail()}")
    pytest.fail(f"gave up waiting for {what} after {timeout:g} s{tail()}")


def opened_address(text: str) -> str:
    """JupyterLab opens either the address itself or a local redirect file that holds it."""
    if text.startswith("file:"):
        page = Path(urllib.parse.unquote(urllib.parse.urlparse(text).path)).read_text()
        return re.search(r'href="([^"]+)"', page).group(1)
    return text


@contextlib.contextmanager
def make_lab(tmp: Path, user_settings: dict | None = None):
    """``make lab`` for real, its "browser" a script (``$BROWSER``, which Python's ``webbrowser``
    obeys) that writes down the address JupyterLab asks it to open. Yields ``(the text it opened,
    port, the terminal's log, make's pid)``; stops ``make`` and JupyterLab by their process group.
    ``user_settings``: JupyterLab settings of this run only (its own config folder), by plugin id."""
    root = Path(__file__).resolve().parents[1]
    if not (root / ".venv" / ".installed-lab").exists():
        pytest.skip("the venv is not set up: run the tests through `make test`")
    opened, log, browser = tmp / "opened.txt", tmp / "make-lab.log", tmp / "browser"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n')
    browser.chmod(0o755)
    for plugin, values in (user_settings or {}).items():
        package, name = plugin.split(":")
        path = tmp / "config" / "lab" / "user-settings" / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port = free_port()
    env = {**os.environ, "BROWSER": str(browser), "JUPYTER_PORT": str(port),
           "JUPYTER_PORT_RETRIES": "0", "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"),
           "JUPYTER_CONFIG_DIR": str(tmp / "config")}
    with log.open("w") as out:
        process = subprocess.Popen(["make", "--no-print-directory", "lab"], cwd=root, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        text = wait_for("make lab to open a browser", lambda: opened.exists() and opened.read_text().strip(),
                        process, log, timeout=180)
        yield text, port, log, process.pid
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # make and the JupyterLab it started
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def alarming(terminal: str) -> list[str]:
    """The lines of a server's terminal a learner should not have to read: warnings, errors, 404s."""
    pattern = r"^\[[WE] |WARNING|Warning|Traceback|\b404\b|Skipped non-installed|nbgrader_config"
    return [line for line in terminal.splitlines() if re.search(pattern, line)]
