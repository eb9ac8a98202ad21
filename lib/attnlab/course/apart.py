"""Each submission graded apart: in a child process of its own, under a time and a memory limit.

Everything a submission sends — its notebook, the sandbox's messages, the answers in them — is read,
parsed and judged in a child forked from the grader for that one row (:func:`each_apart`), never
in the grader itself. The child's address space may grow by at most :data:`MEMORY` (``RLIMIT_AS``)
over what it was forked with; the grader kills it at its deadline; and whatever it built — parsed
messages, the learner's type names, any cache — ends with it. Only the row comes back (status,
the lesson's scores, capped notes, seconds, the sandbox's peak: a few kB of JSON), so nothing a
submission sends outlives its row.

The child says how long each step may take (:func:`phase`): a sandbox run its own time limit and a
margin, reading and judging :data:`TIME`. A child past its deadline is killed and its row says
:data:`LIMIT` with the step it was in; one out of memory says :data:`LIMIT` too. Neither is a score
(the LMS file and the student's page leave it blank) and neither ends the class run or makes the
grader fail; a child that dies any other way is the grader failing (``not graded``).

The grader forks only from its main thread, before any child starts a thread of its own, and a
child leaves through ``os._exit`` (no exit handler of the grader runs twice).
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

LIMIT = "judging limit"  # the row's status when its child passed its deadline or its memory
TIME = 60.0  # seconds to read one submission's notebook, or to judge its answers (a lesson's: < 1 s)
MEMORY = 768 * 2**20  # bytes a child may grow by (lesson 09's answers take a few MB; a 100 MB notebook ~300)
MARGIN = 30.0  # seconds a sandbox run may take beyond its own time limit (start, build, reading)

_pipe: int | None = None  # in a child: where its phases and its row go
_seconds = TIME  # in a child: how long reading or judging may take


def phase(name: str, seconds: float | None = None) -> None:
    """In a child: the next step is ``name`` and may take ``seconds`` (default: the time for
    reading or judging). Elsewhere nothing."""
    if _pipe is not None:
        _send({"phase": name, "seconds": _seconds if seconds is None else seconds})


def _send(message: dict) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(_pipe, data):]


def _vm_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit_memory(grow_by: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = _vm_bytes() + grow_by
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    resource.setrlimit(resource.RLIMIT_AS, (want, hard))  # only the soft limit: a sandbox sets its own


@dataclass
class _Child:
    item: object
    pid: int
    fd: int
    scratch: Path
    slot: int
    started: float
    deadline: float
    step: str = "reading its notebook"
    seconds: float = TIME
    buffer: bytearray = field(default_factory=bytearray)
    result: dict | None = None


def _child(work: Callable, item, slot: int, write: int, scratch: Path, memory: int, seconds: float) -> None:
    """The child's whole life: limits, the work, the row back, ``os._exit``."""
    global _pipe, _seconds
    code = 0
    try:
        _pipe, _seconds = write, seconds
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        tempfile.tempdir = str(scratch)  # its sandboxes' folders: the grader removes them after it
        _limit_memory(memory)
        try:
            out = {"row": work(item, slot)}
        except MemoryError:
            out = {"memory": True}
        except BaseException as exc:  # noqa: BLE001 — whatever it is, the grader hears of it
            out = {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}
        _send(out)
    except BaseException:  # noqa: BLE001 — even writing failed: the grader sees no row
        code = 1
    finally:
        os._exit(code)


def _fork(work: Callable, item, slot: int, memory: int, seconds: float) -> _Child:
    scratch = Path(tempfile.mkdtemp(prefix="attnlab-row-"))
    scratch.chmod(0o711)
    read, write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover — the child (coverage cannot follow os._exit)
        os.close(read)
        _child(work, item, slot, write, scratch, memory, seconds)
    os.close(write)
    now = time.monotonic()
    return _Child(item, pid, read, scratch, slot, now, now + seconds, seconds=seconds)


def _lines(child: _Child) -> None:
    while (end := child.buffer.find(b"\n")) != -1:
        line, child.buffer = bytes(child.buffer[:end]), child.buffer[end + 1:]
        message = json.loads(line)
        if "phase" in message:
            child.step, child.seconds = message["phase"], float(message["seconds"])
            child.deadline = time.monotonic() + child.seconds
        else:
            child.result = message


def _outcome(child: _Child, killed: bool, memory: int) -> tuple[str, dict]:
    """("row", row), ("limit", why) or ("error", why)."""
    r = child.result or {}
    if "row" in r:
        return "row", r["row"]
    if killed:
        return "limit", (f"stopped at the grader's limit of {child.seconds:g} s for {child.step} — "
                         "what it sent takes longer than any lesson's answers; no score was given "
                         "(look at the notebook, or grade it again with a higher --judge-time-limit)")
    if r.get("memory"):
        return "limit", (f"{child.step} needed more than the grader's {memory // 2**20} MB for one "
                         "submission — what it sent is bigger than any lesson's answers; no score was "
                         "given (look at the notebook, or grade it again with a higher --judge-memory-mb)")
    return "error", r.get("error") or "the grader's process for this submission died"


def each_apart(items: Iterable, jobs: int, work: Callable, memory: int = MEMORY, done: Callable | None = None,
               seconds: float = TIME) -> Iterator[tuple[object, str, object, float]]:
    """Run ``work(item, slot)`` (which returns a JSON-able row) for each item in a child of its
    own, ``jobs`` at once (``slot`` in ``range(jobs)`` is the child's, for a uid of its own), each
    step of reading or judging within ``seconds``, its memory within ``memory`` bytes of growth;
    yield ``(item, kind, row_or_why, seconds)`` as each ends — ``kind`` as :func:`_outcome` says.
    ``done(slot)`` runs after each child, before its slot is used again."""
    todo, running, free = list(items), {}, list(range(max(1, jobs)))
    with selectors.DefaultSelector() as sel, _reaping(running):
        while todo or running:
            while todo and free:
                child = _fork(work, todo.pop(0), free.pop(0), memory, seconds)
                running[child.fd] = child
                sel.register(child.fd, selectors.EVENT_READ)
            wait = min(c.deadline for c in running.values()) - time.monotonic()
            for key, _ in sel.select(timeout=max(0.0, min(wait, 1.0))):
                child = running[key.fd]
                chunk = os.read(key.fd, 1 << 16)
                child.buffer += chunk
                _lines(child)
                if not chunk:
                    yield _finish(child, running, sel, free, done, False, memory)
            now = time.monotonic()
            for child in [c for c in running.values() if c.deadline <= now]:
                os.kill(child.pid, signal.SIGKILL)
                yield _finish(child, running, sel, free, done, True, memory)


@contextmanager
def _reaping(running: dict) -> Iterator[None]:
    """However the grader leaves (an error, Ctrl-C), no child of it goes on grading."""
    try:
        yield
    finally:
        for child in running.values():
            try:
                os.kill(child.pid, signal.SIGKILL)
                os.waitpid(child.pid, 0)
            except OSError:
                pass
            shutil.rmtree(child.scratch, ignore_errors=True)


def _finish(child: _Child, running: dict, sel, free: list, done, killed: bool, memory: int):
    sel.unregister(child.fd)
    os.close(child.fd)
    del running[child.fd]
    os.waitpid(child.pid, 0)
    shutil.rmtree(child.scratch, ignore_errors=True)
    if done is not None:
        done(child.slot)
    free.append(child.slot)
    kind, what = _outcome(child, killed, memory)
    return child.item, kind, what, time.monotonic() - child.started
