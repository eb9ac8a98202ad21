"""Checks for ``01_embeddings``: cosine similarity, nearest neighbours, the spread of a word's
vectors across contexts. Expected answers come from :mod:`attnlab.embeddings`; each exercise's usual
mistakes are catalogued below (:mod:`attnlab.checks.mistakes`) and named when a learner makes one."""

from __future__ import annotations

import numpy as np

from attnlab import embeddings
from attnlab.checks.compare import compare_indices, compare_values
from attnlab.checks.core import CheckResult, run_check
from attnlab.checks.mistakes import Mistake, cases, recognising

_LENGTH_HINT = "divide the dot product by both lengths, np.linalg.norm(u) * np.linalg.norm(v)."


def _norm(x):
    return np.linalg.norm(x, axis=-1)


COSINE_MISTAKES = [
    Mistake("That is the plain dot product: divide it by both lengths, "
            "np.linalg.norm(u) * np.linalg.norm(v).",
            lambda u, v: float(u @ v)),
    Mistake("That divides by one length only: divide by both, |u| · |v|.",
            lambda u, v: float(u @ v / _norm(u))),
    Mistake("That divides by the squared lengths: np.linalg.norm(u) is the length itself, √(u · u).",
            lambda u, v: float(u @ v / ((u @ u) * (v @ v)))),
    Mistake("That takes the absolute value: opposite directions give -1.",
            lambda u, v: abs(float(u @ v / (_norm(u) * _norm(v))))),
    Mistake("That is the cosine distance, 1 − cosine: return the cosine itself.",
            lambda u, v: 1 - float(u @ v / (_norm(u) * _norm(v)))),
    Mistake("That is the angle (np.arccos of the cosine): return the cosine itself.",
            lambda u, v: float(np.arccos(np.clip(u @ v / (_norm(u) * _norm(v)), -1, 1)))),
]


def _cosine_cases():
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=(2, 384))
    pairs = [
        ("perpendicular [1, 0] and [0, 1]", [1.0, 0.0], [0.0, 1.0], "perpendicular vectors: cosine 0."),
        ("same direction, different lengths [3, 4] and [6, 8]", [3.0, 4.0], [6.0, 8.0], _LENGTH_HINT),
        ("opposite [1, 2, 3] and [-1, -2, -3]", [1.0, 2.0, 3.0], [-1.0, -2.0, -3.0],
         "opposite directions give -1: do not take an absolute value."),
        ("[1, 2, 3] and [4, -5, 6]", [1.0, 2.0, 3.0], [4.0, -5.0, 6.0], _LENGTH_HINT),
        ("two random vectors of 384 numbers", u, v, ""),
    ]
    return cases(embeddings.cosine_similarity, COSINE_MISTAKES,
                 [(label, (np.array(a), np.array(b)), hint) for label, a, b, hint in pairs],
                 compare=compare_values)


COSINE_CASES = _cosine_cases()
# The later exercises may call the learner's cosine_similarity: the course's stands in if it is wrong.
HELPERS = {"cosine_similarity": embeddings.cosine_similarity}


def check_cosine_similarity(fn) -> CheckResult:
    """Check ``cosine_similarity(u, v) -> float`` for two 1-D vectors."""
    return run_check("cosine_similarity", fn, COSINE_CASES, compare=recognising(compare_values))


_DIRECTION_HINT = ("rank by cosine similarity — the direction — not by the plain dot product, which "
                   "favours long rows: divide each row's dot product by the row's length.")


def _cosines(vector, table):
    return table @ vector / (_norm(table) * _norm(vector))  # (n,)


NEIGHBOUR_MISTAKES = [
    Mistake("That ranks by the plain dot product, which favours long rows: rank by cosine similarity — "
            "divide each row's dot product by the row's length.",
            lambda v, t, k: np.argsort(-(t @ v), kind="stable")[:k]),
    Mistake("Those are the LEAST similar rows: sort the similarities from high to low "
            "(np.argsort(-similarities)).", lambda v, t, k: np.argsort(_cosines(v, t), kind="stable")[:k]),
    Mistake("That ranks by the distance between the points: cosine similarity measures the angle.",
            lambda v, t, k: np.argsort(_norm(t - v), kind="stable")[:k]),
    Mistake("That returns every row, ranked: keep only the first k.",
            lambda v, t, k: np.argsort(-_cosines(v, t), kind="stable")),
]


