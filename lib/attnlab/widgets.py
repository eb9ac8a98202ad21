"""The course's interactive widgets (ipywidgets 8, offline): move a control, see attention change.

    from attnlab.widgets import attention_explorer
    attention_explorer("a fluffy blue creature roamed the verdant forest")

=========================  =====================================================================
``attention_explorer``     a sentence (type or pick), a model (MiniLM, tiny GPT), layer, head and
                           token: the pattern as a heatmap, and lines from the token to the tokens
                           it attends to
``softmax_temperature``    a slider that reshapes a score vector into weights, live
``mask_toggle``            a causal mask on/off on a real pattern: which weights vanish
``head_gallery``           every head of a layer side by side; click one to open it below
``flashcards``             the study guide's terms: flip, next, shuffle, "I knew it" / "again"
``quiz``                   the study guide's questions: answer, then see the course's answer
=========================  =====================================================================

Each widget only wires controls to the plain functions below (``*_view``, ``masked_pattern``,
``head_traits``, :mod:`attnlab.svg`, :mod:`attnlab.review`), which the tests call directly. A
control's change recomputes a few small arrays and redraws an SVG string — milliseconds; a new
sentence runs the model once and is cached. ``attnlab.bench.widget_latencies`` times every
control of every widget here (``make bench``).

Displayed in a notebook, each widget first leaves a static picture of its starting state (a PNG,
or Markdown for the study guide), so a reader without a kernel — GitHub, nbviewer — still sees it;
then the live widget. The widget's own output is skipped by nbval (model ids are random) and its
text is a fixed sentence, so strict nbval compares only what is deterministic.
"""

from __future__ import annotations

import io
from functools import lru_cache
from html import escape

import ipywidgets as W
import numpy as np
from matplotlib.figure import Figure

from attnlab.attention import apply_mask, causal_mask, softmax
from attnlab.plotting import plot_pattern
from attnlab.review import Deck, Quiz, overlap
from attnlab.studyguide import flashcards_for, lesson_title, questions_for, questions_markdown, terms_markdown
from attnlab.svg import bars_svg, heatmap_svg, token_lines_svg
from attnlab.validate import as_float_array, positive_float

MODELS = ("MiniLM", "tiny GPT")
SENTENCES = {
    "MiniLM": (
        "a fluffy blue creature roamed the verdant forest",
        "the mole on her arm was checked by a doctor",
        "the chemist measured one mole of the gas",
        "the cat sat on the mat because it was tired",
    ),
}
TEMPERATURE_EXAMPLE = (("fluffy", "blue", "creature", "roamed", "forest"), (2.0, 1.5, 0.5, -0.5, 1.0))


# --- where the patterns come from ------------------------------------------------------------------


def _minilm(text: str):
    from attnlab.pretrained import load_minilm

    model = load_minilm()
    return model.tokens(text), model.attention(text)


def _tiny_gpt(text: str):
    from attnlab.models import load_tiny_gpt

    model = load_tiny_gpt()
    return model.tokens(text), model.attention(text)


SOURCES = {"MiniLM": _minilm, "tiny GPT": _tiny_gpt}


def sentences(model: str) -> tuple[str, ...]:
    """Example sentences ``model`` reads (the tiny GPT knows only its grammar's words: the first
    few sentences of its corpus with two adjectives or more)."""
    if model == "tiny GPT":
        from attnlab import corpus

        rich = [s.text + " ." for s in corpus.sentences(200, seed=0) if len(s.words) >= 5]
        return tuple(dict.fromkeys(rich))[:5]
    return SENTENCES.get(model, SENTENCES["MiniLM"])


@lru_cache(maxsize=64)
def attention_of(model: str, text: str) -> tuple[tuple[str, ...], np.ndarray]:
    """``(tokens, attention (n_layers, n_heads, T, T))`` of ``model`` on ``text``; cached."""
    if model not in SOURCES:
        raise ValueError(f"model must be one of {', '.join(SOURCES)}; got {model!r}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text must be a non-empty sentence")
    tokens, attention = SOURCES[model](text)
    attention = as_float_array(attention, "attention")
    if attention.ndim != 4 or attention.shape[-2:] != (len(tokens), len(tokens)):
        raise ValueError(f"{model} gave attention {attention.shape} for {len(tokens)} tokens; "
                         "expected (n_layers, n_heads, T, T)")
    attention.setflags(write=False)  # shared through the cache
    return tuple(tokens), attention


# --- the plain logic (tested without a browser) ------------------------------------------------------


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
            raise ValueError(f"{name} must be in 0..{limit - 1}, got {value}")
    pattern = attention[layer, head]  # (T, T)
    return (heatmap_svg(pattern, tokens, tokens, selected=token),
            token_lines_svg(tokens, tokens, pattern[token], token),
            f"layer {layer}, head {head}: {traits_line(pattern)}")


