"""Checks for ``06_multi_head``: heads summed, value-ups stacked, a head's entropy.

Expected answers come from :mod:`attnlab.multihead` (tested against ``nn.MultiheadAttention``) and
:func:`attnlab.head_traits.head_traits` (what the head gallery shows).
"""

from __future__ import annotations

import numpy as np

from attnlab.attention import causal_mask, softmax
from attnlab.checks.core import Case, CheckResult, run_check
from attnlab.head_traits import head_traits
from attnlab.multihead import multi_head_attention, stack_value_up

# --- all heads, summed -----------------------------------------------------------------------------


def _heads(rng, n_heads, d_model, d_head):
    maps = [rng.normal(size=(n_heads, d_model, d_head)) for _ in range(3)]
    return (*maps, rng.normal(size=(n_heads, d_head, d_model)))


def _multi_head_cases():
    rng = np.random.default_rng(6)
    one = _heads(rng, 1, 4, 2)
    copies = tuple(np.repeat(w, 4, axis=0) for w in one)  # 4 identical heads
    cases = [
        ("one head: d_model 4, d_head 2", rng.normal(size=(3, 4)), one,
         "one head: scores q·k / √d_head, softmax over each row, weighted sum of values, then value-up."),
        ("3 heads: d_model 6, d_head 2", rng.normal(size=(5, 6)), _heads(rng, 3, 6, 2),
         "each head uses its own slice W_Q[h], W_K[h], W_V_down[h], W_V_up[h]; add the heads' changes."),
        ("4 identical heads", rng.normal(size=(3, 4)), copies,
         "the heads' changes are SUMMED, not averaged: 4 equal heads give 4 × one head's change."),
        ("n_heads × d_head ≠ d_model: 2 heads of 5, d_model 4", rng.normal(size=(4, 4)), _heads(rng, 2, 4, 5),
         "scale the scores by √d_head — the size of the queries — not √d_model."),
        ("one token", rng.normal(size=(1, 6)), _heads(rng, 3, 6, 2),
         "with one token every head's pattern is [[1]]."),
    ]
    return [Case(label, (x, *maps), expected=multi_head_attention(x, *maps)[0], hint=hint)
            for label, x, maps, hint in cases]


MULTI_HEAD_CASES = _multi_head_cases()


def check_multi_head(fn) -> CheckResult:
    """Check ``multi_head(x, W_Q, W_K, W_V_down, W_V_up)`` → the heads' changes summed, ``(T, d_model)``
    (no mask)."""
    return run_check("multi_head", fn, MULTI_HEAD_CASES)


# --- the value-ups, stacked ------------------------------------------------------------------------

_STACK_HINT = ("head h's value-up map (d_head × d_model) becomes rows h·d_head … (h+1)·d_head − 1: "
               "put the heads' matrices one ON TOP of the other (np.concatenate along axis 0, or reshape).")
_STACKS = [
    ("2 heads, d_head 3, d_model 4", (2, 3, 4), _STACK_HINT),
    ("1 head: W_O is its value-up", (1, 2, 5), "with one head the output matrix is that head's value-up."),
    ("4 heads, d_head 1", (4, 1, 3), _STACK_HINT),
    ("3 heads, d_head 2, d_model 2", (3, 2, 2),
     "keep each head's rows together, in head order — do not interleave the heads."),
]
STACK_CASES = [Case(label, (np.arange(np.prod(shape), dtype=float).reshape(shape),),
                    expected=stack_value_up(np.arange(np.prod(shape), dtype=float).reshape(shape)), hint=hint)
               for label, shape, hint in _STACKS]


def check_stack_value_ups(fn) -> CheckResult:
    """Check ``stack_value_ups(W_V_up)``: ``(n_heads, d_head, d_model)`` → ``W_O (n_heads·d_head,
    d_model)``."""
    return run_check("stack_value_ups", fn, STACK_CASES)


# --- a head's entropy -------------------------------------------------------------------------------

_ZERO_HINT = ("a weight of 0 contributes 0 (the limit of p·log p): leave zero weights out, "
              "e.g. with np.where(pattern > 0, pattern * np.log2(pattern), 0).")


def _entropy_cases():
    rng = np.random.default_rng(7)
    causal = causal_mask(5)
    cases = [
        ("uniform rows over 4 keys", np.full((4, 4), 0.25),
         "entropy in BITS: use np.log2; a row spread evenly over 4 keys has 2 bits."),
        ("each token only on itself (identity)", np.eye(3), _ZERO_HINT),
        ("a causal pattern, uniform over the past", causal / causal.sum(axis=1, keepdims=True), _ZERO_HINT),
        ("a random pattern (6, 6)", softmax(rng.normal(size=(6, 6)) * 2),
         "average the rows' entropies (np.mean), do not add them up."),
        ("one token", np.ones((1, 1)), ""),
    ]
    return [Case(label, (p,), expected=head_traits(p)["entropy_bits"], hint=hint) for label, p, hint in cases]


ENTROPY_CASES = _entropy_cases()


def check_head_entropy(fn) -> CheckResult:
    """Check ``head_entropy(pattern)``: the mean over rows of −Σ_j p_ij log2 p_ij, in bits."""
    return run_check("head_entropy", fn, ENTROPY_CASES)
