"""Lesson 01's checks pass the reference answers and fail plausible wrong ones with a useful line."""

import numpy as np
import pytest

from attnlab import embeddings
from attnlab.checks import check_cosine_similarity, check_nearest_neighbours, check_spread


def stub(*args):
    raise NotImplementedError()


# --- reference answers, written the way a learner would ---------------------------------------------


def cosine_similarity(u, v):
    return float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v)))


def nearest_neighbours(vector, table, k):
    sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
    return np.argsort(-sims)[:k]


def spread(vectors):
    n = len(vectors)
    distances = [1 - cosine_similarity(vectors[i], vectors[j]) for i in range(n) for j in range(i + 1, n)]
    return float(np.mean(distances))


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_cosine_similarity, cosine_similarity),
    (check_cosine_similarity, embeddings.cosine_similarity),
    (check_nearest_neighbours, nearest_neighbours),
    (check_nearest_neighbours, lambda v, t, k: embeddings.nearest_neighbours(v, t, k)[0]),
    (check_nearest_neighbours, lambda v, t, k: list(nearest_neighbours(v, t, k))),  # a list is fine
    (check_spread, spread),
    (check_spread, embeddings.spread),
]


# --- plausible wrong answers --------------------------------------------------------------------------


@pytest.mark.parametrize("wrong, says", [
    (lambda u, v: float(np.dot(u, v)), "case 2 of 5 (same direction, different lengths"),  # no lengths
    (lambda u, v: float(np.dot(u, v) / np.linalg.norm(u)), "case 2 of 5"),  # one length only
    (lambda u, v: float(np.dot(u, v) / (np.dot(u, u) * np.dot(v, v))), "case 2 of 5"),  # squared lengths
    (lambda u, v: abs(cosine_similarity(u, v)), "case 3 of 5 (opposite"),
    (lambda u, v: u @ v / (np.linalg.norm(u) + np.linalg.norm(v)), "case 2 of 5"),
])
def test_cosine_similarity_catches(wrong, says):
    result = check_cosine_similarity(wrong)
    assert not result.passed
    assert says in result.line, result.line


def by_dot_product(vector, table, k):
    return np.argsort(-(table @ vector))[:k]


def by_distance(vector, table, k):
    return np.argsort(np.linalg.norm(table - vector, axis=1))[:k]


def worst_first(vector, table, k):
    return nearest_neighbours(vector, table, k)[::-1]


def similarities_not_indices(vector, table, k):
    sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
    return np.sort(sims)[::-1][:k]


def ascending_sort(vector, table, k):
    sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
    return np.argsort(sims)[:k]


@pytest.mark.parametrize("wrong, says", [
    (by_dot_product, "case 3 of 5 (a long row and a well-aligned short row)"),
    (by_distance, "case 3 of 5"),
    (worst_first, "case 2 of 5 (k = 2, best first)"),
    (ascending_sort, "case 1 of 5"),
    (similarities_not_indices, "expected whole numbers (indices)"),
])
def test_nearest_neighbours_catches(wrong, says):
    result = check_nearest_neighbours(wrong)
    assert not result.passed
    assert says in result.line, result.line
    if wrong is by_dot_product:
        assert "That ranks by the plain dot product, which favours long rows" in result.line


def with_the_diagonal(vectors):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return float(np.mean(1 - unit @ unit.T))


def pairs(vectors):
    return [(vectors[i], vectors[j]) for i in range(len(vectors)) for j in range(i + 1, len(vectors))]


def mean_similarity(vectors):
    return float(np.mean([cosine_similarity(a, b) for a, b in pairs(vectors)]))


def mean_distance(vectors):
    return float(np.mean([np.linalg.norm(a - b) for a, b in pairs(vectors)]))


def neighbours_only(vectors):
    return float(np.mean([1 - cosine_similarity(a, b) for a, b in zip(vectors, vectors[1:], strict=False)]))


@pytest.mark.parametrize("wrong, says", [
    (with_the_diagonal, "case 1 of 5 (two perpendicular vectors): expected 1, got 0.5"),
    (mean_similarity, "That is the mean cosine similarity"),
    (mean_distance, "That is the mean distance between the points"),
    (neighbours_only, "case 3 of 5 (three vectors"),
])
def test_spread_catches(wrong, says):
    result = check_spread(wrong)
    assert not result.passed
    assert says in result.line, result.line


def test_the_spread_hint_names_the_pairs():
    assert "That includes each vector compared with itself" in check_spread(with_the_diagonal).line
