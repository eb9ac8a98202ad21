"""Checks for ``12_todays_llms``: RoPE, the key/value sharing of grouped-query attention, and the
sliding-window mask.

Each exercise keeps its catalogue of usual mistakes (:mod:`attnlab.checks.mistakes`) and adds
**property cases**: inputs whose right answer is defined by what the idea guarantees rather than by
the reference's numbers — RoPE's scores depend only on the distance and its rotations keep lengths;
repeating each key/value head once changes nothing, and query head h reads key/value head
h // (H/G); a window as long as the text is the causal mask, and every row keeps min(i + 1, W) keys.
A property case names the property that fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from attnlab.attention import causal_mask
from attnlab.checks.core import Case, CheckResult, run_check
from attnlab.checks.masking import compare_mask
from attnlab.checks.mistakes import Mistake, cases, compare_values, recognising
from attnlab.grouped import repeat_kv as reference_repeat_kv
from attnlab.positions import rope as reference_rope
from attnlab.windows import sliding_window_mask as reference_window


@dataclass(frozen=True)
class Property:
    """A case's expectation stated as a property: ``test(got)`` → what is wrong, or None."""

    says: str
    test: Callable[[Any], str | None]


def with_properties(compare):
    """``recognising(compare)`` for catalogued cases, and the property's own test for a
    :class:`Property` case (its message names the property)."""
    catalogued = recognising(compare)

    def compare_with_properties(got, expected):
        if isinstance(expected, Property):
            try:
                problem = expected.test(np.asarray(got, dtype=float) if got is not None else None)
            except Exception as error:  # noqa: BLE001 — an answer the property cannot read
                problem = f"the answer could not be read as an array ({type(error).__name__})"
            return None if problem is None else f"{problem} — {expected.says}"
        return catalogued(got, expected)

    return compare_with_properties


def _property_case(label, args, says, test) -> Case:
    return Case(label, args, expected=Property(says, test))


# --- RoPE ------------------------------------------------------------------------------------------


