"""Checks for ``02_dot_product_relevance``: the score grid, its √d_head scaling, the key each query
picks. Expected answers come from :func:`attnlab.attention.attention_scores`."""

from __future__ import annotations

import numpy as np

from attnlab.attention import attention_scores
from attnlab.checks.core import Case, CheckResult, compare_indices, run_check

_ROWS_HINT = ("row i is query i: (x @ W_Q) @ (x @ W_K).T, shape (T, T) — not the keys' grid against "
              "the queries (that is its transpose).")


def _grid_cases():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(5, 8))  # T = 5 tokens, d_model = 8
    W_Q, W_K = rng.normal(size=(8, 3)), rng.normal(size=(8, 3))  # d_head = 3
    cases = [
        ("one token, d_model = 2, d_head = 1", np.array([[1.0, 2.0]]), np.array([[1.0], [0.0]]),
         np.array([[0.0], [1.0]]), "q = x @ W_Q and k = x @ W_K; the score is q · k."),
        ("5 tokens, d_model = 8, d_head = 3", x, W_Q, W_K, _ROWS_HINT),
        ("W_Q = W_K: a symmetric grid", x, W_Q, W_Q,
         "project the embeddings first: the queries are x @ W_Q, not x itself."),
        ("2 tokens, d_head = 1: [[1, 0], [0, 1]]", np.eye(2), np.array([[1.0], [2.0]]),
         np.array([[3.0], [-1.0]]), _ROWS_HINT),
    ]
    return [Case(label, (x_, wq, wk), expected=attention_scores(x_ @ wq, x_ @ wk, scale=False), hint=hint)
            for label, x_, wq, wk, hint in cases]


SCORE_GRID_CASES = _grid_cases()


def check_score_grid(fn) -> CheckResult:
    """Check ``score_grid(x, W_Q, W_K)``: x (T, d_model), W_Q and W_K (d_model, d_head) → (T, T),
    entry (i, j) = query i · key j (not yet scaled)."""
    return run_check("score_grid", fn, SCORE_GRID_CASES)


_SCALE_HINT = ("divide by √d_head — the square root of the length of ONE query, q.shape[-1] — not "
               "by d_head itself and not by the number of tokens.")


def _scaled_cases():
    rng = np.random.default_rng(5)
    cases = [
        ("d_head = 4, 2 queries, 3 keys", rng.normal(size=(2, 4)), rng.normal(size=(3, 4)), _SCALE_HINT),
        ("d_head = 1: nothing to scale", np.array([[2.0]]), np.array([[3.0], [-1.0]]),
         "with d_head = 1, √1 = 1: the plain dot products."),
        ("d_head = 64, 3 queries, 3 keys", rng.normal(size=(3, 64)), rng.normal(size=(3, 64)), _SCALE_HINT),
        ("d_head = 9, 4 queries, 2 keys", rng.normal(size=(4, 9)), rng.normal(size=(2, 9)), _SCALE_HINT),
    ]
    return [Case(label, (q, k), expected=attention_scores(q, k), hint=hint) for label, q, k, hint in cases]


SCALED_SCORES_CASES = _scaled_cases()


def check_scaled_scores(fn) -> CheckResult:
    """Check ``scaled_scores(q, k)``: q (Tq, d_head), k (Tk, d_head) → q kᵀ / √d_head, (Tq, Tk)."""
    return run_check("scaled_scores", fn, SCALED_SCORES_CASES)


def _pick_cases():
    rng = np.random.default_rng(7)
    grid = rng.normal(size=(4, 6))  # 4 queries, 6 keys
    masked = np.array([[0.5, -np.inf, -np.inf], [0.1, 2.0, -np.inf], [3.0, -1.0, 2.5]])
    cases = [
        ("one query, scores [0.1, 2.5, -1]", np.array([[0.1, 2.5, -1.0]]),
         "one index per query (row): the position of its largest score, np.argmax(scores, axis=-1)."),
        ("4 queries × 6 keys", grid,
         "one answer per query, i.e. per ROW: np.argmax(scores, axis=-1)."),
        ("all scores negative", np.array([[-5.0, -0.5, -2.0], [-1.0, -3.0, -0.9]]),
         "the largest of negative numbers is the one closest to 0."),
        ("masked scores (-inf)", masked, "a score of -inf is never the largest (unless all are)."),
        ("2 queries × 5 keys: the pick is the last key", np.array([[0.0, 1.0, 2.0, 3.0, 4.0],
                                                                   [4.0, 3.0, 2.0, 1.0, 5.0]]), ""),
    ]
    return [Case(label, (s,), expected=np.argmax(s, axis=-1), hint=hint) for label, s, hint in cases]


PICKED_KEYS_CASES = _pick_cases()


def check_picked_keys(fn) -> CheckResult:
    """Check ``picked_keys(scores)``: scores (Tq, Tk) → (Tq,) ints, the index of each query's
    highest-scoring key."""
    return run_check("picked_keys", fn, PICKED_KEYS_CASES, compare=compare_indices)
