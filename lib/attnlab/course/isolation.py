"""How a grader keeps submissions apart while several run at once.

As root, each sandbox gets a host uid of its own (:class:`UidPool`) when such a uid can read the
course and Python — then Linux's process limit counts only that sandbox's processes. Otherwise a pids
cgroup limits each sandbox's processes (root), or the process limit is set above the instructor's
own processes. :func:`isolation` chooses; ``--no-sandbox`` uses :class:`NoSandbox` (practice only).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from attnlab.course.sandbox import FIRST_UID, LEARNER_UID, Limits, Sandbox, kill_uid, private_folder


class UidPool:
    """Host uids for sandboxes, one per sandbox running at once (only when the grader is root).

    With a uid of its own, a sandbox's process limit counts only its own processes (Linux counts
    RLIMIT_NPROC per uid, and never limits root).
    """

    def __init__(self, size: int, first: int = FIRST_UID):
        self.first = first
        self._free = list(range(first, first + size))
        self._lock = threading.Condition()

    @contextmanager
    def take(self) -> Iterator[int]:
        with self._lock:
            while not self._free:
                self._lock.wait()
            uid = self._free.pop(0)
        try:
            yield uid
        finally:
            kill_uid(uid)
            with self._lock:
                self._free.append(uid)
                self._lock.notify()


def uids_usable(probe_env: dict[str, str], uid: int = FIRST_UID) -> str | None:
    """``None`` if a sandbox can run this Python as ``uid`` (it must be able to read the course and
    the Python installation), else why not."""
    try:
        work = private_folder()
    except OSError as exc:  # no temporary folder: no sandbox at all (each row then says so)
        return str(exc)
    box = Sandbox(work, uid=uid)
    try:
        proc = box.start([sys.executable, "-I", "-c", "import attnlab.checks.core"], probe_env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, err = proc.communicate(timeout=60)
        return None if proc.returncode == 0 else err.decode(errors="replace").strip()[-300:]
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    finally:
        box.stop()
        shutil.rmtree(work.parent, ignore_errors=True)


def _own_v1(controller: str) -> str:
    """The grader's own cgroup in ``controller``'s v1 hierarchy (a sandbox's goes inside it, so
    it never leaves the limits the grader itself is under), from ``/proc/self/cgroup``."""
    for line in _read(Path("/proc/self/cgroup")).splitlines():
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controller in controllers.split(","):
            return path.lstrip("/")
    return ""


def _hierarchy(controller: str) -> Path | None:
    """A writable cgroup folder with ``controller`` (v1: the grader's own group; v2: the root),
    or ``None``."""
    v1, v2 = Path("/sys/fs/cgroup") / controller / _own_v1(controller), Path("/sys/fs/cgroup")
    for base, usable in ((v1, (v1 / "cgroup.procs").exists()),
                         (v2, controller in _read(v2 / "cgroup.subtree_control").split())):
        if usable and os.access(base, os.W_OK):
            return base
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _settings(controller: str, base: Path, max_pids: int) -> dict[str, str]:
    """What a sandbox's cgroup of ``controller`` holds: its process limit; at most one core of CPU
    time, whatever its number of processes (a single scheduling entity: a process of it that makes
    a session of its own stays inside)."""
    if controller == "pids":
        return {"pids.max": str(max_pids)}
    if (base / "cpu.cfs_period_us").exists():  # v1
        return {"cpu.cfs_quota_us": _read(base / "cpu.cfs_period_us").strip() or "100000"}
    return {"cpu.max": "100000 100000"}


def sweep_cgroups(min_age_s: float = 600.0) -> list[Path]:
    """Remove the empty cgroups a killed grader left behind (older than ``min_age_s``, so a
    grader running beside this one keeps the ones it is about to use). The ones removed."""
    removed = []
    for base in {b for c in CONTROLLERS if (b := _hierarchy(c)) is not None}:
        for group in base.glob("attnlab-grade-*"):
            try:
                old = time.time() - group.stat().st_mtime > min_age_s
                if old and not _read(group / "cgroup.procs").strip():
                    group.rmdir()
                    removed.append(group)
            except OSError:  # in use after all, or gone
                continue
    return removed


CONTROLLERS = ("pids", "cpu")


@contextmanager
def sandbox_cgroups(controllers: tuple[str, ...], max_pids: int) -> Iterator[dict[str, Path]]:
    """Fresh cgroups for one sandbox (one per hierarchy) with each of ``controllers`` that can be
    had here (:func:`_settings`): controller -> its group; removed afterwards, their tasks killed.
    Empty where none can be made (not root, or not delegated)."""
    groups: dict[Path, Path] = {}
    made: dict[str, Path] = {}
    try:
        for controller in controllers:
            base = _hierarchy(controller)
            if base is None:
                continue
            try:
                if base not in groups:
                    groups[base] = Path(tempfile.mkdtemp(prefix="attnlab-grade-", dir=base))
                for name, value in _settings(controller, base, max_pids).items():
                    (groups[base] / name).write_text(value)
                made[controller] = groups[base]
            except OSError:
                continue
        yield made
    finally:
        for group in groups.values():
            _remove(group)


def _remove(group: Path) -> None:
    for pid in _read(group / "cgroup.procs").split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
    for _ in range(100):
        try:
            group.rmdir()
            break
        except OSError:  # tasks still exiting
            threading.Event().wait(0.02)


def usable_controllers(controllers: tuple[str, ...] = CONTROLLERS) -> tuple[str, ...]:
    """Those of ``controllers`` a sandbox's cgroups can have here."""
    with sandbox_cgroups(controllers, 1) as made:
        return tuple(c for c in controllers if c in made)


@dataclass
class Isolation:
    """How this grader isolates submissions: per-sandbox uids (root, when the course is readable
    by them), else the grader's own uid with a pids cgroup (root) or a process limit above the
    instructor's own processes; and (root) a cpu cgroup per sandbox, so that no submission's
    processes slow a classmate's, whose time limits are wall-clock."""

    uids: UidPool | None
    controllers: tuple[str, ...]  # each sandbox's own cgroups: "pids", "cpu"
    limits: Limits
    note: str

    def for_slot(self, slot: int) -> Isolation:
        """This isolation for the grader's child number ``slot`` (:mod:`attnlab.course.apart`): its
        sandboxes run as that slot's own uid (a child's copy of the pool would hand out the first)."""
        if self.uids is None:
            return self
        from dataclasses import replace
        return replace(self, uids=UidPool(1, self.uids.first + slot))

    def done(self, slot: int) -> None:
        """After child ``slot`` ended (perhaps killed): nothing of its uid outlives it."""
        if self.uids is not None:
            kill_uid(self.uids.first + slot)

    @contextmanager
    def sandbox(self, workdir: Path, build: Path | None = None,
                fonts: Path | None = None) -> Iterator[Sandbox]:
        with (self.uids.take() if self.uids else _none()) as uid, \
                sandbox_cgroups(self.controllers, self.limits.processes) as groups:
            box = Sandbox(workdir, self.limits, uid=uid, cgroups=tuple(groups.values()), build=build,
                          fonts=fonts)
            try:
                yield box
            finally:
                box.stop()


@contextmanager
def _none():
    yield None


def _own_processes() -> int:
    uid = os.getuid()
    return sum(1 for e in Path("/proc").iterdir() if e.name.isdigit() and _owner(e) == uid)


def _owner(entry: Path) -> int | None:
    try:
        return entry.stat().st_uid
    except OSError:
        return None


def isolation(jobs: int, env: dict[str, str], limits: Limits | None = None) -> Isolation:
    """Choose how to isolate ``jobs`` sandboxes running at once (see :class:`Isolation`)."""
    limits = limits or Limits()
    if os.getuid() != 0:
        own = _own_processes()
        from dataclasses import replace
        return Isolation(None, (), replace(limits, processes=own + limits.processes),
                         f"submissions run as your uid, mapped to uid {LEARNER_UID}; the process limit "
                         f"counts your own {own} processes too; NO cpu cgroup (not root): a submission's "
                         "processes can slow a classmate's sandbox")
    sweep_cgroups()
    cpu = usable_controllers(("cpu",))
    shares = ("; each sandbox has a cpu cgroup of its own (at most one core)" if cpu else
              "; NO cpu cgroup: a submission's processes can slow a classmate's sandbox")
    why = uids_usable(env)
    if why is None:
        return Isolation(UidPool(jobs), cpu, limits,
                         f"each submission runs as its own uid ({FIRST_UID}…{FIRST_UID + jobs - 1})" + shares)
    pids = usable_controllers(("pids",))
    return Isolation(None, pids + cpu, limits,
                     "submissions run as root mapped to an unprivileged uid (a sandbox uid cannot read "
                     f"the course or Python: {why.splitlines()[-1] if why else ''}); "
                     + ("a pids cgroup limits their processes" if pids else
                        "NO process limit (no pids cgroup): the PID namespace and time limit bound them")
                     + shares)


@dataclass
class Unsandboxed:
    """``--no-sandbox``: the runner as an ordinary child of the grader, in its own session (killed
    as a group), with the same resource limits — but with the grader's permissions and view."""

    workdir: Path
    limits: Limits = field(default_factory=Limits)
    fonts: Path | None = None
    process: subprocess.Popen | None = None

    def start(self, argv: list[str], env: dict[str, str], **popen) -> subprocess.Popen:
        tmp = self.workdir / ".tmp"
        tmp.mkdir(exist_ok=True)
        if self.fonts is not None:  # matplotlib's font cache, as a sandbox gets it
            shutil.copytree(self.fonts, tmp / "matplotlib", dirs_exist_ok=True)
        env = {**env, "HOME": str(self.workdir), "TMPDIR": str(tmp), "MPLCONFIGDIR": str(tmp / "matplotlib"),
               "IPYTHONDIR": str(tmp / "ipython")}
        self.process = subprocess.Popen([*self.limits.prlimit(), *argv], env=env, cwd=self.workdir,
                                        start_new_session=True, **popen)
        return self.process

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()


@dataclass
class NoSandbox:
    """Isolation for ``--no-sandbox`` runs (practice only: their grades must not count)."""

    limits: Limits = field(default_factory=Limits)
    note: str = ("NO SANDBOX (--no-sandbox): submissions run with your permissions and can see your "
                 "files; use these grades for practice only")

    def for_slot(self, slot: int) -> NoSandbox:
        return self

    def done(self, slot: int) -> None:
        return None

    @contextmanager
    def sandbox(self, workdir: Path, build: Path | None = None,
                fonts: Path | None = None) -> Iterator[Unsandboxed]:
        """(No grading build either: without a sandbox the installed course is in reach.)"""
        box = Unsandboxed(workdir, self.limits, fonts)
        try:
            yield box
        finally:
            box.stop()
