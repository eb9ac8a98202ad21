"""Section 8: grading — seconds and memory per submission for every lesson, a whole class at
once, the grader's peak memory with the resource attacks in the class, and what the sandbox costs."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from attnlab import paths
from attnlab.course.bench.core import GOALS
from attnlab.paths import SOLUTIONS_DIR

CLASS_SIZE = 60
PEAK_CLASS = 30  # the class whose peak memory is measured: the resource attacks in it
PEAK_GOAL_MB = 1536  # issue 20: the grader's peak for that class, < 1.5 GB
OVERHEAD_GOAL_S = 0.3  # issue 20: what the sandbox adds per submission
# From tests/hostile.py: everything but the notebook that only a wall-clock limit stops (its
# 120 s would measure the time limit, not the grader).
_SLOW = {"swallows_everything"}
RESOURCE_ATTACKS = ("type_names_200k", "forged_seven_answers_correct", "line_of_32_mb_correct",
                    "notebook_of_100_mb", "slow_to_judge_correct")


def bench_grading(lessons: list[str] | None = None) -> list[dict]:
    """Grade each lesson's solution notebook as a (fully correct) submission, as ``attnlab-grade``
    does: its own sandbox, the whole notebook, the course's checks judged outside. Seconds, score
    and the sandbox's peak memory."""
    from attnlab.course.grading import NotReplayable, grade, isolation, load_lesson

    isolated = isolation(1)
    rows = []
    for name in lessons or paths.lessons():
        try:
            lesson = load_lesson(name)
        except NotReplayable:
            rows.append({"lesson": name, "status": "not gradable by attnlab-grade yet (nbgrader grades it)",
                         "seconds": 0.0, "peak_mb": 0.0, "score": 0, "max": 0})
            continue
        print(f"  {name}", flush=True)
        g = grade("solution", SOLUTIONS_DIR / f"{name}.ipynb", lesson, isolated)
        rows.append({"lesson": name, "status": g.status, "seconds": g.seconds, "peak_mb": g.peak_mb,
                     "score": sum(g.scores.values()), "max": lesson.max_points})
    return rows


def class_of(folder: Path, size: int = CLASS_SIZE, first: tuple[str, ...] = ()) -> dict[str, Path]:
    """``size`` lesson-03 submissions written into ``folder``: ``first`` (names in the hostile
    corpus), then the corpus's honest, wrong, accidental and hostile notebooks in turn: the test
    suite's corpus, the module ``hostile`` (``make bench`` puts the tests' folder on ``PYTHONPATH``;
    the library itself never reaches into it)."""
    import nbformat

    try:
        import hostile
    except ImportError:
        raise SystemExit("the class bench grades the tests' hostile corpus: run it with the tests' folder "
                         "on PYTHONPATH (make bench does)") from None
    ctx = hostile.Context(folder, folder / ".canaries", folder / ".grades.csv", 9, "bench")
    named = [hostile.BY_NAME[n] for n in first]
    kinds = named + [s for s in hostile.CORPUS if s.name not in _SLOW and s not in named]
    made = {}
    for i in range(size):
        s = kinds[i % len(kinds)]
        path = folder / f"{i:02d}_{s.name}.ipynb"
        nb = s.make(ctx)
        path.write_text(nb) if isinstance(nb, str) else nbformat.write(nb, path)
        made[path.stem] = path
    return made


def bench_class(size: int = CLASS_SIZE, jobs: int | None = None) -> dict:
    """A class of lesson-03 submissions graded one at a time (the sum of single times), then all at
    once with ``jobs`` (default: the cores): wall ÷ (Σ single ÷ cores), goal ≤ 1.2."""
    from attnlab.course.gradebook import Gradebook
    from attnlab.course.grading import grade, grade_all, isolation, load_lesson

    jobs = jobs or os.cpu_count() or 1
    lesson = load_lesson("03_softmax")
    with tempfile.TemporaryDirectory(prefix="attnlab-bench-class-") as tmp:
        folder = Path(tmp) / "submitted"
        folder.mkdir()
        submissions = class_of(folder, size)
        single_iso = isolation(1)
        single = {s: grade(s, p, lesson, single_iso).seconds for s, p in submissions.items()}
        book = Gradebook(Path(tmp) / "grades.csv", "03_softmax", lesson.exercises)
        start = time.perf_counter()
        rows = grade_all(submissions, lesson, book, jobs, isolation(jobs), say=lambda line: None)
        wall = time.perf_counter() - start
        book.close()
    total = sum(single.values())
    return {"size": size, "jobs": jobs, "cores": os.cpu_count(), "wall": wall, "single_sum": total,
            "ratio": wall / (total / jobs), "rows": len(rows),
            "statuses": sorted({r.status for r in rows})}


