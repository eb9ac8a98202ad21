"""``make bench``: the course's speed and memory figures, measured side by side.

    python -m attnlab.bench            # everything; writes bench/results.md and bench/results.png
    python -m attnlab.bench --quick    # tiny sizes, no notebooks: checks that the bench runs

What it measures (each contender timed interleaved with its rivals, medians kept — see
:mod:`attnlab.measure`; ratios matter, absolute times are this machine's at this moment):

1. the reference NumPy attention (it builds the T×T pattern) vs the online softmax
   (:mod:`attnlab.efficient`): time and peak memory from T = 256 to 8192;
2. ``attnlab.modules.MultiHeadAttention`` (fast path) vs ``torch.nn.MultiheadAttention`` vs bare
   ``scaled_dot_product_attention``, inference, 2 threads;
3. every head in one batched matmul vs a Python loop over heads (:mod:`attnlab.parallel`);
4. an RNN's sequential loop vs attention's single parallel step;
5. every lesson's execution time (a fresh kernel each, as a learner's "Run all");
6. the widgets' update latency, when ``attnlab.widgets`` exists;
7. MiniLM's forward pass, and the tiny models' training times as ``make models`` recorded them;
8. grading: ``attnlab-grade``'s seconds and kernel memory per submission, for every lesson.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from attnlab.attention import scaled_dot_product_attention
from attnlab.costs import head_flops, pattern_bytes, rnn_flops
from attnlab.efficient import online_softmax_attention
from attnlab.measure import compare_times, peak_bytes, torch_ops
from attnlab.parallel import example_layer, heads_batched, heads_in_a_loop, rnn_states, stack_heads
from attnlab.paths import ROOT, SOLUTIONS_DIR

MiB = 2**20
GOALS = {"memory": 0.02, "mha": 1.0, "lesson_s": 15.0, "course_s": 180.0, "forward_s": 1.0, "train_s": 60.0}


@dataclass
class Sizes:
    """How big each part of the bench is (``--quick`` shrinks everything)."""

    lengths: tuple = (256, 512, 1024, 2048, 4096, 8192)
    d_head: int = 64
    mha: tuple = (8, 512, 768, 12)  # B, T, d_model, n_heads
    heads: tuple = ((512, 768, 12), (32, 64, 4))  # (T, d_model, n_heads): GPT-2-small sized, tiny
    rnn: tuple = (512, 768, 12)
    repeats: int = 5
    min_sample_s: float = 0.2
    notebooks: bool = True
    widgets: bool = True
    models: bool = True
    grading: bool = True


QUICK = Sizes(lengths=(64, 128), mha=(2, 16, 32, 4), heads=((16, 32, 4),), rnn=(16, 32, 4),
              repeats=2, min_sample_s=0.001, notebooks=False, widgets=False, models=False, grading=False)


@dataclass
class Results:
    machine: dict = field(default_factory=dict)
    scaling: list = field(default_factory=list)
    mha: dict = field(default_factory=dict)
    heads: list = field(default_factory=list)
    sequential: dict = field(default_factory=dict)
    notebooks: list = field(default_factory=list)
    widgets: list | str = "not measured"
    models: dict = field(default_factory=dict)
    grading: list = field(default_factory=list)


# --- the machine ---------------------------------------------------------------------------------


def _first_line_with(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _memory_total() -> str:
    kib = _first_line_with("/proc/meminfo", "MemTotal").split()[0]
    return f"{int(kib) / 2**20:.1f} GiB" if kib.isdigit() else "unknown"


def machine_info() -> dict:
    """What the figures were measured on (and how busy it was)."""
    import torch

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "commit": commit,
        "cpu": _first_line_with("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory": _memory_total(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch threads": 2,
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# --- 1. the pattern's memory: naive vs online softmax --------------------------------------------


def bench_scaling(sizes: Sizes) -> list[dict]:
    """Naive attention (builds the pattern) vs online softmax, float64, one head of d_head."""
    rows = []
    rng = np.random.default_rng(0)
    for n in sizes.lengths:
        q, k, v = (rng.normal(size=(n, sizes.d_head)) for _ in range(3))  # (T, d) each
        print(f"  T = {n}", flush=True)
        times = compare_times({
            "naive": lambda q=q, k=k, v=v: scaled_dot_product_attention(q, k, v),
            "online": lambda q=q, k=k, v=v: online_softmax_attention(q, k, v),
        }, repeats=sizes.repeats if n <= 2048 else 3, min_sample_s=sizes.min_sample_s)
        rows.append({
            "T": n, "pattern": pattern_bytes(n),
            "naive_peak": peak_bytes(scaled_dot_product_attention, q, k, v),
            "online_peak": peak_bytes(online_softmax_attention, q, k, v),
            "naive_s": times["naive"], "online_s": times["online"],
        })
    return rows


# --- 2. the multi-head attention module ----------------------------------------------------------


def bench_mha(sizes: Sizes) -> dict:
    """attnlab's MultiHeadAttention (if present) vs nn.MultiheadAttention vs bare SDPA."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(2)
    torch.manual_seed(0)
    batch, n, d_model, n_heads = sizes.mha
    x = torch.randn(batch, n, d_model)  # (B, T, d_model)
    q = k = v = torch.randn(batch, n_heads, n, d_model // n_heads)  # (B, H, T, d_head)
    torch_mha = torch.nn.MultiheadAttention(d_model, n_heads, batch_first=True).eval()
    contenders = {"nn.MultiheadAttention": lambda: torch_mha(x, x, x, need_weights=False)}
    try:
        from attnlab.modules import MultiHeadAttention
    except ImportError as exc:
        ours, status = None, f"not present ({exc})"
    else:
        ours, status = MultiHeadAttention(d_model, n_heads).eval(), "present"
        contenders["attnlab MultiHeadAttention (fast path)"] = lambda: ours(x)
        contenders["attnlab MultiHeadAttention (need_weights=True)"] = lambda: ours(x, need_weights=True)
    contenders["bare SDPA (q, k, v given)"] = lambda: F.scaled_dot_product_attention(q, k, v)
    with torch.inference_mode():
        times = compare_times(contenders, repeats=sizes.repeats + 2, min_sample_s=sizes.min_sample_s)
    kernels = {name: ", ".join(op for op in torch_ops(fn) if "attention" in op) or "none"
               for name, fn in contenders.items()}  # which fused attention kernel each one ran
    return {"sizes": sizes.mha, "status": status, "times": times, "kernels": kernels}


# --- 3 and 4. what runs in parallel --------------------------------------------------------------


def attention_layer_flops(n: int, d_model: int, n_heads: int) -> int:
    return n_heads * sum(head_flops(n, n, d_model, d_model // n_heads).values())


def bench_heads(sizes: Sizes) -> list[dict]:
    """Causal multi-head attention: a Python loop over heads vs all heads batched (NumPy)."""
    rows = []
    for n, d_model, n_heads in sizes.heads:
        x, maps, W_O = example_layer(n, d_model, n_heads)
        W_QKV, W_O_all = stack_heads(*maps, W_O)
        times = compare_times({
            "loop": lambda x=x, maps=maps, W_O=W_O: heads_in_a_loop(x, *maps, W_O, causal=True),
            "batched": lambda x=x, a=W_QKV, b=W_O_all, h=n_heads: heads_batched(x, a, b, h, causal=True),
        }, repeats=sizes.repeats + 2, min_sample_s=sizes.min_sample_s)
        rows.append({"T": n, "d_model": d_model, "n_heads": n_heads,
                     "flops": attention_layer_flops(n, d_model, n_heads), **times})
    return rows


def bench_sequential(sizes: Sizes) -> dict:
    """An RNN layer (T steps, one after the other) vs one causal attention layer (one step)."""
    n, d_model, n_heads = sizes.rnn
    x, maps, W_O = example_layer(n, d_model, n_heads, seed=1)
    W_QKV, W_O_all = stack_heads(*maps, W_O)
    rng = np.random.default_rng(2)
    W_x, W_h = ((rng.normal(size=(d_model, d_model)) / d_model**0.5).astype(np.float32) for _ in range(2))
    times = compare_times({
        "rnn": lambda: rnn_states(x, W_x, W_h),
        "attention": lambda: heads_batched(x, W_QKV, W_O_all, n_heads, causal=True),
    }, repeats=sizes.repeats + 2, min_sample_s=sizes.min_sample_s)
    return {"T": n, "d_model": d_model, "n_heads": n_heads, **times,
            "rnn_flops": sum(rnn_flops(n, d_model).values()),
            "attention_flops": attention_layer_flops(n, d_model, n_heads)}


# --- 5 and 6. the lessons and their widgets ------------------------------------------------------


def bench_notebooks() -> list[dict]:
    """Run every lesson in solutions/ (a copy, in a fresh kernel) and time it, kernel start included."""
    import nbformat

    from attnlab.authoring import execute

    rows = []
    for path in sorted(SOLUTIONS_DIR.glob("*.ipynb")):
        print(f"  {path.stem}", flush=True)
        nb = nbformat.read(path, as_version=4)  # in memory: the file is never written
        start = time.perf_counter()
        try:
            execute(nb, SOLUTIONS_DIR)
            error = ""
        except Exception as exc:  # a failing lesson is reported, not fatal to the bench
            error = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else type(exc).__name__
        rows.append({"lesson": path.stem, "seconds": time.perf_counter() - start, "error": error})
    return rows


def _controls(widget) -> list:
    """The controls a learner moves or clicks (sliders, dropdowns, text, buttons) inside
    ``widget``, depth first."""
    import ipywidgets

    found = []
    display_only = ipywidgets.Label | ipywidgets.HTML | ipywidgets.HTMLMath | ipywidgets.Valid
    if isinstance(widget, ipywidgets.Button) or (
            isinstance(widget, ipywidgets.ValueWidget) and not isinstance(widget, display_only)):
        found.append(widget)
    for child in getattr(widget, "children", ()):
        found += _controls(child)
    return found


def _other_value(control):
    """A valid value for ``control`` different from its current one, or None."""
    import ipywidgets

    options = getattr(control, "options", None)
    if options:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        return next((o for o in values if o != control.value), None)
    if isinstance(control.value, bool):
        return not control.value
    if isinstance(control, ipywidgets.FloatLogSlider):  # min and max are exponents
        low, high = control.base**control.min, control.base**control.max
        return low if abs(control.value - low) > 1e-12 * high else high
    if isinstance(control.value, int | float) and hasattr(control, "max"):
        return control.min if control.value != control.min else control.max
    if isinstance(control.value, str):
        return control.value + "s"
    return None


def _change_times(control, repeats: int) -> list[float]:
    """Seconds each of ``repeats`` clicks or value changes of ``control`` took, until its
    handlers returned (they run synchronously); a changed value is put back afterwards."""
    import ipywidgets

    times = []
    if isinstance(control, ipywidgets.Button):
        for _ in range(repeats):
            start = time.perf_counter()
            control.click()
            times.append(time.perf_counter() - start)
        return times
    original = control.value
    try:
        for _ in range(repeats):
            value = _other_value(control)
            if value is None:
                break
            start = time.perf_counter()
            control.value = value
            times.append(time.perf_counter() - start)
    finally:
        control.value = original
    return times


def _failure(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:100]}" if text else type(exc).__name__


def _needs_arguments(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD,
                                                   p.KEYWORD_ONLY) for p in params)


def widget_latencies(repeats: int = 5) -> list[dict] | str:
    """For every widget ``attnlab.widgets`` makes without arguments: the median time from moving
    (or clicking) each of its controls until its handlers — recomputing, redrawing — return.

    Run inside a kernel (see :func:`bench_widgets`). Kernel-side latency: the browser's drawing
    is not included. A widget that cannot be built, or a handler that raises, becomes a row
    saying so.
    """
    import ipywidgets
    import matplotlib.pyplot as plt

    try:  # import_module reads sys.modules (tests put a stand-in there), `import a.b` the attribute
        module = importlib.import_module("attnlab.widgets")
    except ImportError:
        return "not present"
    rows = []
    for name in sorted(n for n in dir(module) if not n.startswith("_")):
        maker = getattr(module, name)
        if (isinstance(maker, type) or not callable(maker) or _needs_arguments(maker)
                or getattr(maker, "__module__", None) != module.__name__):
            continue  # a class, something imported, or a function that needs arguments
        try:
            widget = maker()
        except Exception as exc:
            rows.append({"widget": name, "control": "(building it)", "seconds": None,
                         "error": _failure(exc)})
            continue
        if not isinstance(widget, ipywidgets.Widget):
            continue
        for control in _controls(widget):
            label = control.description or type(control).__name__
            try:
                times = _change_times(control, repeats)
            except Exception as exc:  # a handler that fails is reported, not fatal
                rows.append({"widget": name, "control": label, "seconds": None, "error": _failure(exc)})
                continue
            if times:
                rows.append({"widget": name, "control": label, "seconds": statistics.median(times)})
        plt.close("all")
    return rows or "present, but no widget could be built without arguments"


def bench_widgets() -> list[dict] | str:
    """:func:`widget_latencies`, run in a fresh kernel as a learner's notebook would."""
    import nbformat

    from attnlab.authoring import execute

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import json\nfrom attnlab.bench import widget_latencies\nprint(json.dumps(widget_latencies()))")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    try:
        execute(nb, SOLUTIONS_DIR)
        text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
        return json.loads(text.strip().splitlines()[-1])
    except Exception as exc:
        return f"could not be measured: {str(exc).strip()[:200]}"


# --- the report ----------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}" if seconds >= 0.01 else f"{seconds * 1e3:.3f}"


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("✅" if ok else "❌")


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
        rows.append(("slowest lesson (" + slowest["lesson"] + ")", "< 15 s", f"{slowest['seconds']:.1f} s",
                     ok and slowest["seconds"] < GOALS["lesson_s"]))
        rows.append((f"whole course ({len(r.notebooks)} lessons)", "< 3 min", f"{total:.0f} s",
                     ok and total < GOALS["course_s"]))
    if r.models:
        seconds = r.models["minilm"]["seconds"]
        rows.append((f"MiniLM forward pass, {r.models['minilm']['tokens']} tokens", "< 1 s",
                     f"{_ms(seconds)} ms", seconds < GOALS["forward_s"]))
        slowest = max(r.models["training"].items(), key=lambda item: item[1]["seconds"])
        rows.append((f"slowest tiny model to train ({slowest[0]}, recorded by make models)", "< 60 s",
                     f"{slowest[1]['seconds']:.1f} s", slowest[1]["seconds"] < GOALS["train_s"]))
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
        *[f"| {what} | {goal} | {measured} | {_mark(ok)} |" for what, goal, measured, ok in goal_rows(r)],
        "",
        "## 1. The pattern's memory: naive attention vs the online softmax",
        "",
        f"One head, d = {sizes.d_head}, float64. *Naive* is `attnlab.attention.scaled_dot_product_attention` "
        "(it builds the T×T pattern, plus temporaries of the same size); *online* is "
        "`attnlab.efficient.online_softmax_attention` (blocks of 128, running max and sum).",
        "",
        "| T | pattern (MiB) | naive peak (MiB) | online peak (MiB) | online peak ÷ pattern "
        "| naive (ms) | online (ms) | online ÷ naive time |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[f"| {row['T']} | {row['pattern'] / MiB:.2f} | {row['naive_peak'] / MiB:.2f} | "
          f"{row['online_peak'] / MiB:.2f} | {100 * row['online_peak'] / row['pattern']:.2f} % | "
          f"{_ms(row['naive_s'])} | {_ms(row['online_s'])} | {row['online_s'] / row['naive_s']:.2f} |"
          for row in r.scaling],
        "",
        *mha_section(r.mha),
        *heads_section(r.heads),
        *sequential_section(r.sequential),
        *notebooks_section(r.notebooks),
        *widgets_section(r.widgets),
        *models_section(r.models),
        *grading_section(r.grading, r.notebooks),
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


