"""Section 8: grading — seconds and kernel memory per submission, every lesson."""

from __future__ import annotations

from attnlab.paths import SOLUTIONS_DIR


def bench_grading(lessons: list[str] | None = None) -> list[dict]:
    """Grade each lesson's solution notebook as a (fully correct) submission, as ``attnlab-grade``
    does: a fresh kernel, the whole notebook, the course's checks. Seconds, score and peak memory."""
    import nbformat

    from attnlab.course.grading import exercises, grade

    rows = []
    for name in lessons or sorted(p.stem for p in SOLUTIONS_DIR.glob("*.ipynb")):
        path = SOLUTIONS_DIR / f"{name}.ipynb"
        exs = exercises(nbformat.read(path, as_version=4))
        print(f"  {name}", flush=True)
        g = grade("solution", path, exs)
        rows.append({"lesson": name, "status": g.status, "seconds": g.seconds, "peak_mb": g.peak_mb,
                     "score": sum(g.scores.values()), "max": sum(ex.points for ex in exs)})
    return rows


def grading_section(rows: list[dict], lessons: list[dict]) -> list[str]:
    if not rows:
        return []
    run_s = {row["lesson"]: row["seconds"] for row in lessons}
    table = []
    for row in rows:
        ratio = f"{row['seconds'] / run_s[row['lesson']]:.2f}" if row["lesson"] in run_s else "–"
        table.append(f"| {row['lesson']} | {row['status']} | {row['score']:g}/{row['max']:g} | "
                     f"{row['seconds']:.1f} | {ratio} | {row['peak_mb'] or '?'} |")
    return [
        "## 8. Grading: time per submission",
        "",
        "`attnlab.course.grading.grade` (what `attnlab-grade` runs per student) on each lesson's solution "
        "notebook as a fully correct submission: a fresh kernel in an empty folder, every cell, then "
        "the course's checks. *÷ run* compares with the same lesson's time in section 5; the peak "
        "memory is the kernel's (what a hub must give each student).",
        "",
        "| lesson | status | score | seconds per submission | ÷ run | kernel peak (MB) |",
        "|---|---|---:|---:|---:|---:|",
        *table,
        f"| **all {len(rows)}** | | | **{sum(row['seconds'] for row in rows):.1f}** | | |",
        "",
    ]

