"""What runs inside a grading sandbox: a submission's code cells, and the learner's functions on
each check's inputs. It judges nothing — the expected answers never come in — and sends back
only what the functions returned, as plain data.

    python -I -m attnlab.course.runner   < plan (a pickle, from the trusted grader)
                                         > messages (one JSON object a line)

The plan (:class:`Plan`) holds the code cells, where each exercise's function is called, and each
case's inputs. The cells run in IPython's shell (magics work; there is no kernel), in order; after
the cell the plan names, the exercise's function is called on every case's inputs as the check
would call it (the same time limit per case), stopping at the first case whose outcome already
decides the verdict (an exception, a timeout). A *stand-in run* (``Plan.stand_in``) is a run of its
own, in a build that holds the course's helper: there only the exercises that need it are called,
with the learner's helper replaced by the course's behind the exercise's own signature (an argument
the exercise's helper does not take fails, as it would with the learner's). Each message is one line:

    {"cell": 3}                                       about to run code cell 3 (1-based)
    {"error": {"cell": 3, "text": "ZeroDivisionError: division by zero"}}
    {"exercise": "dot", "function": "missing"}        no such name at that point
    {"exercise": "dot", "function": "value", "value": ...}       defined, but not a function
    {"exercise": "dot", "function": "callable", "own": [...], "helpers_used": [...],
     "course_answers": [...]}                         the outcomes, case by case, and
                                                      the course functions whose result it returned
    {"exercise": "dot", "function": "callable", "standing_in": [...]}   (a stand-in run)
    {"peak_mb": 143.2}
    {"done": true}

The learner's code can write to the same pipe; the grader treats every line as untrusted data.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
from dataclasses import dataclass, field

# Everything the runner needs is bound here, before any learner code runs: a submission that
# replaces attnlab's modules (or plants a fake package) changes nothing the runner calls.
from attnlab.checks.core import Case, call, first_line, helpers_called, standing_in
from attnlab.checks.plain import AnswerTooLarge, opaque_of
from attnlab.checks.reference_calls import Watch, helper_codes
from attnlab.course.tree import to_tree
from attnlab.course.wire import dumps, outcome_to_wire

_MISSING = object()


@dataclass
class Exercise:
    """One exercise's part of the plan: the function's name and the check's inputs, no answers."""

    grade_id: str
    function: str
    inputs: list[tuple[tuple, dict]]  # (args, kwargs) per case, in the check's order
    helpers: dict = field(default_factory=dict)  # name -> the course's function (a stand-in run's stands in)
    time_limit_s: float = 3.0
    signatures: dict = field(default_factory=dict)  # helper name -> the exercise's inspect.Signature


@dataclass
class Plan:
    cells: list[str]  # the submission's code cells, in order
    after: dict[int, list[Exercise]]  # cell index (-1: before every cell) -> exercises checked after it
    stand_in: bool = False  # a stand-in run: the course's helpers stand in for the learner's


class _Wire:
    def __init__(self, fd: int):
        self._file = os.fdopen(fd, "w", encoding="utf-8", buffering=1)

    def send(self, message: dict) -> None:
        self._file.write(dumps(message) + "\n")
        self._file.flush()


def _silence() -> None:
    """The learner's prints and tracebacks go nowhere: only the wire carries anything out."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115


def _shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    # Nobody reads a traceback here (prints go to /dev/null; the error's first line is sent): not
    # formatting them saves IPython's source-reading traceback (0.1–0.5 s each — a lesson's demo
    # cells that need this lesson's answers raise in the grading build, several per notebook); nor
    # for IPython's history of errors, which formats each one again (0.2 s).
    shell.showtraceback = shell.showsyntaxerror = lambda *args, **kwargs: None
    shell._format_exception_for_storage = lambda *args, **kwargs: {}  # (IPython's history of errors)
    return shell


def _error_text(result) -> str | None:
    exc = result.error_before_exec or result.error_in_exec
    return None if exc is None else first_line(exc)


def outcomes(fn, cases, time_limit_s: float, calling=call) -> list[dict]:
    """The wire form of ``fn``'s outcome on each case, up to the first one that is not an answer."""
    found = []
    for case in cases:
        wire = outcome_to_wire(calling(fn, case, time_limit_s), time_limit_s)
        found.append(wire)
        if wire["kind"] != "value":
            break
    return found


