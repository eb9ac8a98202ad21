"""GPT-2 checkpoints the tests build themselves: transformers' GPT2LMHeadModel (or GPT2Model, the
layout the hub's ``openai-community/gpt2`` uses) with random weights at odd sizes, saved with
``save_pretrained`` (safetensors), beside a byte-level BPE tokenizer trained by ``tokenizers`` on a few
sentences. No network: nothing here downloads.
"""

import hashlib
import os
from pathlib import Path

import torch

from attnlab.models import hub
from attnlab.models.gpt2_random import byte_level_tokenizer

REVISION = "0123456789abcdef0123456789abcdef01234567"

# Odd sizes: heads that do not divide by two, an MLP that is not 4·d_model, a short context.
SIZES = {
    "odd": dict(n_layer=3, n_head=5, n_embd=30, n_positions=23, n_inner=37),
    "one_head": dict(n_layer=1, n_head=1, n_embd=7, n_positions=9),
    "wide": dict(n_layer=2, n_head=3, n_embd=48, n_positions=64, activation_function="gelu"),
}


def build(folder: Path, sizes: dict, seed: int = 0, scale: float = 0.3, body_only: bool = False,
          vocab_size: int = 300):
    """Write a random GPT-2 checkpoint into ``folder``; return the torch model (float64, eval, eager
    attention so it can return its patterns). ``scale``: the noise added to every parameter, so that
    biases and LayerNorms are not their trivial 0 and 1."""
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2Model

    tokenizer = byte_level_tokenizer(vocab_size=vocab_size)
    config = GPT2Config(vocab_size=tokenizer.get_vocab_size(), bos_token_id=0, eos_token_id=0, **sizes)
    config._attn_implementation = "eager"
    torch.manual_seed(seed)
    model = (GPT2Model if body_only else GPT2LMHeadModel)(config)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.randn_like(p))
    model.eval().save_pretrained(folder)
    tokenizer.save(str(Path(folder) / "tokenizer.json"))
    return model.double()


def lay_out(cache, name, checkpoint, files=hub.FILES):
    """Put ``files`` of ``checkpoint`` into ``cache`` as huggingface_hub stores them; the snapshot."""
    repo = cache / ("models--" + hub.repo_id(name).replace("/", "--"))
    snapshot = repo / "snapshots" / REVISION
    (repo / "blobs").mkdir(parents=True)
    snapshot.mkdir(parents=True)
    for f in files:
        data = (checkpoint / f).read_bytes()
        blob = hashlib.sha256(data).hexdigest()
        (repo / "blobs" / blob).write_bytes(data)
        (snapshot / f).symlink_to(os.path.join("..", "..", "blobs", blob))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(REVISION)
    return snapshot


def pretend_fetched(monkeypatch, tmp_path, names=("gpt2",), **sizes):
    """Point the course's cache and the HF cache at empty folders under ``tmp_path``, then lay out a
    random checkpoint of ``sizes`` as ``attnlab-fetch`` would for each of ``names``; returns the
    snapshot folders. With ``names=()`` GPT-2 is simply absent."""
    from huggingface_hub import constants

    from attnlab.models.gpt2 import cached_gpt2
    from attnlab.models.gpt2_random import write_random_gpt2

    monkeypatch.delenv(hub.IGNORE, raising=False)  # tests/conftest.py sets it for everything else
    monkeypatch.setattr(hub, "PRETRAINED_DIR", tmp_path / "course")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    cached_gpt2.cache_clear()
    folders = {}
    for name in names:
        checkpoint = write_random_gpt2(tmp_path / f"random-{name}", seed=len(name), **sizes)
        folders[name] = lay_out(tmp_path / "course", name, checkpoint)
    return folders
