"""The attention explorer and the head gallery: one head's pattern, or every head of a layer.

The plain functions (``explorer_view``, ``gallery_view``, ``traits_line``) return HTML/SVG strings
and are tested without a browser; the widgets only wire controls to them."""

from __future__ import annotations

from html import escape

import ipywidgets as W
from matplotlib.figure import Figure

from attnlab.errors import AttnlabError
from attnlab.head_traits import head_traits
from attnlab.validate import as_float_array
from attnlab.views.live import Live, dropdown, static_png
from attnlab.views.plotting import plot_pattern, plot_patterns
from attnlab.views.sources import attention_of, model_names, sentences
from attnlab.views.svg import heatmap_svg, token_lines_svg


def traits_line(pattern) -> str:
    t = head_traits(pattern)
    return (f"entropy {t['entropy_bits']:.2f} bits · looks back {t['looks_back']:+.2f} tokens · "
            f"{t['first_token']:.0%} on the first token")


def explorer_view(tokens, attention, layer: int, head: int, token: int) -> tuple[str, str, str]:
    """For one head: the heatmap (the chosen token's row outlined), the lines from that token to
    the tokens it attends to, and a line of measured traits (three HTML strings)."""
    attention = as_float_array(attention, "attention")
    n_layers, n_heads = attention.shape[:2]
    limits = (("layer", layer, n_layers), ("head", head, n_heads), ("token", token, len(tokens)))
    for name, value, limit in limits:
        if not 0 <= value < limit:
            raise AttnlabError(f"{name} must be in 0..{limit - 1}, got {value}")
    pattern = attention[layer, head]  # (T, T)
    return (heatmap_svg(pattern, tokens, tokens, selected=token),
            token_lines_svg(tokens, tokens, pattern[token], token),
            f"layer {layer}, head {head}: {traits_line(pattern)}")


