"""Checks for ``07_cross_attention``: cross-attention, the three patterns' shapes, the decoder's masks.

Expected answers come from :mod:`attnlab.attention` (``scaled_dot_product_attention``,
``causal_mask``), the reference tested against torch.
"""

from __future__ import annotations

import numpy as np

import attnlab.checks.relations as relations
from attnlab.attention import causal_mask, scaled_dot_product_attention, softmax
from attnlab.checks.compare import compare_values, show
from attnlab.checks.core import Case, CheckResult, run_check
from attnlab.checks.masking import compare_mask
from attnlab.checks.mistakes import Expected, Mistake, cases, recognising

# --- cross-attention, one head ----------------------------------------------------------------------


def one_head(q, k, v, mask=None, axis=-1, scale=True) -> np.ndarray:
    """A head's output, with the knobs the known mistakes turn (softmax axis, the √d scaling)."""
    scores = q @ k.T / (np.sqrt(q.shape[-1]) if scale else 1.0)  # (T, S)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    return softmax(scores, axis=axis) @ v  # (T, d_value)


def _cross(x, context, W_Q, W_K, W_V, keys_from=None, values_from=None, **knobs):
    keys = context if keys_from is None else keys_from  # (S, C)
    values = context if values_from is None else values_from
    return one_head(x @ W_Q, keys @ W_K, values @ W_V, **knobs)


CROSS_MISTAKES = [
    Mistake("That is SELF-attention — the keys and values must come from context.",
            lambda x, c, *w: _cross(x, c, *w, keys_from=x, values_from=x)),
    Mistake("That is what a causal mask gives — cross-attention has none: the whole context is there at "
            "once.",
            lambda x, c, *w: _cross(x, c, *w, mask=causal_mask(len(x), len(c)))),
    Mistake("That is a softmax over the wrong axis — each query's ROW must sum to 1 (axis -1).",
            lambda x, c, *w: _cross(x, c, *w, axis=0)),
    Mistake("That skips the scale: divide the scores by √d_head, the size of the queries and keys.",
            lambda x, c, *w: _cross(x, c, *w, scale=False)),
    Mistake("That scales by √d_model: the scale is √d_head, the size of the queries and keys "
            "(W_Q.shape[-1]).",
            lambda x, c, Q, K, V: one_head(x @ Q * np.sqrt(Q.shape[-1] / x.shape[-1]), c @ K, c @ V)),
    Mistake("The keys must come from context, not from x.",
            lambda x, c, *w: _cross(x, c, *w, keys_from=x)),
    Mistake("The values must come from context, not from x.",
            lambda x, c, *w: _cross(x, c, *w, values_from=x)),
]


_RECOGNISING = recognising(compare_values)


def compare_with_mistakes(got, expected: Expected, allowed: frozenset[str] | None = None) -> str | None:
    """Like :func:`compare_values`; an (output, pattern) tuple is named, and so is a catalogued mistake."""
    if isinstance(got, tuple):
        return (f"got a tuple of {len(got)} — scaled_dot_product_attention returns (output, pattern): "
                "return only the output, e.g. `output, pattern = ...` then `return output`")
    return _RECOGNISING(got, expected, allowed)


compare_with_mistakes.consistent = _RECOGNISING.consistent
compare_with_mistakes.base = compare_values


def _cross_rows():
    rng = np.random.default_rng(7)

    def maps(d_model, d_head, d_value):
        return (rng.normal(size=(d_model, d_head)), rng.normal(size=(d_model, d_head)),
                rng.normal(size=(d_model, d_value)))

    rows = [
        ("3 queries, 3 context tokens (same length, another text)", rng.normal(size=(3, 4)),
         rng.normal(size=(3, 4)), maps(4, 2, 2),
         "queries from x, keys AND values from context: the pattern is (T, T_ctx)."),
        ("2 queries, 5 context tokens", rng.normal(size=(2, 4)), rng.normal(size=(5, 4)), maps(4, 3, 3), ""),
        ("5 queries, 2 context tokens", rng.normal(size=(5, 4)), rng.normal(size=(2, 4)), maps(4, 3, 3), ""),
        ("values of another size: d_head 2, d_value 5", rng.normal(size=(3, 6)), rng.normal(size=(4, 6)),
         maps(6, 2, 5), "the values come from context @ W_V."),
        ("sharp scores (maps × 4)", rng.normal(size=(3, 4)), rng.normal(size=(6, 4)),
         tuple(4 * w for w in maps(4, 3, 3)), "subtract each row's maximum before exp, or use softmax."),
        ("one context token", rng.normal(size=(4, 4)), rng.normal(size=(1, 4)), maps(4, 2, 2),
         "with one context token every query's weight on it is 1: each output is that token's value."),
    ]
    return [(label, (x, c, *w), hint) for label, x, c, w, hint in rows]


