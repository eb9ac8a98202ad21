"""Two controls on one idea each: softmax's temperature, and the causal mask on a real pattern.

``temperature_view`` and ``mask_view`` return HTML strings (tested without a browser); the widgets
redraw them when a control moves."""

from __future__ import annotations

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from attnlab.attention import apply_mask, causal_mask, softmax
from attnlab.errors import AttnlabError
from attnlab.validate import as_float_array, positive_float
from attnlab.views.live import Live, static_png
from attnlab.views.plotting import plot_pattern
from attnlab.views.sources import attention_of, sentences
from attnlab.views.svg import bars_svg, heatmap_svg

TEMPERATURE_EXAMPLE = (("fluffy", "blue", "creature", "roamed", "forest"), (2.0, 1.5, 0.5, -0.5, 1.0))


def temperature_weights(scores, temperature: float) -> np.ndarray:
    """``softmax(scores / temperature)``: ``(T,)`` scores → ``(T,)`` weights summing to 1."""
    return softmax(as_float_array(scores, "scores", min_ndim=1), temperature=positive_float(
        temperature, "temperature"))


def temperature_view(tokens, scores, temperature: float) -> str:
    """The scores and their weights at ``temperature`` as two bar charts (HTML)."""
    weights = temperature_weights(scores, temperature)
    top = int(np.argmax(weights))
    return ('<div style="display:flex;gap:16px">'
            + bars_svg(tokens, scores, title="scores", fmt="{:+.2f}")
            + bars_svg(tokens, weights, title=f"weights at temperature {temperature:.2f}")
            + f"</div><p>largest weight {weights[top]:.3f} on “{tokens[top]}” · the weights sum to "
            f"{weights.sum():.3f}</p>")


def masked_pattern(pattern, causal: bool) -> tuple[np.ndarray, np.ndarray | None]:
    """The pattern ``(T, T)`` with the causal mask on (or unchanged), and which cells it removed.

    Masking works on scores, before softmax. A pattern's rows are softmax(scores), so log(pattern)
    is each row's scores up to a constant, which softmax ignores: mask those, softmax again —
    every removed weight becomes exactly 0 and each row sums to 1 again.
    """
    pattern = as_float_array(pattern, "pattern", min_ndim=2)
    if not causal:
        return pattern, None
    allowed = causal_mask(*pattern.shape[-2:])
    with np.errstate(divide="ignore"):
        scores = np.log(pattern)  # (T, T)
    return softmax(apply_mask(scores, allowed)), ~allowed


def mask_view(tokens, pattern, causal: bool) -> str:
    """The heatmap with the mask on or off, and how much weight the mask took away (HTML)."""
    shown, removed = masked_pattern(pattern, causal)
    if removed is None:
        note = "no mask: every token sees every other, the later ones too"
    else:
        lost = float(np.asarray(pattern)[removed].sum() / len(tokens))
        note = (f"causal mask: {int(removed.sum())} weights vanished (on average {lost:.0%} of a row's "
                "weight was on later tokens); each row is renormalised and sums to 1 again")
    return heatmap_svg(shown, tokens, tokens, masked=removed) + f"<p>{note}</p>"


class TemperatureSlider(Live):
    name = "softmax temperature"

    def __init__(self, tokens, scores, temperature: float):
        self.tokens, self.scores = [str(t) for t in tokens], as_float_array(scores, "scores", min_ndim=1)
        temperature_weights(self.scores, temperature)  # refuses bad input now, not on the first move
        self.temperature = W.FloatLogSlider(value=temperature, base=10, min=-1, max=1, step=0.05,
                                            description="temperature", readout_format=".2f",
                                            style={"description_width": "initial"},
                                            layout=W.Layout(width="420px"))
        self.view = W.HTML()
        self.view.add_class("attnlab-temperature-view")
        super().__init__([self.temperature, self.view])
        self.add_class("attnlab-temperature")
        self.temperature.observe(self._redraw, "value")
        self._redraw()

    def _redraw(self, change=None):
        self.view.value = temperature_view(self.tokens, self.scores, self.temperature.value)

    def static(self):
        fig = Figure(figsize=(7, 3))
        ax = fig.subplots()
        temperatures = (0.25, 1.0, 4.0)
        x = np.arange(len(self.tokens))
        for k, t in enumerate(temperatures):
            ax.bar(x + (k - 1) * 0.27, temperature_weights(self.scores, t), width=0.27, label=f"t = {t:g}")
        ax.set(xticks=x, ylabel="weight", title="softmax(scores / t): low t sharpens, high t flattens")
        ax.set_xticklabels(self.tokens)
        ax.legend()
        return static_png(fig)


def softmax_temperature(scores=None, tokens=None, temperature: float = 1.0) -> TemperatureSlider:
    """A slider (0.1 to 10, log scale) that turns ``scores`` ``(T,)`` into weights, live."""
    if scores is None:
        tokens, scores = TEMPERATURE_EXAMPLE
    tokens = tokens if tokens is not None else [str(i) for i in range(len(scores))]
    if len(tokens) != len(scores):
        raise AttnlabError(f"tokens has {len(tokens)} labels but scores has {len(scores)} values")
    return TemperatureSlider(tokens, scores, temperature)


class MaskToggle(Live):
    name = "causal mask toggle"

    def __init__(self, tokens, pattern, causal: bool, title: str):
        self.tokens, self.pattern, self.title = list(tokens), as_float_array(pattern, "pattern"), title
        self.causal = W.Checkbox(value=causal, description="causal mask", indent=False)
        self.view = W.HTML()
        self.view.add_class("attnlab-mask-view")
        super().__init__([W.HTML(f"<b>{title}</b>"), self.causal, self.view])
        self.causal.observe(self._redraw, "value")
        self._redraw()

    def _redraw(self, change=None):
        self.view.value = mask_view(self.tokens, self.pattern, self.causal.value)

    def static(self):
        fig = Figure(figsize=(11, 0.4 * len(self.tokens) + 2))
        for ax, causal in zip(fig.subplots(1, 2), (False, True), strict=True):
            plot_pattern(masked_pattern(self.pattern, causal)[0], self.tokens, self.tokens, ax=ax,
                         title="causal mask on" if causal else "no mask")
        fig.suptitle(self.title)
        return static_png(fig)


def mask_toggle(text: str | None = None, model: str = "MiniLM", layer: int = 0, head: int = 0,
                causal: bool = False) -> MaskToggle:
    """Switch a causal mask on and off over a real head's pattern (MiniLM sees both ways)."""
    tokens, attention = attention_of(model, text or sentences(model)[0])
    return MaskToggle(tokens, attention[layer, head], causal, f"{model}, layer {layer}, head {head}")

