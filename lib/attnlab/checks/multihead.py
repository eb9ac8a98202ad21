"""Checks for ``06_multi_head``: heads summed, value-ups stacked, a head's entropy.

Expected answers come from :mod:`attnlab.multihead` (tested against ``nn.MultiheadAttention``) and
:func:`attnlab.head_traits.head_traits` (what the head gallery shows); each exercise's usual mistakes
are catalogued below (:mod:`attnlab.checks.mistakes`) and named when a learner makes one.
"""

from __future__ import annotations

import math

import numpy as np

from attnlab.attention import causal_mask, softmax
from attnlab.checks.compare import compare_values
from attnlab.checks.core import CheckResult, run_check
from attnlab.checks.mistakes import Mistake, cases, recognising
from attnlab.head_traits import head_traits
from attnlab.multihead import multi_head_attention, stack_value_up

# --- all heads, summed -----------------------------------------------------------------------------


def heads(x, W_Q, W_K, W_V_down, W_V_up, scale=None, axis=-1, up=True) -> list[np.ndarray]:
    """Each head's change ``(T, C)`` (or, ``up=False``, its output before value-up ``(T, D)``), with
    the knobs the usual mistakes turn: the scale (default √d_head) and the softmax axis."""
    scale = math.sqrt(W_Q.shape[-1]) if scale is None else scale
    out = []
    for h in range(len(W_Q)):
        scores = (x @ W_Q[h]) @ (x @ W_K[h]).T / scale  # (T, T)
        y = softmax(scores, axis=axis) @ (x @ W_V_down[h])  # (T, D)
        out.append(y @ W_V_up[h] if up else y)  # (T, C)
    return out


MULTI_HEAD_MISTAKES = [
    Mistake("That averages the heads: their changes are SUMMED — H equal heads give H × one head's change.",
            lambda x, *w: sum(heads(x, *w)) / len(w[0])),
    Mistake("That adds x: multi_head returns only the change, the heads' sum — the residual x + change "
            "comes later, in the block.", lambda x, *w: x + sum(heads(x, *w))),
    Mistake("That scales by √d_model: scale each head's scores by √d_head, the size of its queries "
            "(W_Q.shape[-1]).", lambda x, *w: sum(heads(x, *w, scale=math.sqrt(x.shape[-1])))),
    Mistake("That skips the scale: divide each head's scores by √d_head.",
            lambda x, *w: sum(heads(x, *w, scale=1.0))),
    Mistake("That is head 0 alone: add every head's change, for h in range(n_heads).",
            lambda x, *w: heads(x, *w)[0]),
    Mistake("That is a softmax over each COLUMN: each query's ROW of weights sums to 1 (axis=-1).",
            lambda x, *w: sum(heads(x, *w, axis=0))),
    Mistake("That is the heads' outputs before value-up: map each back to d_model with W_V_up[h].",
            lambda x, *w: sum(heads(x, *w, up=False))),
]


def _heads(rng, n_heads, d_model, d_head):
    maps = [rng.normal(size=(n_heads, d_model, d_head)) for _ in range(3)]
    return (*maps, rng.normal(size=(n_heads, d_head, d_model)))


def _multi_head_rows():
    rng = np.random.default_rng(6)
    one = _heads(rng, 1, 4, 2)
    copies = tuple(np.repeat(w, 4, axis=0) for w in one)  # 4 identical heads
    return [
        ("one head: d_model 4, d_head 2", (rng.normal(size=(3, 4)), *one),
         "one head: scores q·k / √d_head, softmax over each row, weighted sum of values, then value-up."),
        ("3 heads: d_model 6, d_head 2", (rng.normal(size=(5, 6)), *_heads(rng, 3, 6, 2)),
         "each head uses its own slice W_Q[h], W_K[h], W_V_down[h], W_V_up[h]; add the heads' changes."),
        ("4 identical heads", (rng.normal(size=(3, 4)), *copies),
         "4 equal heads give 4 × one head's change."),
        ("n_heads × d_head ≠ d_model: 2 heads of 5, d_model 4",
         (rng.normal(size=(4, 4)), *_heads(rng, 2, 4, 5)),
         "the heads' width need not match d_model."),
        ("one token", (rng.normal(size=(1, 6)), *_heads(rng, 3, 6, 2)),
         "with one token every head's pattern is [[1]]."),
    ]


MULTI_HEAD_CASES = cases(lambda *a: multi_head_attention(*a)[0], MULTI_HEAD_MISTAKES, _multi_head_rows(),
                         compare=compare_values)


def check_multi_head(fn) -> CheckResult:
    """Check ``multi_head(x, W_Q, W_K, W_V_down, W_V_up)`` → the heads' changes summed, ``(T, d_model)``
    (no mask)."""
    return run_check("multi_head", fn, MULTI_HEAD_CASES, compare=recognising(compare_values))


# --- the value-ups, stacked ------------------------------------------------------------------------

