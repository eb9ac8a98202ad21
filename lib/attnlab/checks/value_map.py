"""Checks for ``05_value_map``: the weighted sum of values, the update, the value map's parameters.

Expected answers come from :mod:`attnlab.attention` (patterns) and :mod:`attnlab.costs` (counts);
each exercise's usual mistakes are catalogued below (:mod:`attnlab.checks.mistakes`) and named when a
learner makes one.
"""

from __future__ import annotations

import numpy as np

from attnlab.attention import causal_mask, softmax
from attnlab.checks.compare import compare_values
from attnlab.checks.core import CheckResult, run_check
from attnlab.checks.mistakes import Mistake, cases, recognising
from attnlab.checks.params import compare_counts
from attnlab.costs import value_map_parameters
from attnlab.multihead import value_update


def _pattern(rng, n_queries, n_keys, causal=False):
    scores = rng.normal(size=(n_queries, n_keys)) * 2
    if causal:
        scores = np.where(causal_mask(n_queries, n_keys), scores, -np.inf)
    return softmax(scores)


# --- the weighted sum of values -------------------------------------------------------------------

_SUM_HINT = ("query i's output is Σ_j pattern[i, j] · values[j]: row i of the pattern weighs the "
             "ROWS of values — that is the matrix product pattern @ values.")


def _weighted_sum(pattern, values):
    return pattern @ values  # (Tq, Tk) @ (Tk, d) -> (Tq, d)


WEIGHTED_SUM_MISTAKES = [
    Mistake("That uses the pattern transposed: row i of the pattern belongs to query i — pattern @ values.",
            lambda p, v: p.T @ v),
    Mistake("That divides by the number of keys: each row of weights already sums to 1, so the weighted "
            "SUM is already an average.", lambda p, v: p @ v / p.shape[-1]),
    Mistake("That adds the values without their weights: weigh value j by pattern[i, j] — pattern @ values.",
            lambda p, v: np.tile(v.sum(axis=0), (len(p), 1))),
]


def _weighted_sum_rows():
    rng = np.random.default_rng(5)
    copy = np.eye(3)[[2, 0, 1]]  # each query puts all its weight on one key
    return [
        ("a causal pattern (4, 4)", (_pattern(rng, 4, 4, causal=True), rng.normal(size=(4, 3))),
         "row i of the pattern belongs to query i."),
        ("one query, three keys", (np.array([[0.2, 0.3, 0.5]]), rng.normal(size=(3, 2))), _SUM_HINT),
        ("one-hot rows: each query copies one value", (copy, rng.normal(size=(3, 2))),
         "a row with a single 1 picks out that key's value, unchanged."),
        ("2 queries, 5 keys (cross-attention shape)", (_pattern(rng, 2, 5), rng.normal(size=(5, 3))),
         "pattern (Tq, Tk) @ values (Tk, d) → (Tq, d): one output per query."),
        ("a single key", (np.ones((3, 1)), rng.normal(size=(1, 4))), ""),
    ]


WEIGHTED_SUM_CASES = cases(_weighted_sum, WEIGHTED_SUM_MISTAKES, _weighted_sum_rows(), compare=compare_values)


def check_weighted_sum(fn) -> CheckResult:
    """Check ``weighted_sum(pattern, values)``: pattern ``(Tq, Tk)``, values ``(Tk, d)`` → ``(Tq, d)``."""
    return run_check("weighted_sum", fn, WEIGHTED_SUM_CASES, compare=recognising(compare_values))


# --- the update ------------------------------------------------------------------------------------


UPDATE_MISTAKES = [
    Mistake("That is only the change ΔE: return the UPDATED embeddings, E + ΔE.",
            lambda E, p, down, up: p @ (E @ down) @ up),
    Mistake("That uses the pattern transposed: row i of the pattern holds query i's weights — "
            "pattern @ (E @ W_down), not pattern.T.", lambda E, p, down, up: E + p.T @ (E @ down) @ up),
    Mistake("That skips the attention: each token's change is the pattern's weighted sum of the values, "
            "pattern @ (E @ W_down) @ W_up.", lambda E, p, down, up: E + E @ down @ up),
    Mistake("That subtracts the change: the update ADDS it, E + ΔE.",
            lambda E, p, down, up: E - p @ (E @ down) @ up),
]


