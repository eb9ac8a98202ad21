"""The widgets' logic (plain functions and classes) and their wiring, without a browser.

The real models are replaced by a stand-in source (random softmax patterns) so these tests need
neither MiniLM nor the tiny GPT; tests/test_browser.py drives the real thing in JupyterLab.
"""

import re

import nbformat
import numpy as np
import pytest
from IPython.display import Image, Markdown

from attnlab.attention import apply_mask, causal_mask, softmax
from attnlab.head_traits import head_traits
from attnlab.views import widgets
from attnlab.views.review import GAPS, LEARNED, Deck, Quiz, key_words, overlap
from attnlab.views.studyguide import Flashcard, flashcards_for, questions_for
from attnlab.views.svg import bars_svg, colours, heatmap_svg, token_lines_svg


def weights_in(svg: str, kind: str = "cell") -> np.ndarray:
    return np.array([float(w) for w in re.findall(rf'class="{kind}"[^>]*data-weight="([-\d.]+)"', svg)])


def fake_attention(text: str, n_layers=2, n_heads=3, seed=0):
    tokens = text.split()
    rng = np.random.default_rng([seed, len(tokens)])
    scores = rng.normal(size=(n_layers, n_heads, len(tokens), len(tokens))) * 2
    return tokens, softmax(scores)


@pytest.fixture
def fake(monkeypatch):
    """A third model, "fake", whose attention is random softmax patterns; the tiny model "small"
    has 1 layer and 2 heads."""
    monkeypatch.setitem(widgets.SOURCES, "fake", fake_attention)
    monkeypatch.setitem(widgets.SOURCES, "small", lambda t: fake_attention(t, 1, 2, seed=1))
    monkeypatch.setitem(widgets.SENTENCES, "fake", ("one two three four", "a b c d e f"))
    monkeypatch.setitem(widgets.SENTENCES, "small", ("x y z",))
    widgets.attention_of.cache_clear()
    yield "fake"
    widgets.attention_of.cache_clear()


# --- SVG pictures ------------------------------------------------------------------------------------


def test_heatmap_shows_every_weight_and_greys_out_masked_cells():
    pattern = softmax(np.arange(12.0).reshape(3, 4))
    svg = heatmap_svg(pattern, list("abc"), list("wxyz"))
    np.testing.assert_allclose(weights_in(svg).reshape(3, 4), pattern, atol=1e-4)
    masked = ~causal_mask(3, 4)
    grey = heatmap_svg(pattern, list("abc"), list("wxyz"), masked=masked)
    assert grey.count('fill="#e6e6e6"') == masked.sum()
    assert colours([0.0, 1.0])[0] != colours([0.0, 1.0])[1]
    with pytest.raises(ValueError, match="query_tokens has 2 labels"):
        heatmap_svg(pattern, list("ab"), list("wxyz"))
    with pytest.raises(ValueError, match="2-D"):
        heatmap_svg(np.ones(3))


def test_token_labels_are_escaped():
    svg = heatmap_svg(np.eye(2), ["<s>", "&"], ["<s>", "&"])
    assert "<s>" not in svg.replace('<svg', '') and "&lt;s&gt;" in svg and "&amp;" in svg


def test_lines_carry_the_selected_tokens_row_and_bars_their_values():
    row = np.array([0.1, 0.6, 0.3])
    svg = token_lines_svg(list("abc"), list("abc"), row, selected=2)
    np.testing.assert_allclose(weights_in(svg, "link"), row)
    with pytest.raises(ValueError, match="selected must index"):
        token_lines_svg(list("abc"), list("abc"), row, selected=3)
    bars = bars_svg(list("abc"), [1.0, -2.0, 0.5], fmt="{:+.1f}")
    np.testing.assert_allclose(weights_in(bars, "bar"), [1.0, -2.0, 0.5])
    assert "-2.0" in bars and "#ff7f0e" in bars  # negative scores drawn in another colour


# --- temperature, mask, heads --------------------------------------------------------------------------


