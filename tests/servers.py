"""For the tests that start real servers (JupyterLab, `make lab`, JupyterHub): a free port, and
a wait on a condition that gives up — with the server's log — as soon as the server dies."""

from __future__ import annotations

import socket
import subprocess
import time
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
