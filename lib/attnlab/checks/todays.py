"""Checks for ``12_todays_llms``: RoPE, grouped-query attention's key/value sharing, the sliding window.

Each exercise keeps its catalogue of mistakes (:mod:`attnlab.checks.mistakes`) and **property cases**:
RoPE's scores depend only on distance and keep lengths; query head h reads key/value head h // (H/G);
a window as long as the text is the causal mask. A miss that is no catalogued mistake is told the first
**fact** of the idea it breaks, read off the answer and the inputs (:class:`Described`): which pair turned
how far, which head copies the wrong key/value head, which query sees a later key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from attnlab.attention import causal_mask
from attnlab.checks.compare import compare_values
from attnlab.checks.core import Case, CheckResult, run_check
from attnlab.checks.diagnosis import Named
from attnlab.checks.lazy import LazyCases
from attnlab.checks.masking import compare_mask
from attnlab.checks.mistakes import Expected, Mistake, cases, recognising
from attnlab.grouped import repeat_kv as reference_repeat_kv
from attnlab.positions import rope as reference_rope
from attnlab.windows import sliding_window_mask as reference_window


@dataclass(frozen=True)
class Property:
    """A case's expectation stated as a property: ``test(got)`` → what is wrong, or None."""

    says: str
    test: Callable[[Any], str | None]


@dataclass(frozen=True)
class Described(Expected):
    """A catalogued case's :class:`~attnlab.checks.mistakes.Expected` with the facts of the idea on its
    inputs: each ``fact(got)`` → what the answer breaks, or None."""

    facts: tuple[Callable[[Any], str | None], ...] = ()


def described(built: LazyCases, facts_of: Callable[..., tuple]) -> LazyCases:
    """``built``'s cases, each expected answer carrying ``facts_of(*case.args)``."""
    def build():
        out = []
        for case in built:
            fields_of = {f.name: getattr(case.expected, f.name) for f in fields(case.expected) if f.init}
            out.append(Case(case.label, case.args, case.kwargs,
                            Described(**fields_of, facts=facts_of(*case.args)), case.hint))
        return out

    return LazyCases(build)


def _read(test, got) -> str | None:
    try:
        with np.errstate(all="ignore"):
            return test(np.asarray(got) if got is not None else None)
    except Exception as error:  # noqa: BLE001 — an answer the property cannot read
        return f"the answer could not be read as an array ({type(error).__name__})"


def with_properties(compare):
    """``recognising(compare)`` for catalogued cases — an unnamed miss told the first fact it breaks
    (:class:`Described`) before the hint — and the property's own test for a :class:`Property` case
    (its message names the property)."""
    catalogued = recognising(compare)

    def compare_with_properties(got, expected, allowed=None):
        if isinstance(expected, Property):
            problem = _read(lambda a: expected.test(None if a is None else a.astype(float)), got)
            return None if problem is None else f"{problem} — {expected.says}"
        problem = catalogued(got, expected, allowed)
        if (problem is None or isinstance(problem, Named) or not isinstance(expected, Described)
                or not _same_shape(got, expected.right)):
            return problem  # passed, named, or not an answer the facts can read (the comparison said so)
        for fact in expected.facts:
            broken = _read(fact, got)
            if broken:
                head, _, hint = problem.partition(" Hint: ")
                return f"{head.rstrip('.')}: {broken}." + (f" Hint: {hint}" if hint else "")
        return problem

    compare_with_properties.consistent = (  # a property case holds no evidence about the catalogue
        lambda got, e: None if isinstance(e, Property) else catalogued.consistent(got, e))
    return compare_with_properties


def _same_shape(got, right) -> bool:
    """``got`` has the right answer's shape, numbers where it has numbers, a mask where a mask."""
    try:
        g, r = np.asarray(got), np.asarray(right)
    except Exception:  # noqa: BLE001
        return False
    return g.shape == r.shape and (g.dtype == bool) == (r.dtype == bool) and g.dtype != object


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


def _where(index: tuple) -> str:
    """``token 3`` — or ``token 3 of x[1]`` when x has heads before its tokens."""
    lead = f" of x[{', '.join(map(str, index[:-2]))}]" if len(index) > 2 else ""
    return f"token {index[-2]}{lead}"


def _rad(angle: float) -> str:
    return "0" if abs(angle) < 1e-9 else f"{angle:.4g}"