CROSS_ATTENTION_CASES = cases(lambda x, c, Q, K, V: scaled_dot_product_attention(x @ Q, c @ K, c @ V)[0],
                              CROSS_MISTAKES, _cross_rows(), compare=compare_values)


def check_cross_attention(fn) -> CheckResult:
    """Check ``cross_attention(x, context, W_Q, W_K, W_V)`` → ``(T, d_value)``: queries from x
    ``(T, d_model)``, keys and values from context ``(T_ctx, d_model)``, no mask."""
    return run_check("cross_attention", fn, CROSS_ATTENTION_CASES, compare=compare_with_mistakes)


# --- the three patterns' shapes ----------------------------------------------------------------------

WHAT_LOOKS_AT_WHAT = {  # each pattern: one row per query, one column per key, the head axis first
    "encoder": "the encoder's self-attention: the source looks at the source, (n_heads, S, S)",
    "decoder": "the decoder's self-attention: the target looks at the target, (n_heads, T, T)",
    "cross": "cross-attention: queries (rows) from the target, keys (columns) from the source, "
             "(n_heads, T, S)",
}


def reference_pattern_shapes(n_source: int, n_target: int, n_heads: int) -> dict:
    """The shapes of one layer's patterns in an encoder–decoder: encoder self-attention ``(H, S, S)``,
    decoder self-attention ``(H, T, T)``, cross-attention ``(H, T, S)`` (rows = queries)."""
    return {"encoder": (n_heads, n_source, n_source), "decoder": (n_heads, n_target, n_target),
            "cross": (n_heads, n_target, n_source)}


def compare_shapes(got, expected: dict) -> str | None:
    """``None`` if ``got`` is a dict with the same keys and shapes (tuples, lists or 1-D arrays of ints)."""
    if got is None:
        return "got None — did you forget to `return` the result?"
    if not isinstance(got, dict):
        keys = ", ".join(map(repr, expected))
        return f"expected a dict with keys {keys}, got {type(got).__name__} {show(got)}"
    if set(got) != set(expected):
        return f"expected the keys {sorted(expected)}, got {sorted(map(str, got))}"
    swapped = relations.parts_in_another_order([got[k] for k in expected], list(expected.values()),
                                               list(expected), lambda g, w: None if _as_shape(g) == w else "")
    if swapped:
        return swapped
    for key, shape in expected.items():
        value = _as_shape(got[key])
        if value is None:
            return f"{key!r}: expected a shape — whole numbers such as {shape} — got {show(got[key])}"
        if value != shape:
            yours = _in_words(value, expected)
            told = f"; yours is {yours}" if yours else ""
            return f"{key!r}: expected shape {shape}, got {value} — {WHAT_LOOKS_AT_WHAT[key]}{told}"
    return None


def _in_words(shape: tuple[int, ...], expected: dict) -> str | None:
    """``shape`` written with the exercise's arguments — ``(n_heads, n_target, n_source)``, or with
    one of them ± 1 where no argument itself fits — when each number is exactly one such name, else
    ``None``; rows and columns swapped are said so."""
    H, S, T = expected["encoder"][0], expected["encoder"][1], expected["decoder"][1]
    args = (("n_heads", H), ("n_source", S), ("n_target", T))
    words = []
    for n in shape:
        plain = [name for name, value in args if value == n]
        near = [f"{name} {sign} 1" for name, value in args for sign, d in (("+", 1), ("-", -1))
                if value + d == n]
        found = plain or near
        if len(found) != 1:
            return None
        words.append(found[0])
    said = f"({', '.join(words)}{',' if len(words) == 1 else ''})"
    right = [e for e in expected.values() if len(e) == len(shape) == 3 and e[0] == shape[0]
             and (e[2], e[1]) == tuple(shape[1:]) and e[1] != e[2]]
    return f"{said}, rows and columns swapped (rows are the queries)" if right else said


