"""Checks for ``02_dot_product_relevance``: the score grid, its √d_head scaling, the key each query
picks. Expected answers come from :func:`attnlab.attention.attention_scores`; each exercise's usual
mistakes are catalogued below (:mod:`attnlab.checks.mistakes`) and named when a learner makes one."""

from __future__ import annotations

import math

import numpy as np

from attnlab.attention import attention_scores
from attnlab.checks.compare import compare_indices, compare_values
from attnlab.checks.core import CheckResult, run_check
from attnlab.checks.mistakes import Mistake, cases, recognising

# --- the score grid ----------------------------------------------------------------------------------


def score_grid(x, W_Q, W_K):  # x (T, C), W_Q and W_K (C, D) -> (T, T)
    return attention_scores(x @ W_Q, x @ W_K, scale=False)


SCORE_GRID_MISTAKES = [
    Mistake("That is the transpose: row i must be query i — (x @ W_Q) @ (x @ W_K).T, not the keys' "
            "grid against the queries.", lambda x, W_Q, W_K: (x @ W_K) @ (x @ W_Q).T),
    Mistake("That grid is already divided by √d_head: score_grid returns the plain dot products — "
            "the scaling is the next exercise.",
            lambda x, W_Q, W_K: (x @ W_Q) @ (x @ W_K).T / math.sqrt(W_Q.shape[-1])),
    Mistake("That compares the embeddings themselves (x @ x.T): project them first — queries "
            "x @ W_Q, keys x @ W_K.", lambda x, W_Q, W_K: x @ x.T),
    Mistake("Both sides use W_Q: the queries are x @ W_Q, the keys x @ W_K.",
            lambda x, W_Q, W_K: (x @ W_Q) @ (x @ W_Q).T),
]


def _grid_rows():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 8))  # T = 5 tokens, d_model = 8
    W_Q, W_K = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))  # d_head = 3
    return [
        ("one token, d_model = 2, d_head = 1",
         (np.array([[1.0, 2.0]]), np.array([[1.0], [0.0]]), np.array([[0.0], [1.0]])),
         "q = x @ W_Q and k = x @ W_K; the score is q · k."),
        ("5 tokens, d_model = 8, d_head = 3", (x, W_Q, W_K), "entry (i, j) is query i · key j."),
        ("W_Q = W_K: a symmetric grid", (x, W_Q, W_Q), ""),
        ("2 tokens, d_head = 1: [[1, 0], [0, 1]]",
         (np.eye(2), np.array([[1.0], [2.0]]), np.array([[3.0], [-1.0]])), ""),
    ]


SCORE_GRID_CASES = cases(score_grid, SCORE_GRID_MISTAKES, _grid_rows(), compare=compare_values)


def check_score_grid(fn) -> CheckResult:
    """Check ``score_grid(x, W_Q, W_K)``: x (T, d_model), W_Q and W_K (d_model, d_head) → (T, T),
    entry (i, j) = query i · key j (not yet scaled)."""
    return run_check("score_grid", fn, SCORE_GRID_CASES, compare=recognising(compare_values))


# --- the scaled scores -------------------------------------------------------------------------------

SCALED_SCORES_MISTAKES = [
    Mistake("That divides by d_head itself: divide by its square root, √d_head = √(q.shape[-1]).",
            lambda q, k: q @ k.T / q.shape[-1]),
    Mistake("Those are the plain dot products: divide them by √d_head.", lambda q, k: q @ k.T),
    Mistake("That divides by √(number of keys): the scale is √d_head, the length of ONE query, "
            "q.shape[-1].", lambda q, k: q @ k.T / math.sqrt(len(k))),
    Mistake("That multiplies by √d_head: divide by it — large scores are what the scale tames.",
            lambda q, k: q @ k.T * math.sqrt(q.shape[-1])),
    Mistake("That is the transpose: row i is query i, q @ k.T.",
            lambda q, k: k @ q.T / math.sqrt(q.shape[-1])),
]


