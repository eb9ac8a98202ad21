"""The attention explorer and the head gallery offer GPT-2 exactly when the learner has fetched it.

GPT-2 here is a random checkpoint in GPT-2's layout, laid out where ``attnlab-fetch`` puts it."""

import numpy as np
import pytest
from gpt2_checkpoints import pretend_fetched

from attnlab.views import widgets

SIZES = dict(n_layer=2, n_head=3, n_embd=12, n_positions=256, vocab_size=300)


@pytest.fixture(autouse=True)
def no_smollm2(monkeypatch):
    """SmolLM2 (offered when installed: tests/test_smollm2_views.py) left out of these lists."""
    from attnlab.views import sources

    monkeypatch.setattr(sources, "smollm2_installed", lambda: False)


@pytest.fixture
def clear_caches():
    from attnlab.models.gpt2 import cached_gpt2

    widgets.attention_of.cache_clear()
    yield
    widgets.attention_of.cache_clear()
    cached_gpt2.cache_clear()


def test_absent_gpt2_is_not_offered(monkeypatch, tmp_path, clear_caches):
    pretend_fetched(monkeypatch, tmp_path, names=())
    assert widgets.model_names() == ["MiniLM", "tiny GPT"]
    ex = widgets.attention_explorer()
    assert list(ex.model.options) == ["MiniLM", "tiny GPT"]
    with pytest.raises(FileNotFoundError, match="run `attnlab-fetch gpt2`"):
        widgets.attention_explorer(model="GPT-2")


def test_fetched_gpt2_is_offered_and_shown(monkeypatch, tmp_path, clear_caches):
    pretend_fetched(monkeypatch, tmp_path, names=("gpt2",), **SIZES)
    assert widgets.model_names() == ["MiniLM", "tiny GPT", "GPT-2"]  # not distilGPT-2: not fetched
    ex = widgets.attention_explorer()
    assert "GPT-2" in ex.model.options
    ex.model.value = "GPT-2"
    assert ex.error.value == "" and ex.sentence.value in widgets.sentences("GPT-2")
    assert "".join(ex.tokens) == ex.sentence.value  # labels: the text each token covers
    assert ex.attention.shape[:2] == (2, 3) and list(ex.layer.options) == [0, 1]
    assert np.all(np.triu(ex.attention[1, 2], k=1) == 0)  # causal
    gallery = widgets.head_gallery(model="GPT-2", layer=1)
    assert len(gallery.thumbnails) == 3 and gallery.explorer.model.value == "GPT-2"
    gallery.buttons[2].click()
    assert (gallery.explorer.layer.value, gallery.explorer.head.value) == (1, 2)


def test_distilgpt2_alone(monkeypatch, tmp_path, clear_caches):
    pretend_fetched(monkeypatch, tmp_path, names=("distilgpt2",), **SIZES)
    assert widgets.model_names() == ["MiniLM", "tiny GPT", "distilGPT-2"]
    tokens, attention = widgets.attention_of("distilGPT-2", "The cat sat on the mat")
    assert "".join(tokens) == "The cat sat on the mat" and attention.shape[:2] == (2, 3)