def mha_section(mha: dict) -> list[str]:
    batch, n, d_model, n_heads = mha["sizes"]
    base = mha["times"]["nn.MultiheadAttention"]
    return [
        "## 2. Multi-head attention in torch",
        "",
        f"B = {batch}, T = {n}, d_model = {d_model}, {n_heads} heads, float32, `torch.inference_mode()`, "
        f"2 threads, no mask. attnlab's module: {mha['status']}. *Bare SDPA* is "
        "`F.scaled_dot_product_attention` on ready-made q, k, v — the attention kernel alone, "
        "without the four projections.",
        "",
        "| contender | median (ms) | ÷ nn.MultiheadAttention | fused attention kernel it ran |",
        "|---|---:|---:|---|",
        *[f"| {name} | {_ms(t)} | {t / base:.2f} | `{mha['kernels'][name]}` |"
          for name, t in mha["times"].items()],
        "",
    ]


def heads_section(heads: list[dict]) -> list[str]:
    return [
        "## 3. Heads: a Python loop vs one batched matmul",
        "",
        "Causal multi-head attention in NumPy (float32), `attnlab.parallel`: `heads_in_a_loop` "
        "(per head: project, attend, value-up) vs `heads_batched` (the heads' maps side by side: one "
        "product for every head's q, k, v, one batched attention call, one output product). "
        "The same FLOPs either way.",
        "",
        "| T | d_model | heads | GFLOP (both) | loop (ms) | batched (ms) | loop ÷ batched |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *[f"| {row['T']} | {row['d_model']} | {row['n_heads']} | {row['flops'] / 1e9:.3f} | "
          f"{_ms(row['loop'])} | {_ms(row['batched'])} | {row['loop'] / row['batched']:.2f} |"
          for row in heads],
        "",
    ]


