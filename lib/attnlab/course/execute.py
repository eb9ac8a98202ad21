"""Running one plan in one sandbox and reading what comes back, bounded and in linear time.

The runner (:mod:`attnlab.course.runner`) writes one JSON message a line; the learner's code can
write to the same pipe, so every line is untrusted data. Reading never re-scans what it has read (a
32 MB line costs one pass) and drops a line beyond :data:`MAX_LINE` unread; a wall-clock limit and
:meth:`Sandbox.stop` end the run. Of what is read, only the runner's own messages are kept
(:class:`Expected`): each cell marker and exercise message where the plan says the runner writes
it, at most one error per cell, the peak and the end — :data:`MAX_MESSAGES` bytes of them at most.
Anything else is counted and let go at once; an exercise message out of its place, or a second
one, refuses that exercise (something in the notebook wrote to the pipe).
"""

from __future__ import annotations

import os
import pickle
import selectors
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from attnlab.course import runner, wire
from attnlab.course.sandbox import HOME, MPLCONFIGDIR

MAX_MESSAGES = 64 * 2**20  # the runner's messages kept, in all (a lesson's answers: well under 1 MB)
MAX_LINE = 32 * 2**20  # one message (the largest answers of lesson 09: a few MB)
RUNNER = ["-I", "-m", "attnlab.course.runner"]  # -I: no folder the submission can write is on sys.path


def sandbox_env(home: str = HOME) -> dict[str, str]:
    """The whole environment of a sandboxed runner: no secrets, one thread per library (several
    submissions run at once), everything offline."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": home,
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": MPLCONFIGDIR, "IPYTHONDIR": "/tmp/ipython",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
    }


@dataclass
class Run:
    """What came back from one sandbox."""

    messages: list[dict] = field(default_factory=list)  # the runner's, in order (see Expected)
    status: str = "graded"  # graded | time limit | kernel died | not graded (the grader failed)
    stopped: str | None = None  # why it stopped early
    unreadable: int = 0  # lines that were not the runner's messages (let go unkept)
    stderr: bytes = b""
    answers: dict[str, dict] = field(default_factory=dict)  # exercise -> its one message
    refused: dict[str, str] = field(default_factory=dict)  # exercise -> why its message is refused
    errors: list[dict] = field(default_factory=list)  # {"cell": i, "text": …}, at most one per cell


REFUSED = ("more than one answer message came back for it, or one out of order — something in the "
           "notebook wrote to the grader's pipe")


def skeleton(plan: runner.Plan) -> list[tuple[str, object]]:
    """The runner's messages in the order it writes them: cell markers and exercises."""
    events = [("exercise", ex.grade_id) for ex in plan.after.get(-1, [])]
    for i in range(len(plan.cells)):
        events.append(("cell", i + 1))
        events += [("exercise", ex.grade_id) for ex in plan.after.get(i, [])]
    return events


class Expected:
    """Which messages of a run are the runner's: keeps those in ``run``, lets the rest go."""

    def __init__(self, plan: runner.Plan, run: Run):
        self.events, self.at, self.run, self.cell = skeleton(plan), 0, run, 0
        self.exercises = {key for kind, key in self.events if kind == "exercise"}
        self.kept, self.peak = 0, False

    def take(self, message: dict, size: int) -> bool:
        """Keep ``message`` if it is the runner's next one; True once the run is done."""
        run, ended = self.run, self.at == len(self.events)
        kind = next((k for k in ("cell", "exercise", "error", "peak_mb", "done") if k in message), None)
        key = message.get(kind) if kind in ("cell", "exercise") else None
        if kind in ("cell", "exercise") and not self._next(kind, key):
            if kind == "exercise" and isinstance(key, str) and key in self.exercises:
                run.refused[key] = REFUSED
            run.unreadable += 1
            return False
        if kind == "error" and not self._error(message["error"]):
            run.unreadable += 1
            return False
        if kind in ("peak_mb", "done") and not (ended and (kind == "done" or not self.peak)):
            run.unreadable += 1
            return False
        if kind is None or self.kept + size > MAX_MESSAGES:
            run.unreadable += 1
            return False
        self.kept += size
        run.messages.append(message)
        if kind == "cell":
            self.cell = key
        elif kind == "exercise":
            run.answers[key] = message
        elif kind == "error":
            run.errors.append(message["error"])
        self.peak = self.peak or kind == "peak_mb"
        return kind == "done" and message["done"] is True

    def _next(self, kind: str, key) -> bool:
        if not isinstance(key, str | int) or isinstance(key, bool):
            return False
        if self.at < len(self.events) and self.events[self.at] == (kind, key):
            if kind == "exercise" and key in self.run.answers:
                return False
            self.at += 1
            return True
        return False

    def _error(self, error) -> bool:
        """The runner writes one error for the cell it just ran, before that cell's exercises."""
        if not isinstance(error, dict) or type(error.get("cell")) is not int:
            return False
        if type(error.get("text")) is not str:
            return False
        if error["cell"] != self.cell or any(e["cell"] == self.cell for e in self.run.errors):
            return False
        return self.at == 0 or self.events[self.at - 1] == ("cell", self.cell)

    def finish(self) -> None:
        for key in self.run.refused:
            self.run.answers.pop(key, None)


