"""GPT-2, run by attnlab's own NumPy code — when the learner has it (``attnlab-fetch gpt2``).

GPT-2 is a **causal** language model: every position reads only itself and the positions before it,
and predicts the next token. :func:`load_gpt2` reads a checkpoint folder in the Hugging Face layout
(``config.json``, ``model.safetensors``, ``tokenizer.json``; any sizes) with ``safetensors`` and
``tokenizers`` — no ``transformers`` — and runs it with the course's attention
(:func:`attnlab.attention.scaled_dot_product_attention` and its causal mask):

1. byte-level BPE splits the text into tokens (no special tokens are added);
2. ``hidden_states[0]`` = token embedding ``wte`` + learned position embedding ``wpe``;
3. each block is **pre-LN**: ``x = x + attention(ln_1(x))``, then ``x = x + mlp(ln_2(x))``:
   - attention: GPT-2 stores all heads' query, key and value-down maps as one fused matrix
     ``c_attn`` — the course's ``W_QKV`` ``(C, 3·H·D)``, stored ``x @ W`` (its ``Conv1D`` keeps
     ``(in, out)``, unlike torch's Linear). Cut into thirds and then into H column blocks, it gives
     each head's ``W_Q``, ``W_K``, ``W_V_down`` ``(H, C, D)``; the output matrix ``c_proj`` is the
     stacked ``W_O`` ``(H·D, C)``, whose H row blocks are the heads' ``W_V_up`` ``(H, D, C)``;
   - MLP: C → d_mlp → C with GELU between (GPT-2's tanh approximation, ``gelu_new``);
4. the final LayerNorm ``ln_f``, then the **tied** unembedding: logits = ``ln_f(x) @ wte.T``.

Shapes: T tokens, C = d_model, H heads, D = d_head, L layers, V vocabulary.
The test oracle is ``transformers``' GPT2LMHeadModel on checkpoints the tests build themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from attnlab.attention import causal_mask, scaled_dot_product_attention
from attnlab.errors import AttnlabError
from attnlab.models import hub
from attnlab.models.gpt2_layout import GPT2Config, check_folder, expected_shapes, read_config, read_file
from attnlab.models.pieces import PerLayerMaps, check_text, gelu, gelu_tanh, layer_norm, read_only
from attnlab.models.pretrained import Forward
from attnlab.validate import index, positive_int


@dataclass(frozen=True)
class BlockWeights:
    """One GPT-2 block's weights in the course's vocabulary and ``x @ W`` orientation. The per-head
    maps are views of the fused ``W_QKV`` and of ``W_O`` (no copies): :func:`block_weights`."""

    ln_1: tuple[np.ndarray, np.ndarray]  # weight, bias (C,)
    W_QKV: np.ndarray  # (C, 3·H·D): the fused c_attn
    b_QKV: np.ndarray  # (3·H·D,)
    W_Q: np.ndarray  # (H, C, D)
    W_K: np.ndarray  # (H, C, D)
    W_V_down: np.ndarray  # (H, C, D)
    b_Q: np.ndarray  # (H, D)
    b_K: np.ndarray  # (H, D)
    b_V: np.ndarray  # (H, D)
    W_O: np.ndarray  # (H·D, C): the stacked output matrix c_proj
    W_V_up: np.ndarray  # (H, D, C): W_O's row blocks
    b_O: np.ndarray  # (C,)
    ln_2: tuple[np.ndarray, np.ndarray]
    W_in: np.ndarray  # (C, d_mlp)
    b_in: np.ndarray  # (d_mlp,)
    W_out: np.ndarray  # (d_mlp, C)
    b_out: np.ndarray  # (C,)


def block_weights(w: dict, prefix: str, n_heads: int) -> BlockWeights:
    """Block ``prefix`` (``"h.3."``) of GPT-2's tensors ``w``: the fused c_attn ``(C, 3·H·D)`` cut
    into thirds (queries | keys | values) and each third into H column blocks, one per head."""
    W_QKV, b_QKV, W_O = w[prefix + "attn.c_attn.weight"], w[prefix + "attn.c_attn.bias"], \
        w[prefix + "attn.c_proj.weight"]
    C = W_QKV.shape[0]
    per_head = W_QKV.reshape(C, 3, n_heads, -1).transpose(1, 2, 0, 3)  # (3, H, C, D)
    biases = b_QKV.reshape(3, n_heads, -1)  # (3, H, D)
    return BlockWeights(
        ln_1=(w[prefix + "ln_1.weight"], w[prefix + "ln_1.bias"]), W_QKV=W_QKV, b_QKV=b_QKV,
        W_Q=per_head[0], W_K=per_head[1], W_V_down=per_head[2],
        b_Q=biases[0], b_K=biases[1], b_V=biases[2],
        W_O=W_O, W_V_up=W_O.reshape(n_heads, -1, C), b_O=w[prefix + "attn.c_proj.bias"],
        ln_2=(w[prefix + "ln_2.weight"], w[prefix + "ln_2.bias"]),
        W_in=w[prefix + "mlp.c_fc.weight"], b_in=w[prefix + "mlp.c_fc.bias"],
        W_out=w[prefix + "mlp.c_proj.weight"], b_out=w[prefix + "mlp.c_proj.bias"])


def heads_attention(x, w: BlockWeights, attend=scaled_dot_product_attention):
    """All heads of one layer in the per-head form, causal: x ``(T, C)`` → (the heads' proposed
    changes ``(H, T, C)``, patterns ``(H, T, T)``). ``attend(q, k, v, mask)`` → (out, pattern) is the
    course's attention — or a learner's own function of the same shape."""
    q = x @ w.W_Q + w.b_Q[:, None, :]  # (T, C) @ (H, C, D) -> (H, T, D)
    k = x @ w.W_K + w.b_K[:, None, :]  # (H, T, D)
    v = x @ w.W_V_down + w.b_V[:, None, :]  # (H, T, D)
    out, patterns = attend(q, k, v, causal_mask(x.shape[0]))  # (H, T, D), (H, T, T)
    return np.asarray(out) @ w.W_V_up, np.asarray(patterns)  # (H, T, D) @ (H, D, C) -> (H, T, C)


def attention_layer(x, w: BlockWeights, attend=scaled_dot_product_attention, off=()):
    """The attention of one block: x ``(T, C)`` (after ``ln_1``) → (its change ``(T, C)``: the
    heads' changes summed, + the output bias; patterns ``(H, T, T)``). The heads in ``off`` propose
    nothing."""
    changes, patterns = heads_attention(x, w, attend)
    if len(off):
        changes = changes.copy()
        changes[list(off)] = 0.0
    return changes.sum(axis=0) + w.b_O, patterns


def gpt2_block(x, w: BlockWeights, config: GPT2Config, attention=attention_layer):
    """One pre-LN block: x ``(T, C)`` → (new x ``(T, C)``, patterns ``(H, T, T)``);
    ``attention(ln_1(x), w)`` → (change, patterns) is :func:`attention_layer` unless told otherwise."""
    eps = config.layer_norm_eps
    change, patterns = attention(layer_norm(x, *w.ln_1, eps), w)
    x = x + change
    act = gelu_tanh if config.activation != "gelu" else gelu
    return x + act(layer_norm(x, *w.ln_2, eps) @ w.W_in + w.b_in) @ w.W_out + w.b_out, patterns


@dataclass(frozen=True)
class GPT2Forward(Forward):
    """A forward pass of GPT-2: :class:`~attnlab.models.pretrained.Forward` plus ``logits`` ``(T, V)``."""

    logits: np.ndarray = None


class GPT2(PerLayerMaps):
    """A GPT-2 checkpoint run in NumPy by attnlab's attention. Build it with :func:`load_gpt2`."""

    def __init__(self, folder, dtype=np.float32):
        from tokenizers import Tokenizer

        folder = Path(folder)
        files = check_folder(folder)
        self.folder, self.dtype = folder, np.dtype(dtype)
        cfg = read_file(files["config.json"], lambda p: json.loads(p.read_text()), "JSON")
        self.config = read_config(cfg, str(files["config.json"]))
        self._tokenizer = read_file(files["tokenizer.json"], lambda p: Tokenizer.from_file(str(p)),
                                    "a tokenizer")
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        self._load_weights(files["model.safetensors"])
        self._forward_cached = lru_cache(maxsize=64)(self._run)
        self._blas = ThreadpoolController()

    def _load_weights(self, path: Path) -> None:
        from safetensors.numpy import load_file

        raw = read_file(path, lambda p: load_file(str(p)), "safetensors")
        if any(key.startswith("transformer.") for key in raw):  # GPT2LMHeadModel's save_pretrained
            raw = {key.removeprefix("transformer."): value for key, value in raw.items()}
        shapes = expected_shapes(self.config)
        missing = [key for key in shapes if key not in raw]
        if missing:
            raise AttnlabError(f"{path} is not in GPT-2's layout: it lacks {len(missing)} tensor(s), "
                             f"the first {', '.join(missing[:3])}")
        for key, shape in shapes.items():
            if raw[key].shape != shape:
                raise AttnlabError(f"{path}: {key} has shape {raw[key].shape}, but config.json's sizes "
                                 f"need {shape}")
        w = {key: read_only(raw[key].astype(self.dtype, copy=False)) for key in shapes}
        lm_head = raw.get("lm_head.weight")  # GPT-2 ties it to wte: absent, or a copy of it
        self.wte, self.wpe = w["wte.weight"], w["wpe.weight"]  # (V, C), (max_tokens, C)
        tied = lm_head is None or np.array_equal(lm_head, raw["wte.weight"])
        self.unembedding = self.wte if tied else read_only(lm_head.astype(self.dtype, copy=False))  # (V, C)
        self.ln_f = (w["ln_f.weight"], w["ln_f.bias"])
        self.blocks = tuple(block_weights(w, f"h.{i}.", self.config.n_heads)
                            for i in range(self.config.n_layers))
        self.n_parameters = sum(a.size for a in w.values()) + (0 if tied else self.unembedding.size)

    def __repr__(self) -> str:
        c = self.config
        return (f"GPT2({self.folder.name}: {c.n_layers} layers, {c.n_heads} heads × d_head {c.d_head}, "
                f"d_model {c.d_model}, vocabulary {c.vocab_size}, {self.n_parameters:,} parameters)")

    # --- text <-> tokens ------------------------------------------------------------------

    def _encode(self, text):
        return self._tokenizer.encode(check_text(text))

    def tokens(self, text: str) -> list[str]:
        """The tokens exactly as the byte-level BPE gives them (``Ġ`` marks a leading space)."""
        return list(self._encode(text).tokens)

    def pieces(self, text: str) -> list[str]:
        """The piece of ``text`` each token covers, spaces included; they join back into ``text``.
        A character split over several byte tokens (``é``, ``—``) goes to the first, the rest get ``""``."""
        pieces, end = [], 0
        for a, b in self._encode(text).offsets:
            pieces.append(text[max(a, end):b])
            end = max(end, b)
        return pieces

    def token_ids(self, text: str) -> list[int]:
        """The vocabulary ids of :meth:`tokens`."""
        return list(self._encode(text).ids)

    def decode(self, ids) -> str:
        """Token ids → text."""
        return self._tokenizer.decode([index(i, "token id", self.config.vocab_size) for i in ids])

    @cached_property
    def vocab(self) -> dict[str, int]:
        """token → id."""
        return self._tokenizer.get_vocab(with_added_tokens=True)

    # --- the forward pass ------------------------------------------------------------------

    def _ids(self, ids) -> tuple[int, ...]:
        ids = tuple(index(i, "token id", self.config.vocab_size) for i in ids)
        if not 1 <= len(ids) <= self.config.max_tokens:
            raise AttnlabError(f"the model reads 1 to at most {self.config.max_tokens} tokens, but got "
                             f"{len(ids)}: shorten the text")
        return ids

    def run(self, ids, attend=scaled_dot_product_attention, skip_heads=()) -> GPT2Forward:
        """The forward pass on token ids ``(T,)``, uncached. ``attend(q, k, v, mask)`` is the
        attention each head uses (the course's by default — a learner's own plugs in here);
        ``skip_heads``: ``(layer, head)`` pairs whose proposed change is dropped (to measure what a
        head does)."""
        ids = self._ids(ids)
        off = {}
        for layer, head in skip_heads:
            off.setdefault(index(layer, "layer", self.config.n_layers), []).append(
                index(head, "head", self.config.n_heads))
        with self._blas.limit(limits=1, user_api="blas"):  # as MiniLM: small products, one thread
            return self._through_blocks(ids, attend, off)

    def _through_blocks(self, ids: tuple[int, ...], attend, off: dict) -> GPT2Forward:
        x = self.wte[list(ids)] + self.wpe[:len(ids)]  # (T, C)
        hidden, patterns = [x], []
        for i, block in enumerate(self.blocks):
            x, pattern = gpt2_block(x, block, self.config,
                                    lambda y, w, i=i: self._attention(y, w, attend, off.get(i, ())))
            hidden.append(x)
            patterns.append(pattern)
        hidden[-1] = layer_norm(x, *self.ln_f, self.config.layer_norm_eps)  # as transformers keeps it
        logits = hidden[-1] @ self.unembedding.T  # (T, C) @ (C, V) -> (T, V)
        tokens = tuple(self._tokenizer.id_to_token(i) for i in ids)
        return GPT2Forward(tokens, ids, read_only(np.stack(hidden)), read_only(np.stack(patterns)),
                           read_only(logits))

    def _attention(self, x, w: BlockWeights, attend, off) -> tuple[np.ndarray, np.ndarray]:
        """One block's attention, x ``(T, C)`` after ``ln_1`` → (change ``(T, C)``, patterns
        ``(H, T, T)``): the hook a runner on the learner's functions overrides (``attnlab.yours``:
        ``steps.heads(x, w.W_Q, w.W_K, w.W_V_down, w.W_V_up, w.b_Q, w.b_K, w.b_V, causal=True)``,
        plus ``w.b_O``)."""
        return attention_layer(x, w, attend, off)

    def _run(self, ids: tuple[int, ...]) -> GPT2Forward:
        return self.run(ids)

    def forward(self, text_or_ids) -> GPT2Forward:
        """Run the model on a text or on token ids (cached)."""
        ids = self.token_ids(text_or_ids) if isinstance(text_or_ids, str) else text_or_ids
        return self._forward_cached(self._ids(ids))

    def attention(self, text_or_ids) -> np.ndarray:
        """Every head's attention pattern ``(n_layers, n_heads, T, T)``; causal, rows sum to 1."""
        return self.forward(text_or_ids).attention.copy()

    def hidden_states(self, text_or_ids) -> np.ndarray:
        """The residual stream ``(n_layers + 1, T, d_model)``: the embeddings, then each block's output
        — the last one after the final LayerNorm ``ln_f``, as ``transformers`` gives it."""
        return self.forward(text_or_ids).hidden_states.copy()

    def logits(self, text_or_ids) -> np.ndarray:
        """The next-token logits at every position ``(T, vocab_size)``."""
        return self.forward(text_or_ids).logits.copy()

    def next_words(self, text: str, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` most likely next tokens after ``text`` and their probabilities."""
        logits = self.forward(text).logits[-1].astype(np.float64)
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        top = np.argsort(-probs, kind="stable")[:positive_int(k, "k")]
        return [(self._tokenizer.decode([int(i)]), float(probs[i])) for i in top]

    def next_word(self, text: str) -> str:
        """The most likely next token after ``text``, as text."""
        return self.next_words(text, 1)[0][0]

    def continue_text(self, text: str, n_tokens: int = 10) -> str:
        """``text`` and ``n_tokens`` more, greedily (the most likely token each time; deterministic)."""
        ids = self.token_ids(text)
        for _ in range(positive_int(n_tokens, "n_tokens")):
            window = ids[-self.config.max_tokens:]
            ids.append(int(self.forward(window).logits[-1].argmax()))
        return text + self._tokenizer.decode(ids[len(self.token_ids(text)):])

    # --- the weights, per layer, in the course's vocabulary -------------------------------

    def layer(self, layer: int) -> BlockWeights:
        """All weights of block ``layer`` (0 … n_layers − 1), read-only; its attention maps are also
        ``model.W_Q(layer)``, ``W_K``, ``W_V_down``, ``W_V_up``, ``W_O`` and the biases."""
        return self.blocks[index(layer, "layer", self.config.n_layers)]


def load_gpt2(folder=None, *, name: str = "gpt2", dtype=np.float32) -> GPT2:
    """A GPT-2 checkpoint: from ``folder``, or — without one — the copy of ``name`` (``"gpt2"`` or
    ``"distilgpt2"``) that ``attnlab-fetch`` put in the course's cache or that the learner's Hugging
    Face cache holds. Without either, ``FileNotFoundError`` says in one line how to fetch it."""
    if folder is None:
        folder = hub.find_checkpoint(name)
        if folder is None:
            raise FileNotFoundError(hub.how_to_fetch(name))
    return GPT2(folder, dtype)


@lru_cache(maxsize=2)
def cached_gpt2(name: str = "gpt2") -> GPT2:
    """:func:`load_gpt2` of ``name`` without a folder, loaded once per process (GPT-2 small: 0.5 GB)."""
    return load_gpt2(name=name)


def gpt2_available(name: str = "gpt2") -> bool:
    """True if :func:`load_gpt2` would find ``name`` without a folder (lessons skip GPT-2 cells if not)."""
    return hub.find_checkpoint(name) is not None
