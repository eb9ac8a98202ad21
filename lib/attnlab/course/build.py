"""The grading build of a lesson: the course as a learner has it *before* writing lesson L.

A grading sandbox for lesson L never sees the installed course. It sees this build in its place (a
read-only tree the grader makes, :func:`make`, bound over the installed ``attnlab`` folder): the
library with the reference code of earlier lessons' exercises — which L may build on — and with
every function that L's or a later lesson's checks make their expected answers from replaced by
one that raises (:func:`attnlab.course.answers.left_out`). The checks are not in it at all:
``attnlab.checks`` holds only the machinery that calls a function and reads its answer (what the
runner imports) and a stand-in for every ``check_*`` (a submission's import cell still runs),
``attnlab.course`` only the runner and its wire. ``solutions/``, other submissions and the
grader's state are outside it.

So whatever the sandbox sends back can be forged only by computing the right answers, and the
sandbox holds nothing that computes them: a forged message, the course's function perturbed, its
module loaded a second time, a copy of its code object all come to nothing because the answers are
not there. A stand-in run (the course's helper in place of a learner's broken one) gets a build that
keeps exactly that helper (``keep``) and counts only for the exercise that needed it.

"""

from __future__ import annotations

import ast
import atexit
import compileall
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from attnlab.course.answers import (  # noqa: F401 — what the grader asks of a build, in one place
    _GRADER,
    PACKAGE,
    in_checks,
    kept_for,
    left_out,
    machinery,
    signatures,
)

_STAND_IN_CHECKS = '''"""Not in a grading build: attnlab-grade runs the course's checks outside it."""

from attnlab.checks.core import Case, CheckResult, run_check  # noqa: F401


class _GradedOutside:
    def __init__(self, name):
        self.name = name

    def __call__(self, *args, **kwargs):
        return CheckResult(self.name, False, "checked by attnlab-grade outside this sandbox", 0, 0)


def __getattr__(name):
    if name.startswith("check_"):
        return _GradedOutside(name)
    raise AttributeError(name)
'''


def _raise_stmt(module: str, qualname: str, lesson: str) -> ast.stmt:
    text = (f"attnlab-grade: the course's {qualname} is not in {lesson}'s grading build — "
            "this lesson (or a later one) asks you to write it")
    return ast.parse(f"raise RuntimeError({text!r})").body[0]


def _stub(source: str, names: set[str], lesson: str, module: str) -> str:
    """``source`` with each function of ``names`` raising, and each class of ``names`` one whose
    making raises (its bases kept; none of its methods: a subclass of it is no way round)."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in names:
            node.body = [_raise_stmt(module, node.name, lesson)]
        elif isinstance(node, ast.ClassDef) and node.name in names:
            init = ast.parse("def __init__(self, *args, **kwargs):\n    pass").body[0]
            init.body = [_raise_stmt(module, node.name, lesson)]
            node.body = [init]
    return ast.unparse(tree) + "\n"


def _module_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(("attnlab", *parts[:-1]) if parts[-1] == "__init__" else ("attnlab", *parts))


def make(lesson: str, into: Path, keep: frozenset = frozenset()) -> Path:
    """Write ``lesson``'s grading build of the package into ``into`` (which must not exist): the
    ``attnlab`` folder a sandbox sees instead of the installed one."""
    stubbed = left_out(lesson, keep)
    # the exercises' table (no answers) and lesson 10's weight names (no answers): yours reads them
    kept = machinery() | {"attnlab.checks.exercises", "attnlab.checks.own_gpt_weights"}
    for source in sorted(PACKAGE.rglob("*.py")):
        if "__pycache__" in source.parts:
            continue
        module = _module_of(source, PACKAGE)
        if module.startswith(_GRADER) and module not in kept and module not in _GRADER:
            continue
        target = into / source.relative_to(PACKAGE)
        target.parent.mkdir(parents=True, exist_ok=True)
        if module == "attnlab.checks":
            text = _STAND_IN_CHECKS
        elif module == "attnlab.course":
            text = '"""What of the course machinery a grading sandbox runs: the runner and its wire."""\n'
        else:
            text = source.read_text(encoding="utf-8")
            if module in stubbed:
                text = _stub(text, stubbed[module], lesson, module)
        target.write_text(text, encoding="utf-8")
    for data in PACKAGE.rglob("*"):  # package data beside the modules (not code)
        if data.is_file() and data.suffix not in (".py", ".pyc") and "__pycache__" not in data.parts:
            target = into / data.relative_to(PACKAGE)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(data, target)
    compileall.compile_dir(str(into), quiet=2, workers=1)  # read-only inside: compiled once here
    for path in [into, *into.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # a sandbox's own uid reads it
    return into


class Builds:
    """The grading builds one grader run makes (one per lesson and kept helper set), removed at exit."""

    def __init__(self):
        self._lock = threading.Lock()
        self._made: dict[tuple[str, frozenset], Path] = {}
        self._extra: dict[str, Path | None] = {}
        self._root: Path | None = None

    def get(self, lesson: str, keep: frozenset = frozenset()) -> Path:
        with self._lock:
            key = (lesson, keep)
            if key not in self._made:
                if self._root is None:
                    self._root = Path(tempfile.mkdtemp(prefix="attnlab-build-"))
                    self._root.chmod(0o755)
                    atexit.register(self.remove)
                # a folder of its own (a child of the grader making one unprepared cannot collide)
                self._made[key] = make(lesson, Path(tempfile.mkdtemp(dir=self._root)) / "attnlab", keep)
            return self._made[key]

    def fonts(self) -> Path | None:
        """A folder holding matplotlib's font cache, made once per run: each sandbox starts with a
        copy in its ``MPLCONFIGDIR`` instead of scanning the fonts again (0.5 s a submission).
        ``None`` if matplotlib cannot make one."""
        with self._lock:
            if "fonts" not in self._extra:
                if self._root is None:
                    self._root = Path(tempfile.mkdtemp(prefix="attnlab-build-"))
                    self._root.chmod(0o755)
                    atexit.register(self.remove)
                folder = Path(tempfile.mkdtemp(prefix="matplotlib-", dir=self._root))  # (see get)
                folder.chmod(0o755)
                env = {"PATH": "/usr/bin:/bin", "HOME": str(folder), "MPLCONFIGDIR": str(folder),
                       "MPLBACKEND": "Agg", "LANG": "C.UTF-8"}
                done = subprocess.run([sys.executable, "-I", "-c", "import matplotlib.font_manager"],
                                      env=env, capture_output=True, timeout=300)
                made = [p for p in folder.iterdir() if p.is_file() and p.name.startswith("fontlist")]
                for path in made:
                    path.chmod(0o644)
                self._extra["fonts"] = folder if done.returncode == 0 and made else None
            return self._extra["fonts"]

    def remove(self) -> None:
        with self._lock:
            if self._root is not None:
                shutil.rmtree(self._root, ignore_errors=True)
            self._root, self._made, self._extra = None, {}, {}


BUILDS = Builds()


if __name__ == "__main__":  # python -m attnlab.course.build 03_softmax: what the build leaves out
    for mod, names in sorted(left_out(sys.argv[1]).items()):
        print(mod, ", ".join(sorted(names)))