def test_temperature_weights_are_softmax_of_scores_over_t():
    scores = np.array([2.0, 1.0, -1.0, 0.5])
    for t in (0.1, 1.0, 3.0):
        w = widgets.temperature_weights(scores, t)
        np.testing.assert_allclose(w, np.exp(scores / t) / np.exp(scores / t).sum())
    assert widgets.temperature_weights(scores, 0.1).max() > 0.99  # cold: nearly one-hot
    assert np.ptp(widgets.temperature_weights(scores, 100.0)) < 0.01  # hot: nearly uniform
    with pytest.raises(ValueError, match="temperature"):
        widgets.temperature_weights(scores, 0)
    with pytest.raises(ValueError, match="scores"):
        widgets.temperature_weights("abc", 1.0)


def test_temperature_view_changes_with_the_temperature():
    tokens, scores = widgets.TEMPERATURE_EXAMPLE
    cold, hot = (widgets.temperature_view(tokens, scores, t) for t in (0.2, 5.0))
    w_cold, w_hot = weights_in(cold, "bar")[len(scores):], weights_in(hot, "bar")[len(scores):]
    assert w_cold.max() > w_hot.max() and np.isclose(w_cold.sum(), 1, atol=1e-3)


def test_masking_a_pattern_equals_masking_its_scores_before_softmax():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(5, 5)) * 3
    pattern = softmax(scores)
    shown, removed = widgets.masked_pattern(pattern, causal=True)
    np.testing.assert_allclose(shown, softmax(apply_mask(scores, causal_mask(5))), atol=1e-12)
    assert np.all(shown[removed] == 0) and np.allclose(shown.sum(-1), 1)
    assert removed.sum() == 10  # T(T-1)/2 weights vanish
    unchanged, none = widgets.masked_pattern(pattern, causal=False)
    assert none is None and np.array_equal(unchanged, pattern)
    wrong = pattern * causal_mask(5)  # zeroing after softmax: rows no longer sum to 1
    assert not np.allclose(wrong.sum(-1), 1)
    assert "10 weights vanished" in widgets.mask_view(list("abcde"), pattern, True)


def test_head_traits_tell_heads_apart():
    t = 6
    previous = np.eye(t, k=-1)
    previous[0, 0] = 1.0
    same = head_traits(np.eye(t))
    assert same["entropy_bits"] == 0 and same["looks_back"] == 0
    assert head_traits(previous)["looks_back"] == pytest.approx(5 / 6)
    uniform = head_traits(np.full((t, t), 1 / t))
    assert uniform["entropy_bits"] == pytest.approx(np.log2(t))
    assert uniform["first_token"] == pytest.approx(1 / t)


def test_explorer_view_shows_the_chosen_heads_pattern_and_the_tokens_row():
    tokens, attention = fake_attention("the cat sat down")
    heatmap, lines, caption = widgets.explorer_view(tokens, attention, 1, 2, 3)
    np.testing.assert_allclose(weights_in(heatmap).reshape(4, 4), attention[1, 2], atol=1e-4)
    np.testing.assert_allclose(weights_in(lines, "link"), attention[1, 2, 3], atol=1e-4)
    assert caption.startswith("layer 1, head 2: entropy")
    with pytest.raises(ValueError, match="head must be in 0..2"):
        widgets.explorer_view(tokens, attention, 0, 3, 0)
    assert len(widgets.gallery_view(attention[0])) == 3


def test_attention_of_checks_its_input_and_caches(fake):
    tokens, attention = widgets.attention_of("fake", "one two three")
    assert tokens == ("one", "two", "three") and attention.shape == (2, 3, 3, 3)
    assert widgets.attention_of("fake", "one two three")[1] is attention
    with pytest.raises(ValueError, match="model must be one of"):
        widgets.attention_of("GPT-5", "hello")
    with pytest.raises(ValueError, match="non-empty"):
        widgets.attention_of("fake", "  ")


# --- the widgets, wired (no browser: the observers run when a value is set) -------------------------------


