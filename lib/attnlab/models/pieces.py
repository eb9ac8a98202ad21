"""The NumPy pieces both pretrained models are built from (MiniLM, :mod:`attnlab.models.pretrained`;
GPT-2, :mod:`attnlab.models.gpt2`): GELU in both forms, LayerNorm, read-only weights, a text check,
a config's sizes, and a model's attention maps by layer in the course's one vocabulary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from attnlab.errors import AttnlabError
from attnlab.multihead import stack_value_up

# --- the pieces of a forward pass --------------------------------------------------------------


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise (Abramowitz & Stegun 7.1.26: |error| ≤ 1.5e-7, float32's
    own precision) — NumPy has none, and SciPy is not among the course's dependencies."""
    sign, a = np.sign(x), np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def gelu(x: np.ndarray) -> np.ndarray:
    """GELU, BERT's MLP non-linearity: ``x · Φ(x)`` with Φ the standard normal CDF."""
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    """GELU as GPT-2 computes it (``gelu_new``): ``0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))``, a
    close tanh approximation of :func:`gelu` (``x · Φ(x)``, BERT's)."""
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))))


def read_only(a: np.ndarray) -> np.ndarray:
    """``a`` as a contiguous array that refuses writes (a model's weights are shared and cached)."""
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


def check_text(text) -> str:
    """``text`` if it is a non-empty string, else a ``ValueError`` saying what is wrong."""
    if not isinstance(text, str):
        raise AttnlabError(f"text must be a string, but got {type(text).__name__}")
    if not text.strip():
        raise AttnlabError("text is empty: give the model at least one word")
    return text


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """Normalise each vector (last axis) to mean 0, variance 1, then scale and shift: ``(..., C)``."""
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


@dataclass(frozen=True)
class PretrainedConfig:
    """Sizes of a pretrained transformer, read from its ``config.json`` (MiniLM's, GPT-2's)."""

    n_layers: int
    n_heads: int
    d_model: int
    d_head: int
    d_mlp: int
    vocab_size: int
    max_tokens: int
    layer_norm_eps: float



class PerLayerMaps:
    """A model's attention maps by layer, in the course's vocabulary, for any model whose
    ``layer(i)`` has ``W_Q``, ``W_K``, ``W_V_down`` ``(H, C, D)``, ``W_V_up`` ``(H, D, C)`` and the
    biases ``b_Q``, ``b_K``, ``b_V`` ``(H, D)``, ``b_O`` ``(C,)`` (MiniLM, GPT-2)."""

    def W_Q(self, layer: int) -> np.ndarray:
        """Query maps ``(n_heads, d_model, d_head)``: head h's queries are ``x @ W_Q[h]``."""
        return self.layer(layer).W_Q

    def W_K(self, layer: int) -> np.ndarray:
        """Key maps ``(n_heads, d_model, d_head)``."""
        return self.layer(layer).W_K

    def W_V_down(self, layer: int) -> np.ndarray:
        """Value-down maps ``(n_heads, d_model, d_head)``."""
        return self.layer(layer).W_V_down

    def W_V_up(self, layer: int) -> np.ndarray:
        """Value-up maps ``(n_heads, d_head, d_model)``."""
        return self.layer(layer).W_V_up

    def W_O(self, layer: int) -> np.ndarray:
        """The output matrix ``(n_heads·d_head, d_model)``: the value-up maps stacked."""
        return stack_value_up(self.layer(layer).W_V_up)

    def b_Q(self, layer: int) -> np.ndarray:
        """Query biases ``(n_heads, d_head)``."""
        return self.layer(layer).b_Q

    def b_K(self, layer: int) -> np.ndarray:
        """Key biases ``(n_heads, d_head)``."""
        return self.layer(layer).b_K

    def b_V(self, layer: int) -> np.ndarray:
        """Value biases ``(n_heads, d_head)``."""
        return self.layer(layer).b_V

    def b_O(self, layer: int) -> np.ndarray:
        """The output bias ``(d_model,)``, added once after the heads' changes are summed."""
        return self.layer(layer).b_O
