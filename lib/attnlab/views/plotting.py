"""Pictures the lessons share: one look for every attention pattern in the course.

Each function draws on a given matplotlib ``ax`` (or a new one) and returns the ``ax`` (or the
figure); end a notebook cell with ``;`` or ``plt.show()`` so no object repr lands in the stored
outputs. Patterns that are *compared* share one colour scale and carry a colour bar
(:func:`plot_patterns`): a weight of 1/8 is the same blue in every panel.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from attnlab.errors import AttnlabError
from attnlab.validate import as_float_array

WEIGHT_LABEL = "attention weight"


def _check_labels(pattern: np.ndarray, query_tokens, key_tokens) -> None:
    for name, tokens, n in (("query_tokens", query_tokens, pattern.shape[0]),
                            ("key_tokens", key_tokens, pattern.shape[1])):
        if tokens is not None and len(tokens) != n:
            raise AttnlabError(f"{name} has {len(tokens)} labels but the pattern axis has {n}")


def _as_pattern(pattern, name: str = "pattern") -> np.ndarray:
    pattern = as_float_array(pattern, name)
    if pattern.ndim != 2:
        raise AttnlabError(f"{name} must be 2-D (Tq, Tk), but has shape {pattern.shape}")
    return pattern


def plot_pattern(pattern, query_tokens=None, key_tokens=None, ax=None, title=None, cmap="Blues",
                 vmax: float | None = None, colorbar: bool = False, fontsize: float | None = None):
    """Heatmap of an attention pattern ``(Tq, Tk)``: row = the query, column = the key it weighs.

    Token labels are optional; when given, their counts must match the pattern's axes. The colour
    scale runs from 0 to ``vmax`` (default: this pattern's largest weight); ``colorbar=True`` adds
    its colour bar.
    """
    pattern = _as_pattern(pattern)
    _check_labels(pattern, query_tokens, key_tokens)
    if ax is None:
        _, ax = plt.subplots(figsize=(0.5 * pattern.shape[1] + 2, 0.5 * pattern.shape[0] + 1))
    top = max(1e-12, float(np.max(pattern))) if vmax is None else float(vmax)
    image = ax.imshow(pattern, cmap=cmap, vmin=0, vmax=top)
    ax.set_xlabel("key (attended to)")
    ax.set_ylabel("query (attending)")
    if key_tokens is not None:
        ax.set_xticks(range(len(key_tokens)), key_tokens, rotation=90, fontsize=fontsize)
    if query_tokens is not None:
        ax.set_yticks(range(len(query_tokens)), query_tokens, fontsize=fontsize)
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label=WEIGHT_LABEL, fraction=0.046, pad=0.04)
    return ax


def plot_patterns(patterns, query_tokens=None, key_tokens=None, titles=None, vmax: float = 1.0,
                  cmap="Blues", ncols: int | None = None, size: float = 3.2, suptitle=None, fig=None):
    """Several patterns ``(n, Tq, Tk)`` side by side on ONE colour scale, 0 … ``vmax`` (default 1, the
    largest a weight can be), with one colour bar — so equal weights look equal in every panel.

    Token labels go on the outer panels only (the left column's rows, the bottom row's columns).
    Returns the figure (``fig`` if given, a :class:`matplotlib.figure.Figure` or pyplot figure).
    """
    patterns = [_as_pattern(p, f"patterns[{i}]") for i, p in enumerate(patterns)]
    if not patterns:
        raise AttnlabError("patterns is empty: give at least one (Tq, Tk) pattern")
    if titles is not None and len(titles) != len(patterns):
        raise AttnlabError(f"titles has {len(titles)} entries for {len(patterns)} patterns")
    if not vmax > 0:
        raise AttnlabError(f"vmax must be > 0, but got {vmax}")
    ncols = min(len(patterns), ncols or len(patterns))
    nrows = -(-len(patterns) // ncols)
    fig = fig or plt.figure(figsize=(size * ncols + 1.2, size * nrows + 0.6))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    fontsize = 7 if max(p.shape[1] for p in patterns) > 10 else None
    for i, ax in enumerate(axes):
        if i >= len(patterns):
            ax.axis("off")
            continue
        row, col = divmod(i, ncols)
        bottom = i + ncols >= len(patterns)
        plot_pattern(patterns[i], query_tokens if col == 0 else None, key_tokens if bottom else None, ax=ax,
                     title=None if titles is None else titles[i], cmap=cmap, vmax=vmax, fontsize=fontsize)
        if col:
            ax.set_ylabel("")
            if query_tokens is not None:
                ax.set_yticks([])
        if not bottom:
            ax.set_xlabel("")
            if key_tokens is not None:
                ax.set_xticks([])
    fig.colorbar(axes[0].images[0], ax=list(axes[:len(patterns)]), label=WEIGHT_LABEL, shrink=0.8)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def plot_query_key_arrows(queries: dict, keys: dict, ax=None, title=None):
    """3Blue1Brown's geometric picture: queries and keys as arrows in one 2-D key/query space.

    ``queries`` and ``keys`` map a token to its 2-D vector; a query and a key whose arrows point the
    same way have a large dot product — that key matters to that query. Queries are drawn solid,
    keys dashed, each labelled at its tip.
    """
    vectors = {**{f"q {t}": v for t, v in queries.items()}, **{f"k {t}": v for t, v in keys.items()}}
    for name, v in vectors.items():
        if np.shape(v) != (2,):
            raise AttnlabError(f"{name!r} must be a 2-D vector (2,), but has shape {np.shape(v)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5.5))
    limit = 1.15 * max(float(np.abs(v).max()) for v in vectors.values())
    for kind, group, style in (("query", queries, "-"), ("key", keys, "--")):
        colour = "tab:orange" if kind == "query" else "tab:blue"
        for tokens, v in _same_arrows(group):
            ax.annotate("", xy=v, xytext=(0, 0), arrowprops={"arrowstyle": "->", "color": colour,
                                                             "linestyle": style, "linewidth": 2})
            names = ", ".join(f"“{t}”" for t in tokens)
            ax.text(v[0] * 1.04, v[1] * 1.04, f"{kind} of {names}", color=colour, fontsize=9)
    ax.axhline(0, color="gray", linewidth=0.5)
    ax.axvline(0, color="gray", linewidth=0.5)
    ax.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal",
           xlabel="key/query dimension 0", ylabel="key/query dimension 1")
    if title:
        ax.set_title(title)
    return ax


def _same_arrows(vectors: dict) -> list[tuple[list[str], np.ndarray]]:
    """Tokens whose vectors are equal share one arrow (and one label): [(tokens, vector), ...]."""
    groups: list[tuple[list[str], np.ndarray]] = []
    for token, v in vectors.items():
        v = np.asarray(v, dtype=float)
        for names, w in groups:
            if np.allclose(v, w):
                names.append(token)
                break
        else:
            groups.append(([token], v))
    return groups


def plot_comparison(comparison, layer: int | None = None, head: int | None = None):
    """A learner's attention pattern beside the course's, from ``yours.compare(...)``: at the first
    place they differ (or layer 0, head 0) unless ``layer``/``head`` are given. Returns the figure."""
    layer, head, tokens, yours, course = comparison.at(layer, head)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4), layout="constrained")
    # With none of the learner's functions yet, the left picture is the course's too, and says so.
    whose = "yours" if comparison.yours else "the course's (none of yours yet)"
    plot_pattern(yours, tokens, tokens, ax=axes[0], title=f"{whose}: layer {layer}, head {head}")
    plot_pattern(course, tokens, tokens, ax=axes[1], title=f"the course's: layer {layer}, head {head}")
    return fig


def plot_extrapolation(figures: dict, ax=None):
    """Held-out next-word accuracy at each position for each way of giving positions (the dict of
    :func:`attnlab.models.positional_gpt.ablation`), the positions beyond the trained length shaded."""
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.2))
    length = figures["settings"]["length"]
    for result in figures["results"]:
        accuracy = np.asarray(result["accuracy_by_position"])
        ax.plot(np.arange(len(accuracy)), accuracy, marker=".", label=result["positions"])
    ax.axvspan(length - 0.5, 2 * length - 0.5, color="0.92", zorder=0)
    ax.text(2 * length - 1, 0.95, "beyond the trained length", ha="right", va="top", fontsize=9)
    ax.set(xlabel="position in the held-out text", ylabel="next-word accuracy", ylim=(0, 1.2),
           yticks=np.linspace(0, 1, 6), title=f"trained on {length} words, read on {2 * length}")
    ax.legend(loc="upper left", ncol=4, fontsize=9)
    return ax