def _update_cases():
    rng = np.random.default_rng(6)

    def maps(d_model, d_head):
        return rng.normal(size=(d_model, d_head)) / np.sqrt(d_model), rng.normal(size=(d_head, d_model))

    E = rng.normal(size=(3, 4))
    rows = [
        ("3 tokens, d_model 4, d_head 2, causal", E, _pattern(rng, 3, 3, causal=True), *maps(4, 2),
         "the change is pattern @ (E @ W_down) @ W_up; then ADD it to E."),
        ("each token attends only to itself", E, np.eye(3), *maps(4, 2),
         "with the identity pattern each token's change is its own value, mapped up."),
        ("value-up all zeros: nothing changes", E, _pattern(rng, 3, 3), rng.normal(size=(4, 2)),
         np.zeros((2, 4)), "return the UPDATED embeddings E + ΔE, not only ΔE."),
        ("one token", rng.normal(size=(1, 5)), np.ones((1, 1)), *maps(5, 3), ""),
        ("d_head = d_model, 5 tokens", rng.normal(size=(5, 3)), _pattern(rng, 5, 5), *maps(3, 3),
         "value-down maps d_model → d_head, value-up d_head → d_model."),
    ]
    return cases(value_update, UPDATE_MISTAKES, [(label, (E, p, down, up), hint)
                                            for label, E, p, down, up, hint in rows], compare=compare_values)


UPDATE_CASES = _update_cases()


def check_update(fn) -> CheckResult:
    """Check ``update(E, pattern, W_down, W_up)``: E ``(T, C)``, pattern ``(T, T)``, W_down ``(C, D)``,
    W_up ``(D, C)`` → the updated embeddings ``E + pattern @ (E @ W_down) @ W_up`` ``(T, C)``."""
    return run_check("update", fn, UPDATE_CASES, compare=recognising(compare_values),
                     helpers={"weighted_sum": _weighted_sum})


# --- the value map's parameters --------------------------------------------------------------------


def _counts(d_model, d_head, n_heads, n_layers):
    maps = n_heads * n_layers
    return {"full": maps * value_map_parameters(d_model, d_head, factored=False),
            "factored": maps * value_map_parameters(d_model, d_head)}


def _counts_with(full_per_head, factored_per_head):
    def counts(d_model, d_head, n_heads, n_layers):
        return {"full": full_per_head(d_model, d_head, n_heads, n_layers),
                "factored": factored_per_head(d_model, d_head, n_heads, n_layers)}
    return counts


COUNT_MISTAKES = [
    Mistake("factored: that counts value-down only — value-up (d_head × d_model) has as many weights again.",
            _counts_with(lambda C, D, H, L: H * L * C * C, lambda C, D, H, L: H * L * C * D)),
    Mistake("That counts one layer: every layer has its own heads — multiply by n_layers.",
            lambda C, D, H, L: _counts(C, D, H, 1)),
    Mistake("That counts one head per layer: multiply by n_heads too.",
            lambda C, D, H, L: _counts(C, D, 1, L)),
    Mistake("full: that counts d_model × d_head per head — a square value map is d_model × d_model.",
            _counts_with(lambda C, D, H, L: H * L * C * D, lambda C, D, H, L: H * L * 2 * C * D)),
]

_COUNTS = [
    ("4 heads, 2 layers: d_model 64, d_head 16", (64, 16, 4, 2),
     "full: one d_model × d_model matrix per head; factored: value-down d_model × d_head plus value-up "
     "d_head × d_model per head; both for every head of every layer."),
    ("GPT-3: d_model 12288, d_head 128, 96 heads, 96 layers", (12288, 128, 96, 96), ""),
    ("GPT-2 small: 768, 64, 12 heads, 12 layers", (768, 64, 12, 12), ""),
    ("one head, one layer: 4, 2", (4, 2, 1, 1), "count both factors: value-down AND value-up."),
    ("d_head = d_model: 8, 8, 2 heads, 3 layers", (8, 8, 2, 3),
     "with d_head = d_model, factoring doubles the count — it only saves when d_head < d_model / 2."),
]
COUNT_CASES = cases(_counts, COUNT_MISTAKES, _COUNTS, compare=compare_counts)


def check_value_map_counts(fn) -> CheckResult:
    """Check ``value_map_counts(d_model, d_head, n_heads, n_layers) -> {"full": int, "factored": int}``:
    the value maps of a whole model, as square matrices or factored."""
    return run_check("value_map_counts", fn, COUNT_CASES, compare=recognising(compare_counts))


CATALOGUES = {"weighted_sum": (check_weighted_sum, WEIGHTED_SUM_MISTAKES),
              "update": (check_update, UPDATE_MISTAKES),
              "value_map_counts": (check_value_map_counts, COUNT_MISTAKES)}
