"""A GPT's sizes, :class:`ModelConfig`: what every torch model's config extends and what lesson 08's
counts (:mod:`attnlab.params`) and the KV cache's bytes (:mod:`attnlab.kvcache`) are computed from.

V = ``vocab_size``, the context length, C = ``d_model``, H = ``n_heads`` of D = ``d_head`` dimensions,
L = ``n_layers`` and M = ``d_mlp``.
"""

from __future__ import annotations

from dataclasses import dataclass

from attnlab.errors import AttnlabError
from attnlab.validate import default_d_head, positive_int

__all__ = ["ModelConfig"]


@dataclass(frozen=True)
class ModelConfig:
    """The sizes that fix a GPT's parameter count. GPT-3: ``ModelConfig(50257, 2048, 12288, 96, 96)``.

    :class:`attnlab.models.gpt.GPTConfig` extends it (torch models are built from it). ``d_head`` defaults to
    ``d_model // n_heads`` (then the heads must divide d_model), ``d_mlp`` to ``4 * d_model``;
    both are filled in on construction. ``bias`` and ``tie_weights`` matter only to the exact count.
    """

    vocab_size: int
    context_length: int
    d_model: int
    n_heads: int
    n_layers: int
    d_head: int | None = None
    d_mlp: int | None = None
    bias: bool = True
    tie_weights: bool = True
    name: str = "custom"

    def __post_init__(self):
        for field in ("vocab_size", "context_length", "d_model", "n_heads", "n_layers"):
            positive_int(getattr(self, field), field)
        if self.d_head is None:
            object.__setattr__(self, "d_head", default_d_head(self.d_model, self.n_heads))
        positive_int(self.d_head, "d_head")
        object.__setattr__(self, "d_mlp", 4 * self.d_model if self.d_mlp is None else self.d_mlp)
        positive_int(self.d_mlp, "d_mlp")
        for field in ("bias", "tie_weights"):
            if not isinstance(getattr(self, field), bool):
                raise AttnlabError(f"{field} must be True or False, but got {getattr(self, field)!r}")

    @property
    def attention_width(self) -> int:
        """H·D: the width of all heads side by side (the output matrix has H·D rows)."""
        return self.n_heads * self.d_head