def bench_peak(size: int = PEAK_CLASS, jobs: int | None = None) -> dict:
    """The real ``attnlab-grade`` on a class of ``size`` lesson-03 submissions that holds the
    resource attacks (:data:`RESOURCE_ATTACKS`) first: its peak memory (Σ PSS, sampled every 50 ms:
    the grader and the children it judges in, and with the sandboxes too), seconds, exit code,
    and each attack's status and score."""
    import json
    import sqlite3
    import sys

    from attnlab.course.bench.peak import peak_memory

    jobs = jobs or os.cpu_count() or 1
    grader = str(Path(sys.executable).parent / "attnlab-grade")
    with tempfile.TemporaryDirectory(prefix="attnlab-bench-peak-") as tmp:
        folder = Path(tmp) / "submitted"
        folder.mkdir()
        class_of(folder, size, RESOURCE_ATTACKS)
        out = Path(tmp) / "out"
        peak = peak_memory([grader, str(folder), "--lesson", "03_softmax", "--out", str(out / "g.csv"),
                            "--jobs", str(jobs), "--feedback", str(Path(tmp) / "feedback")], grader)
        with sqlite3.connect(out / "gradebook.sqlite") as db:
            rows = {s: (st, sum(json.loads(sc).values()))
                    for s, st, sc in db.execute("SELECT student, status, scores FROM rows")}
    attacks = {name: rows.get(next((s for s in rows if s.endswith(name)), ""), ("?", 0))
               for name in RESOURCE_ATTACKS}
    return {"size": size, "jobs": jobs, "grader_mb": peak.grader_mb, "tree_mb": peak.tree_mb,
            "seconds": peak.seconds, "returncode": peak.returncode, "rows": len(rows), "attacks": attacks}


def _bwrap_true() -> float:
    from attnlab.course.sandbox import Sandbox, private_folder

    work = private_folder()
    try:
        box = Sandbox(work)
        start = time.perf_counter()
        box.start(["/bin/true"], {"PATH": "/usr/bin:/bin"}).wait()
        seconds = time.perf_counter() - start
        box.stop()
        return seconds
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)


def bench_overhead(repeats: int = 5) -> dict:
    """The sandbox's cost per submission: lesson 03's solution graded in a sandbox and without one
    (``--no-sandbox``), interleaved, medians; and an empty sandbox's start (``bwrap … true``)."""
    from attnlab.course.grading import grade, isolation, load_lesson

    lesson = load_lesson("03_softmax")
    path = SOLUTIONS_DIR / "03_softmax.ipynb"
    boxed, bare, empty = [], [], []
    sandboxed, unsandboxed = isolation(1), isolation(1, use_sandbox=False)
    for _ in range(repeats):
        boxed.append(grade("s", path, lesson, sandboxed).seconds)
        bare.append(grade("s", path, lesson, unsandboxed).seconds)
        empty.append(_bwrap_true())
    return {"sandboxed": statistics.median(boxed), "unsandboxed": statistics.median(bare),
            "overhead": statistics.median(boxed) - statistics.median(bare),
            "empty_sandbox": statistics.median(empty), "repeats": repeats, "note": sandboxed.note}


def bench_all_grading() -> dict:
    return {"lessons": bench_grading(), "class": bench_class(), "overhead": bench_overhead(),
            "peak": bench_peak()}


