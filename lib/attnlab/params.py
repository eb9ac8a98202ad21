"""Counting a transformer's parameters: where GPT-3's 175 billion go.

A parameter is one learned number. A GPT is made of a few kinds of matrices, and each kind's size
follows from a handful of numbers (:class:`attnlab.config.ModelConfig`): the vocabulary V, the embedding size
C = d_model, the number of layers L, the heads per layer H of d_head = D dimensions each, and the
MLP's hidden size M = d_mlp. Two conventions count them:

``"3b1b"`` — the weight-matrix tally of 3Blue1Brown's chapter, matrices only:

    embedding            V × C
    per head             query C × D, key C × D, value-down C × D, value-up D × C
    attention            L × H × 4·C·D
    MLP                  L × (up C × M + down M × C)
    unembedding          C × V  (counted as its own matrix)

``"exact"`` — every tensor of a GPT-2-style model (:class:`attnlab.models.gpt.TinyGPT`): the same
matrices plus the biases, the LayerNorms' scales and shifts, the learned position embeddings
(context × C), and an unembedding *tied* to the token embedding (shared, so counted once). It
equals ``sum(p.numel() for p in TinyGPT(config).parameters())`` — the test builds the torch
model on the meta device, which allocates no memory, even for 175 billion parameters.

Only the heads' total width H·D enters the count, never H or D alone: H·D need not equal C
(the projections map C → H·D and back).

:data:`PRESETS` holds GPT-2's four and GPT-3's eight published sizes, read from
``data/models.json`` with their sources (:data:`PUBLISHED`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal

from attnlab.config import ModelConfig
from attnlab.errors import AttnlabError
from attnlab.paths import DATA_DIR

MODELS_FILE = DATA_DIR / "models.json"
CONVENTIONS = ("3b1b", "exact")


def _check(config, convention: str | None = None) -> None:
    if not isinstance(config, ModelConfig):
        raise AttnlabError(f"config must be an attnlab.params.ModelConfig, but got {type(config).__name__}")
    if convention is not None and convention not in CONVENTIONS:
        raise AttnlabError(f"convention must be one of {', '.join(map(repr, CONVENTIONS))}, "
                         f"but got {convention!r}")


def head_parameters(config: ModelConfig) -> dict[str, int]:
    """One head's four matrices (weights only): query, key, value-down ``C × D``, value-up ``D × C``."""
    _check(config)
    C, D = config.d_model, config.d_head
    counts = {"query": C * D, "key": C * D, "value_down": C * D, "value_up": D * C}
    return {**counts, "total": sum(counts.values())}


def block_parameters(config: ModelConfig, convention: str = "3b1b") -> dict[str, int]:
    """One transformer block: ``attention`` (all heads), ``mlp``, ``layernorm``, ``total``.

    Exact: the attention's query/key/value-down maps of all heads are one ``C × 3·H·D`` matrix
    (+ 3·H·D biases), the value-up maps one ``H·D × C`` output matrix (+ C biases); the MLP has
    biases M and C; two LayerNorms of C scales (+ C shifts with ``bias``).
    """
    _check(config, convention)
    C, A, M, bias = config.d_model, config.attention_width, config.d_mlp, int(config.bias)
    if convention == "3b1b":
        counts = {"attention": config.n_heads * head_parameters(config)["total"],
                  "mlp": C * M + M * C, "layernorm": 0}
    else:
        counts = {"attention": C * 3 * A + bias * 3 * A + A * C + bias * C,
                  "mlp": C * M + bias * M + M * C + bias * C,
                  "layernorm": 2 * (C + bias * C)}
    return {**counts, "total": sum(counts.values())}