def gallery_view(attention_layer) -> list[str]:
    """One small, unlabelled heatmap per head of a layer ``(n_heads, T, T)`` (SVG strings)."""
    attention_layer = as_float_array(attention_layer, "attention_layer")
    if attention_layer.ndim != 3:
        raise AttnlabError(f"attention_layer must be (n_heads, T, T), got shape {attention_layer.shape}")
    cell = max(4, 120 // attention_layer.shape[-1])
    return [heatmap_svg(p, labels=False, cell=cell) for p in attention_layer]


def _lines_picture(ax, tokens, weights, token: int) -> None:
    """The explorer's lines, drawn by matplotlib for the static picture."""
    n = len(tokens)
    for j, w in enumerate(weights):
        ax.plot([0, 1], [token, j], color="tab:blue", alpha=float(w / weights.max()),
                linewidth=1 + 6 * float(w / weights.max()))
    for i, t in enumerate(tokens):
        ax.text(-0.05, i, t, ha="right", va="center", color="tab:red" if i == token else "black")
        ax.text(1.05, i, t, ha="left", va="center")
    ax.set(xlim=(-0.6, 1.6), ylim=(n - 0.5, -0.5))
    ax.axis("off")


class Explorer(Live):
    """Sentence, model, layer, head, token → heatmap + lines (see :func:`attention_explorer`)."""

    name = "attention explorer"

    def __init__(self, text: str, model: str, layer: int, head: int, token: int | None):
        self.tokens, self.attention = attention_of(model, text)
        n_layers, n_heads = self.attention.shape[:2]
        # wide enough for a whole sentence (issue 24: 520 px cut the default one off)
        self.sentence = W.Combobox(value=text, options=sentences(model), description="sentence",
                                   ensure_option=False, continuous_update=False,
                                   layout=W.Layout(width="95%", max_width="900px"))
        self.model = dropdown("model", model_names(), model)
        self.layer = dropdown("layer", range(n_layers), layer, layout=W.Layout(width="160px"))
        self.head = dropdown("head", range(n_heads), head, layout=W.Layout(width="160px"))
        token = self._default_token() if token is None else token
        self.token = dropdown("token", self._token_options(), token)
        self.heatmap, self.lines = W.HTML(), W.HTML()
        self.caption, self.error = W.HTML(), W.HTML()
        self.heatmap.add_class("attnlab-explorer-heatmap")
        self.lines.add_class("attnlab-explorer-lines")
        super().__init__([self.sentence, W.HBox([self.model, self.layer, self.head, self.token]),
                          W.HBox([self.heatmap, self.lines]), self.caption, self.error])
        self.add_class("attnlab-explorer")
        self._updating = False
        self.sentence.observe(self._new_input, "value")
        self.model.observe(self._new_model, "value")
        for control in (self.layer, self.head, self.token):
            control.observe(self._redraw, "value")
        self._redraw()

    def _default_token(self) -> int:
        """The last word of the sentence (not a marker such as [SEP], nor the final period)."""
        words = [i for i, t in enumerate(self.tokens) if t not in (".", "[SEP]", "[CLS]")]
        return words[-1] if words else len(self.tokens) - 1

    def _token_options(self):
        return [(f"{i}: {t}", i) for i, t in enumerate(self.tokens)]

    def _new_model(self, change=None):
        """Another model: its example sentences; keep the sentence if the model can read it."""
        self.sentence.options = sentences(self.model.value)
        self._new_input()
        if self.error.value:
            self.sentence.value = self.sentence.options[0]  # runs _new_input again

    def _new_input(self, change=None):
        """A new sentence or model: run it (cached), reset the ranges, redraw."""
        try:
            self.tokens, self.attention = attention_of(self.model.value, self.sentence.value)
        except (ValueError, ImportError, KeyError, OSError) as exc:  # unknown words, no checkpoint
            self.error.value = f'<span style="color:#d62728">{escape(str(exc))}</span>'
            return
        self.error.value = ""
        n_layers, n_heads = self.attention.shape[:2]
        self._updating = True  # no redraw while the options are half replaced
        try:
            self.layer.options = list(range(n_layers))
            self.head.options = list(range(n_heads))
            self.token.options = self._token_options()
            self.token.value = self._default_token()
        finally:
            self._updating = False
        self._redraw()

    def _redraw(self, change=None):
        if self._updating:
            return
        heatmap, lines, caption = explorer_view(self.tokens, self.attention, self.layer.value,
                                                self.head.value, self.token.value)
        self.heatmap.value, self.lines.value, self.caption.value = heatmap, lines, caption

    def show_head(self, layer: int, head: int) -> None:
        """Show ``head`` of ``layer`` (what a click in the head gallery does): one redraw."""
        self._updating = True
        try:
            self.layer.value, self.head.value = layer, head
        finally:
            self._updating = False
        self._redraw()

    def static(self):
        pattern = self.attention[self.layer.value, self.head.value]
        fig = Figure(figsize=(11, 0.45 * len(self.tokens) + 1.5))
        left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
        plot_pattern(pattern, self.tokens, self.tokens, ax=left,
                     title=f"{self.model.value}, layer {self.layer.value}, head {self.head.value}")
        _lines_picture(right, self.tokens, pattern[self.token.value], self.token.value)
        right.set_title(f"where “{self.tokens[self.token.value]}” looks")
        return static_png(fig)


def attention_explorer(text: str | None = None, model: str = "MiniLM", layer: int = 0, head: int = 0,
                       token: int | None = None) -> Explorer:
    """Explore one head's pattern: type or pick a sentence, choose the model, layer, head and the
    token whose attention the lines show (default: the last token)."""
    return Explorer(text or sentences(model)[0], model, layer, head, token)


class HeadGallery(Live):
    name = "head gallery"

    def __init__(self, text: str, model: str, layer: int):
        self.explorer = Explorer(text, model, layer, 0, None)
        self.layer = dropdown("layer", self.explorer.layer.options, layer)
        self.grid = W.GridBox(layout=W.Layout(grid_template_columns="repeat(6, 150px)"))
        self.grid.add_class("attnlab-gallery")
        self.thumbnails, self.buttons, self._following = [], [], False
        super().__init__([self.layer, self.grid, W.HTML("<b>The head you clicked:</b>"), self.explorer])
        self.layer.observe(self._redraw, "value")
        self.explorer.model.observe(self._follow_explorer, "value")
        self.explorer.sentence.observe(self._follow_explorer, "value")
        self._redraw()

    def _tiles(self, n_heads: int) -> None:
        """A thumbnail and a button per head, made again only when the number of heads changes."""
        if len(self.buttons) == n_heads:
            return
        for old in (*self.thumbnails, *self.buttons, *self.grid.children):
            old.close()
        self.thumbnails = [W.HTML() for _ in range(n_heads)]
        self.buttons = [W.Button(description=f"head {h}", layout=W.Layout(width="120px"))
                        for h in range(n_heads)]
        for h, button in enumerate(self.buttons):
            button.add_class("attnlab-gallery-head")
            button.on_click(lambda _, h=h: self.explorer.show_head(self.layer.value, h))
        self.grid.children = [W.VBox([t, b]) for t, b in zip(self.thumbnails, self.buttons, strict=True)]

    def _follow_explorer(self, change=None):
        """The explorer read a new sentence or model: the same layers, new thumbnails."""
        self._following = True
        try:
            self.layer.options = list(self.explorer.layer.options)
        finally:
            self._following = False
        self._redraw()

    def _redraw(self, change=None):
        if self._following or self.layer.value is None:
            return
        layer = self.layer.value
        heads = self.explorer.attention[layer]  # (n_heads, T, T)
        self._tiles(len(heads))
        for thumbnail, svg in zip(self.thumbnails, gallery_view(heads), strict=True):
            thumbnail.value = svg
        self.explorer.show_head(layer, min(self.explorer.head.value, len(heads) - 1))

    def static(self):
        layer, heads = self.layer.value, self.explorer.attention[self.layer.value]
        cols = min(6, len(heads))
        rows = -(-len(heads) // cols)
        fig = Figure(figsize=(3 * cols + 1.5, 3 * rows + 1.5), layout="constrained")
        tokens = self.explorer.tokens
        plot_patterns(heads, tokens, tokens, titles=[f"head {h}" for h in range(len(heads))], ncols=cols,
                      fig=fig, suptitle=f"{self.explorer.model.value}, layer {layer}: every head on "
                                        f"“{self.explorer.sentence.value}” (one colour scale)")
        return static_png(fig)


def head_gallery(text: str | None = None, model: str = "MiniLM", layer: int = 0) -> HeadGallery:
    """Every head of ``layer`` side by side on one sentence; a head's button opens it below."""
    return HeadGallery(text or sentences(model)[0], model, layer)