_STACK_HINT = ("head h's value-up map (d_head × d_model) becomes rows h·d_head … (h+1)·d_head − 1: "
               "put the heads' matrices one ON TOP of the other (np.concatenate along axis 0, or reshape).")
STACK_MISTAKES = [
    Mistake("That interleaves the heads: keep each head's d_head rows together, head 0 on top — "
            "W_V_up.reshape(n_heads * d_head, d_model).",
            lambda W: W.transpose(1, 0, 2).reshape(-1, W.shape[-1])),
    Mistake("That puts the heads side by side (axis 1): stack them one ON TOP of the other, "
            "np.concatenate(list(W_V_up), axis=0).", lambda W: np.concatenate(list(W), axis=1)),
    Mistake("That adds the heads' value-ups together: W_O keeps each head's own rows, "
            "(n_heads·d_head, d_model).", lambda W: W.sum(axis=0)),
    Mistake("That stacks the heads in reverse: head 0's rows come first.",
            lambda W: W[::-1].reshape(-1, W.shape[-1])),
]
_STACKS = [
    ("2 heads, d_head 3, d_model 4", (2, 3, 4), _STACK_HINT),
    ("1 head: W_O is its value-up", (1, 2, 5), "with one head the output matrix is that head's value-up."),
    ("4 heads, d_head 1", (4, 1, 3), _STACK_HINT),
    ("3 heads, d_head 2, d_model 2", (3, 2, 2), "keep each head's rows together, in head order."),
]
STACK_CASES = cases(stack_value_up, STACK_MISTAKES,
                    [(label, (np.arange(np.prod(shape), dtype=float).reshape(shape),), hint)
                     for label, shape, hint in _STACKS], compare=compare_values)


def check_stack_value_ups(fn) -> CheckResult:
    """Check ``stack_value_ups(W_V_up)``: ``(n_heads, d_head, d_model)`` → ``W_O (n_heads·d_head,
    d_model)``."""
    return run_check("stack_value_ups", fn, STACK_CASES, compare=recognising(compare_values))


# --- a head's entropy -------------------------------------------------------------------------------

_ZERO_HINT = ("a weight of 0 contributes 0 (the limit of p·log p): leave zero weights out, "
              "e.g. with np.where(pattern > 0, pattern * np.log2(pattern), 0).")


def _plogp(p, log=np.log2):
    return np.where(p > 0, p * log(np.where(p > 0, p, 1.0)), 0.0)


ENTROPY_MISTAKES = [
    Mistake("That is in nats (np.log): the entropy in BITS uses np.log2.",
            lambda p: np.mean(-_plogp(p, np.log).sum(axis=-1))),
    Mistake("That adds the rows' entropies: average them over the queries (np.mean).",
            lambda p: np.sum(-_plogp(p).sum(axis=-1))),
    Mistake("That is negative: entropy is −Σ p log2 p (mind the minus).",
            lambda p: np.mean(_plogp(p).sum(axis=-1))),
    Mistake("That is NaN because 0 · log2(0) is 0 · -inf: a zero weight contributes 0 — "
            "np.where(pattern > 0, pattern * np.log2(pattern), 0).",
            lambda p: np.mean(-(p * np.log2(p)).sum(axis=-1))),
    Mistake("That is each row's entropy: the head's entropy is their mean, one number.",
            lambda p: -_plogp(p).sum(axis=-1)),
    Mistake("That averages over every weight: sum −p log2 p over the keys (each row), then average the rows.",
            lambda p: np.mean(-_plogp(p))),
]


def _entropy_rows():
    rng = np.random.default_rng(7)
    causal = causal_mask(5)
    return [
        ("uniform rows over 4 keys", (np.full((4, 4), 0.25),),
         "entropy in BITS: a row spread evenly over 4 keys has 2 bits."),
        ("each token only on itself (identity)", (np.eye(3),), _ZERO_HINT),
        ("a causal pattern, uniform over the past", (causal / causal.sum(axis=1, keepdims=True),),
         _ZERO_HINT),
        ("a random pattern (6, 6)", (softmax(rng.normal(size=(6, 6)) * 2),),
         "the mean over rows of −Σ_j p_ij log2 p_ij."),
        ("one token", (np.ones((1, 1)),), ""),
    ]


ENTROPY_CASES = cases(lambda p: head_traits(p)["entropy_bits"], ENTROPY_MISTAKES, _entropy_rows(),
                      compare=compare_values)


def check_head_entropy(fn) -> CheckResult:
    """Check ``head_entropy(pattern)``: the mean over rows of −Σ_j p_ij log2 p_ij, in bits."""
    return run_check("head_entropy", fn, ENTROPY_CASES, compare=recognising(compare_values))


CATALOGUES = {"multi_head": (check_multi_head, MULTI_HEAD_MISTAKES),
              "stack_value_ups": (check_stack_value_ups, STACK_MISTAKES),
              "head_entropy": (check_head_entropy, ENTROPY_MISTAKES)}
