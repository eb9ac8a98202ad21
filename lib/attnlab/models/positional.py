"""Four ways to tell a transformer where a token is, trained side by side (lesson 12's ablation).

The same tiny causal GPT (the grammar of :mod:`attnlab.models.corpus`, two layers, four heads) is
trained four times, changing only its positions:

- ``"learned"``: a learned vector per position added to the token's (GPT-2, the course's tiny GPT);
- ``"rope"``: queries and keys rotated by their position (:func:`attnlab.positions.rope`'s rule,
  half-split pairs) — a score then depends only on the distance between the two tokens;
- ``"alibi"``: no position vector; each head adds ``-slope · distance`` to its scores
  (:func:`attnlab.positions.alibi_bias`);
- ``"none"`` (NoPE): no position at all — only the causal mask tells a token what came before.

Each is trained on rows of ``length`` words and measured on held-out rows of ``2 · length``: at the
positions it was trained on, and at the positions beyond (extrapolation). A learned table has rows
for the longer text, but the rows past ``length`` never received a gradient.

This module is what the lesson reads — the variants, their settings and the shipped figures — and
loads no torch: the models and their training are :mod:`attnlab.models.positional_gpt`, whose
``make models`` run (about half a minute on 2 cores, seeded, one thread) writes
``data/positional_ablation.json``, and which a learner imports only to train the four again.
"""

from __future__ import annotations

import json
from pathlib import Path

from attnlab.paths import DATA_DIR

POSITIONS = ("learned", "rope", "alibi", "none")
FIGURES = "positional_ablation.json"
SETTINGS = dict(length=16, d_model=32, n_heads=4, n_layers=2, steps=300, batch_size=32, lr=1e-2,
                n_train=4000, n_heldout=200)


def load_ablation(data_dir: Path = DATA_DIR) -> dict:
    """The shipped figures of :func:`attnlab.models.positional_gpt.ablation` (``make models`` writes them)."""
    path = Path(data_dir) / FIGURES
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `make models` to train the ablation (about 30 s)")
    return json.loads(path.read_text())