def _half(x, positions, base, sign=1.0, freq_step=2):
    D = x.shape[-1]
    inv = 1.0 / base ** (np.arange(0, D, 2) / D * (freq_step / 2))
    angles = sign * np.asarray(positions, dtype=float)[:, None] * inv
    a, b = x[..., : D // 2], x[..., D // 2:]
    cos, sin = np.cos(angles), np.sin(angles)
    return np.concatenate([a * cos - b * sin, b * cos + a * sin], -1)


ROPE_MISTAKES = [
    Mistake("That pairs neighbours (0, 1), (2, 3), …: this model's layout pairs number i with number "
            "i + D/2 — rotate x[..., :D//2] against x[..., D//2:].",
            lambda x, p, base: reference_rope(x, p, base, layout="interleaved")),
    Mistake("That counts positions from 1: the first token sits at position 0 (and is not rotated at all).",
            lambda x, p, base: _half(x, np.asarray(p) + 1, base)),
    Mistake("That ignores the base you are given: θ_i = base ** (-2i / D) with the model's base "
            "(SmolLM2's is 100 000, not 10 000).", lambda x, p, base: _half(x, p, 10_000.0)),
    Mistake("That rotates the wrong way: the first half becomes a·cos − b·sin, the second b·cos + a·sin.",
            lambda x, p, base: _half(x, p, base, sign=-1.0)),
    Mistake("That uses base ** (-i / D): the pairs' speeds are θ_i = base ** (-2i / D), i = 0 … D/2 − 1 "
            "(np.arange(0, D, 2) / D).", lambda x, p, base: _half(x, p, base, freq_step=1)),
    Mistake("That swaps the halves' roles: the first half is a·cos − b·sin (a = x[..., :D//2]), not "
            "b·cos + a·sin.", lambda x, p, base: np.roll(_half(x, p, base), x.shape[-1] // 2, axis=-1)),
]

_ROPE_HINT = ("a = x[..., :D//2], b = x[..., D//2:]; angles = positions[:, None] * "
              "base ** (-np.arange(0, D, 2) / D); "
              "return np.concatenate([a*cos - b*sin, b*cos + a*sin], axis=-1).")


def _toeplitz_scores(got):
    """Row t of ``got`` is one vector rotated to position t: their dot products must depend on t − s only."""
    if got is None or got.ndim != 2:
        return "expected (T, D) rotated vectors"
    scores = got @ got.T
    T = len(scores)
    for d in range(T):
        diagonal = np.diagonal(scores, d)
        if not np.allclose(diagonal, diagonal[0], rtol=1e-6, atol=1e-9):
            return (f"the score of positions ({d}, 0) is {diagonal[0]:.6g} but of ({d + 1}, 1) "
                    f"{diagonal[1]:.6g}: they are equally far apart")
    return None


def _keeps_lengths(x):
    def test(got):
        if got is None or got.shape != x.shape:
            return f"expected shape {x.shape}"
        if not np.allclose(np.linalg.norm(got, axis=-1), np.linalg.norm(x, axis=-1), rtol=1e-6):
            return "the lengths of the vectors changed"
        return None
    return test


def _rope_rows():
    rng = np.random.default_rng(12)
    return [
        ("one head, 4 positions, D = 4, base 10 000", (rng.normal(size=(4, 4)), np.arange(4), 10_000.0),
         _ROPE_HINT),
        ("3 heads, 6 positions, D = 8, base 100 000", (rng.normal(size=(3, 6, 8)), np.arange(6), 100_000.0),
         _ROPE_HINT),
        ("positions 5 … 9 (a text that started earlier)", (rng.normal(size=(5, 6)), np.arange(5, 10), 500.0),
         "rotate by the positions you are given, not 0 … T − 1."),
        ("a single position 0", (rng.normal(size=(1, 8)), np.arange(1), 10_000.0),
         "position 0 turns every pair by angle 0: x comes back unchanged."),
    ]


ROPE_CASES = cases(reference_rope, ROPE_MISTAKES, _rope_rows(), compare=compare_values) + [
    _property_case("one vector at positions 0 … 7: scores depend only on the distance",
                   (np.tile(np.random.default_rng(3).normal(size=(1, 8)), (8, 1)), np.arange(8), 10.0),
                   "RoPE's promise is that q·k depends only on how far apart two tokens are",
                   _toeplitz_scores),
    _property_case("lengths kept", (np.random.default_rng(4).normal(size=(2, 5, 6)), np.arange(5), 50.0),
                   "a rotation never changes a vector's length",
                   _keeps_lengths(np.random.default_rng(4).normal(size=(2, 5, 6)))),
]


def check_rope(fn) -> CheckResult:
    """Check ``rope(x, positions, base)``: x ``(..., T, D)`` rotated pair by pair (i with i + D/2)
    by ``positions[t] · base ** (-2i / D)``."""
    return run_check("rope", fn, ROPE_CASES, compare=with_properties(compare_values))


# --- sharing key/value heads ------------------------------------------------------------------------

REPEAT_KV_MISTAKES = [
    Mistake("That tiles the heads (0, 1, 2, 0, 1, 2, …): consecutive query heads share one key/value head, "
            "so head g must be repeated next to itself — np.repeat(kv, n_rep, axis=0).",
            lambda kv, n: np.tile(kv, (n, 1, 1))),
    Mistake("That repeats the positions: the heads are axis 0 (G, T, D) — repeat along axis=0.",
            lambda kv, n: np.repeat(kv, n, axis=1)),
    Mistake("That repeats the numbers inside each vector: the heads are axis 0 — repeat along axis=0.",
            lambda kv, n: np.repeat(kv, n, axis=-1)),
    Mistake("That returns the key/value heads unchanged: each must serve n_rep query heads.",
            lambda kv, n: kv),
    Mistake("That repeats each head G times: repeat it n_rep = H / G times.",
            lambda kv, n: np.repeat(kv, kv.shape[0], axis=0)),
]


def _head_order(kv, n_rep):
    def test(got):
        if got is None or got.shape != (kv.shape[0] * n_rep, *kv.shape[1:]):
            return f"expected shape {(kv.shape[0] * n_rep, *kv.shape[1:])}"
        for h in range(len(got)):
            if not np.array_equal(got[h], kv[h // n_rep]):
                return f"head {h} is not key/value head {h // n_rep}"
        return None
    return test


_KV_HINT = "np.repeat(kv, n_rep, axis=0): (G, T, D) → (G·n_rep, T, D), head g repeated next to itself."
_kv = np.random.default_rng(7).normal(size=(3, 4, 2))
REPEAT_KV_CASES = cases(reference_repeat_kv, REPEAT_KV_MISTAKES, [
    ("SmolLM2's sharing: 3 key/value heads for 9 query heads", (_kv, 3), _KV_HINT),
    ("2 key/value heads for 8 query heads", (np.random.default_rng(8).normal(size=(2, 5, 3)), 4), _KV_HINT),
    ("one key/value head for 4 query heads (MQA)", (np.random.default_rng(9).normal(size=(1, 3, 2)), 4),
     _KV_HINT),
], compare=compare_values) + [
    _property_case("n_rep = 1: as many key/value heads as query heads", (_kv, 1),
                   "with G = H, grouped-query attention IS multi-head attention: nothing to repeat",
                   _head_order(_kv, 1)),
    _property_case("query head h reads key/value head h // n_rep", (_kv, 2),
                   "consecutive query heads form a group", _head_order(_kv, 2)),
]


def check_repeat_kv(fn) -> CheckResult:
    """Check ``repeat_kv(kv, n_rep)``: ``(G, T, D)`` → ``(G·n_rep, T, D)``, head g next to itself."""
    return run_check("repeat_kv", fn, REPEAT_KV_CASES, compare=with_properties(compare_values))


# --- the sliding window ----------------------------------------------------------------------------


def _band(T, W, below=True, above=False, diagonal=True):
    i, j = np.indices((T, T))
    d = i - j
    keep = (d < W) & (d >= (0 if diagonal else 1)) if below else np.zeros((T, T), bool)
    return keep | ((-d < W) & (d <= 0)) if above else keep


WINDOW_MISTAKES = [
    Mistake("That keeps W + 1 keys: query i sees itself and the W − 1 before it — i − j < window, not ≤.",
            lambda T, W: _band(T, W + 1)),
    Mistake("That keeps W − 1 keys: a window of W holds query i itself and the W − 1 tokens before it.",
            lambda T, W: _band(T, max(W - 1, 0)) | np.eye(T, dtype=bool) if W > 1 else _band(T, 0)),
    Mistake("That looks ahead too: a window is causal — keys j ≤ i only (and i − j < window).",
            lambda T, W: _band(T, W, above=True)),
    Mistake("That leaves out the diagonal: each token may attend to itself.",
            lambda T, W: _band(T, W, diagonal=False)),
    Mistake("That is the causal mask with no window: also drop the keys W or more positions back.",
            lambda T, W: np.tril(np.ones((T, T), bool))),
    Mistake("That is the window inverted: True must mean 'may attend'.", lambda T, W: ~_band(T, W)),
]


def _window_rows(got, T, W):
    if got is None or got.shape != (T, T):
        return f"expected a ({T}, {T}) mask"
    counts = got.astype(bool).sum(axis=1)
    want = np.minimum(np.arange(T) + 1, W)
    if not np.array_equal(counts, want):
        i = int(np.argmax(counts != want))
        return f"query {i} keeps {int(counts[i])} keys, but min(i + 1, W) = {int(want[i])}"
    return None


_WINDOW_HINT = "query i may see key j when j <= i and i - j < window: np.tril(...) & (i - j < window)."
WINDOW_CASES = cases(reference_window, WINDOW_MISTAKES, [
    ("6 tokens, window 3", (6, 3), _WINDOW_HINT),
    ("10 tokens, window 4", (10, 4), _WINDOW_HINT),
    ("5 tokens, window 1: each token sees only itself", (5, 1), "a window of 1 is the diagonal alone."),
], compare=compare_mask) + [
    Case("a window as long as the text", (7, 7), expected=Property(
        "with window ≥ T, sliding-window attention is full causal attention",
        lambda got: None if got is not None and np.array_equal(got.astype(bool), causal_mask(7))
        else "it is not the causal mask")),
    _property_case("12 tokens, window 5: how many keys each query keeps", (12, 5),
                   "a window keeps min(i + 1, W) keys for query i", lambda got: _window_rows(got, 12, 5)),
]


def check_sliding_window_mask(fn) -> CheckResult:
    """Check ``sliding_window_mask(T, window)``: bool ``(T, T)``, True where j ≤ i and i − j < window."""
    return run_check("sliding_window_mask", fn, WINDOW_CASES, compare=with_properties(compare_mask))


CATALOGUES = {"rope": (check_rope, ROPE_MISTAKES),
              "repeat_kv": (check_repeat_kv, REPEAT_KV_MISTAKES),
              "sliding_window_mask": (check_sliding_window_mask, WINDOW_MISTAKES)}