def test_explorer_redraws_on_every_control(fake):
    ex = widgets.attention_explorer(model="fake")
    assert ex.tokens == ("one", "two", "three", "four") and ex.token.value == 3
    before = ex.heatmap.value
    ex.head.value = 2
    assert ex.heatmap.value != before and "head 2" in ex.caption.value
    lines = ex.lines.value
    ex.token.value = 0
    assert ex.lines.value != lines
    ex.sentence.value = "a b c d e f"
    assert len(ex.tokens) == 6 and ex.token.value == 5 and weights_in(ex.heatmap.value).size == 36
    ex.model.value = "small"  # 1 layer, 2 heads, and it cannot read... any text: keeps the sentence
    assert list(ex.head.options) == [0, 1] and ex.attention.shape[:2] == (1, 2)
    ex.sentence.value = ""
    assert "non-empty" in ex.error.value and len(ex.tokens) == 6  # the last good view stays


def test_slider_toggle_and_gallery_update_their_views(fake):
    slider = widgets.softmax_temperature()
    before = weights_in(slider.view.value, "bar")
    slider.temperature.value = 0.2
    assert not np.allclose(weights_in(slider.view.value, "bar"), before)

    toggle = widgets.mask_toggle(model="fake")
    assert "no mask" in toggle.view.value
    toggle.causal.value = True
    assert "6 weights vanished" in toggle.view.value

    gallery = widgets.head_gallery(model="fake")
    assert len(gallery.grid.children) == 3
    button = gallery.grid.children[2].children[1]
    button.click()
    assert gallery.explorer.head.value == 2
    gallery.layer.value = 1
    assert gallery.explorer.layer.value == 1 and len(gallery.grid.children) == 3
    with pytest.raises(ValueError, match="tokens has 2 labels"):
        widgets.softmax_temperature([1.0, 2.0, 3.0], ["a", "b"])


def _click(widget, css: str):
    def find(w):
        if css in getattr(w, "_dom_classes", ()):
            return w
        for child in getattr(w, "children", ()):
            if (hit := find(child)) is not None:
                return hit
        return None
    button = find(widget)
    assert button is not None, css
    button.click()


def test_flashcard_widget_flips_and_grades():
    cards = widgets.flashcards("02_dot_product_relevance")
    assert 'data-side="front"' in cards.card.value and cards.deck.current.term in cards.card.value
    _click(cards, "attnlab-flip")
    assert 'data-side="back"' in cards.card.value and cards.deck.current.definition in cards.card.value
    first = cards.deck.current
    _click(cards, "attnlab-knew")
    assert cards.deck.current != first and "1 reviews" in cards.progress.value


def test_quiz_widget_asks_reveals_and_marks():
    q = widgets.quiz("04_masking")
    question = q.quiz.current
    assert question.question in q.question.value and q.marks.layout.display == "none"
    _click(q, "attnlab-show")
    assert "write an answer first" in q.message.value and not q.quiz.revealed
    q.answer.value = "it stops tokens seeing later tokens; scores set to minus infinity before softmax"
    _click(q, "attnlab-show")
    assert question.answer in q.question.value and "04_masking" in q.question.value
    assert q.marks.layout.display is None and "softmax" in q.question.value
    _click(q, "attnlab-revisit")
    assert q.quiz.index == 1 and "revisit: 04_masking" in q.score.value and q.answer.value == ""