def grading_goal_rows(results) -> list[tuple]:
    """The goal table's rows for section 8: (what, goal, measured, met)."""
    if not isinstance(results, dict):
        return []
    rows = []
    if results.get("class"):
        c = results["class"]
        rows.append((f"a class of {c['size']} lesson-03 submissions, --jobs {c['jobs']}: "
                     "wall ÷ (Σ single ÷ jobs)", f"≤ {GOALS['class_ratio']:g}", f"{c['ratio']:.2f}",
                     c["ratio"] <= GOALS["class_ratio"]))
    if results.get("overhead"):
        o = results["overhead"]["overhead"]
        rows.append(("the sandbox's cost per submission (lesson 03, sandboxed − --no-sandbox)",
                     f"≤ {OVERHEAD_GOAL_S:g} s", f"{o:+.2f} s", o <= OVERHEAD_GOAL_S))
    if results.get("peak"):
        p = results["peak"]
        rows.append((f"attnlab-grade's peak memory, a class of {p['size']} with the resource attacks "
                     f"(--jobs {p['jobs']})", f"< {PEAK_GOAL_MB / 1024:g} GB", f"{p['grader_mb']:.0f} MB",
                     p["grader_mb"] < PEAK_GOAL_MB and p["returncode"] == 0))
    return rows


def grading_section(results, lessons: list[dict]) -> list[str]:
    if not results:
        return []
    rows = results["lessons"] if isinstance(results, dict) else results
    run_s = {row["lesson"]: row["seconds"] for row in lessons}
    table = []
    for row in rows:
        ratio = f"{row['seconds'] / run_s[row['lesson']]:.2f}" if row["lesson"] in run_s else "–"
        table.append(f"| {row['lesson']} | {row['status']} | {row['score']:g}/{row['max']:g} | "
                     f"{row['seconds']:.1f} | {ratio} | {row['peak_mb'] or '?'} |")
    out = [
        "## 8. Grading: time per submission, a class at once, the sandbox's cost",
        "",
        "`attnlab.course.grading.grade` (what `attnlab-grade` runs per student) on each lesson's solution "
        "notebook as a fully correct submission: its own bubblewrap sandbox, every cell, the learner's "
        "functions called on the checks' inputs, the answers judged outside. *÷ run* compares with "
        "the same lesson's time in section 5 (a Jupyter kernel there, IPython's shell in the sandbox); "
        "the peak memory is the sandbox's (what a hub must give each student).",
        "",
        "| lesson | status | score | seconds per submission | ÷ run | peak (MB) |",
        "|---|---|---:|---:|---:|---:|",
        *table,
        f"| **all {len(rows)}** | | | **{sum(row['seconds'] for row in rows):.1f}** | | |",
        "",
    ]
    if isinstance(results, dict) and results.get("class"):
        c, o = results["class"], results["overhead"]
        out += [
            f"**A class at once.** {c['size']} lesson-03 submissions (honest, wrong, accidental and hostile, "
            f"from tests/hostile.py) graded one at a time took {c['single_sum']:.0f} s in all; with "
            f"`--jobs {c['jobs']}` on {c['cores']} cores they took **{c['wall']:.0f} s**: wall ÷ (Σ single ÷ "
            f"jobs) = **{c['ratio']:.2f}** (goal ≤ 1.2). Statuses: {', '.join(c['statuses'])}.",
            "",
            f"**The sandbox's cost.** Lesson 03's solution graded in a sandbox: {o['sandboxed']:.2f} s; "
            f"without one (`--no-sandbox`): {o['unsandboxed']:.2f} s — **{o['overhead']:+.2f} s per "
            f"submission** (medians of {o['repeats']}, interleaved). An empty sandbox (`bwrap … true`) "
            f"starts in {1000 * o['empty_sandbox']:.0f} ms. Isolation here: {o['note']}.",
            "",
        ]
    if isinstance(results, dict) and results.get("peak"):
        p = results["peak"]
        attacks = ", ".join(f"{name} → {status} {score:g}" for name, (status, score) in p["attacks"].items())
        out += [
            f"**The grader's peak memory.** `attnlab-grade --jobs {p['jobs']} --feedback` on {p['size']} "
            f"lesson-03 submissions holding the resource attacks of issue 20 ({attacks}): "
            f"**{p['grader_mb']:.0f} MB** Σ PSS for the grader and the children it judges in (goal "
            f"< {PEAK_GOAL_MB / 1024:g} GB), {p['tree_mb']:.0f} MB with the sandboxes; {p['seconds']:.0f} s, "
            f"exit {p['returncode']}, {p['rows']} rows.",
            "",
        ]
    return out
