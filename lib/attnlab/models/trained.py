"""The course's own trained models, loaded for lessons: ``load_tiny_gpt`` and ``load_translator``.

No package ships GPT-2's weights here, so the course trains three tiny transformers from
:mod:`attnlab.models.layers` on the synthetic corpora of :mod:`attnlab.models.corpus`
(:mod:`attnlab.models.training`, ``make models``) and stores them in ``data/``:

- ``tiny_gpt`` — a decoder-only language model on the little grammar, with the causal mask;
- ``leaky_gpt`` — the same model trained **without** the causal mask (lesson 04): every position
  can see the word it must predict, so its training loss falls suspiciously low — and it cannot
  write, because when it generates, the next word does not exist yet;
- ``translator`` — an encoder–decoder whose cross-attention learns which source word to translate
  next (lesson 07).

Each is ``data/<name>.safetensors`` (weights) and ``data/<name>.json`` (config, vocabulary,
training figures and the measured quality, see :mod:`attnlab.models.probes`).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_model, save_model

from attnlab.errors import AttnlabError
from attnlab.models import corpus
from attnlab.models.gpt import GPTConfig, TinyGPT
from attnlab.models.translator import Translator, TranslatorConfig
from attnlab.paths import DATA_DIR

NAMES = ("tiny_gpt", "leaky_gpt", "translator")


def corpus_rows(rows: dict, split: str) -> np.ndarray:
    """A tiny GPT's training (``"train"``) or held-out (``"heldout"``) rows of token ids
    ``(n, row_length)``, made again from its checkpoint's ``corpus`` record (seed, sizes)."""
    if split not in ("train", "heldout"):
        raise AttnlabError(f"split must be 'train' or 'heldout', but got {split!r}")
    seed = rows["seed"] + (split == "heldout")  # the held-out rows come from the next seed
    return corpus.lm_sequences(rows[f"{split}_rows"], rows["row_length"], seed=seed, split=split)



# --- saving and loading ----------------------------------------------------------------------------


def save(model: torch.nn.Module, info: dict, out_dir: Path = DATA_DIR) -> tuple[Path, Path]:
    """Write ``<out_dir>/<name>.safetensors`` (weights; tied weights once) and ``<name>.json``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    weights, meta = out_dir / f"{info['name']}.safetensors", out_dir / f"{info['name']}.json"
    save_model(model, str(weights))
    weights.chmod(0o644)  # safetensors writes a private temporary file
    info = {**info, "weights_bytes": weights.stat().st_size}
    meta.write_text(json.dumps(info, indent=1) + "\n")
    return weights, meta


def read(name: str, data_dir: Path = DATA_DIR) -> tuple[torch.nn.Module, dict]:
    """Build the model ``name`` from its JSON config and load its safetensors weights (eval mode,
    frozen). A missing checkpoint raises ``FileNotFoundError`` saying to run ``make models``."""
    if name not in NAMES:
        raise AttnlabError(f"unknown model {name!r}: the course's models are {', '.join(NAMES)}")
    weights, meta = Path(data_dir) / f"{name}.safetensors", Path(data_dir) / f"{name}.json"
    missing = [str(p) for p in (weights, meta) if not p.exists()]
    if missing:
        raise FileNotFoundError(f"the checkpoint of {name} is missing ({', '.join(missing)}): "
                                f"run `make models` in the repository to train it (about a minute)")
    info = json.loads(meta.read_text())
    model = (Translator(TranslatorConfig(**info["config"])) if name == "translator"
             else TinyGPT(GPTConfig(**info["config"])))
    load_model(model, str(weights))
    model.eval().requires_grad_(False)
    return model, info


class TrainedGPT:
    """A trained tiny GPT with its vocabulary, for lessons.

    ``model`` (a :class:`~attnlab.models.gpt.TinyGPT`, eval mode), ``vocab``, ``info`` (the JSON: config,
    training figures, measured quality). Texts are words of the grammar, e.g.
    ``"a tiny fluffy blue creature squeaks ."``.
    """

    def __init__(self, model: TinyGPT, info: dict):
        self.model, self.info = model, info
        self.vocab = corpus.Vocab(info["vocab"])
        self.masked = model.config.causal

    def encode(self, text: str) -> list[int]:
        """Text → token ids (``ValueError`` for a word the grammar does not know)."""
        return self.vocab.encode(text)

    def rows(self, split: str) -> np.ndarray:
        """The rows this model trained on (``"train"``) or was measured on (``"heldout"``):
        token ids ``(n, context_length + 1)``, made again from the checkpoint's record."""
        return corpus_rows(self.info["corpus"], split)

    def decode(self, ids) -> str:
        """Token ids → text."""
        return self.vocab.decode(ids)

    def tokens(self, text: str) -> list[str]:
        """The words the model reads."""
        return self.vocab.tokens(self.encode(text))

    def roles(self, text: str) -> list[str]:
        """Each word's role: det, size, texture, color, noun, verb, end."""
        return corpus.roles(self.tokens(text))

    def adjective_links(self, text: str) -> list[tuple[int, list[int]]]:
        """``(noun position, its adjectives' positions)`` for each noun of the text."""
        return corpus.adjective_links(self.tokens(text))

    def _ids(self, text: str) -> torch.Tensor:
        ids = self.encode(text)
        if not 1 <= len(ids) <= self.model.config.context_length:
            raise AttnlabError(f"the text has {len(ids)} words; the model reads 1 to "
                             f"{self.model.config.context_length}")
        return torch.tensor([ids])

    @torch.no_grad()
    def attention(self, text: str) -> np.ndarray:
        """The attention patterns on ``text``: ``(n_layers, n_heads, T, T)``, rows sum to 1."""
        _, patterns = self.model(self._ids(text), need_weights=True)
        return torch.cat(patterns).numpy()

    @torch.no_grad()
    def next_word_probabilities(self, text: str) -> dict[str, float]:
        """The probability of each word coming next after ``text``, most likely first."""
        probs = self.model(self._ids(text))[0, -1].softmax(-1).numpy()
        return {self.vocab.words[i]: float(probs[i]) for i in np.argsort(-probs, kind="stable")}

    @torch.no_grad()
    def continue_text(self, text: str, n_words: int, greedy: bool = True, seed: int = 0) -> str:
        """``text`` followed by ``n_words`` generated words (greedy, or sampled with ``seed``)."""
        out = self.model.generate(self._ids(text), n_words, greedy=greedy,
                                  generator=torch.Generator().manual_seed(seed))
        return self.decode(out[0])