def test_each_widget_is_one_output_its_live_view_and_its_picture(fake):
    """One output per widget: JupyterLab with a kernel draws the view in the picture's place (no
    picture above the live widget, issue 24); the stored copy keeps the picture and the fixed text."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from attnlab.course.outputs import drop_widget_state

    InteractiveShell.instance()  # display() needs a shell
    made = [widgets.attention_explorer(model="fake"), widgets.softmax_temperature(),
            widgets.mask_toggle(model="fake"), widgets.head_gallery(model="fake"),
            widgets.flashcards(), widgets.quiz("03_softmax")]
    for widget in made:
        static = widget.static()
        assert isinstance(static, Image | Markdown)
        if isinstance(static, Image):
            assert static.data.startswith(b"\x89PNG")
        with capture_output() as captured:
            widget._ipython_display_()
        (output,) = captured.outputs
        data = output.data
        assert "application/vnd.jupyter.widget-view+json" in data
        assert "image/png" in data or "text/markdown" in data
        assert data["text/plain"] == repr(widget) and repr(widget).endswith("to use it]")
        stored = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(outputs=[
            nbformat.v4.new_output("display_data", data=dict(data))])])
        kept = drop_widget_state(stored).cells[0].outputs[0]["data"]
        assert set(kept) == set(data) - {"application/vnd.jupyter.widget-view+json"}


# --- the review logic ----------------------------------------------------------------------------


def deck_of(n):
    return Deck([Flashcard(f"term {i}", f"definition {i} of the term", "03_softmax") for i in range(n)])


def test_deck_flips_skips_and_shuffles_reproducibly():
    deck = deck_of(5)
    assert deck.side == "term 0"
    deck.flip()
    assert deck.side == "definition 0 of the term"
    deck.next()
    assert deck.current.term == "term 1" and not deck.flipped and deck.queue[-1] == 0
    a, b = deck_of(5), deck_of(5)
    a.shuffle()
    b.shuffle()
    assert a.queue == b.queue and sorted(a.queue) == list(range(5))
    with pytest.raises(ValueError, match="at least one"):
        Deck([])


def test_a_missed_card_comes_back_sooner_than_a_known_one():
    deck = deck_of(20)
    deck.again()  # card 0 missed
    assert deck.queue.index(0) == GAPS[0]
    deck = deck_of(20)
    deck.knew_it()  # card 0 known
    assert deck.queue.index(0) == GAPS[1] > GAPS[0]
    for _ in range(LEARNED - 1):  # known again every time it comes back
        while deck.queue[0] != 0:
            deck.next()
        deck.knew_it()
    assert deck.box[0] == LEARNED and deck.learned == 1 and deck.progress().startswith("1 of 20 learned")
    while deck.queue[0] != 0:
        deck.next()
    deck.again()
    assert deck.box[0] == 0 and deck.learned == 0


def test_the_whole_guide_fits_in_a_deck_and_a_quiz():
    assert len(Deck().cards) == len(flashcards_for()) == 19
    assert len(Quiz().questions) == len(questions_for()) == 20


def test_quiz_needs_an_answer_before_revealing_and_before_marking():
    quiz = Quiz(questions_for("06_multi_head"))
    with pytest.raises(ValueError, match="write an answer first"):
        quiz.submit("   ")
    with pytest.raises(ValueError, match="answer the question before marking"):
        quiz.mark(True)
    assert quiz.submit(" many heads ").lesson == "06_multi_head" and quiz.answer == "many heads"
    quiz.mark(True)
    quiz.submit("no idea")
    quiz.mark(False)
    assert quiz.to_revisit() == ["06_multi_head"] and quiz.score().startswith("1 of 2")
    for _ in range(len(quiz.questions) - 2):
        quiz.submit("x")
        quiz.mark(True)
    assert quiz.index == 0  # round and round
    with pytest.raises(ValueError, match="at least one question"):
        Quiz([])


def test_key_words_overlap():
    assert key_words("The Heads and the head") == {"head"}
    used, missed = overlap("softmax makes weights", "Softmax turns scores into weights that sum to 1.")
    assert used == ["softmax", "weight"] and "score" in missed


# --- the real models (as the lessons use them) ----------------------------------------------------


def test_the_explorer_reads_minilm_and_switches_to_the_tiny_gpt():
    ex = widgets.attention_explorer()
    n_layers, n_heads, t, _ = ex.attention.shape
    assert ex.tokens[0] == "[CLS]" and ex.tokens[-1] == "[SEP]" and (n_layers, n_heads) == (6, 12)
    assert ex.tokens[ex.token.value] == "forest"  # the last word, not the [SEP] marker
    np.testing.assert_allclose(ex.attention.sum(-1), 1, atol=1e-5)
    ex.sentence.value = "the chemist measured one mole of the gas"
    assert "mole" in ex.tokens and weights_in(ex.heatmap.value).size == len(ex.tokens) ** 2
    ex.model.value = "tiny GPT"
    try:
        from attnlab.models.trained import load_tiny_gpt
        load_tiny_gpt()
    except (ImportError, FileNotFoundError) as exc:
        assert ex.error.value and ex.model.value == "tiny GPT"  # said so, in the widget
        pytest.skip(f"the tiny GPT is not available here: {exc}")
    assert ex.error.value == "" and ex.sentence.value in widgets.sentences("tiny GPT")
    assert ex.tokens[-1] == "." and weights_in(ex.heatmap.value).size == len(ex.tokens) ** 2
    upper = np.triu(ex.attention[0, 0], k=1)
    assert np.all(upper == 0)  # a GPT's pattern is causal


# --- patterns compared share one colour scale (views.plotting) ------------------------------------


def test_compared_patterns_share_one_scale_and_one_colour_bar():
    import matplotlib

    matplotlib.use("Agg")
    from attnlab.views.plotting import plot_patterns

    uniform, sharp = np.full((4, 4), 0.25), np.eye(4)
    fig = plot_patterns([uniform, sharp, uniform * 0.5 + np.eye(4) * 0.5], titles=["a", "b", "c"])
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 3
    assert {im.get_clim() for im in images} == {(0.0, 1.0)}  # 0.25 is the same colour everywhere
    colour_bars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert len(colour_bars) == 1 and colour_bars[0].get_ylabel() == "attention weight"


def test_token_labels_go_on_the_outer_panels():
    import matplotlib

    matplotlib.use("Agg")
    from attnlab.views.plotting import plot_patterns

    words = ["a", "b", "c"]
    fig = plot_patterns([np.eye(3)] * 4, words, words, ncols=2)
    panels = [ax for ax in fig.axes if ax.images]
    assert [t.get_text() for t in panels[0].get_yticklabels()] == words
    assert [t.get_text() for t in panels[1].get_yticklabels()] == []  # right column: no row labels
    assert [t.get_text() for t in panels[2].get_xticklabels()] == words
    assert [t.get_text() for t in panels[0].get_xticklabels()] == []  # top row: no column labels


@pytest.mark.parametrize("call, says", [
    (lambda f: f([]), "patterns is empty"),
    (lambda f: f([np.ones(3)]), r"patterns\[0\] must be 2-D"),
    (lambda f: f([np.eye(2)], titles=["a", "b"]), "titles has 2 entries for 1 patterns"),
    (lambda f: f([np.eye(2)], ["a"]), "query_tokens has 1 labels"),
    (lambda f: f([np.eye(2)], vmax=0), "vmax must be > 0"),
])
def test_plot_patterns_refuses_bad_input(call, says):
    from attnlab.views.plotting import plot_patterns

    with pytest.raises(ValueError, match=says):
        call(plot_patterns)


def test_the_query_key_picture_draws_one_arrow_per_vector():
    import matplotlib

    matplotlib.use("Agg")
    from attnlab.views.plotting import plot_query_key_arrows

    ax = plot_query_key_arrows({"creature": np.array([3.0, 0.5])},
                               {"fluffy": np.array([1.0, 0.0]), "the": np.array([-0.5, 1.0])})
    labels = [t.get_text() for t in ax.texts if t.get_text()]  # (the arrows are empty annotations)
    assert len(labels) == 3 and {"query of “creature”", "key of “the”"} <= set(labels)
    with pytest.raises(ValueError, match="'k the' must be a 2-D vector"):
        plot_query_key_arrows({"a": np.ones(2)}, {"the": np.ones(3)})


def test_equal_keys_share_one_arrow_and_one_label():
    import matplotlib

    matplotlib.use("Agg")
    from attnlab.views.plotting import plot_query_key_arrows

    ax = plot_query_key_arrows({"creature": np.array([3.0, 0.4])},
                               {"fluffy": np.array([1.0, 0.1]), "blue": np.array([1.0, 0.1])})
    labels = [t.get_text() for t in ax.texts if t.get_text()]
    assert labels == ["query of “creature”", "key of “fluffy”, “blue”"]