class _Lines:
    """Bytes in, complete lines out; each byte is looked at once, a line beyond ``limit`` is dropped."""

    def __init__(self, limit: int = MAX_LINE):
        self.limit, self.parts, self.size, self.too_long = limit, [], 0, 0

    def feed(self, chunk: bytes) -> list[bytes]:
        lines = []
        start = 0
        while (end := chunk.find(b"\n", start)) != -1:
            piece = chunk[start:end]
            if self.size + len(piece) <= self.limit and self.size >= 0:
                self.parts.append(piece)
                lines.append(b"".join(self.parts))
            else:
                self.too_long += 1
            self.parts, self.size, start = [], 0, end + 1
        rest = chunk[start:]
        if rest and self.size >= 0:
            self.size += len(rest)
            if self.size > self.limit:
                self.parts, self.size = [], -1  # drop the rest of this line
            else:
                self.parts.append(rest)
        return lines


_BY_VALUE = threading.Lock()


def plan_bytes(plan: runner.Plan) -> bytes:
    """The pickled plan. What the checks define (a stand-in helper, a model input whose ``forward``
    refuses to be called) goes by value — cloudpickle: the object and what it uses, never its check
    module, which is not in the grading build."""
    from attnlab.course.build import machinery

    try:
        import cloudpickle  # the instructor extra
    except ImportError:
        return pickle.dumps(plan)
    modules = [m for name, m in list(sys.modules.items())
               if name.startswith("attnlab.checks.") and name not in machinery()]
    with _BY_VALUE:
        for module in modules:
            cloudpickle.register_pickle_by_value(module)
        try:
            return cloudpickle.dumps(plan)
        finally:
            for module in modules:
                cloudpickle.unregister_pickle_by_value(module)


def _feed(proc, payload: bytes) -> None:
    try:
        proc.stdin.write(payload)
        proc.stdin.close()
    except OSError:  # it died before reading everything: the run's status says so
        pass


_KINDS = tuple(f'{{"{k}":'.encode() for k in ("cell", "exercise", "error", "peak_mb", "done"))


def _parse(line: bytes, run: Run, expected: Expected) -> bool:
    """Keep one line's message if it is the runner's; True once the runner says it is done."""
    if not line.strip():
        return False
    if not line.startswith(_KINDS):  # the runner's lines start so (runner._Wire): no other is parsed
        run.unreadable += 1
        return False
    try:
        message = wire.loads(line.decode("utf-8"))  # arrays as arrays; nothing but plain data
    except (ValueError, RecursionError, UnicodeDecodeError):
        run.unreadable += 1
        return False
    if not isinstance(message, dict):
        run.unreadable += 1
        return False
    return expected.take(message, len(line))


def execute(plan: runner.Plan, box, time_limit: float) -> Run:
    """Run ``plan`` in ``box`` (a sandbox), reading its messages until it is done, dies, or the
    wall-clock ``time_limit`` passes; then kill it, whatever it started."""
    run = Run()
    expected = Expected(plan, run)
    proc = box.start([sys.executable, *RUNNER], sandbox_env(), stdin=-1, stdout=-1, stderr=-1)
    feeder = threading.Thread(target=_feed, args=(proc, plan_bytes(plan)), daemon=True)
    feeder.start()
    deadline = time.monotonic() + time_limit
    lines, done = _Lines(), False
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        sel.register(proc.stderr, selectors.EVENT_READ)
        while sel.get_map() and not done:
            left = deadline - time.monotonic()
            if left <= 0:
                run.status = "time limit"
                run.stopped = f"stopped after the notebook's time limit of {time_limit:g} s"
                break
            for key, _ in sel.select(timeout=min(left, 1.0)):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    sel.unregister(key.fileobj)
                elif key.fileobj is proc.stderr:
                    run.stderr = (run.stderr + chunk)[-4000:]
                else:
                    for line in lines.feed(chunk):
                        done = _parse(line, run, expected) or done
                        if done:
                            break
    box.stop()
    feeder.join(timeout=5)
    expected.finish()
    run.unreadable += lines.too_long
    if run.status == "graded" and not done:
        cells = [m["cell"] for m in run.messages if isinstance(m.get("cell"), int)]
        if cells:
            run.status, run.stopped = "kernel died", f"the kernel died in code cell {cells[-1]}"
        else:
            tail = run.stderr.decode(errors="replace").strip().splitlines()
            run.status = "not graded"
            run.stopped = "the sandbox did not start" + (f": {tail[-1][:300]}" if tail else "")
    return run
