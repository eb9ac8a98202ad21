"""``make bench``: the course's speed and memory figures, measured side by side.

    python -m attnlab.course.bench            # everything; writes bench/results.md and bench/results.png
    python -m attnlab.course.bench --quick    # tiny sizes, no notebooks: checks that the bench runs

What it measures (each contender timed interleaved with its rivals, medians kept — see
:mod:`attnlab.measure`; ratios matter, absolute times are this machine's at this moment):

1. the reference NumPy attention (it builds the T×T pattern) vs the online softmax
   (:mod:`attnlab.efficient`): time and peak memory from T = 256 to 8192;
2. ``attnlab.models.layers.MultiHeadAttention`` (fast path) vs ``torch.nn.MultiheadAttention`` vs bare
   ``scaled_dot_product_attention``, inference, 2 threads;
3. every head in one batched matmul vs a Python loop over heads (:mod:`attnlab.parallel`);
4. an RNN's sequential loop vs attention's single parallel step;
5. every lesson's execution time (a fresh kernel each, as a learner's "Run all");
6. the widgets' update latency, when ``attnlab.views.widgets`` exists;
7. MiniLM's forward pass, and the tiny models' training times as ``make models`` recorded them;
8. grading: ``attnlab-grade``'s seconds and memory per submission for every lesson, a class of 60
   lesson-03 submissions at once (``--jobs``), and the sandbox's overhead;
9. import times;
10. GPT-2 small's shape (random weights, no download): one NumPy forward pass on 20 tokens;
11. your code, a real model: MiniLM on the learner's functions (from ``solutions/``) — time per
   sentence and |Δ| vs transformers — and lesson 10's training run (time, accuracy, adjective head);
12. the other issues' goals: ``make check``, ``make lesson L=03`` and ``make site`` timed as typed,
   lesson 03's check cells, the positional ablation's recorded training runs.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from attnlab.course.bench.attention import (
    bench_heads,
    bench_mha,
    bench_scaling,
    bench_sequential,
    heads_section,
    mha_section,
    scaling_section,
    sequential_section,
)
from attnlab.course.bench.core import GOALS, QUICK, MiB, Results, Sizes, machine_info
from attnlab.course.bench.gpt2 import bench_gpt2, gpt2_section
from attnlab.course.bench.grading import (
    bench_all_grading,
    bench_class,
    bench_grading,
    bench_overhead,
    grading_section,
)
from attnlab.course.bench.imports import bench_imports, imports_section
from attnlab.course.bench.lessons import (
    _other_value,
    bench_notebooks,
    bench_widgets,
    notebooks_section,
    widget_latencies,
    widgets_section,
)
from attnlab.course.bench.loop import bench_loop, goal_rows_loop, loop_section
from attnlab.course.bench.model_runs import bench_models, models_section
from attnlab.course.bench.report import goal_rows, markdown_report, plot
from attnlab.course.bench.yours import bench_yours, yours_section
from attnlab.paths import ROOT

__all__ = ["GOALS", "MiB", "QUICK", "Results", "Sizes", "machine_info", "run", "main",
           "bench_scaling", "bench_mha", "bench_heads", "bench_sequential", "bench_notebooks",
           "bench_widgets", "widget_latencies", "bench_models", "bench_grading", "bench_class",
           "bench_overhead", "bench_all_grading",
           "scaling_section", "mha_section", "heads_section", "sequential_section", "notebooks_section",
           "widgets_section", "models_section", "grading_section", "bench_imports", "imports_section",
           "goal_rows", "markdown_report", "plot", "_other_value", "bench_gpt2", "gpt2_section",
           "bench_yours", "yours_section", "bench_loop", "goal_rows_loop", "loop_section"]


def run(sizes: Sizes, out_dir: Path) -> Results:
    """Run every part, write ``results.md`` and ``results.png`` into ``out_dir``, return the figures."""
    r = Results(machine=machine_info())
    steps = [("import times", "imports", bench_imports),
             ("naive vs online softmax", "scaling", bench_scaling),
             ("multi-head attention", "mha", bench_mha),
             ("heads: loop vs batched", "heads", bench_heads),
             ("RNN vs attention", "sequential", bench_sequential)]
    if sizes.notebooks:
        steps.append(("lessons", "notebooks", lambda _: bench_notebooks()))
    if sizes.widgets:
        steps.append(("widgets", "widgets", lambda _: bench_widgets()))
    if sizes.models:
        steps.append(("models", "models", lambda _: bench_models()))
    if sizes.grading:
        steps.append(("grading", "grading", lambda _: bench_all_grading()))
    if sizes.gpt2 is not None:
        steps.append(("GPT-2 small's shape", "gpt2", bench_gpt2))
    if sizes.yours:
        steps.append(("your code, a real model", "yours", lambda _: bench_yours()))
    if sizes.loop:
        steps.append(("a developer's loop", "loop", lambda _: bench_loop()))
    for title, attr, fn in steps:
        print(f"{title} ...", flush=True)
        start = time.perf_counter()
        setattr(r, attr, fn(sizes))
        print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
    r.machine["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.md").write_text(markdown_report(r, sizes))
    plot(r, out_dir / "results.png")
    return r


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attnlab.course.bench",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no lessons: a smoke test")
    parser.add_argument("--out", type=Path, default=ROOT / "bench", help="where results.md/png go")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    run(QUICK if args.quick else Sizes(), args.out)
    print(f"wrote {args.out / 'results.md'} and results.png in {time.perf_counter() - start:.0f} s")
    return 0

