"""Finding two kinds of heads by their attention patterns: previous-token heads and induction heads.

Any causal model's patterns will do — ``(n_layers, n_heads, T, T)`` from GPT-2 (:mod:`attnlab.models.gpt2`),
the course's tiny GPT, or patterns built by hand. NumPy only.

- A **previous-token head** puts its weight on the position just before the query: ``[i, i − 1]``.
- An **induction head** completes a pattern it has seen: at a token A that occurred before, it
  attends to the token that came *after* that earlier A — ``[i, j]`` with ``ids[j − 1] == ids[i]``,
  ``j < i`` — so the model can predict that the same token follows again. On a random sequence
  repeated twice (:func:`repeated_random_tokens`) an induction head looks one period back, plus one.

A head's **score** is the attention weight it puts on the target positions, averaged over the queries
that have a target; the **baseline** is what a uniform causal head would score (a query at position
i spreads 1/(i + 1) over every position it sees), so a score far above it is a finding, not chance.
"""

from __future__ import annotations

import numpy as np

from attnlab.errors import AttnlabError
from attnlab.validate import as_float_array, positive_int


def previous_token_mask(n_tokens: int) -> np.ndarray:
    """Bool ``(T, T)``: ``[i, i − 1]`` True for every query i ≥ 1."""
    return np.eye(positive_int(n_tokens, "n_tokens"), k=-1, dtype=bool)


def induction_mask(ids) -> np.ndarray:
    """Bool ``(T, T)``: ``[i, j]`` True where ``j < i`` and the token before j is the token at i."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or ids.size < 2 or not np.issubdtype(ids.dtype, np.integer):
        raise AttnlabError(f"ids must be integer token ids (T,) with T ≥ 2, but got {ids.dtype} {ids.shape}")
    T = ids.size
    mask = np.zeros((T, T), dtype=bool)
    mask[:, 1:] = ids[:, None] == ids[None, :-1]  # [i, j]: ids[j - 1] == ids[i]
    return mask & np.tri(T, k=-1, dtype=bool)


def _patterns(attention, T: int) -> np.ndarray:
    attention = as_float_array(attention, "attention", min_ndim=2)
    if attention.shape[-2:] != (T, T):
        raise AttnlabError(f"attention must end in (T, T) = ({T}, {T}), but has shape {attention.shape}")
    return attention


def mass_on(attention, mask) -> np.ndarray:
    """Mean attention weight on ``mask``'s targets, over the query rows that have one: ``(..., T, T)``
    patterns → ``(...)`` (e.g. ``(n_layers, n_heads)``)."""
    mask = np.asarray(mask, dtype=bool)
    attention = _patterns(attention, mask.shape[-1])
    rows = mask.any(axis=-1)  # (T,)
    if not rows.any():
        raise AttnlabError("the mask has no targets: no query row can be scored")
    return (attention * mask).sum(axis=-1)[..., rows].mean(axis=-1)


def uniform_baseline(mask) -> float:
    """:func:`mass_on` of a uniform causal head (query i spreads its weight over positions 0 … i)."""
    mask = np.asarray(mask, dtype=bool)
    rows = mask.any(axis=-1)
    seen = np.arange(1, mask.shape[-1] + 1)
    return float((mask.sum(axis=-1) / seen)[rows].mean())


def previous_token_scores(attention) -> np.ndarray:
    """Each head's weight on the previous position: ``(..., T, T)`` → ``(...)``."""
    attention = np.asarray(attention)
    return mass_on(attention, previous_token_mask(attention.shape[-1]))


def induction_scores(attention, ids) -> np.ndarray:
    """Each head's weight on the token after an earlier copy of the current token: ``(..., T, T)`` →
    ``(...)``; ``ids`` ``(T,)`` are the tokens the patterns were made from."""
    return mass_on(attention, induction_mask(ids))


