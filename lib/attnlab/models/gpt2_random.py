"""GPT-2-layout checkpoints with random weights, of any size — for the bench and for a learner's experiments.

:func:`write_random_gpt2` writes the three files :func:`attnlab.models.gpt2.load_gpt2` reads: a
``config.json`` as the hub's GPT-2 has it, random weights in GPT-2's tensor names and shapes
(``model.safetensors``, GPT-2's initialisation: normal with std 0.02, LayerNorms 1 and 0), and a
byte-level BPE tokenizer trained on a few sentences (:func:`byte_level_tokenizer`). Nothing is
downloaded. The weights mean nothing: use it to time the forward pass of GPT-2's shape, not to read
its heads.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from attnlab.errors import AttnlabError
from attnlab.models.gpt2_layout import expected_shapes, read_config
from attnlab.validate import positive_int

END_OF_TEXT = "<|endoftext|>"
SENTENCES = (
    "The fluffy blue creature roamed the verdant forest.",
    "A wizard slept by the fire while the cat watched the door.",
    "Attention lets every token look at the tokens before it and take what it needs.",
    "Queries meet keys; the softmax turns their scores into weights for the values.",
    "Café owners in Zürich don't open before 9:30 — ever!",
)
GPT2_SMALL = {"n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024, "vocab_size": 50257}


def byte_level_tokenizer(sentences=SENTENCES, vocab_size: int = 300):
    """A byte-level BPE tokenizer like GPT-2's (256 byte tokens, merges, ``<|endoftext|>``), trained
    with ``tokenizers`` on ``sentences``; it may learn fewer than ``vocab_size`` tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=positive_int(vocab_size, "vocab_size"), show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=[END_OF_TEXT])
    tokenizer.train_from_iterator(list(sentences), trainer=trainer)
    return tokenizer


def gpt2_config_json(n_layer: int, n_head: int, n_embd: int, n_positions: int, vocab_size: int) -> dict:
    """The fields of a GPT-2 ``config.json`` that set its shape (the rest as GPT-2 has them)."""
    return {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": n_layer,
            "n_head": n_head, "n_embd": n_embd, "n_positions": n_positions, "n_ctx": n_positions,
            "vocab_size": vocab_size, "n_inner": None, "activation_function": "gelu_new",
            "layer_norm_epsilon": 1e-5, "tie_word_embeddings": True}


def random_weights(cfg: dict, seed: int = 0) -> dict[str, np.ndarray]:
    """Random float32 tensors in GPT-2's layout for the sizes in ``cfg`` (a ``config.json`` dict)."""
    rng = np.random.default_rng(seed)
    weights = {}
    for name, shape in expected_shapes(read_config(cfg)).items():
        if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
            weights[name] = np.ones(shape, np.float32)
        elif len(shape) == 1:
            weights[name] = np.zeros(shape, np.float32)
        else:
            weights[name] = (0.02 * rng.standard_normal(shape, dtype=np.float32))
    return weights


def write_random_gpt2(folder, seed: int = 0, **sizes) -> Path:
    """Write a random GPT-2 checkpoint into ``folder`` (made if needed) and return it. ``sizes``:
    ``n_layer``, ``n_head``, ``n_embd``, ``n_positions``, ``vocab_size`` (default: GPT-2 small's)."""
    from safetensors.numpy import save_file

    unknown = set(sizes) - set(GPT2_SMALL)
    if unknown:
        raise AttnlabError(f"unknown size(s) {sorted(unknown)}: give {', '.join(GPT2_SMALL)}")
    cfg = gpt2_config_json(**(GPT2_SMALL | sizes))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(cfg, indent=2))
    save_file(random_weights(cfg, seed), str(folder / "model.safetensors"), metadata={"format": "np"})
    byte_level_tokenizer(vocab_size=min(cfg["vocab_size"], 400)).save(str(folder / "tokenizer.json"))
    return folder
