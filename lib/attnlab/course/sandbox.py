

"""A sandbox per submission: Debian's bubblewrap (``bwrap``), as PrairieLearn's and Otter-Grader's
graders use containers.

What runs inside sees the system, this environment's Python and the course read-only, a private
``/tmp``, its own copy of the submission in its home folder — the only writable places, both
size-limited tmpfs in memory, so nothing it writes ever reaches the host's disk — and a ``/proc``
that shows only its own processes. It has no network, no view of other submissions, the gradebook
or the grader's folders, and runs as an unprivileged user — when the grader runs as root, as a uid
of its own per sandbox (so the process limit is its own); otherwise as the instructor's uid mapped
to uid 1000. Limits on address space, CPU time, processes, open files and file size come from
``prlimit``; a hard wall-clock limit and ``--die-with-parent`` end it, and its PID namespace takes
every process it started with it.

:class:`Sandbox` describes one; :meth:`Sandbox.start` runs a command in it and returns a
:class:`subprocess.Popen`; :meth:`Sandbox.stop` kills everything.
"""



from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import attnlab
from attnlab.paths import DATA_DIR

INSTALL_HINT = ("attnlab-grade runs every submission in a bubblewrap sandbox, and `bwrap` is not "
                "installed. Install it (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: "
                "`sudo dnf install bubblewrap`), or pass --no-sandbox for a practice run on "
                "submissions you trust (its grades must not count: the learner's code then runs "
                "with your permissions).")



HOME = "/home/learner"  # the submission's own folder inside the sandbox (and its working folder)
MPLCONFIGDIR = "/tmp/matplotlib"  # matplotlib's folder inside (execute.sandbox_env)



LEARNER_UID = 1000  # the uid inside the sandbox



FIRST_UID = 61000  # as root, sandboxes run as uids FIRST_UID, FIRST_UID + 1, … (one per job)



_SYSTEM = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]



_ETC = ["ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "fonts", "localtime",
        "nsswitch.conf", "mime.types", "ssl", "ca-certificates"]



_PASSWD = f"learner:x:{LEARNER_UID}:{LEARNER_UID}:learner:{HOME}:/bin/sh\n"



_GROUP = f"learner:x:{LEARNER_UID}:\n"



@dataclass(frozen=True)
class Limits:
    """What one submission may use (each process; the tmpfs sizes for the whole sandbox)."""

    memory_bytes: int = 6 * 2**30  # address space per process (torch reserves ~1 GiB of it)
    cpu_seconds: int = 600
    processes: int = 256  # threads count too
    open_files: int = 512
    file_bytes: int = 64 * 2**20  # the largest file it may write
    tmp_bytes: int = 256 * 2**20  # the private /tmp
    home_bytes: int = 768 * 2**20  # its home folder: the submission's copy (up to 512 MB) and what it writes

    def prlimit(self) -> list[str]:
        return ["prlimit", f"--as={self.memory_bytes}", f"--cpu={self.cpu_seconds}",
                f"--nproc={self.processes}", f"--nofile={self.open_files}",
                f"--fsize={self.file_bytes}", "--core=0", "--"]



def bwrap() -> str | None:
    """The ``bwrap`` executable, or ``None`` if bubblewrap is not installed."""
    return shutil.which("bwrap")



def course_paths() -> list[Path]:
    """What the sandbox sees read-only: this Python, its packages and the course (code and data)."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix),
             Path(attnlab.__file__).resolve().parent.parent, DATA_DIR}
    # sys.path's folders inside those (a .pth may add more); never the grader's working folder
    paths = roots | {Path(p) for p in sys.path if p and Path(p).is_dir()
                     and any(r == Path(p) or r in Path(p).parents for r in roots)}
    resolved = set()
    for p in paths:
        resolved |= {p.absolute(), p.resolve()}
    # A folder inside another needs no bind of its own.
    return sorted(p for p in resolved if p.exists() and not any(q != p and q in p.parents for q in resolved))



def _system_args() -> list[str]:
    args = []
    for path in _SYSTEM:
        p = Path(path)
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), path]
        elif p.is_dir():
            args += ["--ro-bind", path, path]
    for name in _ETC:
        if Path("/etc", name).exists():
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    return args



@dataclass
class Sandbox:
    """One submission's sandbox. The files in ``workdir`` (a host folder) are copied into its home
