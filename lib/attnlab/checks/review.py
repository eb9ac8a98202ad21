"""Checks for ``12_review``: one attention head's whole update, lessons 02–05 in one function."""

from __future__ import annotations

import numpy as np

from attnlab.checks.core import Case, CheckResult, run_check
from attnlab.multihead import head_update


def _case(label, seed, T, d_model, d_head, causal, scale=1.0, hint=""):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(T, d_model)) * scale
    weights = [rng.normal(size=shape) / np.sqrt(d_model) for shape in
               ((d_model, d_head), (d_model, d_head), (d_model, d_head), (d_head, d_model))]
    args = (x, *weights, causal)
    return Case(label, args, expected=head_update(*args), hint=hint)


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
    return run_check("head_update", fn, HEAD_UPDATE_CASES)