def _scaled_rows():
    rng = np.random.default_rng(5)
    return [
        ("d_head = 4, 2 queries, 3 keys", (rng.normal(size=(2, 4)), rng.normal(size=(3, 4))),
         "q @ k.T / √d_head, d_head = q.shape[-1]."),
        ("d_head = 1: nothing to scale", (np.array([[2.0]]), np.array([[3.0], [-1.0]])),
         "with d_head = 1, √1 = 1: the plain dot products."),
        ("d_head = 64, 3 queries, 3 keys", (rng.normal(size=(3, 64)), rng.normal(size=(3, 64))), ""),
        ("d_head = 9, 4 queries, 2 keys", (rng.normal(size=(4, 9)), rng.normal(size=(2, 9))), ""),
    ]


SCALED_SCORES_CASES = cases(attention_scores, SCALED_SCORES_MISTAKES, _scaled_rows(), compare=compare_values)


def check_scaled_scores(fn) -> CheckResult:
    """Check ``scaled_scores(q, k)``: q (Tq, d_head), k (Tk, d_head) → q kᵀ / √d_head, (Tq, Tk)."""
    return run_check("scaled_scores", fn, SCALED_SCORES_CASES, compare=recognising(compare_values))


# --- the key each query picks ------------------------------------------------------------------------

PICKED_KEYS_MISTAKES = [
    Mistake("That is one index per KEY (axis=0): one answer per query, i.e. per row — "
            "np.argmax(scores, axis=-1).", lambda s: np.argmax(s, axis=0)),
    Mistake("That is a single index for the whole grid: give axis=-1 for one per query.",
            lambda s: np.argmax(s)),
    Mistake("Those are the positions of the SMALLEST scores: np.argmax, not np.argmin.",
            lambda s: np.argmin(s, axis=-1)),
    Mistake("That picks the largest |score|: a very negative score means 'not relevant' — take "
            "np.argmax of the scores themselves.", lambda s: np.argmax(np.abs(s), axis=-1)),
]


def _pick_rows():
    rng = np.random.default_rng(7)
    masked = np.array([[0.5, -np.inf, -np.inf], [0.1, 2.0, -np.inf], [3.0, -1.0, 2.5]])
    return [
        ("one query, scores [0.1, 2.5, -1]", (np.array([[0.1, 2.5, -1.0]]),),
         "one index per query (row): the position of its largest score, np.argmax(scores, axis=-1)."),
        ("4 queries × 6 keys", (rng.normal(size=(4, 6)),), "one answer per query, i.e. per ROW."),
        ("all scores negative", (np.array([[-5.0, -0.5, -2.0], [-1.0, -3.0, -0.9]]),),
         "the largest of negative numbers is the one closest to 0."),
        ("masked scores (-inf)", (masked,), "a score of -inf is never the largest (unless all are)."),
        ("2 queries × 5 keys: the pick is the last key",
         (np.array([[0.0, 1.0, 2.0, 3.0, 4.0], [4.0, 3.0, 2.0, 1.0, 5.0]]),), ""),
    ]


PICKED_KEYS_CASES = cases(lambda s: np.argmax(s, axis=-1), PICKED_KEYS_MISTAKES, _pick_rows(),
                          compare=compare_indices)


def check_picked_keys(fn) -> CheckResult:
    """Check ``picked_keys(scores)``: scores (Tq, Tk) → (Tq,) ints, the index of each query's
    highest-scoring key."""
    return run_check("picked_keys", fn, PICKED_KEYS_CASES, compare=recognising(compare_indices))


CATALOGUES = {"score_grid": (check_score_grid, SCORE_GRID_MISTAKES),
              "scaled_scores": (check_scaled_scores, SCALED_SCORES_MISTAKES),
              "picked_keys": (check_picked_keys, PICKED_KEYS_MISTAKES)}