def _neighbour_cases():
    rng = np.random.default_rng(4)
    big = rng.normal(size=(50, 8)) * rng.uniform(0.2, 5.0, size=(50, 1))  # rows of many lengths
    rows = [
        ("k = 1 in [[1, 0], [0, 1], [-1, 0]]", [1.0, 0.2], [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], 1, ""),
        ("k = 2, best first", [-1.0, 0.5], [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]], 2,
         "the most similar row first: sort the similarities from high to low."),
        ("a long row and a well-aligned short row", [1.0, 0.0], [[10.0, 9.0], [1.0, 0.1], [0.0, 1.0]], 2,
         _DIRECTION_HINT),
        ("the closest point is not the closest direction", [10.0, 0.0], [[1.0, 0.1], [8.0, 6.0]], 1,
         "cosine similarity measures the angle, not the distance between the points."),
        ("50 rows of 8 numbers, k = 5", rng.normal(size=8), big, 5, _DIRECTION_HINT),
    ]
    return cases(lambda v, t, k: embeddings.nearest_neighbours(v, t, k)[0], NEIGHBOUR_MISTAKES,
                 [(label, (np.array(v), np.array(t), k), hint) for label, v, t, k, hint in rows],
                 compare=compare_indices)


NEIGHBOUR_CASES = _neighbour_cases()


def check_nearest_neighbours(fn) -> CheckResult:
    """Check ``nearest_neighbours(vector, table, k)``: the indices of the ``k`` rows of ``table``
    ``(n, d)`` most cosine-similar to ``vector`` ``(d,)``, best first."""
    return run_check("nearest_neighbours", fn, NEIGHBOUR_CASES, compare=recognising(compare_indices),
                     helpers=HELPERS)


_PAIRS_HINT = ("average 1 - cosine over the n·(n-1)/2 pairs of DIFFERENT vectors: leave out each vector "
               "compared with itself, and count each pair once.")


def _cosine_grid(x):
    unit = x / _norm(x)[:, None]
    return unit @ unit.T  # (n, n)


def _pairs(grid):
    return grid[np.triu_indices(len(grid), k=1)]


SPREAD_MISTAKES = [
    Mistake("That includes each vector compared with itself (cosine 1, so 1 − cosine = 0): average over "
            "the n·(n−1)/2 pairs of DIFFERENT vectors.", lambda x: float(np.mean(1 - _cosine_grid(x)))),
    Mistake("That is the mean cosine similarity: spread is the mean of 1 − cosine.",
            lambda x: float(np.mean(_pairs(_cosine_grid(x))))),
    Mistake("That uses the plain dot product: spread compares directions — cosine similarity.",
            lambda x: float(np.mean(1 - _pairs(x @ x.T)))),
    Mistake("That is the mean distance between the points: spread measures directions, 1 − cosine.",
            lambda x: float(np.mean(_pairs(_norm(x[:, None] - x[None, :]))))),
    Mistake("That adds the pairs up: average them (np.mean).",
            lambda x: float(np.sum(1 - _pairs(_cosine_grid(x))))),
]


def _spread_cases():
    rng = np.random.default_rng(6)
    rows = [
        ("two perpendicular vectors", [[1.0, 0.0], [0.0, 1.0]],
         "their cosine is 0, so their one pair gives 1 - 0 = 1; " + _PAIRS_HINT),
        ("the same direction twice [[1, 0], [2, 0]]", [[1.0, 0.0], [2.0, 0.0]],
         "vectors pointing the same way have cosine 1, so 1 - cosine = 0."),
        ("three vectors [[1, 0], [0, 1], [1, 1]]", [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], _PAIRS_HINT),
        ("one direction, three lengths", [[1.0, 1.0], [3.0, 3.0], [0.5, 0.5]],
         "spread measures directions, not distances between the points: use cosine similarity."),
        ("five random vectors of 16 numbers", rng.normal(size=(5, 16)), _PAIRS_HINT),
    ]
    return cases(embeddings.spread, SPREAD_MISTAKES,
                 [(label, (np.array(v),), hint) for label, v, hint in rows], compare=compare_values)


SPREAD_CASES = _spread_cases()


def check_spread(fn) -> CheckResult:
    """Check ``spread(vectors) -> float``: the mean of 1 − cosine similarity over all pairs of
    different rows of ``vectors`` ``(n, d)``."""
    return run_check("spread", fn, SPREAD_CASES, compare=recognising(compare_values), helpers=HELPERS)


CATALOGUES = {"cosine_similarity": (check_cosine_similarity, COSINE_MISTAKES),
              "nearest_neighbours": (check_nearest_neighbours, NEIGHBOUR_MISTAKES),
              "spread": (check_spread, SPREAD_MISTAKES)}