def sequential_section(s: dict) -> list[str]:
    rate = {name: s[f"{name}_flops"] / s[name] / 1e9 for name in ("rnn", "attention")}
    return [
        "## 4. Sequential vs parallel: an RNN's loop vs attention's single step",
        "",
        f"T = {s['T']} tokens, d_model = {s['d_model']}, float32 NumPy. The RNN "
        "(`attnlab.parallel.rnn_states`, h_t = tanh(x_t W_x + h_{t-1} W_h)) takes T steps, each waiting "
        f"for the last; causal attention ({s['n_heads']} heads, `heads_batched`) computes every position "
        "in one set of products.",
        "",
        "| | dependent steps | GFLOP | MFLOP per dependent step | median (ms) | GFLOP/s achieved |",
        "|---|---:|---:|---:|---:|---:|",
        f"| RNN | {s['T']} | {s['rnn_flops'] / 1e9:.3f} | {s['rnn_flops'] / s['T'] / 1e6:.2f} | "
        f"{_ms(s['rnn'])} | {rate['rnn']:.1f} |",
        f"| attention | 1 | {s['attention_flops'] / 1e9:.3f} | {s['attention_flops'] / 1e6:.0f} | "
        f"{_ms(s['attention'])} | {rate['attention']:.1f} |",
        "",
        f"Time RNN ÷ attention: **{s['rnn'] / s['attention']:.2f}**; arithmetic attention ÷ RNN: "
        f"{s['attention_flops'] / s['rnn_flops']:.2f}; rate attention ÷ RNN: "
        f"**{rate['attention'] / rate['rnn']:.2f}**. Two cores are already kept busy by one RNN step; "
        "the difference that matters on parallel hardware is the work available per dependent step "
        "(thousands of GPU cores need the attention-sized products).",
        "",
    ]