def _as_declared(name: str, reference, signature):
    """The course's ``reference`` behind the exercise's own signature for ``name``."""
    def helper(*args, **kwargs):
        if signature is not None:
            signature.bind(*args, **kwargs)  # TypeError, as the learner's own helper would raise
        return reference(*args, **kwargs)
    helper.__name__ = helper.__qualname__ = name
    return helper


def run_exercise(namespace: dict, ex: Exercise, stand_in: bool = False) -> dict:
    """The message for one exercise: the learner's function called on every case's inputs."""
    fn = namespace.get(ex.function, _MISSING)
    if fn is _MISSING:
        return {"exercise": ex.grade_id, "function": "missing"}
    if not callable(fn):
        try:
            value = to_tree(fn)
        except (AnswerTooLarge, Exception):  # a learner's object that cannot be read
            value = to_tree(opaque_of(fn))
        return {"exercise": ex.grade_id, "function": "value", "value": value}
    cases = [Case(f"case {i + 1}", tuple(args), dict(kwargs)) for i, (args, kwargs) in enumerate(ex.inputs)]
    used = helpers_called(fn, ex.helpers)
    if stand_in:
        helpers = {name: _as_declared(name, ref, ex.signatures.get(name)) for name, ref in used.items()}
        with standing_in(fn.__globals__, helpers):
            again = outcomes(fn, cases, ex.time_limit_s)
        return {"exercise": ex.grade_id, "function": "callable", "standing_in": again}
    watch = Watch(helper_codes(fn, ex.helpers))  # course functions whose answer it returned
    own = outcomes(fn, cases, ex.time_limit_s, watch.call)
    return {"exercise": ex.grade_id, "function": "callable", "own": own, "helpers_used": sorted(used),
            "course_answers": watch.found}


def _peak_mb() -> float | None:
    try:
        with open("/proc/self/status") as f:
            return round(int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024, 1)
    except (OSError, AttributeError):
        return None


def _clean_path() -> None:
    """No folder the submission can write to stays on ``sys.path``: nothing under its working folder,
    its home or its temporary folder unless it exists and is read-only there (a course checked out
    under /tmp is bound read-only over the sandbox's private /tmp; dropping it lost the venv)."""
    writable = (os.getcwd(), os.path.expanduser("~"), os.environ.get("TMPDIR") or "/tmp")

    def kept(p: str) -> bool:
        inside = any(p == w or p.startswith(w.rstrip("/") + "/") for w in writable)
        return bool(p) and (not inside or (os.path.isdir(p) and not os.access(p, os.W_OK)))

    sys.path[:] = [p for p in sys.path if kept(p)]


def main() -> int:
    wire = _Wire(os.dup(1))  # the pipe to the grader; fd 1 itself goes to /dev/null
    _clean_path()
    plan: Plan = pickle.load(sys.stdin.buffer)  # from the grader (trusted): inputs, never answers
    shell = _shell()
    _silence()
    for ex in plan.after.get(-1, []):
        wire.send(run_exercise(shell.user_ns, ex, plan.stand_in))
    for i, source in enumerate(plan.cells):
        wire.send({"cell": i + 1})
        error = _error_text(shell.run_cell(source, store_history=True))
        if error is not None:
            wire.send({"error": {"cell": i + 1, "text": error[:300]}})
        for ex in plan.after.get(i, []):
            wire.send(run_exercise(shell.user_ns, ex, plan.stand_in))
    wire.send({"peak_mb": _peak_mb()})
    wire.send({"done": True})
    return 0


if __name__ == "__main__":
    sys.exit(main())