def count_parameters(config: ModelConfig, convention: str = "3b1b") -> dict[str, int]:
    """The whole model's parameters by part: ``embedding``, ``position``, ``attention``, ``mlp``,
    ``layernorm``, ``unembedding`` and ``total`` (their sum).

    ``"3b1b"``: the chapter's weight matrices (no positions, LayerNorms or biases; the unembedding
    counted as its own C × V matrix). ``"exact"``: every tensor of :class:`~attnlab.models.gpt.TinyGPT`
    built from ``GPTConfig.from_config(config)``; a tied unembedding adds 0.
    """
    _check(config, convention)
    V, C, L = config.vocab_size, config.d_model, config.n_layers
    block = block_parameters(config, convention)
    exact = convention == "exact"
    counts = {
        "embedding": V * C,
        "position": config.context_length * C if exact else 0,
        "attention": L * block["attention"],
        "mlp": L * block["mlp"],
        "layernorm": L * block["layernorm"] + (C + int(config.bias) * C if exact else 0),  # + final
        "unembedding": 0 if exact and config.tie_weights else C * V,
    }
    return {**counts, "total": sum(counts.values())}


def weight_matrices(config: ModelConfig) -> dict[str, int]:
    """3Blue1Brown's table, one row per kind of matrix, summed over all heads and layers:
    embedding, query, key, value_down, value_up, up_projection, down_projection, unembedding.
    The rows add up to ``count_parameters(config, "3b1b")["total"]``."""
    _check(config)
    per_head, L, H = head_parameters(config), config.n_layers, config.n_heads
    C, M = config.d_model, config.d_mlp
    return {
        "embedding": config.vocab_size * C,
        **{kind: L * H * per_head[kind] for kind in ("query", "key", "value_down", "value_up")},
        "up_projection": L * C * M,
        "down_projection": L * M * C,
        "unembedding": C * config.vocab_size,
    }


# --- headline sizes ("1.3B") -----------------------------------------------------------------------

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([MB])\s*$")
_UNITS = {"M": 10**6, "B": 10**9}


def parse_size(text: str) -> tuple[int, int]:
    """A headline size such as ``"1.3B"`` or ``"125M"`` → ``(value, last_digit)``: the number it
    names and the place value of its last written digit (``"1.3B"`` → 1.3e9 and 0.1e9; ``"350M"``
    → 350e6 and 10e6: a trailing zero of a whole number is taken as rounding, not precision)."""
    match = _SIZE.match(text) if isinstance(text, str) else None
    if match is None:
        raise AttnlabError(f"a size must look like '125M' or '1.3B', but got {text!r}")
    number, unit = Decimal(match.group(1)), _UNITS[match.group(2)]
    digits = match.group(1)
    if "." in digits:
        step = Decimal(1).scaleb(-len(digits.split(".")[1]))
    else:
        step = Decimal(10) ** (len(digits) - len(digits.rstrip("0")))
    return int(number * unit), int(step * unit)


def matches_headline(count: int, headline: str) -> bool:
    """True if ``count`` is within one unit of the headline's last digit: the headline is the
    count rounded (2.65B → "2.7B") or cut off (355.9M → "350M", 1.56B → "1.5B") at that digit."""
    value, step = parse_size(headline)
    return abs(int(count) - value) < step


# --- the published models ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """What a model's source says: its headline size, its table row as printed, the sources, and
    — where the counted config differs from the printed row — why (``counted_as``)."""

    name: str
    headline: str
    row: dict
    sources: tuple[str, ...]
    counted_as: str | None = None


def load_models(path=MODELS_FILE) -> tuple[dict[str, ModelConfig], dict[str, Published]]:
    """Read ``data/models.json`` → ``(PRESETS, PUBLISHED)``, each keyed by model name."""
    data = json.loads(path.read_text())
    presets, published = {}, {}
    for name, entry in data["models"].items():
        presets[name] = ModelConfig(**entry["config"], name=name)
        parse_size(entry["headline"])
        published[name] = Published(
            name, entry["headline"], dict(entry["published"]),
            tuple(data["sources"][s] for s in entry["source"]), entry.get("counted_as"))
    return presets, published


PRESETS, PUBLISHED = load_models()