def bench_models() -> dict:
    """MiniLM's forward pass on a 20-token sentence (timed here), and each tiny model's training
    time as ``make models`` recorded it in ``data/<name>.json`` when it trained the checkpoint."""
    from attnlab.models import NAMES
    from attnlab.paths import DATA_DIR
    from attnlab.pretrained import forward_seconds

    training = {}
    for name in NAMES:
        record = json.loads((DATA_DIR / f"{name}.json").read_text())["training"]
        training[name] = {key: record[key] for key in ("seconds", "steps", "threads")}
    return {"minilm": forward_seconds(), "training": training}


def models_section(m: dict) -> list[str]:
    if not m:
        return []
    minilm = m["minilm"]
    return [
        "## 7. Models",
        "",
        "all-MiniLM-L6-v2 run by `attnlab.pretrained` (NumPy): one forward pass of a "
        f"{minilm['tokens']}-token sentence, median **{_ms(minilm['seconds'])} ms** (goal: well under 1 s). "
        "The course's tiny models, "
        "trained by `make models` (times recorded in `data/<name>.json` at training; goal < 60 s each):",
        "",
        "| model | training (s) | steps | torch threads |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {t['seconds']:.1f} | {t['steps']} | {t['threads']} |"
          for name, t in m["training"].items()],
        "",
    ]


