"""Pictures the lessons share: one look for every attention pattern in the course.

Each function draws on a given matplotlib ``ax`` (or a new one) and returns the ``ax``; end a
notebook cell with ``;`` or ``plt.show()`` so no object repr lands in the stored outputs.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from attnlab.validate import as_float_array


def plot_pattern(pattern, query_tokens=None, key_tokens=None, ax=None, title=None, cmap="Blues"):
    """Heatmap of an attention pattern ``(Tq, Tk)``: row = the query, column = the key it weighs.

    Token labels are optional; when given, their counts must match the pattern's axes.
    """
    pattern = as_float_array(pattern, "pattern")
    if pattern.ndim != 2:
        raise ValueError(f"pattern must be 2-D (Tq, Tk), but has shape {pattern.shape}")
    for name, tokens, n in (("query_tokens", query_tokens, pattern.shape[0]),
                            ("key_tokens", key_tokens, pattern.shape[1])):
        if tokens is not None and len(tokens) != n:
            raise ValueError(f"{name} has {len(tokens)} labels but the pattern axis has {n}")
    if ax is None:
        _, ax = plt.subplots(figsize=(0.5 * pattern.shape[1] + 2, 0.5 * pattern.shape[0] + 1))
    ax.imshow(pattern, cmap=cmap, vmin=0, vmax=max(1e-12, float(np.max(pattern))))
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    if key_tokens is not None:
        ax.set_xticks(range(len(key_tokens)), key_tokens, rotation=90)
    if query_tokens is not None:
        ax.set_yticks(range(len(query_tokens)), query_tokens)
    if title:
        ax.set_title(title)
    return ax
