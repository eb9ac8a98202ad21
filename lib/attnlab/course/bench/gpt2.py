"""Section 10: GPT-2 small's forward pass in attnlab's NumPy code, on 20 tokens.

No GPT-2 is needed (or downloaded): a checkpoint of GPT-2 small's exact shape — 12 layers, d_model
768, 12 heads, vocabulary 50,257, 1024 positions; 124,439,808 parameters — is written with random
weights (:func:`attnlab.models.gpt2_random.write_random_gpt2`) into a temporary folder, loaded with
:func:`attnlab.models.gpt2.load_gpt2` and timed. The time depends on the shapes only, not on the values.
"""

from __future__ import annotations

import tempfile
import time

import numpy as np

from attnlab.course.bench.core import GOALS

N_TOKENS = 20


def bench_gpt2(sizes=None, repeats: int = 5, n_tokens: int = N_TOKENS) -> dict:
    """``{"tokens", "seconds" (median forward), "load_seconds", "write_seconds", "parameters",
    "shape"}`` for a random checkpoint of ``sizes.gpt2``'s sizes (``{}``: GPT-2 small's)."""
    from attnlab.measure import compare_times
    from attnlab.models.gpt2 import load_gpt2
    from attnlab.models.gpt2_random import write_random_gpt2

    shape = {} if sizes is None else sizes.gpt2
    repeats = repeats if sizes is None else sizes.repeats
    with tempfile.TemporaryDirectory(prefix="attnlab-gpt2-") as tmp:
        start = time.perf_counter()
        folder = write_random_gpt2(tmp, seed=0, **shape)
        written = time.perf_counter()
        model = load_gpt2(folder)
        loaded = time.perf_counter()
    c = model.config
    ids = np.random.default_rng(0).integers(0, c.vocab_size, size=min(n_tokens, c.max_tokens)).tolist()
    seconds = compare_times({"forward": lambda: model.run(ids)}, repeats=repeats)["forward"]
    return {"tokens": len(ids), "seconds": seconds, "load_seconds": loaded - written,
            "write_seconds": written - start, "parameters": model.n_parameters,
            "shape": (f"{c.n_layers} layers, d_model {c.d_model}, {c.n_heads} heads, "
                      f"vocabulary {c.vocab_size:,}")}


def goal_row(g: dict) -> tuple:
    """(what, goal, measured, met?) for the bench's goal table."""
    return (f"GPT-2 small's shape ({g['parameters']:,} parameters, random weights): forward pass, "
            f"{g['tokens']} tokens", f"< {GOALS['gpt2_forward_s']:g} s", f"{g['seconds'] * 1e3:.0f} ms",
            g["seconds"] < GOALS["gpt2_forward_s"])


def gpt2_section(g: dict) -> list[str]:
    """The section's Markdown lines."""
    if not g:
        return []
    return [
        "## 10. GPT-2 small's shape: a forward pass in NumPy",
        "",
        "`attnlab.models.gpt2` (NumPy, one BLAS thread) on a checkpoint of GPT-2 small's shape — "
        f"{g['shape']}, "
        f"{g['parameters']:,} parameters — with random weights, written by "
        "`attnlab.models.gpt2_random.write_random_gpt2` (no download). "
        f"Forward pass of {g['tokens']} tokens, median **{g['seconds'] * 1e3:.0f} ms** "
        f"(goal < {GOALS['gpt2_forward_s']:g} s); "
        f"loading the checkpoint {g['load_seconds']:.1f} s, writing it {g['write_seconds']:.1f} s.",
        "",
    ]
