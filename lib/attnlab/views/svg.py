"""Attention pictures as SVG text: what the widgets redraw on every move of a control.

A widget redraws in a few milliseconds by sending the browser a small SVG string (an
``ipywidgets.HTML`` value) instead of a rendered image. The same weights that matplotlib draws in
:mod:`attnlab.views.plotting` for the stored, static pictures; one look: blue = weight, darker = more.

Every cell, line and bar carries its weight in ``data-weight`` (and a ``<title>`` tooltip), so a
test — or a browser test — can read what is shown.
"""

from __future__ import annotations

from functools import cache
from html import escape

import numpy as np
from matplotlib import colormaps

from attnlab.errors import AttnlabError
from attnlab.validate import as_float_array

CELL = 22  # px per heatmap cell
FONT = 'font-family="sans-serif" font-size="11"'
MASKED = "#e6e6e6"


@cache
def _blues() -> np.ndarray:
    """The Blues colour scale as 256 hex strings, white (0) to dark blue (255): computed once."""
    rgb = np.round(colormaps["Blues"](np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(int)
    return np.array([f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb])


def colours(weights, vmax=None) -> np.ndarray:
    """Hex colours ``(...)`` for ``weights`` ``(...)`` on the Blues scale, 0 → white, vmax → dark."""
    weights = np.asarray(weights, dtype=float)
    vmax = float(np.max(weights, initial=0.0)) if vmax is None else vmax
    steps = np.round(np.clip(weights / max(vmax, 1e-12), 0.0, 1.0) * 255).astype(int)
    return _blues()[steps]


def _labels(tokens, n: int, name: str) -> list[str]:
    if tokens is None:
        return [str(i) for i in range(n)]
    if len(tokens) != n:
        raise AttnlabError(f"{name} has {len(tokens)} labels but the pattern axis has {n}")
    return [escape(str(t)) for t in tokens]


def heatmap_svg(pattern, query_tokens=None, key_tokens=None, *, selected=None, masked=None,
                cell: int = CELL, labels: bool = True, title: str | None = None) -> str:
    """The pattern ``(Tq, Tk)`` as a grid: row = query, column = key, darker = more weight.

    ``selected`` (a query index) outlines that row; ``masked`` ``(Tq, Tk)`` bool greys out the
    cells a mask removed. ``labels=False`` draws a thumbnail without token labels.
    """
    pattern = as_float_array(pattern, "pattern")
    if pattern.ndim != 2:
        raise AttnlabError(f"pattern must be 2-D (Tq, Tk), but has shape {pattern.shape}")
    n_q, n_k = pattern.shape
    rows, cols = _labels(query_tokens, n_q, "query_tokens"), _labels(key_tokens, n_k, "key_tokens")
    if masked is not None and np.shape(masked) != pattern.shape:
        raise AttnlabError(f"masked has shape {np.shape(masked)} but the pattern has {pattern.shape}")
    left = 8 + 7 * max(map(len, rows)) if labels else 0
    top = (8 + 7 * max(map(len, cols)) if labels else 0) + (16 if title else 0)
    fill = colours(pattern).tolist()  # plain Python lists: the loop below runs T² times per redraw
    weights = pattern.tolist()
    gone = masked.tolist() if masked is not None else [[False] * n_k] * n_q
    parts = []
    if title:
        parts.append(f'<text x="0" y="12" {FONT} font-weight="bold">{escape(title)}</text>')
    for i in range(n_q):
        for j in range(n_k):
            x, y, w = left + j * cell, top + i * cell, weights[i][j]
            tip = f"<title>{rows[i]} → {cols[j]}: {w:.3f}</title>" if labels else ""
            parts.append(
                f'<rect class="cell" x="{x}" y="{y}" width="{cell}" height="{cell}" '
                f'fill="{MASKED if gone[i][j] else fill[i][j]}" data-weight="{w:.4f}">{tip}</rect>')
            if gone[i][j]:
                parts.append(f'<path d="M{x},{y}L{x + cell},{y + cell}" stroke="#999"/>')
    if labels:
        for i, label in enumerate(rows):
            parts.append(f'<text x="{left - 4}" y="{top + i * cell + cell * 0.7:.1f}" text-anchor="end" '
                         f"{FONT}>{label}</text>")
        for j, label in enumerate(cols):
            x, y = left + j * cell + cell * 0.7, top - 4
            parts.append(f'<text x="{x:.1f}" y="{y}" transform="rotate(-90 {x:.1f} {y})" {FONT}>'
                         f"{label}</text>")
    if selected is not None:
        parts.append(f'<rect x="{left}" y="{top + selected * cell}" width="{n_k * cell}" height="{cell}" '
                     'fill="none" stroke="#d62728" stroke-width="2"/>')
    return _svg(left + n_k * cell + 2, top + n_q * cell + 2, parts, "heatmap")


def token_lines_svg(query_tokens, key_tokens, weights, selected: int, *, width: int = 260) -> str:
    """Lines from the selected query token (left) to every key token (right), thicker and darker
    for more weight: where that token's attention goes. ``weights`` ``(Tk,)`` is its pattern row."""
    weights = as_float_array(weights, "weights")
    q_labels = _labels(query_tokens, len(query_tokens), "query_tokens")
    k_labels = _labels(key_tokens, weights.shape[0], "key_tokens")
    if not 0 <= selected < len(q_labels):
        raise AttnlabError(f"selected must index a query token (0..{len(q_labels) - 1}), got {selected}")
    step, x0, x1 = 18, 4 + 7 * max(map(len, q_labels)), width - 4 - 7 * max(map(len, k_labels))
    vmax = max(float(weights.max(initial=0.0)), 1e-12)
    parts = []
    for j, w in enumerate(weights):
        parts.append(
            f'<line class="link" x1="{x0 + 4}" y1="{selected * step + 13}" '
            f'x2="{x1 - 4}" y2="{j * step + 13}" '
            f'stroke="#1f77b4" stroke-width="{1 + 6 * w / vmax:.2f}" stroke-opacity="{w / vmax:.3f}" '
            f'data-weight="{w:.4f}"><title>{k_labels[j]}: {w:.3f}</title></line>')
    for i, label in enumerate(q_labels):
        colour = ' fill="#d62728" font-weight="bold"' if i == selected else ""
        parts.append(f'<text x="{x0}" y="{i * step + 17}" text-anchor="end" {FONT}{colour}>{label}</text>')
    for j, label in enumerate(k_labels):
        parts.append(f'<text x="{x1}" y="{j * step + 17}" {FONT}>{label}</text>')
    return _svg(width, max(len(q_labels), len(k_labels)) * step + 8, parts, "lines")


def bars_svg(labels, values, *, title: str = "", width: int = 240, fmt: str = "{:.3f}") -> str:
    """Horizontal bars, one per label, with the value written beside each (weights, scores)."""
    values = as_float_array(values, "values")
    names = _labels(labels, values.shape[0], "labels")
    step, left = 18, 8 + 7 * max(map(len, names))
    span = max(float(np.abs(values).max(initial=0.0)), 1e-12)
    room = width - left - 50
    parts = [f'<text x="0" y="12" {FONT} font-weight="bold">{escape(title)}</text>'] if title else []
    top = 18 if title else 0
    for i, (name, v) in enumerate(zip(names, values, strict=True)):
        y = top + i * step
        length = room * abs(v) / span
        parts.append(f'<text x="{left - 4}" y="{y + 13}" text-anchor="end" {FONT}>{name}</text>')
        parts.append(f'<rect class="bar" x="{left}" y="{y + 3}" width="{length:.1f}" height="{step - 6}" '
                     f'fill="{"#1f77b4" if v >= 0 else "#ff7f0e"}" data-weight="{v:.4f}"/>')
        parts.append(f'<text class="value" x="{left + length + 4:.1f}" y="{y + 13}" {FONT}>'
                     f"{fmt.format(v)}</text>")
    return _svg(width, top + len(names) * step + 4, parts, "bars")


def _svg(width: float, height: float, parts: list[str], kind: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="attnlab-{kind}" width="{width:.0f}" '
            f'height="{height:.0f}">' + "".join(parts) + "</svg>")
