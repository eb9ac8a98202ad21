"""The pieces of grading an instructor can trust, one at a time (fast; no sandbox except where said).

- plain data: what a learner's function returns becomes plain data, and nothing else comes back;
- record/replay: a verdict judged from answers sent as JSON is the notebook's verdict, for right,
  wrong, broken and unfinished functions, helpers standing in included;
- the notebook-side checks resist what a careless or cheating learner tries (swallowed timeouts,
  escaping exceptions, answers that say they equal anything);
- ``attnlab-grade`` refuses to grade for credit without bubblewrap.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import attnlab.checks as checks
from attnlab.checks import plain
from attnlab.checks.core import Case, CheckTimeout, Outcome, run_check
from attnlab.checks.mistakes import right_answer
from attnlab.checks.softmax import SOFTMAX_CASES
from attnlab.course import build, runner, tree
from attnlab.course.replay import Answers, record, replay
from attnlab.course.wire import dumps, loads, outcome_from_wire, outcome_to_wire

# --- plain data ------------------------------------------------------------------------------------

numbers = hnp.arrays(st.sampled_from([np.float64, np.float32, np.int64, np.bool_, np.complex128]),
                     hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5) | numbers
trees = st.recursive(leaves, lambda kids: st.lists(kids, max_size=3) | st.tuples(kids, kids)
                     | st.dictionaries(st.text(max_size=3), kids, max_size=3), max_leaves=10)


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, float) and np.isnan(a):
        return isinstance(b, float) and np.isnan(b)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@settings(max_examples=150, deadline=None)
@given(trees)
def test_plain_data_survives_the_wire_unchanged(value):
    assert _same(value, tree.from_tree(loads(dumps(tree.to_tree(value)))))


def test_a_learners_objects_never_come_back():
    class Liar(int):
        def __eq__(self, other):
            return True

    class Sneaky(np.ndarray):
        pass

    class Whatever:
        def __eq__(self, other):
            return True

    got = plain.plain([Liar(5), np.zeros(2).view(Sneaky), Whatever(), {"k": Whatever()}])
    assert type(got[0]) is int and got[0] != 6
    assert type(got[1]) is np.ndarray
    assert isinstance(got[2], plain.Opaque) and got[2] != 1 and type(got[2]).__name__ == "Whatever"
    assert isinstance(got[3]["k"], plain.Opaque)


@pytest.mark.parametrize("line", [
    '{"$": "ndarray", "array": {"dtype": "|O", "shape": [1], "data": ""}}',  # objects: a pickle's door
    '{"$": "ndarray", "array": {"dtype": "<f8", "shape": [3], "data": "AAAA"}}',  # bytes and shape disagree
    '{"$": "objects", "shape": [2], "items": [1]}',
    '{"$": "dict", "items": [[1]]}',
    '{"$": "who knows"}',
    "[" * 100_000 + "]" * 100_000,
])
def test_malformed_or_hostile_messages_are_refused(line):
    with pytest.raises(ValueError):
        tree.from_tree(loads(line))


def test_a_malformed_outcome_becomes_unreadable_not_an_error():
    assert outcome_from_wire({"kind": "value", "value": {"$": "nope"}}).kind == "unreadable"
    assert outcome_from_wire("passed").kind == "unreadable"
    assert outcome_from_wire({"kind": "raised", "error": 12}).error == ""


# --- record / replay: the sandbox's half and the grader's half make the notebook's verdict ----------

def stable_softmax(scores):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def _namespace(source: str) -> dict:
    ns = {"np": np, "math": __import__("math")}
    exec(source, ns)
    return ns


LEARNERS = {  # (check, the learner's cell)
    "right": ("check_stable_softmax", "def f(s):\n    e = np.exp(s - s.max(-1, keepdims=True))\n"
              "    return e / e.sum(-1, keepdims=True)"),
    "wrong": ("check_stable_softmax", "def f(s):\n    return np.exp(s) / np.exp(s).sum()"),
    "stub": ("check_stable_softmax", "def f(s):\n    raise NotImplementedError()"),
    "raises": ("check_stable_softmax", "def f(s):\n    return s[99]"),
    "exits": ("check_stable_softmax", "def f(s):\n    raise SystemExit(3)"),
    "tuple": ("check_stable_softmax", "def f(s):\n    return (s, s)"),
    "not a function": ("check_stable_softmax", "f = 42"),
    "in place": ("check_stable_softmax", "def f(s):\n    s -= s.max(-1, keepdims=True)\n"
                 "    return np.exp(s) / np.exp(s).sum(-1, keepdims=True)"),
    "helper wrong": ("check_attention_pattern",
                     "def stable_softmax(s):\n    return s\n"
                     "def f(q, k):\n    return stable_softmax(q @ k.T / math.sqrt(q.shape[-1]))"),
    "helper right, self wrong": ("check_attention_pattern",
                                 "def stable_softmax(s):\n    return s\ndef f(q, k):\n    return q @ k.T"),
    "exact: counts": ("check_pattern_size", "def f(t, dtype):\n    return t * t * np.dtype(dtype).itemsize"),
    "exact: always equal": ("check_pattern_size",
                            "class A:\n    def __eq__(self, o): return True\n"
                            "    def __repr__(self): return 'A()'\n"
                            "def f(t, dtype):\n    return A()"),
    "shapes": ("check_pattern_shapes", "def f(s, t, h):\n    return {'encoder': (h, s, s), "
               "'decoder': (h, t, t), 'cross': [h, t, s]}"),
}


@pytest.mark.parametrize("name", LEARNERS)
def test_a_verdict_judged_from_sent_answers_is_the_notebooks_verdict(name):
    check_name, source = LEARNERS[name]
    check = getattr(checks, check_name)
    ns = _namespace(source)
    spec = record(check)
    cases = [(c.args, c.kwargs) for c in spec.cases]
    ex = runner.Exercise(check_name, "f", cases, spec.helpers, spec.time_limit_s,
                         {n: build.signatures().get(n) for n in spec.helpers})
    message = loads(dumps(runner.run_exercise(ns, ex)))  # what would cross the sandbox's edge
    assert "expected" not in dumps(tree.to_tree([ex.inputs]))  # no expected answer went in
    if message.get("helpers_used"):  # the grader's stand-in run: a run of its own
        message["standing_in"] = loads(dumps(runner.run_exercise(ns, ex, stand_in=True)))["standing_in"]
    judged = replay(spec, Answers.from_message(message))
    here = check(ns["f"])
    assert (judged.passed, judged.line, judged.stood_in) == (here.passed, here.line, here.stood_in)


def test_recording_calls_nothing_and_keeps_the_expected_answers_in_the_grader():
    spec = record(checks.check_stable_softmax)
    assert len(spec.cases) == len(SOFTMAX_CASES) and all(case.expected is not None for case in spec.cases)


def test_answers_for_an_unknown_helper_name_change_nothing():
    """A sandbox may claim anything; only helpers the check itself names can stand in."""
    spec = record(checks.check_attention_pattern)
    wrong = [outcome_to_wire(Outcome("value", np.zeros((1, 2))), 3)]
    right = [outcome_to_wire(Outcome("value", right_answer(case.expected)), 3) for case in spec.cases]
    forged = Answers.from_message({"function": "callable", "own": wrong, "helpers_used": ["print"],
                                   "standing_in": right})
    assert not replay(spec, forged).passed
    honest = Answers.from_message({"function": "callable", "own": wrong, "helpers_used": ["stable_softmax"],
                                   "standing_in": right})
    assert replay(spec, honest).stood_in == ("stable_softmax",)


def test_a_helper_that_stood_in_is_a_structured_field_not_a_phrase():
    ns = _namespace(LEARNERS["helper wrong"][1])
    result = checks.check_attention_pattern(ns["f"])
    assert result.passed and result.stood_in == ("stable_softmax",)
    assert checks.check_stable_softmax(stable_softmax).stood_in == ()


# --- the notebook's checks are hard to fool -----------------------------------------------------------


def test_the_time_limit_cannot_be_swallowed_by_except_exception():
    assert issubclass(CheckTimeout, BaseException) and not issubclass(CheckTimeout, Exception)

    def eats_exceptions(u, v):
        while True:
            try:
                time.sleep(0.01)
            except Exception:  # noqa: BLE001 — what a learner writes
                pass

    start = time.perf_counter()
    result = run_check("dot", eats_exceptions, [Case("any", (1, 2), expected=2)], time_limit_s=0.3)
    assert "still running after 0.3 s" in result.line and time.perf_counter() - start < 3


@pytest.mark.parametrize("raised, says", [
    ("KeyboardInterrupt()", "your code raised KeyboardInterrupt"),
    ("SystemExit('bye')", "your code raised SystemExit: bye"),
    ("GeneratorExit()", "your code raised GeneratorExit"),
    ("Unprintable()", "your code raised Unprintable (whose message cannot be printed)"),
])
def test_escaping_exceptions_become_one_line(raised, says):
    ns = _namespace(f"class Unprintable(Exception):\n    def __str__(self): raise ValueError\n"
                    f"def dot(u, v):\n    raise {raised}")
    result = checks.check_dot(ns["dot"])
    assert not result.passed and says in result.line and "\n" not in result.line


def test_an_answer_that_equals_anything_does_not_pass():
    class Anything(int):
        def __eq__(self, other):
            return True

    class Object:
        def __eq__(self, other):
            return True

    assert not checks.check_pattern_size(lambda t, d: Anything(0)).passed
    assert not checks.check_pattern_size(lambda t, d: Object()).passed


def test_an_answer_that_takes_forever_to_read_is_stopped():
    class Endless(list):
        def __iter__(self):
            while True:
                yield 1.0

    start = time.perf_counter()
    result = run_check("dot", lambda u, v: np.array(Endless()), [Case("any", (1, 2), expected=2)],
                       time_limit_s=0.3)
    assert not result.passed and time.perf_counter() - start < 5


def test_patched_numpy_comparisons_do_not_make_zeros_right(monkeypatch):
    for name in ("allclose", "array_equal", "isnan", "isclose"):
        monkeypatch.setattr(np, name, lambda *a, **k: True)
    assert not checks.check_stable_softmax(np.zeros_like).passed
    assert not checks.check_causal_mask(lambda t: np.zeros((t, t), bool)).passed


# --- refusing to grade for credit without a sandbox -------------------------------------------------------


def test_without_bubblewrap_attnlab_grade_refuses_and_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    from attnlab.course import grading, sandbox

    monkeypatch.setattr(sandbox, "bwrap", lambda: None)
    assert grading.main([str(tmp_path), "--lesson", "00_start_here", "--out", str(tmp_path / "g.csv")]) == 2
    err = capsys.readouterr().err
    assert "apt-get install bubblewrap" in err and "--no-sandbox" in err
    assert not (tmp_path / "g.csv").exists()


def test_no_sandbox_grades_for_practice_and_says_so(tmp_path, capsys):
    import nbformat
    from submissions import answer, course_student_copy

    from attnlab.course import grading
    from attnlab.course.lesson import Lesson

    nbformat.write(answer(course_student_copy("00_start_here"), "00_start_here"), tmp_path / "ann.ipynb")
    out = tmp_path / "g.csv"
    assert grading.main([str(tmp_path), "--lesson", "00_start_here", "--out", str(out), "--no-sandbox",
                         "--jobs", "1"]) == 0
    assert "NO SANDBOX" in capsys.readouterr().err
    import csv

    (row,) = csv.DictReader(out.read_text().splitlines())
    got = row["student"], row["status"], row["dot"], row["total"], row["max"]
    maximum = Lesson.load("00_start_here").max_points  # the exercise's point and the written answers'
    assert got == ("ann", "graded", "1", "1", f"{maximum:g}")


def test_the_runner_keeps_no_writable_folder_on_sys_path(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", ["", str(tmp_path), "/tmp/x", *sys.path])
    monkeypatch.setenv("TMPDIR", "/tmp")
    runner._clean_path()
    assert "" not in sys.path and str(tmp_path) not in sys.path and "/tmp/x" not in sys.path


def test_a_read_only_folder_under_the_temporary_one_stays_on_sys_path(monkeypatch, tmp_path):
    """A course checked out under /tmp is bound read-only into the sandbox: its venv stays importable
    (every sandbox failed with 'No module named IPython'); a writable or missing folder there goes."""
    course, scratch = tmp_path / "course" / "site-packages", tmp_path / "scratch"
    course.mkdir(parents=True)
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.chdir(scratch)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: str(p) != str(course) and real_access(p, mode))
    monkeypatch.setattr(sys, "path", [str(course), str(scratch), str(tmp_path / "missing"), *sys.path])
    runner._clean_path()
    assert sys.path[0] == str(course) and str(scratch) not in sys.path
    assert str(tmp_path / "missing") not in sys.path


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a sandbox a uid of its own")
def test_as_root_a_sandbox_can_run_as_a_uid_of_its_own_with_its_own_process_limit(monkeypatch):
    """The mode CI uses when its Python is readable by other users (here it may not be: the
    course's Python is left out, so only the uid, the limits and the cleanup are tested)."""
    import subprocess

    from attnlab.course import isolation, sandbox

    monkeypatch.setattr(sandbox, "course_paths", lambda: [])
    pool = isolation.UidPool(1)
    work = sandbox.private_folder()
    try:
        with pool.take() as uid:
            box = sandbox.Sandbox(work, sandbox.Limits(processes=40), uid=uid)
            script = ("id -u; (for i in $(seq 100); do sleep 30 & done) 2>/dev/null; "
                      "set -- /proc/[0-9]*; echo $#; read line")  # builtins only: no fork is left
            proc = box.start(["/bin/sh", "-c", script], {"PATH": "/usr/bin:/bin"}, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            inside_uid, count = proc.stdout.readline().strip(), int(proc.stdout.readline())
            outside = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _uid_of(p) == uid]
            assert inside_uid == str(sandbox.LEARNER_UID) and outside  # outside, it is the sandbox's own uid
            assert count <= 40  # the process limit held
            box.stop()
        assert not [p for p in Path("/proc").iterdir() if p.name.isdigit() and _uid_of(p) == uid]
    finally:
        import shutil

        shutil.rmtree(work.parent, ignore_errors=True)


def _uid_of(entry) -> int | None:
    try:
        return entry.stat().st_uid
    except OSError:
        return None


def test_a_sandbox_that_cannot_start_is_a_grader_error_not_a_learners_zero(tmp_path, monkeypatch):
    """The grader's own failure is named as such (and --resume grades that student again)."""
    import nbformat
    from submissions import answer, course_student_copy

    from attnlab.course import execute, grading, submission

    monkeypatch.setattr(execute, "RUNNER", ["-I", "-m", "attnlab.course.no_such_runner"])
    path = tmp_path / "ann.ipynb"
    nbformat.write(answer(course_student_copy("00_start_here"), "00_start_here"), path)
    row = submission.grade("ann", path, grading.load_lesson("00_start_here"), grading.isolation(1), 60)
    assert row.status == "not graded"
    assert "the sandbox did not start" in " | ".join(row.notes) and "no_such_runner" in " | ".join(row.notes)


def test_a_course_checked_out_under_tmp_is_seen_in_the_sandbox_over_its_private_tmp(monkeypatch):
    """Issue 20: with the course under /tmp every sandbox failed to start (its private /tmp hid
    the course). The course is bound over the private /tmp, so a checkout there stays visible."""
    import shutil
    import subprocess
    import tempfile

    from attnlab.course import sandbox

    checkout = Path(tempfile.mkdtemp(prefix="attnlab-checkout-", dir="/tmp"))
    try:
        (checkout / "course.txt").write_text("the course\n")
        checkout.chmod(0o755)
        monkeypatch.setattr(sandbox, "course_paths", lambda: [checkout])
        work = sandbox.private_folder()
        try:
            box = sandbox.Sandbox(work)
            script = f'cat "{checkout}/course.txt"; : > "{checkout}-scratch" && echo writable'
            proc = box.start(["/bin/sh", "-c", script], {"PATH": "/usr/bin:/bin"}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
            out, err = proc.communicate(timeout=60)
            box.stop()
        finally:
            shutil.rmtree(work.parent, ignore_errors=True)
        assert out.split() == ["the", "course", "writable"], err  # seen, and /tmp is still its own
        assert not Path(f"{checkout}-scratch").exists()  # what it wrote in /tmp stayed in the sandbox
    finally:
        shutil.rmtree(checkout, ignore_errors=True)


@pytest.mark.parametrize("line, text", [
    ('{"note": "\\udcff\\ud800 x"}', "\ufffd\ufffd x"),  # lone surrogates: no UTF-8 output holds them
    ('{"note": "\\ud83d\\ude00"}', "\U0001f600"),  # a pair is one character, kept
    ('{"note": "\\\\udcff"}', "\\udcff"),  # an escaped backslash, then plain letters
    ('{"note": "\\\\\\udcff"}', "\\\ufffd"),
])
def test_every_string_off_the_wire_is_text_any_output_can_hold(line, text):
    from attnlab.course import wire

    got = wire.loads(line)["note"]
    assert got == text
    got.encode("utf-8")

@pytest.mark.skipif(os.getuid() != 0, reason="only root can make a sandbox's cgroups")
def test_as_root_each_sandbox_runs_in_cgroups_of_its_own_and_they_go_with_it():
    """Its processes, those that make sessions of their own too, are in its cpu cgroup (at most one
    core: see tests/test_grading_fair.py) and pids cgroup; afterwards both are gone."""
    import subprocess

    from attnlab.course import isolation, sandbox

    made = isolation.usable_controllers()
    if not made:
        pytest.skip("no cgroup controller can be delegated here")
    work = sandbox.private_folder()
    try:
        with isolation.sandbox_cgroups(made, 64) as groups:
            assert set(groups) == set(made)
            box = sandbox.Sandbox(work, cgroups=tuple(groups.values()))
            script = "setsid sleep 30 & sleep 0.5; echo started; read line"
            proc = box.start(["/bin/sh", "-c", script], {"PATH": "/usr/bin:/bin"}, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            assert proc.stdout.readline().strip() == "started", proc.stderr.read()
            for controller, group in groups.items():
                inside = (group / "cgroup.procs").read_text().split()
                assert len(inside) >= 3, (controller, inside)  # bwrap, sh, the other session's sleep
                if controller == "cpu":
                    quota = (group / "cpu.cfs_quota_us") if (group / "cpu.cfs_quota_us").exists() else None
                    assert quota is None or int(quota.read_text()) > 0  # v1: a quota is set (v2: cpu.max)
            box.stop()
        assert not any(group.exists() for group in groups.values())
    finally:
        import shutil

        shutil.rmtree(work.parent, ignore_errors=True)


def test_every_import_in_a_grading_build_finds_its_module_there(tmp_path):
    """A build leaves most of the checks out; a library module that imports one of them (lesson
    10's ``as_course_model`` did: every demo cell using it raised in the sandbox) would break the
    learner's own cells there. Every ``import attnlab…`` in the build names a module it holds."""
    import ast

    root = build.make("10_your_own_gpt", tmp_path / "attnlab")
    held = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(tmp_path).with_suffix("").parts
        held.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    missing = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            else:
                continue
            where = str(path.relative_to(root))
            missing |= {(where, n) for n in names if n.startswith("attnlab") and n not in held}
    assert not missing
