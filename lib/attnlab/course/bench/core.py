"""What every bench section shares: the sizes, the goals, the results, the machine."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from attnlab.paths import ROOT

MiB = 2**20


GOALS = {"memory": 0.02, "mha": 1.0, "lesson_s": 15.0, "course_s": 180.0, "forward_s": 1.0, "train_s": 60.0,
         "checks_import_s": 0.15, "class_ratio": 1.2, "gpt2_forward_s": 1.0}


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
    gpt2: dict | None = field(default_factory=dict)  # sizes of the random GPT-2 ({}: GPT-2 small's)
    yours: bool = True
    loop: bool = True  # section 12: make check / lesson / site (a few minutes)


QUICK = Sizes(lengths=(64, 128), mha=(2, 16, 32, 4), heads=((16, 32, 4),), rnn=(16, 32, 4),
              repeats=2, min_sample_s=0.001, notebooks=False, widgets=False, models=False, grading=False,
              gpt2=dict(n_layer=2, n_head=2, n_embd=16, n_positions=32, vocab_size=300), yours=False,
              loop=False)


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
    grading: dict | list = field(default_factory=dict)
    imports: list = field(default_factory=list)
    gpt2: dict = field(default_factory=dict)
    yours: dict = field(default_factory=dict)
    loop: dict = field(default_factory=dict)


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


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f}" if seconds >= 0.01 else f"{seconds * 1e3:.3f}"


def mark(ok: bool | None) -> str:
    return "—" if ok is None else ("✅" if ok else "❌")