# --- 8. grading -------------------------------------------------------------------------------------


def bench_grading(lessons: list[str] | None = None) -> list[dict]:
    """Grade each lesson's solution notebook as a (fully correct) submission, as ``attnlab-grade``
    does: a fresh kernel, the whole notebook, the course's checks. Seconds, score and peak memory."""
    import nbformat

    from attnlab.grading import exercises, grade

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
        "`attnlab.grading.grade` (what `attnlab-grade` runs per student) on each lesson's solution "
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


def notebooks_section(rows: list[dict]) -> list[str]:
    if not rows:
        return ["## 5. Lessons", "", "Not measured in this run.", ""]
    total = sum(row["seconds"] for row in rows)
    return [
        "## 5. Lessons: execution time",
        "",
        "Each notebook of `solutions/` executed in a fresh kernel with `attnlab.authoring.execute` "
        "(kernel start included), one after the other. Goal: each < 15 s, all < 3 min.",
        "",
        "| lesson | seconds | < 15 s |",
        "|---|---:|---|",
        *[f"| {row['lesson']} | {row['seconds']:.1f} | "
          f"{'❌ failed: ' + row['error'] if row['error'] else _mark(row['seconds'] < GOALS['lesson_s'])} |"
          for row in rows],
        f"| **all {len(rows)}** | **{total:.1f}** | {_mark(total < GOALS['course_s'])} (< 180 s) |",
        "",
    ]


