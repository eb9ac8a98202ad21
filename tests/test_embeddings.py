"""attnlab.embeddings: cosine similarity, nearest neighbours, spread, PCA — against independent
computations (torch's cosine_similarity, covariance eigenvectors) and with clear errors."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from attnlab.embeddings import (
    cosine_matrix,
    cosine_similarity,
    nearest_neighbours,
    pca_2d,
    spread,
    word_vectors,
)

finite = st.floats(-100, 100, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


@settings(max_examples=50, deadline=None)
@given(arrays(np.float64, (3, 7), elements=finite), arrays(np.float64, (3, 7), elements=finite))
def test_cosine_similarity_matches_torch(a, b):
    expected = torch.nn.functional.cosine_similarity(torch.from_numpy(a), torch.from_numpy(b), dim=-1)
    np.testing.assert_allclose(cosine_similarity(a, b), expected.numpy(), rtol=1e-10, atol=1e-12)


def test_cosine_similarity_of_special_pairs():
    assert cosine_similarity([1.0, 0.0], [5.0, 0.0]) == pytest.approx(1.0)
    assert cosine_similarity([1.0, 0.0], [0.0, 3.0]) == pytest.approx(0.0)
    assert cosine_similarity([1.0, 2.0], [-2.0, -4.0]) == pytest.approx(-1.0)
    assert isinstance(cosine_similarity([1.0, 2.0], [3.0, 4.0]), float)
    assert cosine_similarity(np.ones((4, 3)), np.ones(3)).shape == (4,)  # broadcasts


def test_cosine_matrix_is_every_pair():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
    grid = cosine_matrix(a, b)
    assert grid.shape == (4, 3)
    assert grid[2, 1] == pytest.approx(cosine_similarity(a[2], b[1]))
    np.testing.assert_allclose(np.diag(cosine_matrix(a)), 1.0)


def test_nearest_neighbours_ranks_by_direction_not_length():
    table = np.array([[10.0, 9.0], [1.0, 0.1], [0.0, 1.0], [-1.0, 0.0]])
    idx, sims = nearest_neighbours([1.0, 0.0], table, k=3)
    assert idx.tolist() == [1, 0, 2]  # the short row [1, 0.1] points most like [1, 0]
    np.testing.assert_allclose(sims, [cosine_similarity([1.0, 0.0], table[i]) for i in idx])
    idx, _ = nearest_neighbours([1.0, 0.0], table, k=2, exclude=[1])
    assert idx.tolist() == [0, 2]


def test_nearest_neighbours_agrees_with_a_full_sort():
    rng = np.random.default_rng(1)
    table, v = rng.normal(size=(200, 16)), rng.normal(size=16)
    idx, _ = nearest_neighbours(v, table, k=10)
    assert idx.tolist() == np.argsort(-cosine_matrix(v[None], table)[0])[:10].tolist()


def test_spread_counts_each_pair_once_and_not_the_diagonal():
    same = np.array([[1.0, 0.0], [2.0, 0.0], [0.5, 0.0]])
    assert spread(same) == pytest.approx(0.0)
    perpendicular = np.eye(3)
    assert spread(perpendicular) == pytest.approx(1.0)
    opposite = np.array([[1.0, 1.0], [-1.0, -1.0]])
    assert spread(opposite) == pytest.approx(2.0)


def test_pca_2d_matches_the_covariance_eigenvectors():
    rng = np.random.default_rng(2)
    points = rng.normal(size=(30, 6)) * np.array([5.0, 3.0, 1.0, 0.5, 0.2, 0.1])
    coords, explained = pca_2d(points)
    centred = points - points.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred.T))
    top = vectors[:, ::-1][:, :2]  # the two largest
    expected = centred @ top
    for c in range(2):  # the same up to sign
        assert np.allclose(coords[:, c], expected[:, c]) or np.allclose(coords[:, c], -expected[:, c])
    np.testing.assert_allclose(explained, values[::-1][:2] / values.sum())
    assert (coords[np.argmax(np.abs(coords), axis=0), [0, 1]] > 0).all()  # the sign convention
    np.testing.assert_array_equal(pca_2d(points)[0], coords)  # deterministic


@pytest.mark.parametrize("call, says", [
    (lambda: cosine_similarity([1.0, 2.0], [1.0, 2.0, 3.0]), "same length d"),
    (lambda: cosine_similarity([0.0, 0.0], [1.0, 2.0]), "length 0, which has no direction"),
    (lambda: cosine_similarity(["a"], [1.0]), "a must hold real numbers"),
    (lambda: cosine_similarity(np.ones((2, 3)), np.ones((4, 3))), "do not broadcast"),
    (lambda: cosine_matrix(np.ones(3)), "a table of vectors (n, d)"),
    (lambda: nearest_neighbours(np.ones(3), np.ones((4, 2))), "vector has length 3"),
    (lambda: nearest_neighbours(np.ones(2), np.ones((4, 2)), k=5), "only 4 rows"),
    (lambda: nearest_neighbours(np.ones(2), np.ones((4, 2)), k=0), "k must be at least 1"),
    (lambda: nearest_neighbours(np.ones(2), np.ones((4, 2)), exclude=[7]), "exclude must hold row indices"),
    (lambda: spread(np.ones((1, 3))), "at least 2 vectors"),
    (lambda: pca_2d(np.ones((2, 3))), "at least 3 points"),
    (lambda: pca_2d(np.ones((5, 3))), "do not vary in two directions"),
])
def test_bad_input_gets_a_clear_error(call, says):
    with pytest.raises(ValueError) as info:
        call()
    assert says in str(info.value)


class FakeModel:
    """Stands in for MiniLM: tokens split on spaces, hidden states (L + 1, T, d) from a counter."""

    def tokens(self, text):
        return ["[CLS]", *text.split(), "[SEP]"]

    def hidden_states(self, text):
        T = len(self.tokens(text))
        return np.arange(3 * T * 2, dtype=float).reshape(3, T, 2)


def test_word_vectors_picks_the_words_column_of_every_layer():
    vectors = word_vectors(FakeModel(), "the mole dug", "mole")
    np.testing.assert_array_equal(vectors, FakeModel().hidden_states("the mole dug")[:, 2])
    with pytest.raises(ValueError, match="'moles' is not one of the tokens"):
        word_vectors(FakeModel(), "the mole dug", "moles")
