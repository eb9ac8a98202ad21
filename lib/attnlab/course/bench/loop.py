"""Section 12: the other issues' goals — a developer's loop (``make check``, ``make lesson L=03``,
``make site``), lesson 03's checks, and the positional ablation's training runs (``make models``).

Each make target runs as a developer types it, in this checkout, its install step taken as done
(``-o``: the bench never reinstalls the venv). ``make test`` (under 10 minutes from nothing) is not run
here: it would be most of the bench; ``bash .ci/run`` prints its time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time

from attnlab.paths import ROOT, SOLUTIONS_DIR

# (what, the make command's words, its goal in seconds, the issue that set it)
TARGETS = (
    ("`make check` (ruff and the fast tests)", ["check"], 90, 22),
    ("`make lesson L=03` (its check tests, nbval on both copies)", ["lesson", "L=03"], 60, 26),
    ("`make site` (every lesson as a static site, offline)", ["site"], 120, 24),
)
STAMPS = tuple(f".venv/.installed-{name}" for name in ("test", "lab", "site", "instructor"))
CHECKS_GOAL_S = 1.0  # issue 21: lesson 03's checks
ABLATION_GOAL_S = 60.0  # issue 23: each positional-ablation run
MAKE_TEST_GOAL = "< 10 min (from nothing)"


def run_target(words: list[str], timeout: int = 900) -> dict:
    """``make <words>`` in the checkout: wall seconds, exit status, its last line on failure."""
    skip = [arg for stamp in STAMPS for arg in ("-o", stamp)]
    # as a developer types it: not the bench's own PYTHONPATH=tests, not a sub-make of `make bench`
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    start = time.perf_counter()
    try:
        done = subprocess.run(["make", *skip, *words], cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, env=env)
        lines = (done.stdout + done.stderr).strip().splitlines()
        summary = [line.strip("= ") for line in lines if re.search(r"\d+ (failed|passed|errors?)\b", line)]
        code, tail = done.returncode, (summary or lines)[-1:]
    except subprocess.TimeoutExpired:
        code, tail = None, [f"timed out after {timeout} s"]
    return {"seconds": time.perf_counter() - start, "returncode": code,
            "error": "" if code == 0 else (tail[0][:160] if tail else "failed")}


def lesson_checks_seconds(lesson: str = "03_softmax") -> dict:
    """The check cells of ``lesson``'s solution (nbgrader's graded cells), timed in one fresh-kernel
    run of the whole notebook (nbclient's per-cell timing): their sum and the slowest."""
    import datetime

    import nbformat
    from nbclient import NotebookClient

    from attnlab.course.kernels import kernel_manager

    path = SOLUTIONS_DIR / f"{lesson}.ipynb"
    nb = nbformat.read(path, as_version=4)
    with kernel_manager() as km:
        NotebookClient(nb, km=km, timeout=600, record_timing=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute(cleanup_kc=True)
    seconds = {}
    for cell in nb.cells:
        grade = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and grade.get("grade"):
            stamps = cell.metadata["execution"]
            start, end = (datetime.datetime.fromisoformat(stamps[k].replace("Z", "+00:00"))
                          for k in ("iopub.execute_input", "shell.execute_reply"))
            seconds[grade["grade_id"]] = (end - start).total_seconds()
    return {"lesson": lesson, "cells": seconds}


def ablation_seconds() -> dict:
    """Each positional-ablation run's training seconds as ``make models`` recorded them."""
    from attnlab.paths import DATA_DIR

    record = json.loads((DATA_DIR / "positional_ablation.json").read_text())
    return {row["positions"]: row["seconds"] for row in record["results"]}


def bench_loop() -> dict:
    targets = {}
    for what, words, _, _ in TARGETS:
        print(f"  make {' '.join(words)}", flush=True)
        targets[what] = run_target(words)
    return {"targets": targets, "checks": lesson_checks_seconds(), "ablation": ablation_seconds()}


def goal_rows_loop(loop: dict) -> list[tuple]:
    if not loop:
        return []
    rows = []
    for what, _, goal, issue in TARGETS:
        t = loop["targets"].get(what)
        if t is not None:
            ok = t["returncode"] == 0
            rows.append((f"{what} (issue {issue})", f"< {goal} s",
                         f"{t['seconds']:.0f} s" + ("" if ok else f" — failed: {t['error']}"),
                         ok and t["seconds"] < goal))
    rows.append(("`make test` from nothing (issue 22)", MAKE_TEST_GOAL,
                 "not run by make bench: `bash .ci/run` prints it", None))
    cells = loop["checks"]["cells"]
    total = sum(cells.values())
    rows.append((f"lesson {loop['checks']['lesson'][:2]}'s checks, all {len(cells)} check cells (issue 21)",
                 f"< {CHECKS_GOAL_S:g} s", f"{1000 * total:.0f} ms", bool(cells) and total < CHECKS_GOAL_S))
    if loop["ablation"]:
        name, seconds = max(loop["ablation"].items(), key=lambda item: item[1])
        rows.append((f"slowest positional-ablation run ({name}, recorded by make models; issue 23)",
                     f"< {ABLATION_GOAL_S:g} s", f"{seconds:.1f} s", seconds < ABLATION_GOAL_S))
    return rows


def loop_section(loop: dict) -> list[str]:
    if not loop:
        return []
    out = ["## 12. A developer's loop, lesson 03's checks, the positional ablation", "",
           "Each make target run once in this checkout, as typed (the venv taken as installed), wall "
           "seconds under the machine's load at the time:", "",
           "| command | seconds | goal | exit |", "|---|---:|---:|---|"]
    for what, _, goal, _ in TARGETS:
        t = loop["targets"].get(what)
        if t is not None:
            out.append(f"| {what} | {t['seconds']:.1f} | < {goal} | "
                       f"{'0' if t['returncode'] == 0 else t['error'] or t['returncode']} |")
    cells = loop["checks"]["cells"]
    out += ["", f"Lesson {loop['checks']['lesson']}'s check cells (solution, one fresh-kernel run): "
            + ", ".join(f"`{name}` {1000 * s:.0f} ms" for name, s in cells.items()) + ".", ""]
    if loop["ablation"]:
        out += ["Positional ablation (`make models`, its recorded training seconds): "
                + ", ".join(f"{name} {s:.1f} s" for name, s in loop["ablation"].items()) + ".", ""]
    return out
