"""The course's real models, run on :class:`~attnlab.yours.steps.Steps` (the learner's functions).

- :func:`your_minilm`, :func:`your_gpt2` — all-MiniLM-L6-v2 and GPT-2 (NumPy): every layer's
  attention through ``steps.heads`` (GPT-2's causal), by overriding the model's ``_attention`` hook.
- :func:`your_tiny_gpt`, :func:`your_translator` — the course's trained torch models, copied, with
  every :class:`~attnlab.models.layers.MultiHeadAttention` replaced by :class:`YourAttention` (NumPy,
  through ``steps.heads``), and — where the learner wrote them in lesson 09 — each block's forward
  pass by their ``residual_block``, the model's by their ``gpt_forward``, greedy writing by their
  ``greedy_generate``. Same interface as the course's ``TrainedGPT`` / ``TrainedTranslator``.
"""

from __future__ import annotations

import copy
from functools import cache, lru_cache

import numpy as np

from attnlab.yours.steps import USES, Steps

# --- the NumPy models: MiniLM, GPT-2 --------------------------------------------------------------


def _minilm_attention(self, x, w):
    """MiniLM's ``_attention`` on ``self.steps``: x ``(T, C)`` → (change ``(T, C)``, patterns
    ``(H, T, T)``); bidirectional, the output bias added here (``steps.heads`` leaves it out)."""
    change, patterns = self.steps.heads(x, w.W_Q, w.W_K, w.W_V_down, w.W_V_up, w.b_Q, w.b_K, w.b_V)
    return change + w.b_O, patterns


def _gpt2_attention(self, x, w, attend=None, off=()):
    """GPT-2's ``_attention`` on ``self.steps`` (``attend`` is replaced by them): x ``(T, C)`` after
    ``ln_1`` → (change ``(T, C)``, patterns ``(H, T, T)``); causal, GPT-2's biases, + ``b_O``. The
    heads in ``off`` propose nothing: their ``W_V_up`` ``(D, C)`` is zero."""
    W_V_up = w.W_V_up  # (H, D, C)
    if len(off):
        W_V_up = W_V_up.copy()
        W_V_up[list(off)] = 0.0
    change, patterns = self.steps.heads(x, w.W_Q, w.W_K, w.W_V_down, W_V_up, w.b_Q, w.b_K, w.b_V,
                                        causal=True)
    return change + w.b_O, patterns


class _OnSteps:
    """Mixed into a loaded NumPy model's class: its attention runs on ``self.steps``."""

    steps: Steps
    uses: str  # the model's key in USES

    def __repr__(self) -> str:
        mine = ", ".join(s.name for s in self.steps.yours() if s.name in USES[self.uses]) or "none"
        return super().__repr__() + f" on your functions ({mine})"


@cache
def _class_on_steps(cls: type, attention, uses: str) -> type:
    doc = f"{cls.__name__} whose attention runs on ``self.steps`` (shares the loaded weights)."
    return type(f"Your{cls.__name__}", (_OnSteps, cls), {"_attention": attention, "uses": uses,
                                                          "__doc__": doc})


def on_steps(base, steps: Steps, attention, uses: str, cached: str):
    """A copy of the loaded model ``base`` whose ``_attention`` is ``attention`` on ``steps``; the
    weights are ``base``'s, not a second copy. ``cached``: the method ``base._forward_cached`` caches
    (its own cache starts empty)."""
    model = object.__new__(_class_on_steps(type(base), attention, uses))
    model.__dict__.update({k: v for k, v in base.__dict__.items() if k != "_forward_cached"})
    model.steps = steps
    model._forward_cached = lru_cache(maxsize=64)(getattr(model, cached))
    return model


def your_minilm(steps: Steps):
    """all-MiniLM-L6-v2 on ``steps`` — the interface of ``MiniLM`` (tokens, attention,
    hidden_states, embed, similarity, …)."""
    from attnlab.models.pretrained import load_minilm

    return on_steps(load_minilm(), steps, _minilm_attention, "minilm", "_forward")


def load_base_gpt2(folder=None, name: str = "gpt2"):
    """The GPT-2 a runner shares weights with: ``folder``'s, or ``name`` as fetched (loaded once per
    process). Without either, ``FileNotFoundError`` says in one line how to fetch it."""
    from attnlab.models.gpt2 import cached_gpt2, load_gpt2

    return cached_gpt2(name) if folder is None else load_gpt2(folder, name=name)


def your_gpt2(steps: Steps, base):
    """The loaded GPT-2 ``base`` on ``steps`` — the interface of ``GPT2`` (tokens, attention,
    hidden_states, logits, next_word, continue_text, …); every block's attention causal through
    ``steps.heads``."""
    return on_steps(base, steps, _gpt2_attention, "gpt2", "_run")


# --- the torch models ------------------------------------------------------------------------------


