"""A decoder-only language model in torch: :class:`GPTConfig` and :class:`TinyGPT`.

Token + learned position embeddings, causal blocks (:mod:`attnlab.models.layers`), a
final
LayerNorm and an unembedding tied to the token embedding — GPT-2's layout at a tiny size.

Shapes: B batch, T positions, C d_model, V vocabulary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from attnlab.config import ModelConfig
from attnlab.errors import AttnlabError
from attnlab.models.layers import Block, check_token_ids, init_gpt2_, through_blocks
from attnlab.validate import positive_int

# --- the decoder-only language model ---------------------------------------------------------


@dataclass(frozen=True)
class GPTConfig(ModelConfig):
    """The shape of a GPT: GPT-2 small is ``GPTConfig(50257, 1024, 768, 12, 12)``.

    The sizes of :class:`attnlab.params.ModelConfig` (``d_head`` defaults to ``d_model // n_heads``,
    ``d_mlp`` to ``4 * d_model``; ``tie_weights`` shares the token embedding with the unembedding),
    plus ``causal``: ``False`` builds the "leaky" model whose positions can see the future (lesson 04).
    """

    causal: bool = True

    def __post_init__(self):
        super().__post_init__()
        if not isinstance(self.causal, bool):
            raise AttnlabError(f"causal must be True or False, but got {self.causal!r}")

    @classmethod
    def from_config(cls, config: ModelConfig, causal: bool = True) -> GPTConfig:
        """The torch model's config for the sizes of a :class:`attnlab.params.ModelConfig`
        (e.g. a preset of lesson 08)."""
        if not isinstance(config, ModelConfig):
            raise AttnlabError(f"config must be an attnlab.params.ModelConfig, but got "
                               f"{type(config).__name__}")
        return cls(**{**asdict(config), "causal": causal})

    def to_dict(self) -> dict:
        """The fields that rebuild this model (a checkpoint's ``config``)."""
        fields = asdict(self)
        fields.pop("name")
        return fields


def _embedding(n: int, C: int) -> nn.Embedding:
    """``nn.Embedding(n, C)``; under ``torch.device("meta")`` (a model built to be counted) without
    torch's N(0, 1) initialisation, which on a meta tensor — no values to set — first imports
    ``torch._dynamo`` (seconds). On a real device the same draws as ever (trained models unchanged)."""
    if torch.get_default_device().type == "meta":
        return nn.Embedding(n, C, _weight=torch.empty(n, C))
    return nn.Embedding(n, C)


class TinyGPT(nn.Module):
    """A GPT-2-style decoder-only transformer.

    token embedding + learned position embedding → ``n_layers`` pre-LN :class:`Block` s → final
    LayerNorm → unembedding (tied to the token embedding unless ``tie_weights=False``; no bias).
    Build it inside ``with torch.device("meta"):`` to count a huge model's parameters without memory:
    ``sum(p.numel() for p in model.parameters())`` (shared weights count once).

    ``forward(idx, need_weights=False)``: idx ``(B, T)`` token ids → logits ``(B, T, V)``, or
    ``(logits, patterns)`` with one ``(B, H, T, T)`` pattern tensor per layer.
    """

    def __init__(self, config: GPTConfig):
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise AttnlabError(f"config must be a GPTConfig, but got {type(config).__name__}")
        c = self.config = config
        self.tok_emb = _embedding(c.vocab_size, c.d_model)  # (V, C)
        self.pos_emb = _embedding(c.context_length, c.d_model)  # (context_length, C)
        self.blocks = nn.ModuleList(
            Block(c.d_model, c.n_heads, causal=c.causal, d_head=c.d_head, d_mlp=c.d_mlp, bias=c.bias)
            for _ in range(c.n_layers))
        self.ln_f = nn.LayerNorm(c.d_model, bias=c.bias)
        self.unembed = nn.Linear(c.d_model, c.vocab_size, bias=False)  # C -> V
        init_gpt2_(self, c.n_layers)
        if c.tie_weights:
            self.unembed.weight = self.tok_emb.weight

    def forward(self, idx: torch.Tensor, need_weights: bool = False):
        c = self.config
        check_token_ids(idx, "idx", c.vocab_size, c.context_length)
        positions = torch.arange(idx.shape[1], device=idx.device)  # (T,)
        x = self.tok_emb(idx) + self.pos_emb(positions)  # (B, T, C)
        x, patterns = through_blocks(self.blocks, x, need_weights=need_weights)
        logits = self.unembed(self.ln_f(x))  # (B, T, V)
        return (logits, patterns["self"]) if need_weights else logits  # patterns: L × (B, H, T, T)

    @torch.no_grad()
    def generate(self, idx: torch.Tensor, n_new: int, greedy: bool = True, temperature: float = 1.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """Append ``n_new`` tokens to idx ``(B, T)`` → ``(B, T + n_new)``, one at a time.

        ``greedy=True`` (default, deterministic) takes the most likely next token; otherwise it samples
        from softmax(logits / temperature) with ``generator``. Only the last ``context_length`` tokens
        are read at each step.
        """
        n_new = positive_int(n_new, "n_new")
        if not greedy and not temperature > 0:
            raise AttnlabError(f"temperature must be > 0 for sampling, but got {temperature}")
        for _ in range(n_new):
            logits = self(idx[:, -self.config.context_length:])[:, -1]  # (B, V)
            if greedy:
                nxt = logits.argmax(dim=-1, keepdim=True)  # (B, 1)
            else:
                nxt = torch.multinomial((logits / temperature).softmax(-1), 1, generator=generator)
            idx = torch.cat([idx, nxt], dim=1)  # (B, T + 1)
        return idx


