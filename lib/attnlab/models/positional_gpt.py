"""The models and the training of lesson 12's ablation of positions (:mod:`attnlab.models.positional`
says what the four variants are and reads the figures this module's run ships).

:class:`PositionalGPT` is one tiny causal GPT whose only change between variants is where its
positions come from: a learned table, RoPE on the queries and keys, ALiBi's bias on the scores, or
nothing. :func:`ablation` trains the four on the same rows; ``make models`` runs :func:`main`
(``python -m attnlab.models.positional_gpt``), which writes ``data/positional_ablation.json``.

Shapes: B batch, T positions, C d_model, H heads, D d_head, V vocabulary.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from attnlab.errors import AttnlabError
from attnlab.models import corpus
from attnlab.models.positional import FIGURES, POSITIONS, SETTINGS
from attnlab.models.training import deterministic, fit, round4, row_batches
from attnlab.paths import DATA_DIR
from attnlab.positions import alibi_slopes, rope_frequencies
from attnlab.validate import positive_int


def _rotate(x: torch.Tensor, base: float = 10_000.0) -> torch.Tensor:
    """RoPE on ``(B, H, T, D)``, half-split pairs, positions 0 … T − 1 (= ``attnlab.positions.rope``)."""
    T, D = x.shape[-2:]
    angles = torch.arange(T, dtype=torch.float64)[:, None] * torch.from_numpy(rope_frequencies(D, base))
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)  # (T, D/2)
    a, b = x[..., : D // 2], x[..., D // 2:]
    return torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)


class Attention(nn.Module):
    """Causal multi-head self-attention whose positions come from ``positions`` (see the module)."""

    def __init__(self, d_model: int, n_heads: int, positions: str):
        super().__init__()
        self.n_heads, self.positions = n_heads, positions
        self.qkv = nn.Linear(d_model, 3 * d_model)  # C -> 3·H·D
        self.out = nn.Linear(d_model, d_model)  # H·D -> C
        self.register_buffer("slopes", torch.from_numpy(alibi_slopes(n_heads)).float(), persistent=False)

    def bias(self, T: int) -> torch.Tensor:
        """What the scores get added ``(H, T, T)``: the causal mask's −∞, and ALiBi's −slope · distance."""
        i = torch.arange(T)
        distance = (i[:, None] - i[None, :]).float()  # (T, T)
        bias = torch.zeros(self.n_heads, T, T)
        if self.positions == "alibi":
            bias = -self.slopes[:, None, None] * distance
        return bias.masked_fill(distance < 0, -math.inf)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, C) -> (B, T, C)
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.n_heads, C // self.n_heads).permute(2, 0, 3, 1, 4)
        if self.positions == "rope":
            q, k = _rotate(q), _rotate(k)  # (B, H, T, D)
        out = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=self.bias(T))
        return self.out(out.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    """Pre-LN block: ``x + attention(LN(x))``, then ``x + MLP(LN(x))``."""

    def __init__(self, d_model: int, n_heads: int, positions: str):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attn = Attention(d_model, n_heads, positions)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


@dataclass(frozen=True)
class PositionalConfig:
    """The ablation's model: ``max_length`` rows of the learned table (twice the trained length)."""

    vocab_size: int
    positions: str = "learned"
    max_length: int = 32
    d_model: int = 32
    n_heads: int = 4
    n_layers: int = 2

    def __post_init__(self):
        if self.positions not in POSITIONS:
            raise AttnlabError(f"positions must be one of {POSITIONS}, but got {self.positions!r}")
        for name in ("vocab_size", "max_length", "d_model", "n_heads", "n_layers"):
            positive_int(getattr(self, name), name)
        if self.d_model % self.n_heads or (self.positions == "rope" and (self.d_model // self.n_heads) % 2):
            raise AttnlabError(f"d_model {self.d_model} must split into {self.n_heads} heads"
                             + (" of an even size (RoPE rotates pairs)" if self.positions == "rope" else ""))


class PositionalGPT(nn.Module):
    """A tiny causal GPT whose only change between variants is ``config.positions``.

    ``forward(idx)``: idx ``(B, T)`` token ids, T ≤ ``max_length`` → logits ``(B, T, V)``.
    """

    def __init__(self, config: PositionalConfig):
        super().__init__()
        c = self.config = config
        self.tok_emb = nn.Embedding(c.vocab_size, c.d_model)  # (V, C)
        self.pos_emb = nn.Embedding(c.max_length, c.d_model) if c.positions == "learned" else None
        self.blocks = nn.Sequential(*(Block(c.d_model, c.n_heads, c.positions) for _ in range(c.n_layers)))
        self.ln_f = nn.LayerNorm(c.d_model)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        T = idx.shape[1]
        if T > self.config.max_length:
            raise AttnlabError(f"idx has {T} positions but the model holds at most {self.config.max_length}")
        x = self.tok_emb(idx)  # (B, T, C)
        if self.pos_emb is not None:
            x = x + self.pos_emb(torch.arange(T))
        return self.ln_f(self.blocks(x)) @ self.tok_emb.weight.T  # (B, T, V), tied unembedding


def accuracy_by_position(model: PositionalGPT, rows: np.ndarray) -> np.ndarray:
    """Next-word accuracy at each position of held-out ``rows`` ``(N, T + 1)`` → ``(T,)``."""
    rows = torch.from_numpy(rows)
    with torch.no_grad():
        guesses = model(rows[:, :-1]).argmax(-1)  # (N, T)
    return (guesses == rows[:, 1:]).double().mean(0).numpy()


def _rows(s: dict, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training rows of ``length + 1`` ids and held-out rows of ``2 · length + 1`` ``(N, ·)``."""
    length = positive_int(s["length"], "length")
    return (corpus.lm_sequences(s["n_train"], length + 1, seed=seed, split="train"),
            corpus.lm_sequences(s["n_heldout"], 2 * length + 1, seed=seed + 1, split="heldout"))


def train_one(positions: str, seed: int = 0, rows=None, **settings) -> dict:
    """Train the ``positions`` variant on rows of ``length`` words; measure it on rows of twice that
    (``rows``: the pair :func:`_rows` makes, to share it between variants).

    Returns ``{"positions", "seconds", "final_train_loss", "accuracy_by_position" (2·length,),
    "trained" (mean accuracy at positions < length), "beyond" (at positions ≥ length)}``.
    """
    s = {**SETTINGS, **settings}
    train, heldout = _rows(s, seed) if rows is None else rows
    length = train.shape[1] - 1
    config = PositionalConfig(len(corpus.grammar_vocab()), positions, 2 * length, s["d_model"], s["n_heads"],
                              s["n_layers"])
    with deterministic(seed):
        model = PositionalGPT(config)
        training = fit(model, row_batches(model, train, s["batch_size"], seed), s["steps"], s["lr"])
        by_position = accuracy_by_position(model, heldout)
    return {"positions": positions, "seconds": training["seconds"],
            "final_train_loss": training["final_train_loss"], "accuracy_by_position": round4(by_position),
            "trained": round4(by_position[:length].mean()),
            "beyond": round4(by_position[length:].mean())}


def ablation(seed: int = 0, positions=POSITIONS, **settings) -> dict:
    """:func:`train_one` for each variant on the same rows → ``{"settings", "seed", "results": [...]}``."""
    s = {**SETTINGS, **settings}
    rows = _rows(s, seed)
    return {"settings": s, "seed": seed, "torch": torch.__version__,
            "results": [train_one(p, seed, rows, **settings) for p in positions]}


def main(argv=None) -> int:
    """``python -m attnlab.models.positional_gpt [--out DIR]``: train the ablation, write its figures."""
    parser = argparse.ArgumentParser(prog="python -m attnlab.models.positional_gpt",
                                     description="Train lesson 12's ablation; write its figures.")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="folder of the figures (default data/)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    figures = ablation(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / FIGURES).write_text(json.dumps(figures, indent=1) + "\n")
    for r in figures["results"]:
        print(f"{r['positions']:>8}: trained in {r['seconds']} s; accuracy {r['trained']} at the trained "
              f"length, {r['beyond']} beyond it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
