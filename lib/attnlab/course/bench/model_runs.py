"""Section 7: MiniLM's forward pass, and the tiny models' training times (``make models``)."""

from __future__ import annotations

import json

from attnlab.course.bench.core import ms


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
    return {"minilm": forward_seconds(), "training": training}


def models_section(m: dict) -> list[str]:
    if not m:
        return []
    minilm = m["minilm"]
    return [
        "## 7. Models",
        "",
        "all-MiniLM-L6-v2 run by `attnlab.models.pretrained` (NumPy): one forward pass of a "
        f"{minilm['tokens']}-token sentence, median **{ms(minilm['seconds'])} ms** (goal: well under 1 s). "
        "The course's tiny models, "
        "trained by `make models` (times recorded in `data/<name>.json` at training; goal < 60 s each):",
        "",
        "| model | training (s) | steps | torch threads |",
        "|---|---:|---:|---:|",
        *[f"| {name} | {t['seconds']:.1f} | {t['steps']} | {t['threads']} |"
          for name, t in m["training"].items()],
        "",
    ]

