"""GPT-2's checkpoint format: what ``config.json`` must say and which tensors ``model.safetensors``
must hold, with a clear error for every way a folder can be wrong (read by :mod:`attnlab.models.gpt2`,
written by :mod:`attnlab.models.gpt2_random`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from attnlab.config import ModelConfig
from attnlab.errors import AttnlabError
from attnlab.models import hub
from attnlab.models.pieces import PretrainedConfig
from attnlab.validate import positive_int

ACTIVATIONS = ("gelu_new", "gelu_pytorch_tanh", "gelu")  # tanh-GELU (GPT-2's) or exact GELU
NEEDED_CONFIG = ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head")


@dataclass(frozen=True)
class GPT2Config(PretrainedConfig):
    """Sizes of a GPT-2 checkpoint, read from its ``config.json``, and its GELU."""

    activation: str

    def model_config(self, name: str = "gpt2") -> ModelConfig:
        """The same sizes as :class:`attnlab.params.ModelConfig`, to count parameters (lesson 08)."""
        return ModelConfig(self.vocab_size, self.max_tokens, self.d_model, self.n_heads, self.n_layers,
                           d_head=self.d_head, d_mlp=self.d_mlp, name=name)


def read_config(cfg: dict, where: str = "config.json") -> GPT2Config:
    """A GPT-2 ``config.json`` (as a dict) → :class:`GPT2Config`; anything else gets a clear error."""
    if not isinstance(cfg, dict):
        raise AttnlabError(f"{where} holds a {type(cfg).__name__}, not a config (a JSON object)")
    kind = cfg.get("model_type")
    if kind != "gpt2":
        hint = " (MiniLM is load_minilm()'s)" if kind == "bert" else ""
        raise AttnlabError(f"{where} is a {kind!r} checkpoint, not GPT-2 (model_type 'gpt2'): load_gpt2 "
                         f"runs GPT-2 layouts only{hint}")
    missing = [key for key in NEEDED_CONFIG if key not in cfg]
    if missing:
        raise AttnlabError(f"{where} lacks {', '.join(missing)}: not a GPT-2 config")
    activation = cfg.get("activation_function", "gelu_new")
    if activation not in ACTIVATIONS:
        raise AttnlabError(f"{where}: activation_function {activation!r} is not one of {ACTIVATIONS}")
    for key in ("scale_attn_by_inverse_layer_idx", "reorder_and_upcast_attn"):
        if cfg.get(key):
            raise AttnlabError(f"{where}: {key} is set; this runner does GPT-2's plain attention only")
    if cfg.get("scale_attn_weights") is False:
        raise AttnlabError(f"{where}: scale_attn_weights is false; GPT-2 divides scores by √d_head")
    C, H = positive_int(cfg["n_embd"], "n_embd"), positive_int(cfg["n_head"], "n_head")
    if C % H:
        raise AttnlabError(f"{where}: n_embd={C} is not divisible by n_head={H}")
    return GPT2Config(
        n_layers=positive_int(cfg["n_layer"], "n_layer"), n_heads=H, d_model=C, d_head=C // H,
        d_mlp=positive_int(cfg.get("n_inner") or 4 * C, "n_inner"),
        vocab_size=positive_int(cfg["vocab_size"], "vocab_size"),
        max_tokens=positive_int(cfg["n_positions"], "n_positions"),
        layer_norm_eps=float(cfg.get("layer_norm_epsilon", 1e-5)), activation=activation)


def read_file(path: Path, parse, kind: str):
    """``parse(path)``, or a ``ValueError`` saying the file is not ``kind`` (a cut-off download, a
    wrong file under the right name)."""
    try:
        return parse(path)
    except Exception as error:
        first = (str(error).strip().splitlines() or [""])[0]
        raise AttnlabError(f"{path} could not be read as {kind} ({type(error).__name__}: {first}): "
                         "fetch or save it again") from None


def expected_shapes(c: GPT2Config) -> dict[str, tuple[int, ...]]:
    """Every tensor GPT-2's layout has, with its shape (names as GPT2Model saves them)."""
    C, M, A = c.d_model, c.d_mlp, c.n_heads * c.d_head
    shapes = {"wte.weight": (c.vocab_size, C), "wpe.weight": (c.max_tokens, C)}
    for i in range(c.n_layers):
        p = f"h.{i}."
        shapes |= {p + "ln_1.weight": (C,), p + "ln_1.bias": (C,),
                   p + "attn.c_attn.weight": (C, 3 * A), p + "attn.c_attn.bias": (3 * A,),
                   p + "attn.c_proj.weight": (A, C), p + "attn.c_proj.bias": (C,),
                   p + "ln_2.weight": (C,), p + "ln_2.bias": (C,),
                   p + "mlp.c_fc.weight": (C, M), p + "mlp.c_fc.bias": (M,),
                   p + "mlp.c_proj.weight": (M, C), p + "mlp.c_proj.bias": (C,)}
    return shapes | {"ln_f.weight": (C,), "ln_f.bias": (C,)}


def check_folder(folder: Path) -> dict[str, Path]:
    """``{file name: path}`` for :data:`attnlab.models.hub.FILES` in ``folder``, or an error naming what is
    missing."""
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder: give load_gpt2 a folder holding "
                                f"{', '.join(hub.FILES)}")
    missing = [name for name in hub.FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{folder} lacks {', '.join(missing)}: a GPT-2 checkpoint folder holds "
                                f"{', '.join(hub.FILES)}")
    return {name: folder / name for name in hub.FILES}