def _torch_classes():
    import torch
    from torch import nn

    class YourAttention(nn.Module):
        """A trained ``MultiHeadAttention``'s weights, attending through ``steps.heads`` in NumPy.

        ``forward(x (B, T, C), context=None (B, S, C), need_weights=False)`` as the module it
        replaces; the last patterns stay in ``self.patterns`` ``(B, H, T, S)``."""

        def __init__(self, mha, steps: Steps):
            super().__init__()
            H, D, C = mha.n_heads, mha.d_head, mha.d_model
            w = mha.qkv.weight.detach().double().numpy()  # (3·H·D, C): queries, keys, values
            b = (np.zeros(3 * H * D) if mha.qkv.bias is None else mha.qkv.bias.detach().double().numpy())
            maps = w.reshape(3, H, D, C).transpose(0, 1, 3, 2)  # (3, H, C, D)
            self.W_Q, self.W_K, self.W_V_down = (m.astype(np.float32) for m in maps)
            self.b_Q, self.b_K, self.b_V = b.reshape(3, H, D).astype(np.float32)
            self.W_V_up = mha.out.weight.detach().numpy().T.reshape(H, D, C).copy()  # (H, D, C)
            self.b_O = None if mha.out.bias is None else mha.out.bias.detach().numpy().copy()
            self.causal, self.steps, self.d_model = mha.causal, steps, C
            self.patterns = None

        def forward(self, x, context=None, need_weights: bool = False):
            xs = x.detach().float().numpy()  # (B, T, C)
            cs = None if context is None else context.detach().float().numpy()  # (B, S, C)
            changes, patterns = [], []
            for i in range(xs.shape[0]):
                change, p = self.steps.heads(
                    xs[i], self.W_Q, self.W_K, self.W_V_down, self.W_V_up, self.b_Q, self.b_K,
                    self.b_V, causal=self.causal, context=None if cs is None else cs[i])
                changes.append(change if self.b_O is None else change + self.b_O)
                patterns.append(p)
            self.patterns = torch.from_numpy(np.stack(patterns))  # (B, H, T, S)
            y = torch.from_numpy(np.stack(changes).astype(np.float32)).to(x.dtype)  # (B, T, C)
            return (y, self.patterns) if need_weights else y

    return YourAttention


def _swap_attention(model, steps: Steps):
    """``model`` (a copy) with each MultiHeadAttention replaced by a YourAttention on ``steps``."""
    from attnlab.models.layers import MultiHeadAttention

    YourAttention = _torch_classes()
    for module in list(model.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, MultiHeadAttention):
                setattr(module, name, YourAttention(child, steps))
    return model


def _override(module, method: str, fn) -> None:
    object.__setattr__(module, method, fn)


def your_gpt_model(model, steps: Steps):
    """A copy of a TinyGPT on ``steps``: its attention, and the learner's lesson-09 functions."""
    import torch

    from attnlab.models.gpt import TinyGPT

    model = _swap_attention(copy.deepcopy(model), steps)
    for block in model.blocks:
        _block_forward(block, steps)
    forward, generate = steps["gpt_forward"], steps["greedy_generate"]

    def run(idx, need_weights: bool = False):
        logits = forward(model, idx) if forward.yours else TinyGPT.forward(model, idx)
        if not need_weights:
            return logits
        return logits, [block.attn.patterns.to(logits.dtype) for block in model.blocks]

    @torch.no_grad()
    def write(idx, n_new: int, greedy: bool = True, temperature: float = 1.0, generator=None):
        if greedy and generate.yours:
            return generate(model, idx, n_new)
        return TinyGPT.generate(model, idx, n_new, greedy=greedy, temperature=temperature,
                                generator=generator)

    _override(model, "forward", run)
    _override(model, "generate", write)
    return model


def _block_forward(block, steps: Steps) -> None:
    from attnlab.models.layers import Block

    step = steps["residual_block"]
    if not step.yours:
        return
    original = Block.forward

    def forward(x, context=None, need_weights: bool = False):
        if block.cross_attention:  # a decoder block: the learner's residual_block has no context
            return original(block, x, context=context, need_weights=need_weights)
        out = step(block, x)  # (B, T, C)
        return (out, {"self": block.attn.patterns}) if need_weights else out

    _override(block, "forward", forward)


def your_tiny_gpt(steps: Steps, masked: bool = True):
    """The course's trained tiny GPT on ``steps``: a ``TrainedGPT`` (attention,
    next_word_probabilities, continue_text, …)."""
    from attnlab.models.trained import TrainedGPT, load_tiny_gpt

    gpt = load_tiny_gpt(masked=masked)
    return TrainedGPT(your_gpt_model(gpt.model, steps), gpt.info)


def your_translator(steps: Steps):
    """The course's trained translator on ``steps``: a ``TrainedTranslator`` (translate,
    cross_attention); its cross-attention runs the learner's ``cross_attention`` per head."""
    from attnlab.models.trained import TrainedTranslator, load_translator

    t = load_translator()
    return TrainedTranslator(_swap_attention(copy.deepcopy(t.model), steps), t.info)