def _rope_facts(x, positions, base):
    """What RoPE guarantees on these inputs: every pair (i, i + D/2) keeps its length and turns by
    position × base ** (-2i / D)."""
    x, p = np.asarray(x, dtype=float), np.asarray(positions, dtype=float)
    D = x.shape[-1]
    h = D // 2
    turn = p[:, None] * base ** (-np.arange(0, D, 2) / D)  # (T, D/2)
    pairs = x[..., :h] + 1j * x[..., h:]  # (..., T, D/2): each pair as one complex number

    def lengths(got):
        z = got[..., :h] + 1j * got[..., h:]
        bad = ~np.isclose(np.abs(z), np.abs(pairs), rtol=1e-5, atol=1e-8)
        if bad.any():
            at = tuple(int(i) for i in np.argwhere(bad)[0])
            return (f"{_where(at)}'s pair ({at[-1]}, {at[-1] + h}) has length {np.abs(z)[at]:.4g}, not "
                    f"{np.abs(pairs)[at]:.4g} — RoPE turns each pair (x[i], x[i + D/2]), never stretches it")
        return None

    def turns(got):
        turned = (got[..., :h] + 1j * got[..., h:]) / np.where(pairs == 0, 1, pairs)
        bad = ~np.isclose(turned, np.exp(1j * turn), atol=1e-5) & (np.abs(pairs) > 1e-9)
        if bad.any():
            at = tuple(int(i) for i in np.argwhere(bad)[0])
            t, i = at[-2:]
            wanted = f"{_rad(turn[t, i])} rad" + (f" (≡ {_rad(np.angle(np.exp(1j * turn[t, i])))} mod 2π)"
                                                    if abs(turn[t, i]) > np.pi else "")
            return (f"{_where(at)} (position {p[t]:g}) turned its pair ({i}, {i + h}) by "
                    f"{_rad(np.angle(turned[at]))} rad (mod 2π), where RoPE turns it by position · "
                    f"base ** (-2·{i}/{D}) = {wanted}")
        return None

    return lengths, turns


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


ROPE_CASES = described(cases(reference_rope, ROPE_MISTAKES, _rope_rows(), compare=compare_values),
                       _rope_facts) + [
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


def _kv_facts(kv, n_rep):
    """What sharing guarantees: output head h is a copy of key/value head h // n_rep."""
    kv = np.asarray(kv, dtype=float)

    def copies(got):
        for h, head in enumerate(got):
            same = [g for g, source in enumerate(kv) if np.allclose(head, source, rtol=1e-6, atol=1e-9)]
            if not same:
                return (f"output head {h} is a copy of no key/value head — repeat whole heads (axis 0), "
                        "never the numbers inside them")
            if h // n_rep not in same:
                return (f"output head {h} is key/value head {same[0]}, but query head {h} reads key/value "
                        f"head {h} // n_rep = {h // n_rep} (consecutive query heads share one)")
        return None

    return (copies,)


_KV_HINT = "np.repeat(kv, n_rep, axis=0): (G, T, D) → (G·n_rep, T, D), head g repeated next to itself."
_kv = np.random.default_rng(7).normal(size=(3, 4, 2))
REPEAT_KV_CASES = described(cases(reference_repeat_kv, REPEAT_KV_MISTAKES, [
    ("SmolLM2's sharing: 3 key/value heads for 9 query heads", (_kv, 3), _KV_HINT),
    ("2 key/value heads for 8 query heads", (np.random.default_rng(8).normal(size=(2, 5, 3)), 4), _KV_HINT),
    ("one key/value head for 4 query heads (MQA)", (np.random.default_rng(9).normal(size=(1, 3, 2)), 4),
     _KV_HINT),
], compare=compare_values), _kv_facts) + [
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


def _window_facts(T, W):
    """What a window guarantees: no query sees a later key; each sees itself and keeps its
    min(i + 1, W) nearest keys."""
    def causal(got):
        later = np.argwhere(np.triu(got, k=1))
        if len(later):
            i, j = (int(n) for n in later[0])
            return f"query {i} sees key {j}, a later token — a window is causal (j ≤ i)"
        return None

    def itself(got):
        missing = np.flatnonzero(~np.diagonal(got))
        if len(missing):
            return f"query {missing[0]} does not see itself — key i is in query i's window, always"
        return None

    def nearest(got):
        for i in range(T):
            kept = np.flatnonzero(got[i, : i + 1])
            if len(kept) and kept[0] < i and not got[i, kept[0]: i + 1].all():
                gap = kept[0] + int(np.argmin(got[i, kept[0]: i + 1]))
                return (f"query {i} keeps key {kept[0]} but not the nearer key {gap} — a window keeps the "
                        f"nearest keys, i − window < j ≤ i")
        return None

    def counts(got):
        for i in range(T):
            n, want = int(got[i, : i + 1].sum()), min(i + 1, W)
            if n != want:
                return (f"query {i} keeps {n} of the keys j ≤ i, but a window of {W} keeps "
                        f"min(i + 1, W) = {want}")
        return None

    return causal, itself, nearest, counts


_WINDOW_HINT = "query i may see key j when j <= i and i - j < window: np.tril(...) & (i - j < window)."
WINDOW_CASES = described(cases(reference_window, WINDOW_MISTAKES, [
    ("6 tokens, window 3", (6, 3), _WINDOW_HINT),
    ("10 tokens, window 4", (10, 4), _WINDOW_HINT),
    ("5 tokens, window 1: each token sees only itself", (5, 1), "a window of 1 is the diagonal alone."),
], compare=compare_mask), _window_facts) + [
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