class TrainedTranslator:
    """The trained translator with its vocabularies, for lessons.

    ``model`` (a :class:`~attnlab.models.translator.Translator`), ``source_vocab``, ``target_vocab``,
    ``info``.
    """

    def __init__(self, model: Translator, info: dict):
        self.model, self.info = model, info
        self.source_vocab = corpus.Vocab(info["source_vocab"])
        self.target_vocab = corpus.Vocab(info["target_vocab"])

    def _src(self, text: str) -> torch.Tensor:
        words = [w for w in corpus.tokenize(text) if w != corpus.END]
        if not 1 <= len(words) <= self.model.config.context_length:
            raise AttnlabError(f"the sentence has {len(words)} words; the translator reads 1 to "
                             f"{self.model.config.context_length}")
        return torch.tensor([self.source_vocab.encode(words)])

    def translate(self, text: str) -> str:
        """Greedy translation of a source sentence (without ``</s>``)."""
        bos, eos = self.target_vocab.index[corpus.BOS], self.target_vocab.index[corpus.EOS]
        out = self.model.translate(self._src(text), bos=bos, eos=eos)[0].tolist()
        return self.target_vocab.decode(out[:out.index(eos)] if eos in out else out)

    @torch.no_grad()
    def cross_attention(self, text: str, target: str | None = None) -> dict:
        """The decoder's cross-attention while it writes ``target`` (default: its own translation).

        Returns ``{"source": words (S), "target": words (T), "patterns": (n_layers, n_heads, T, S)}``:
        row t is where the decoder looked in the source while writing target word t.
        """
        src = self._src(text)
        target = self.translate(text) if target is None else target
        words = corpus.tokenize(target)
        tgt_in = torch.tensor([self.target_vocab.encode([corpus.BOS, *words])])
        _, patterns = self.model(src, tgt_in, need_weights=True)
        cross = torch.cat(patterns["cross"]).numpy()[:, :, :len(words)]  # row t writes word t
        return {"source": self.source_vocab.tokens(src[0]), "target": words, "patterns": cross}


@functools.cache
def load_tiny_gpt(masked: bool = True) -> TrainedGPT:
    """The course's tiny GPT (cached). ``masked=False``: the leaky one, trained without a causal mask."""
    return TrainedGPT(*read("tiny_gpt" if masked else "leaky_gpt"))


@functools.cache
def load_translator() -> TrainedTranslator:
    """The course's tiny encoder–decoder translator (cached)."""
    return TrainedTranslator(*read("translator"))
