"""The server tests' wait gives up at once, with the log, when the server dies."""

import subprocess
import sys
import time

import pytest
from servers import free_port, wait_for


def test_a_dead_server_fails_the_wait_at_once_with_its_log(tmp_path):
    log = tmp_path / "server.log"
    log.write_text("port already in use\n")
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    start = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match=r"exited with 3\nport already in use"):
        wait_for("the server", lambda: False, process, log, timeout=60)
    assert time.monotonic() - start < 30


def test_the_wait_returns_what_the_probe_found_and_ports_are_free():
    answers = iter([None, "", "ready"])
    assert wait_for("a probe", lambda: next(answers), every=0.01) == "ready"
    with pytest.raises(pytest.fail.Exception, match="after 0.05 s"):
        wait_for("nothing", lambda: False, timeout=0.05, every=0.01)
    assert 0 < free_port() < 65536
