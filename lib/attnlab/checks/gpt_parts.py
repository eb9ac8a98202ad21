"""The pieces lesson 09's checks share: modules that refuse the call that is the answer, a random
tiny GPT whose every step matters, comparisons that accept torch tensors, and the lesson's own
block and forward pass as a learner writes them (the references :mod:`attnlab.checks.mutants` edits)."""

from __future__ import annotations

import copy
import dataclasses
import sys

from attnlab.checks.compare import compare_indices, compare_values
from attnlab.checks.core import Case
from attnlab.checks.mistakes import Mistake, expect
from attnlab.errors import AttnlabError


class _Refused:
    """A method that refuses to run (a class, not a closure, so a grader can pickle the module)."""

    def __init__(self, call: str, pieces: str):
        self.call, self.pieces = call, pieces

    def __call__(self, *args, **kwargs):
        raise AttnlabError(f"{self.call} is the answer itself — build it from {self.pieces}")


def pieces_only(module, method: str, call: str, pieces: str):
    """A copy of ``module`` whose ``method`` raises ``ValueError``: "``call`` is the answer itself —
    build it from ``pieces``"."""
    m = copy.deepcopy(module)
    object.__setattr__(m, method, _Refused(call, pieces))
    return m


def random_gpt(seed: int = 0, std: float = 0.4):
    """A small :class:`~attnlab.models.gpt.TinyGPT` with large random weights (every step matters),
    untied unembedding."""
    import torch

    from attnlab.models.gpt import GPTConfig, TinyGPT

    torch.manual_seed(seed)
    model = TinyGPT(GPTConfig(vocab_size=11, context_length=9, d_model=12, n_heads=3, n_layers=3,
                              tie_weights=False)).eval().requires_grad_(False)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0.0, std)
    return model


def _is_tensor(x) -> bool:
    torch = sys.modules.get("torch")  # a tensor exists only once torch is imported
    return torch is not None and isinstance(x, torch.Tensor)


def compare_tensors(got, expected, rtol: float = 1e-4, atol: float = 1e-5) -> str | None:
    """Like :func:`~attnlab.checks.mistakes.compare_values`, accepting torch tensors (float32 rounding
    allowed)."""
    if _is_tensor(got):
        got = got.detach().cpu().double().numpy()
    return compare_values(got, expected, rtol=rtol, atol=atol)


def _as_numpy(fn):
    """``fn``'s answer as a float64 array, computed without gradients (a mistake's answer, stored)."""

    def answer(*args, **kwargs):
        import torch

        with torch.no_grad():
            got = fn(*args, **kwargs)
        if not _is_tensor(got):
            return got
        return got.detach().double().numpy() if got.is_floating_point() else got.detach().numpy()

    return answer


def _with_mistakes(label, args, right, catalogue, hint, compare, kwargs=None, reference=None) -> Case:
    """A case whose expected answer also holds the answers ``catalogue``'s mistakes give on ``args``
    (and ``reference``, the exercise written as a learner writes it, for :mod:`attnlab.checks.mutants`)."""
    mistakes = [Mistake(m.says, _as_numpy(m.wrong)) for m in catalogue]
    expected = expect(right, mistakes, args, kwargs, compare=compare)
    if reference is not None and not kwargs:
        expected = dataclasses.replace(expected, reference=reference, args=args)
    return Case(label, args, kwargs or {}, expected=expected, hint=hint)


def pre_ln_block(block, x):  # (B, T, C) -> (B, T, C): one block, as the lesson writes it
    x = x + block.attn(block.ln_1(x))
    return x + block.mlp(block.ln_2(x))


def gpt_logits(model, idx):  # (B, T) -> (B, T, V): the forward pass, as the lesson writes it
    import torch

    x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))  # (B, T, C)
    for block in model.blocks:
        x = x + block.attn(block.ln_1(x))
        x = x + block.mlp(block.ln_2(x))
    return model.unembed(model.ln_f(x))


def compare_ids(got, expected) -> str | None:
    """Token ids (tensor, array or list of ints) equal to ``expected``."""
    if _is_tensor(got):
        got = got.detach().cpu().numpy()
    return compare_indices(got, expected)
