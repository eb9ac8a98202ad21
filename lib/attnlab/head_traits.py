"""What tells attention heads apart, measured on a pattern.

Three numbers read off a pattern ``(T_q, T_k)`` (rows sum to 1): how spread its rows are (entropy in
bits), how far back a query looks on average, and how much weight lands on the first token. The head
gallery (lesson 06) shows them, and a check compares the learner's head_entropy with them."""

from __future__ import annotations

import numpy as np

from attnlab.validate import as_float_array


def head_traits(pattern) -> dict[str, float]:
    """What tells heads apart, measured on a pattern ``(T, T)``: the average entropy of a row (in
    bits: 0 = always one token, log2 T = spread evenly), how far back from itself a token looks on
    average (negative = ahead), and the share of weight on the first token."""
    pattern = as_float_array(pattern, "pattern", min_ndim=2)
    n = pattern.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.nansum(np.where(pattern > 0, pattern * np.log2(pattern), 0.0), axis=-1)
    offset = np.arange(pattern.shape[-2])[:, None] - np.arange(n)[None, :]  # (Tq, Tk): query - key
    return {"entropy_bits": float(entropy.mean()),
            "looks_back": float((pattern * offset).sum(-1).mean()),
            "first_token": float(pattern[..., 0].mean())}