def repeated_random_tokens(vocab_size: int, period: int, seed: int = 0, low: int = 0,
                           bos: int | None = None) -> np.ndarray:
    """``period`` distinct random token ids from ``low … vocab_size − 1``, then the same again:
    ``(2·period,)`` — after ``bos`` if one is given (GPT-2's ``<|endoftext|>``: the first position
    has no previous token, and a head that looks "back" from it can only look at itself). Only an
    induction head can predict the second copy."""
    positive_int(vocab_size, "vocab_size")
    if not 2 <= positive_int(period, "period") <= vocab_size - low:
        raise AttnlabError(f"period must be 2 … {vocab_size - low} (distinct tokens), but got {period}")
    pool = np.setdiff1d(np.arange(low, vocab_size), [] if bos is None else [bos])  # never bos itself
    if period > pool.size:
        raise AttnlabError(f"period must be 2 … {pool.size} (distinct tokens), but got {period}")
    first = np.random.default_rng(seed).choice(pool, size=period, replace=False)
    return np.concatenate([[] if bos is None else [bos], first, first]).astype(np.int64)


def top_heads(scores, k: int = 3) -> list[tuple[tuple[int, int], float]]:
    """The ``k`` highest-scoring heads of ``scores`` ``(n_layers, n_heads)``: ``[((layer, head), score)]``."""
    scores = as_float_array(scores, "scores")
    if scores.ndim != 2:
        raise AttnlabError(f"scores must be (n_layers, n_heads), but got shape {scores.shape}")
    order = np.argsort(-scores, axis=None, kind="stable")[:positive_int(k, "k")]
    rows, cols = np.unravel_index(order, scores.shape)
    return [((int(r), int(c)), float(scores[r, c])) for r, c in zip(rows, cols, strict=True)]


def repeat_accuracy(logits, ids, period: int) -> dict[str, float]:
    """How often the top guess is the next token within the first and within the second copy of a
    repeated sequence (its last ``2·period`` tokens): ``logits`` ``(T, V)``, ``ids`` ``(T,)``. The
    second copy is predictable by copying from the first (what induction heads make possible); the
    first only by chance. The guess of the second copy's first token counts in neither."""
    ids = np.asarray(ids)
    logits = as_float_array(logits, "logits", min_ndim=2)
    start = ids.size - 2 * positive_int(period, "period")
    if logits.shape[0] != ids.size or start < 0 or not (ids[start:start + period] == ids[-period:]).all():
        raise AttnlabError(f"logits {logits.shape} must have one row per token of ids {ids.shape}, whose "
                         f"last 2 × {period} tokens repeat")
    hit = logits[:-1].argmax(axis=-1) == ids[1:]  # position t predicts token t + 1
    return {"first_half": float(hit[start:start + period - 1].mean()),
            "second_half": float(hit[start + period:].mean())}


def probe_heads(attention_of, logits_of, vocab_size: int, period: int = 20, seed: int = 0,
                low: int = 0, bos: int | None = None) -> dict:
    """Run a model on a repeated random sequence and score every head. ``attention_of(ids)`` →
    ``(L, H, T, T)``, ``logits_of(ids)`` → ``(T, V)`` (e.g. a :class:`~attnlab.models.gpt2.GPT2`'s
    ``attention`` and ``logits``). Returns the ``ids``, ``previous_token`` and ``induction`` scores
    ``(L, H)``, their uniform ``baselines`` and the ``repeat_accuracy``."""
    ids = repeated_random_tokens(vocab_size, period, seed, low, bos)
    attention = np.asarray(attention_of(ids.tolist()))
    return {"ids": ids,
            "previous_token": previous_token_scores(attention),
            "induction": induction_scores(attention, ids),
            "baselines": {"previous_token": uniform_baseline(previous_token_mask(ids.size)),
                          "induction": uniform_baseline(induction_mask(ids))},
            "repeat_accuracy": repeat_accuracy(logits_of(ids.tolist()), ids, period)}
