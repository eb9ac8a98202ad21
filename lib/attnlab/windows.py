"""Sliding-window attention: each token sees only the last W tokens (NumPy reference).

Mistral 7B, Gemma 2/3 (every other layer or five of six), GPT-3 (half its layers: "locally banded")
and nanochat let query i attend keys ``i − W < j ≤ i`` only — a **band** below the diagonal of the
causal mask. The KV cache then holds W positions, not the whole context, and a layer costs T·W, not
T². Nothing is lost for good: layer 2 reads layer 1's outputs, each already a summary of W tokens,
so after L layers a token can be reached from up to ``L · (W − 1)`` positions back — the
**receptive field** grows with depth. With W ≥ T the band is the whole triangle: full causal
attention. The test oracle is ``transformers``' ``MistralAttention`` with ``sliding_window``.
"""

from __future__ import annotations

import numpy as np

from attnlab.attention import causal_mask
from attnlab.validate import positive_int


def sliding_window_mask(n_queries: int, window: int, n_keys: int | None = None) -> np.ndarray:
    """Bool ``(Tq, Tk)``, True where query i may attend key j: ``i − window < j ≤ i`` (itself and the
    ``window − 1`` tokens before it)."""
    window = positive_int(window, "window")
    mask = causal_mask(n_queries, n_keys)
    i, j = np.indices(mask.shape)
    return mask & (i - j < window)


def receptive_field(n_layers: int, window: int, n_tokens: int) -> np.ndarray:
    """Which earlier positions can reach each position after ``n_layers`` windowed layers: bool
    ``(T, T)`` — the mask multiplied by itself ``n_layers`` times (paths through the layers)."""
    mask = sliding_window_mask(n_tokens, window).astype(np.int64)
    reach = np.eye(n_tokens, dtype=np.int64)
    for _ in range(positive_int(n_layers, "n_layers")):
        reach = np.minimum(mask @ reach, 1)
    return reach.astype(bool)


def farthest_reach(n_layers: int, window: int) -> int:
    """How many positions back the last layer can see: ``n_layers · (window − 1)``."""
    return positive_int(n_layers, "n_layers") * (positive_int(window, "window") - 1)
