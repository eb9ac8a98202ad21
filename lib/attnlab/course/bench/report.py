"""``bench/results.md`` and ``results.png``: the goals table, every section, the machine."""

from __future__ import annotations

from pathlib import Path

from attnlab.course.bench.attention import heads_section, mha_section, scaling_section, sequential_section
from attnlab.course.bench.core import GOALS, MiB, Results, Sizes, mark, ms
from attnlab.course.bench.gpt2 import goal_row as gpt2_goal_row
from attnlab.course.bench.gpt2 import gpt2_section
from attnlab.course.bench.grading import grading_goal_rows, grading_section
from attnlab.course.bench.imports import imports_section
from attnlab.course.bench.lessons import notebooks_section, widgets_section
from attnlab.course.bench.loop import goal_rows_loop, loop_section
from attnlab.course.bench.model_runs import models_section, smollm2_goal_row
from attnlab.course.bench.yours import goal_rows_yours, yours_section


def goal_rows(r: Results) -> list[tuple]:
    """(what, goal, measured, met?) for every stated goal."""
    rows = []
    top = next((row for row in r.scaling if row["T"] == 8192), r.scaling[-1] if r.scaling else None)
    if top:
        ratio = top["online_peak"] / top["pattern"]
        rows.append((f"online-softmax peak memory ÷ the naive pattern's bytes (T = {top['T']}, d = 64)",
                     "< 2 % at T = 8192", f"{100 * ratio:.2f} %",
                     ratio < GOALS["memory"] if top["T"] == 8192 else None))
    times = r.mha.get("times", {})
    fast = times.get("attnlab MultiHeadAttention (fast path)")
    ratio = fast / times["nn.MultiheadAttention"] if fast and "nn.MultiheadAttention" in times else None
    rows.append(("attnlab MultiHeadAttention ÷ nn.MultiheadAttention (forward, inference, 2 threads)",
                 "≤ 1.0", f"{ratio:.2f}" if ratio else r.mha.get("status", "not measured"),
                 None if ratio is None else ratio <= GOALS["mha"]))
    if r.notebooks:
        slowest = max(r.notebooks, key=lambda row: row["seconds"])
        total = sum(row["seconds"] for row in r.notebooks)
        ok = not any(row["error"] for row in r.notebooks)
        rows.append(("slowest lesson with the solutions (" + slowest["lesson"] + ")", "< 15 s",
                     f"{slowest['seconds']:.1f} s", ok and slowest["seconds"] < GOALS["lesson_s"]))
        stubbed = [row for row in r.notebooks if row.get("stub_seconds") is not None]
        if stubbed:
            worst = max(stubbed, key=lambda row: row["stub_seconds"])
            rows.append(("slowest lesson with the stubs (" + worst["lesson"] + ")", "< 15 s",
                         f"{worst['stub_seconds']:.1f} s",
                         not any(row.get("stub_error") for row in stubbed)
                         and worst["stub_seconds"] < GOALS["lesson_s"]))
        rows.append((f"whole course ({len(r.notebooks)} lessons)", "< 3 min", f"{total:.0f} s",
                     ok and total < GOALS["course_s"]))
    if r.models:
        seconds = r.models["minilm"]["seconds"]
        rows.append((f"MiniLM forward pass, {r.models['minilm']['tokens']} tokens", "< 1 s",
                     f"{ms(seconds)} ms", seconds < GOALS["forward_s"]))
        if smollm2_goal_row(r.models):
            rows.append(smollm2_goal_row(r.models))
        slowest = max(r.models["training"].items(), key=lambda item: item[1]["seconds"])
        rows.append((f"slowest tiny model to train ({slowest[0]}, recorded by make models)", "< 60 s",
                     f"{slowest[1]['seconds']:.1f} s", slowest[1]["seconds"] < GOALS["train_s"]))
    rows += grading_goal_rows(r.grading)
    checks = next((row for row in r.imports if row["module"] == "attnlab.checks"), None)
    if checks:
        rows.append(("`import attnlab.checks` in a fresh Python (every lesson runs it)",
                     f"< {GOALS['checks_import_s']:g} s",
                     f"{ms(checks['seconds'])} ms", checks["seconds"] < GOALS["checks_import_s"]
                     and not checks["heavy"]))
    if r.gpt2:
        rows.append(gpt2_goal_row(r.gpt2))
    rows += goal_rows_yours(r.yours)
    rows += goal_rows_loop(r.loop)
    return rows


