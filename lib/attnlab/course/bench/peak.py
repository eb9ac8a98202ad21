"""A command's peak memory, its whole process tree: ``Σ PSS`` sampled while it runs.

PSS (proportional set size, ``/proc/PID/smaps_rollup``) splits a page shared by several processes
between them, so the sum over a tree — a grader, the children it forks to judge, the sandboxes they
start — counts each page once: the memory the tree really holds. The grader's own processes (those
whose command line names it) are summed apart from the sandboxes'.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree, found, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += tree.get(p, [])
    return found


def _pss_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def _is_grader(pid: int, marker: str) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


@dataclass
class Peak:
    seconds: float
    returncode: int
    tree_mb: float  # the whole tree: grader, its children, the sandboxes
    grader_mb: float  # only the grader's own processes (its command line names ``marker``)
    stdout: str
    stderr: str


def peak_memory(command: list[str], marker: str, every_s: float = 0.05, **popen) -> Peak:
    """Run ``command``; its peak Σ PSS (whole tree, and the processes named ``marker``), in MB."""
    start = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    out_f, err_f = [], []
    import threading

    readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read()), daemon=True)
               for s, b in ((proc.stdout, out_f), (proc.stderr, err_f))]
    for r in readers:
        r.start()
    tree_kb = grader_kb = 0
    while proc.poll() is None:
        pids = _descendants(proc.pid)
        sizes = {p: _pss_kb(p) for p in pids}
        tree_kb = max(tree_kb, sum(sizes.values()))
        grader_kb = max(grader_kb, sum(k for p, k in sizes.items() if _is_grader(p, marker)))
        time.sleep(every_s)
    for r in readers:
        r.join()
    return Peak(time.perf_counter() - start, proc.returncode, tree_kb / 1024, grader_kb / 1024,
                "".join(out_f), "".join(err_f))


if __name__ == "__main__":  # python -m attnlab.course.bench.peak MARKER COMMAND...
    import sys

    found = peak_memory(sys.argv[2:], sys.argv[1])
    print(found.stdout[-3000:], found.stderr[-3000:], sep="\n")
    print(f"{found.seconds:.1f} s, exit {found.returncode}, peak Σ PSS: tree {found.tree_mb:.0f} MB, "
          f"grader {found.grader_mb:.0f} MB ({os.getpid()})")