def widgets_section(widgets: list[dict] | str) -> list[str]:
    head = ["## 6. Widgets: update latency", ""]
    if isinstance(widgets, str):
        return head + [f"`attnlab.widgets`: {widgets}.", ""]
    return head + [
        "Time from moving (or clicking) a control until its handlers (recompute, redraw) return, in "
        "a fresh kernel, median of 5 changes; the browser's drawing is not included. Every widget "
        "`attnlab.widgets` builds without arguments is probed.",
        "",
        "| widget | control | median (ms) |",
        "|---|---|---:|",
        *[f"| {row['widget']} | {row['control']} | "
          f"{_ms(row['seconds']) if row['seconds'] is not None else 'failed — ' + row['error']} |"
          for row in widgets],
        "",
    ]


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


def run(sizes: Sizes, out_dir: Path) -> Results:
    """Run every part, write ``results.md`` and ``results.png`` into ``out_dir``, return the figures."""
    r = Results(machine=machine_info())
    steps = [("naive vs online softmax", "scaling", bench_scaling),
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
        steps.append(("grading", "grading", lambda _: bench_grading()))
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
    parser = argparse.ArgumentParser(prog="python -m attnlab.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, no lessons: a smoke test")
    parser.add_argument("--out", type=Path, default=ROOT / "bench", help="where results.md/png go")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    run(QUICK if args.quick else Sizes(), args.out)
    print(f"wrote {args.out / 'results.md'} and results.png in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