def gallery_view(attention_layer) -> list[str]:
    """One small, unlabelled heatmap per head of a layer ``(n_heads, T, T)`` (SVG strings)."""
    attention_layer = as_float_array(attention_layer, "attention_layer")
    if attention_layer.ndim != 3:
        raise ValueError(f"attention_layer must be (n_heads, T, T), got shape {attention_layer.shape}")
    cell = max(4, 120 // attention_layer.shape[-1])
    return [heatmap_svg(p, labels=False, cell=cell) for p in attention_layer]


def card_view(deck: Deck) -> str:
    """The card as the learner sees it: term (front) or definition (back), and where to read more."""
    card, back = deck.current, deck.flipped
    body = (f"{card.definition}<br><small>shown in lesson {lesson_title(card.lesson)}</small>"
            if back else f"<b>{card.term}</b>")
    style = "border:1px solid #1f77b4;border-radius:8px;padding:16px;min-height:80px;width:420px;"
    style += "background:#eef5fb" if back else "background:white;font-size:1.3em"
    return (f'<div class="attnlab-card" data-side="{"back" if back else "front"}" style="{style}">'
            f"{body}</div>")


def quiz_view(quiz: Quiz) -> str:
    """The question; once answered, the learner's answer beside the course's and the lesson."""
    q = quiz.current
    html = f'<p class="attnlab-question"><b>{quiz.index + 1}/{len(quiz.questions)}. {q.question}</b></p>'
    if quiz.revealed:
        used, missed = overlap(quiz.answer, q.answer)
        html += (f'<div class="attnlab-answer"><p><b>The course:</b> {q.answer}</p>'
                 f"<p>Revisit: <b>{lesson_title(q.lesson)}</b> ({q.lesson}.ipynb)</p>"
                 f"<p><small>Key words you used: {', '.join(used) or '—'}; also in the course's answer: "
                 f"{', '.join(missed[:8]) or '—'}</small></p></div>")
    return html


# --- pictures kept in the notebook (for readers without a kernel) --------------------------------------


def _png(fig: Figure):
    from IPython.display import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    return Image(data=buffer.getvalue(), format="png")


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


class _Live(W.VBox):
    """A widget that, when displayed, first leaves a static picture of itself in the notebook."""

    name = "widget"

    def static(self):
        """What a reader without a kernel sees: an IPython displayable (PNG image or Markdown)."""
        raise NotImplementedError

    def _ipython_display_(self, **kwargs):
        from IPython.display import display

        display(self.static())
        display(self._repr_mimebundle_(), raw=True)

    def __repr__(self) -> str:
        return f"[{self.name}: a live widget — run the notebook in JupyterLab to use it]"


def _dropdown(description: str, options, value=None, **kw) -> W.Dropdown:
    options = list(options)
    return W.Dropdown(description=description, options=options,
                      value=value if value is not None else (options[0][1] if isinstance(
                          options[0], tuple) else options[0]), **kw)


class Explorer(_Live):
    """Sentence, model, layer, head, token → heatmap + lines (see :func:`attention_explorer`)."""

    name = "attention explorer"

    def __init__(self, text: str, model: str, layer: int, head: int, token: int | None):
        self.tokens, self.attention = attention_of(model, text)
        n_layers, n_heads = self.attention.shape[:2]
        self.sentence = W.Combobox(value=text, options=sentences(model), description="sentence",
                                   ensure_option=False, continuous_update=False,
                                   layout=W.Layout(width="520px"))
        self.model = _dropdown("model", SOURCES, model)
        self.layer = _dropdown("layer", range(n_layers), layer, layout=W.Layout(width="160px"))
        self.head = _dropdown("head", range(n_heads), head, layout=W.Layout(width="160px"))
        token = self._default_token() if token is None else token
        self.token = _dropdown("token", self._token_options(), token)
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
        return _png(fig)


def attention_explorer(text: str | None = None, model: str = "MiniLM", layer: int = 0, head: int = 0,
                       token: int | None = None) -> Explorer:
    """Explore one head's pattern: type or pick a sentence, choose the model, layer, head and the
    token whose attention the lines show (default: the last token)."""
    return Explorer(text or sentences(model)[0], model, layer, head, token)


class TemperatureSlider(_Live):
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
        return _png(fig)


def softmax_temperature(scores=None, tokens=None, temperature: float = 1.0) -> TemperatureSlider:
    """A slider (0.1 to 10, log scale) that turns ``scores`` ``(T,)`` into weights, live."""
    if scores is None:
        tokens, scores = TEMPERATURE_EXAMPLE
    tokens = tokens if tokens is not None else [str(i) for i in range(len(scores))]
    if len(tokens) != len(scores):
        raise ValueError(f"tokens has {len(tokens)} labels but scores has {len(scores)} values")
    return TemperatureSlider(tokens, scores, temperature)


class MaskToggle(_Live):
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
        return _png(fig)


def mask_toggle(text: str | None = None, model: str = "MiniLM", layer: int = 0, head: int = 0,
                causal: bool = False) -> MaskToggle:
    """Switch a causal mask on and off over a real head's pattern (MiniLM sees both ways)."""
    tokens, attention = attention_of(model, text or sentences(model)[0])
    return MaskToggle(tokens, attention[layer, head], causal, f"{model}, layer {layer}, head {head}")


class HeadGallery(_Live):
    name = "head gallery"

    def __init__(self, text: str, model: str, layer: int):
        self.explorer = Explorer(text, model, layer, 0, None)
        self.layer = _dropdown("layer", self.explorer.layer.options, layer)
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
        fig = Figure(figsize=(2 * cols, 2 * rows + 0.5))
        axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
        for ax in axes:
            ax.axis("off")
        for head, (ax, pattern) in enumerate(zip(axes, heads, strict=False)):
            ax.imshow(pattern, cmap="Blues", vmin=0)
            ax.set_title(f"head {head}", fontsize=9)
        fig.suptitle(f"{self.explorer.model.value}, layer {layer}: "
                     f"every head on “{self.explorer.sentence.value}”")
        return _png(fig)


def head_gallery(text: str | None = None, model: str = "MiniLM", layer: int = 0) -> HeadGallery:
    """Every head of ``layer`` side by side on one sentence; a head's button opens it below."""
    return HeadGallery(text or sentences(model)[0], model, layer)


def _button(description: str, action, css: str) -> W.Button:
    button = W.Button(description=description, layout=W.Layout(width="auto"))
    button.add_class(css)
    button.on_click(lambda _: action())
    return button


class Flashcards(_Live):
    name = "flashcards"

    def __init__(self, lesson: str | None, seed: int):
        self.seed, self.lesson = seed, lesson
        self.deck = Deck(flashcards_for(lesson), seed=seed)
        self.card, self.progress = W.HTML(), W.HTML()
        self.card.add_class("attnlab-card-view")
        buttons = [_button("flip", self.deck.flip, "attnlab-flip"),
                   _button("next", self.deck.next, "attnlab-next"),
                   _button("shuffle", self.deck.shuffle, "attnlab-shuffle"),
                   _button("I knew it", self.deck.knew_it, "attnlab-knew"),
                   _button("again", self.deck.again, "attnlab-again")]
        for button in buttons:
            button.on_click(lambda _: self._redraw())
        super().__init__([self.card, W.HBox(buttons), self.progress])
        self.add_class("attnlab-flashcards")
        self._redraw()

    def _redraw(self):
        self.card.value, self.progress.value = card_view(self.deck), self.deck.progress()

    def static(self):
        from IPython.display import Markdown

        return Markdown(terms_markdown(self.lesson))


def flashcards(lesson: str | None = None, seed: int = 0) -> Flashcards:
    """The study guide's flashcards (one lesson's, or all): flip, next, shuffle, and "I knew it" /
    "again", which decide when a card comes back (:class:`attnlab.review.Deck`)."""
    return Flashcards(lesson, seed)


class QuizWidget(_Live):
    name = "quiz"

    def __init__(self, lesson: str | None):
        self.quiz = Quiz(questions_for(lesson))
        self.lesson = lesson
        self.question, self.message, self.score = W.HTML(), W.HTML(), W.HTML()
        self.question.add_class("attnlab-quiz-question")
        self.answer = W.Textarea(placeholder="your answer, in a sentence or two",
                                 layout=W.Layout(width="520px", height="70px"))
        self.show = _button("show the course's answer", self._submit, "attnlab-show")
        self.marks = W.HBox([_button("got it", lambda: self._mark(True), "attnlab-got"),
                             _button("revisit", lambda: self._mark(False), "attnlab-revisit")])
        super().__init__([self.question, self.answer, self.show, self.marks, self.message, self.score])
        self.add_class("attnlab-quiz")
        self._redraw()

    def _submit(self):
        try:
            self.quiz.submit(self.answer.value)
            self.message.value = ""
        except ValueError as exc:
            self.message.value = f"<i>{exc}</i>"
        self._redraw()

    def _mark(self, got_it: bool):
        try:
            self.quiz.mark(got_it)
            self.answer.value = ""
            self.message.value = ""
        except ValueError as exc:
            self.message.value = f"<i>{exc}</i>"
        self._redraw()

    def _redraw(self):
        self.question.value = quiz_view(self.quiz)
        self.marks.layout.display = None if self.quiz.revealed else "none"
        revisit = ", ".join(self.quiz.to_revisit())
        self.score.value = f"<small>{self.quiz.score()}{' · revisit: ' + revisit if revisit else ''}</small>"

    def static(self):
        from IPython.display import Markdown

        return Markdown(questions_markdown(self.lesson))


def quiz(lesson: str | None = None) -> QuizWidget:
    """The study guide's questions (one lesson's, or all), one at a time: write your answer, then
    see the course's answer and the lesson to revisit; mark it "got it" or "revisit"."""
    return QuizWidget(lesson)