folder, a tmpfs; nothing it writes goes back."""

    workdir: Path
    limits: Limits = field(default_factory=Limits)
    uid: int | None = None  # run bwrap as this host uid (needs root); None: as the grader's own uid
    cgroups: tuple[Path, ...] = ()  # cgroups to start it in (root: its process limit, its CPU share)
    build: Path | None = None  # the lesson's grading build, seen in place of the installed attnlab
    fonts: Path | None = None  # matplotlib's font cache (files), copied into its MPLCONFIGDIR
    process: subprocess.Popen | None = None

    def command(self, argv: list[str], passwd_fd: int = 3, group_fd: int = 4,
                files: list[tuple[int, str]] = (), fonts: list[tuple[int, str]] = ()) -> list[str]:
        """``prlimit … bwrap … argv``: the whole command line (``/etc/passwd`` and ``/etc/group``
        are read from the two file descriptors; each ``(fd, name)`` of ``files`` becomes a file
        in the home folder, of ``fonts`` one in ``/tmp/matplotlib``)."""
        copies = [arg for fd, name in files for arg in ("--file", str(fd), f"{HOME}/{name}")]
        cache = ["--dir", MPLCONFIGDIR] if fonts else []
        cache += [arg for fd, name in fonts for arg in ("--file", str(fd), f"{MPLCONFIGDIR}/{name}")]
        ro = [arg for p in course_paths() for arg in ("--ro-bind", str(p), str(p))]
        if self.build is not None:  # over the installed package: the course without the lesson's answers
            package = Path(attnlab.__file__).resolve().parent
            ro += ["--ro-bind", str(self.build), str(package)]
            if Path(attnlab.__file__).parent != package:
                ro += ["--ro-bind", str(self.build), str(Path(attnlab.__file__).parent)]
        joins = " && ".join(f'echo $$ > "{group}/cgroup.procs"' for group in self.cgroups)
        enter = ["sh", "-c", f'{joins} && exec "$@"', "sh"] if self.cgroups else []
        return [*enter, *self.limits.prlimit(), bwrap() or "bwrap",
                "--unshare-all", "--die-with-parent", "--new-session",
                "--uid", str(LEARNER_UID), "--gid", str(LEARNER_UID), "--hostname", "sandbox",
                *_system_args(),
                "--proc", "/proc", "--dev", "/dev",
                # the private /tmp first, the course over it: a checkout under /tmp stays visible
                "--size", str(self.limits.tmp_bytes), "--tmpfs", "/tmp", *ro, *cache,
                "--dir", "/home", "--size", str(self.limits.home_bytes), "--tmpfs", HOME, *copies,
                "--chdir", HOME,
                "--ro-bind-data", str(passwd_fd), "/etc/passwd",
                "--ro-bind-data", str(group_fd), "/etc/group",
                "--remount-ro", "/",
                "--", *argv]

    def start(self, argv: list[str], env: dict[str, str], **popen) -> subprocess.Popen:
        """Run ``argv`` in the sandbox (``env`` is its whole environment)."""
        as_uid = {"user": self.uid, "group": self.uid, "extra_groups": []} if self.uid is not None else {}
        opened = [(os.open(p, os.O_RDONLY), p.name) for p in sorted(self.workdir.iterdir()) if p.is_file()]
        fonts = [(os.open(p, os.O_RDONLY), p.name) for p in sorted(self.fonts.iterdir())
                 if p.is_file()] if self.fonts is not None else []
        try:
            with _data_fd(_PASSWD) as passwd, _data_fd(_GROUP) as group:
                fds = (passwd, group, *(fd for fd, _ in opened + fonts))
                self.process = subprocess.Popen(self.command(argv, passwd, group, opened, fonts), env=env,
                                                pass_fds=fds, **as_uid, **popen)
        finally:
            for fd, _ in opened + fonts:
                os.close(fd)
        return self.process

    def stop(self) -> None:
        """Kill the sandbox: bwrap, and with it (its PID namespace) every process inside."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()
        if self.uid is not None:
            kill_uid(self.uid)  # belt and braces: nothing of that uid may outlive grading



@contextmanager
def _data_fd(text: str) -> Iterator[int]:
    """A pipe's read end holding ``text`` (small: it fits in the pipe's buffer)."""
    r, w = os.pipe()
    os.write(w, text.encode())
    os.close(w)
    try:
        yield r
    finally:
        os.close(r)



def _pids_of(uid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and entry.stat().st_uid == uid:
                found.append(int(entry.name))
        except OSError:
            continue
    return found



def kill_uid(uid: int, wait_s: float = 5.0) -> list[int]:
    """SIGKILL every process whose uid is ``uid`` and wait (up to ``wait_s``) until they are gone —
    reaped, not zombies: a zombie still counts against the uid's process limit. Their pids."""
    killed = []
    deadline = time.monotonic() + wait_s
    while (pids := _pids_of(uid)) and time.monotonic() < deadline:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        killed += [p for p in pids if p not in killed]
        time.sleep(0.02)
    return killed



def private_folder(prefix: str = "attnlab-grade-") -> Path:
    """A fresh host folder for one submission's copy (traversable, not listable, by others)."""
    base = Path(tempfile.mkdtemp(prefix=prefix))
    base.chmod(0o711)
    work = base / "work"
    work.mkdir(mode=0o700)
    return work