def _as_shape(value) -> tuple[int, ...] | None:
    """``value`` as a tuple of ints if it is a tuple, list or 1-D array of whole numbers, else ``None``."""
    if not isinstance(value, tuple | list | np.ndarray):
        return None
    try:
        numbers = np.asarray(value)
    except ValueError:  # ragged
        return None
    if numbers.ndim != 1 or numbers.dtype.kind not in "iu":
        return None
    return tuple(int(n) for n in numbers)


_PATTERN_SIZES = [
    ("the translator: 6 source words, 7 target positions, 2 heads", (6, 7, 2)),
    ("1 source word, 3 target positions, 1 head", (1, 3, 1)),
    ("10 source words, 4 target positions, 8 heads", (10, 4, 8)),
    ("same lengths: 5 and 5, 3 heads", (5, 5, 3)),
]
PATTERN_SHAPE_CASES = [Case(label, args, expected=reference_pattern_shapes(*args))
                       for label, args in _PATTERN_SIZES]


def check_pattern_shapes(fn) -> CheckResult:
    """Check ``pattern_shapes(n_source, n_target, n_heads)`` → ``{"encoder": (H, S, S), "decoder":
    (H, T, T), "cross": (H, T, S)}``."""
    return run_check("pattern_shapes", fn, PATTERN_SHAPE_CASES, compare=compare_shapes)


# --- the decoder's two masks -------------------------------------------------------------------------

WHY_THIS_MASK = {
    "self_mask": ("the decoder's self-attention is causal: target position i sees positions 0 … i "
                  "(np.tril); later target words are not written yet"),
    "cross_mask": ("cross-attention needs no mask: the whole source is there before the first target "
                   "word, so the (n_target, n_source) cross_mask is all True"),
}


def reference_decoder_masks(n_target: int, n_source: int) -> tuple[np.ndarray, np.ndarray]:
    """The decoder's masks (True = may attend): its self-attention is causal ``(T, T)``; its
    cross-attention sees the whole source, ``(T, S)`` all True."""
    return causal_mask(n_target), np.ones((n_target, n_source), dtype=bool)


def compare_mask_pair(got, expected) -> str | None:
    """``None`` if ``got`` is a pair ``(self_mask, cross_mask)`` of bool arrays equal to ``expected``."""
    if got is None:
        return "got None — did you forget to `return` the result?"
    if not isinstance(got, tuple | list) or len(got) != 2:
        return f"expected a pair (self_mask, cross_mask), got {type(got).__name__} {show(got)}"
    swapped = relations.parts_in_another_order(got, expected, list(WHY_THIS_MASK), compare_mask)
    if swapped:
        return swapped
    for name, g, e in zip(WHY_THIS_MASK, got, expected, strict=True):
        if g is None:  # the function did return: one of its two masks is missing
            return f"{name}: got None in the pair — return both masks, (self_mask, cross_mask)"
        problem = compare_mask(g, e)
        if problem is not None:
            return f"{name}: {problem.rstrip('.')} — {WHY_THIS_MASK[name]}"
    return None


_MASK_SIZES = [
    ("4 target positions, 6 source words", (4, 6)),
    ("6 target positions, 3 source words", (6, 3)),
    ("1 target position, 1 source word", (1, 1)),
    ("5 target positions, 5 source words", (5, 5)),
]
DECODER_MASK_CASES = [Case(label, args, expected=reference_decoder_masks(*args))
                      for label, args in _MASK_SIZES]


def check_decoder_masks(fn) -> CheckResult:
    """Check ``decoder_masks(n_target, n_source)`` → ``(self_mask (T, T), cross_mask (T, S))``, bool,
    True = may attend."""
    return run_check("decoder_masks", fn, DECODER_MASK_CASES, compare=compare_mask_pair)


CATALOGUES = {"cross_attention": (check_cross_attention, CROSS_MISTAKES)}
