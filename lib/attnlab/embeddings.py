"""Embeddings: the vectors tokens become, and how to measure where they point.

A model's embedding table holds one vector of ``d_model`` numbers per token of its vocabulary. What
matters about such a vector is mostly its **direction**: related tokens point similar ways, and a
difference of two vectors (``cats − cat``, ``queen − king``) is itself a direction with a meaning.

* :func:`cosine_similarity` — the cosine of the angle between vectors: 1 same way, 0 unrelated
  (perpendicular), −1 opposite; blind to length.
* :func:`nearest_neighbours` — the rows of a table that point most like a vector.
* :func:`spread` — how far apart several vectors point (mean cosine distance over pairs): the same
  word in different contexts, before and after the model's layers.
* :func:`pca_2d` — a 2-D picture of high-dimensional points (principal components, by SVD).
* :func:`word_vectors` — a word's vector after every layer of a model, in one text.

Shapes: ``d`` is the vector length; tables and point sets are ``(n, d)``.
"""

from __future__ import annotations

import numpy as np

from attnlab.errors import AttnlabError
from attnlab.validate import as_float_array, broadcast_shape, positive_int


def _unit(x: np.ndarray, name: str) -> np.ndarray:
    """``x`` ``(..., d)`` scaled to length 1 along the last axis; a zero vector has no direction."""
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    if np.any(norms == 0):
        raise AttnlabError(f"{name} contains a vector of length 0, which has no direction")
    return x / norms


def _vectors(x, name: str, ndim: int | None = None) -> np.ndarray:
    x = as_float_array(x, name, min_ndim=1)
    if ndim is not None and x.ndim != ndim:
        what = "one vector (d,)" if ndim == 1 else "a table of vectors (n, d)"
        raise AttnlabError(f"{name} must be {what}, but has shape {x.shape}")
    if np.isinf(x).any():
        raise AttnlabError(f"{name} contains -inf")
    if x.shape[-1] == 0:
        raise AttnlabError(f"{name} has shape {x.shape}: its vectors have no entries")
    return x


def cosine_similarity(a, b) -> np.ndarray | float:
    """``a · b / (|a| |b|)`` along the last axis: a ``(..., d)``, b ``(..., d)`` → ``(...)``
    (a float for two single vectors). Leading axes broadcast."""
    a, b = _vectors(a, "a"), _vectors(b, "b")
    if a.shape[-1] != b.shape[-1]:
        raise AttnlabError(f"a has shape {a.shape} and b has shape {b.shape}: their vectors must have "
                         f"the same length d, got {a.shape[-1]} and {b.shape[-1]}")
    broadcast_shape({"a's leading axes": a.shape[:-1], "b's leading axes": b.shape[:-1]})
    sim = np.sum(_unit(a, "a") * _unit(b, "b"), axis=-1)  # (...)
    return float(sim) if sim.ndim == 0 else sim


def cosine_matrix(a, b=None) -> np.ndarray:
    """Every row of a ``(n, d)`` against every row of b ``(m, d)`` (default: a itself) → ``(n, m)``."""
    a = _vectors(a, "a", ndim=2)
    b = a if b is None else _vectors(b, "b", ndim=2)
    if a.shape[1] != b.shape[1]:
        raise AttnlabError(f"a has shape {a.shape} and b has shape {b.shape}: their rows must have the "
                         f"same length d")
    return _unit(a, "a") @ _unit(b, "b").T  # (n, d) @ (d, m)


def nearest_neighbours(vector, table, k: int = 5, exclude=()) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``table`` ``(n, d)`` most cosine-similar to ``vector`` ``(d,)``, best first.

    Returns ``(indices (k,), similarities (k,))``. Rows whose index is in ``exclude`` are skipped
    (e.g. the words an analogy started from). Ties keep the lower index first.
    """
    vector = _vectors(vector, "vector", ndim=1)
    table = _vectors(table, "table", ndim=2)
    if table.shape[1] != vector.shape[0]:
        raise AttnlabError(f"vector has length {vector.shape[0]} but the table's rows have length "
                         f"{table.shape[1]} (table shape {table.shape})")
    k = positive_int(k, "k")
    excluded = np.zeros(len(table), dtype=bool)
    for i in exclude:
        if isinstance(i, bool) or not isinstance(i, int | np.integer) or not 0 <= i < len(table):
            raise AttnlabError(f"exclude must hold row indices from 0 to {len(table) - 1}, but holds {i!r}")
        excluded[int(i)] = True
    if k > (~excluded).sum():
        raise AttnlabError(f"k = {k} but the table has only {(~excluded).sum()} rows to choose from")
    norms = np.linalg.norm(table, axis=1)  # (n,)
    with np.errstate(divide="ignore", invalid="ignore"):
        sims = (table @ _unit(vector, "vector")) / norms  # (n,); a zero row gives nan
    sims = np.where(excluded | ~np.isfinite(sims), -np.inf, sims)
    order = np.argsort(-sims, kind="stable")[:k]
    return order, sims[order]


def spread(vectors) -> float:
    """How far apart ``n`` vectors ``(n, d)`` point: the mean of ``1 − cosine similarity`` over the
    ``n (n − 1) / 2`` pairs of different vectors. 0 = all the same direction; 1 = perpendicular on
    average."""
    vectors = _vectors(vectors, "vectors", ndim=2)
    n = len(vectors)
    if n < 2:
        raise AttnlabError(f"spread needs at least 2 vectors to compare, but got {n}")
    sims = cosine_matrix(vectors)
    pairs = np.triu_indices(n, k=1)
    return float(np.mean(1.0 - sims[pairs]))


def pca_2d(points) -> tuple[np.ndarray, np.ndarray]:
    """Project points ``(n, d)`` onto their two main directions of variation.

    Returns ``(coords (n, 2), explained (2,))``: each point's position along the first two principal
    components, and the share of the total variance each component holds. Computed by SVD of the
    centred points; each component's sign is fixed so that its largest coordinate is positive,
    which makes the picture the same on every run.
    """
    points = _vectors(points, "points", ndim=2)
    if len(points) < 3:
        raise AttnlabError(f"pca_2d needs at least 3 points, but got {len(points)}")
    centred = points - points.mean(axis=0)  # (n, d)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)  # u (n, r), s (r,)
    if len(s) < 2 or s[0] == 0:
        raise AttnlabError(f"points of shape {points.shape} do not vary in two directions")
    coords = u[:, :2] * s[:2]  # (n, 2)
    signs = np.sign(coords[np.argmax(np.abs(coords), axis=0), [0, 1]])
    explained = s[:2] ** 2 / np.sum(s**2)
    return coords * np.where(signs == 0, 1, signs), explained


def word_vectors(model, text: str, word: str) -> np.ndarray:
    """The vectors of ``word`` in ``text`` after every stage of ``model`` (e.g. MiniLM):
    ``(n_layers + 1, d_model)``, the input embedding first.

    ``word`` must be one token of the model's tokenizer and occur in ``text`` (its first occurrence
    is used); otherwise ``ValueError`` shows how the text was split.
    """
    tokens = model.tokens(text)
    if word not in tokens:
        raise AttnlabError(f"{word!r} is not one of the tokens of {text!r}: {tokens} (a word the tokenizer "
                         "splits into pieces cannot be looked up as one token)")
    return model.hidden_states(text)[:, tokens.index(word)]
