"""Checks for ``13_review``: one attention head's whole update, lessons 02–05 in one function, and its
usual mistakes (:mod:`attnlab.checks.mistakes`)."""

from __future__ import annotations

import numpy as np

from attnlab.attention import causal_mask, softmax
from attnlab.checks.compare import compare_values
from attnlab.checks.core import Case, CheckResult, run_check
from attnlab.checks.mistakes import Mistake, expect, recognising
from attnlab.multihead import head_update


def _slipped(x, W_Q, W_K, W_V_down, W_V_up, causal=True, scale=None, residual=True, mask="before"):
    """head_update with the knobs the usual mistakes turn: the scale, the residual, where the mask goes."""
    scores = (x @ W_Q) @ (x @ W_K).T / np.sqrt(W_Q.shape[-1] if scale is None else scale)  # (T, T)
    allowed = causal_mask(len(x)) if causal else np.ones((len(x), len(x)), dtype=bool)
    if mask == "before":
        pattern = softmax(np.where(allowed, scores, -np.inf))
    elif mask == "after":
        pattern = softmax(scores) * allowed
    else:  # "always": causal whatever the flag says
        pattern = softmax(np.where(causal_mask(len(x)), scores, -np.inf))
    change = pattern @ (x @ W_V_down) @ W_V_up  # (T, d_model)
    return x + change if residual else change


HEAD_UPDATE_MISTAKES = [
    Mistake("That is only the change: the update adds it to x, x + change.",
            lambda *a: _slipped(*a, residual=False)),
    Mistake("That ignores causal=True: set the future keys' scores (j > i) to -inf before softmax.",
            lambda x, *w: _slipped(x, *w[:4], causal=False)),
    Mistake("That zeroes the future weights AFTER softmax, so the rows no longer sum to 1: set their "
            "SCORES to -inf before it.", lambda *a: _slipped(*a, mask="after")),
    Mistake("That scales by √d_model: the scale is √d_head, the size of the query/key space (W_Q.shape[-1]).",
            lambda *a: _slipped(*a, scale=a[0].shape[-1])),
    Mistake("That skips the scale: divide the scores by √d_head.", lambda *a: _slipped(*a, scale=1.0)),
    Mistake("That masks even with causal=False: then every token may attend every token.",
            lambda *a: _slipped(*a, mask="always")),
]


def _case(label, seed, T, d_model, d_head, causal, scale=1.0, hint=""):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, d_model)) * scale
    weights = [rng.normal(size=shape) / np.sqrt(d_model) for shape in
               ((d_model, d_head), (d_model, d_head), (d_model, d_head), (d_head, d_model))]
    args = (x, *weights, causal)
    expected = expect(head_update(*args), HEAD_UPDATE_MISTAKES, args, compare=compare_values)
    return Case(label, args, expected=expected, hint=hint)


HEAD_UPDATE_CASES = [
    _case("4 tokens, d_model 6, d_head 3, causal", 0, 4, 6, 3, True,
          hint="queries x W_Q and keys x W_K, scores q·k / √d_head, mask, softmax over the keys, "
               "then the weighted sum of the values x W_V_down, mapped up by W_V_up — and added to x."),
    _case("the same without the mask", 1, 4, 6, 3, False,
          hint="causal=False: every token may attend every token."),
    _case("one token: it can only attend itself", 2, 1, 5, 2, True,
          hint="with one token the weight is 1, so the change is x W_V_down W_V_up."),
    _case("d_head 2 ≠ d_model 8: which √d?", 3, 5, 8, 2, True,
          hint="scale the scores by √d_head, the size of the query/key space, not √d_model."),
    _case("large embeddings (scores in the thousands)", 4, 6, 4, 4, True, scale=25.0,
          hint="a stable softmax subtracts each row's max before exp (attnlab.attention.softmax does)."),
    _case("the last token sees everything, the first only itself", 5, 7, 6, 3, True,
          hint="the causal mask forbids keys after the query: set their scores to -inf before softmax, "
               "not their weights to 0 after it."),
]


def check_head_update(fn) -> CheckResult:
    """Check ``head_update(x, W_Q, W_K, W_V_down, W_V_up, causal=True) -> (T, d_model)``."""
    return run_check("head_update", fn, HEAD_UPDATE_CASES, compare=recognising(compare_values))


CATALOGUES = {"head_update": (check_head_update, HEAD_UPDATE_MISTAKES)}