def markdown_report(r: Results, sizes: Sizes) -> str:
    m = r.machine
    out = [
        "# attnlab benchmarks",
        "",
        f"Written by `make bench` ({m.get('date')}, commit `{m.get('commit')}`). **Measured under load**: "
        "the machine is shared, so absolute times wander; every contender was timed interleaved with "
        f"its rivals ({sizes.repeats}–{sizes.repeats + 2} samples each, medians) — read the **ratios**. "
        "Memory peaks (tracemalloc, NumPy allocations during the call) are deterministic.",
        "",
        "## Goals",
        "",
        "| what | goal | measured | met |",
        "|---|---|---|---|",
        *[f"| {what} | {goal} | {measured} | {mark(ok)} |" for what, goal, measured, ok in goal_rows(r)],
        "",
        *scaling_section(r.scaling, sizes),
        *mha_section(r.mha),
        *heads_section(r.heads),
        *sequential_section(r.sequential),
        *notebooks_section(r.notebooks),
        *widgets_section(r.widgets),
        *models_section(r.models),
        *grading_section(r.grading, r.notebooks),
        *imports_section(r.imports),
        *gpt2_section(r.gpt2),
        *yours_section(r.yours),
        *loop_section(r.loop),
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *[f"| {key} | {value} |" for key, value in m.items()],
        "",
        "![time and memory](results.png)",
        "",
    ]
    return "\n".join(out)


def plot(r: Results, path: Path) -> None:
    """Four panels: time vs T, peak memory vs T, the ratios, the lessons' times."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    lengths = [row["T"] for row in r.scaling]
    ax = axes[0, 0]
    ax.loglog(lengths, [row["naive_s"] for row in r.scaling], "o-", label="naive (builds the pattern)")
    ax.loglog(lengths, [row["online_s"] for row in r.scaling], "s-", label="online softmax (tiles)")
    ax.set(xlabel="context length T", ylabel="seconds (median)", title="time, one head, d = 64")
    ax = axes[0, 1]
    ax.loglog(lengths, [row["pattern"] / MiB for row in r.scaling], "k--", label="the T×T pattern itself")
    ax.loglog(lengths, [row["naive_peak"] / MiB for row in r.scaling], "o-", label="naive: peak")
    ax.loglog(lengths, [row["online_peak"] / MiB for row in r.scaling], "s-", label="online: peak")
    ax.set(xlabel="context length T", ylabel="MiB", title="peak memory (tracemalloc)")
    for ax in axes[0]:
        ax.legend()
        ax.set_xticks(lengths, [str(n) for n in lengths])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ratios = {"torch: nn.MHA ÷ attnlab MHA": None}
    times = r.mha.get("times", {})
    if "attnlab MultiHeadAttention (fast path)" in times:
        ratios["torch: nn.MHA ÷ attnlab MHA"] = (times["nn.MultiheadAttention"]
                                                 / times["attnlab MultiHeadAttention (fast path)"])
    for row in r.heads:
        ratios[f"heads: loop ÷ batched\n(T={row['T']}, d={row['d_model']})"] = row["loop"] / row["batched"]
    if r.sequential:
        ratios["RNN ÷ attention: time"] = r.sequential["rnn"] / r.sequential["attention"]
    shown = {k: v for k, v in ratios.items() if v is not None}
    ax = axes[1, 0]
    ax.barh(list(shown), list(shown.values()), color="tab:green")
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set(xlabel="speed-up (> 1: the second is faster)", title="ratios of medians")
    ax = axes[1, 1]
    if r.notebooks:
        ax.barh([row["lesson"] for row in r.notebooks], [row["seconds"] for row in r.notebooks])
        ax.axvline(GOALS["lesson_s"], color="red", linestyle="--", label="goal: 15 s")
        ax.invert_yaxis()
        ax.legend()
    ax.set(xlabel="seconds (fresh kernel, Run all)", title="lessons")
    fig.suptitle(f"attnlab benchmarks — {r.machine.get('date')}, measured under load")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)

