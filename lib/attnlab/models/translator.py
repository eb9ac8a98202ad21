"""An encoder–decoder in torch: :class:`TranslatorConfig` and :class:`Translator`.

The encoder's blocks attend both ways over the source; the decoder's blocks attend causally over
the target and, through cross-attention, to the encoder's output (lesson 07).

Shapes: B batch, T target positions, S source positions, C d_model, V vocabulary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from attnlab.errors import AttnlabError
from attnlab.models.layers import Block, check_token_ids, init_gpt2_, through_blocks
from attnlab.validate import default_d_head, positive_int

# --- the encoder-decoder -----------------------------------------------------------------------


@dataclass(frozen=True)
class TranslatorConfig:
    """The shape of a small encoder–decoder (the original transformer's layout, pre-LN)."""

    src_vocab_size: int
    tgt_vocab_size: int
    context_length: int
    d_model: int
    n_heads: int
    n_encoder_layers: int
    n_decoder_layers: int
    d_head: int | None = None
    d_mlp: int | None = None
    bias: bool = True

    def __post_init__(self):
        for name in ("src_vocab_size", "tgt_vocab_size", "context_length", "d_model", "n_heads",
                     "n_encoder_layers", "n_decoder_layers"):
            positive_int(getattr(self, name), name)
        if self.d_head is None:
            default_d_head(self.d_model, self.n_heads)

    def to_dict(self) -> dict:
        return asdict(self)


class Translator(nn.Module):
    """Encoder–decoder transformer: the encoder reads the source sentence with (unmasked)
    self-attention; each decoder block attends causally to the target so far, then **cross-attends**
    to the encoder's output: its queries come from the target, its keys and values from the source.

    ``forward(src, tgt, need_weights=False)``: src ``(B, S)``, tgt ``(B, T)`` token ids → logits
    ``(B, T, V_tgt)`` for the next target token, or ``(logits, patterns)`` with
    ``patterns = {"encoder": [(B, H, S, S)], "decoder": [(B, H, T, T)], "cross": [(B, H, T, S)]}``,
    one entry per layer.
    """

    def __init__(self, config: TranslatorConfig):
        super().__init__()
        if not isinstance(config, TranslatorConfig):
            raise AttnlabError(f"config must be a TranslatorConfig, but got {type(config).__name__}")
        c = self.config = config
        kw = dict(d_head=c.d_head, d_mlp=c.d_mlp, bias=c.bias)
        self.src_emb = nn.Embedding(c.src_vocab_size, c.d_model)  # (V_src, C)
        self.tgt_emb = nn.Embedding(c.tgt_vocab_size, c.d_model)  # (V_tgt, C)
        self.src_pos = nn.Embedding(c.context_length, c.d_model)
        self.tgt_pos = nn.Embedding(c.context_length, c.d_model)
        self.encoder = nn.ModuleList(Block(c.d_model, c.n_heads, causal=False, **kw)
                                     for _ in range(c.n_encoder_layers))
        self.ln_enc = nn.LayerNorm(c.d_model, bias=c.bias)
        self.decoder = nn.ModuleList(Block(c.d_model, c.n_heads, causal=True, cross_attention=True, **kw)
                                     for _ in range(c.n_decoder_layers))
        self.ln_f = nn.LayerNorm(c.d_model, bias=c.bias)
        self.unembed = nn.Linear(c.d_model, c.tgt_vocab_size, bias=False)
        init_gpt2_(self, c.n_encoder_layers + c.n_decoder_layers)
        self.unembed.weight = self.tgt_emb.weight

    def encode(self, src: torch.Tensor, need_weights: bool = False):
        """src ``(B, S)`` → the encoder's output ``(B, S, C)`` (and its per-layer patterns)."""
        c = self.config
        check_token_ids(src, "src", c.src_vocab_size, c.context_length)
        x = self.src_emb(src) + self.src_pos(torch.arange(src.shape[1], device=src.device))  # (B, S, C)
        x, patterns = through_blocks(self.encoder, x, need_weights=need_weights)
        x = self.ln_enc(x)
        return (x, patterns["self"]) if need_weights else x  # patterns: L × (B, H, S, S)

    def decode(self, memory: torch.Tensor, tgt: torch.Tensor, need_weights: bool = False):
        """memory ``(B, S, C)`` (the encoder's output), tgt ``(B, T)`` → logits ``(B, T, V_tgt)``
        (and the decoder's self- and cross-attention patterns per layer)."""
        c = self.config
        check_token_ids(tgt, "tgt", c.tgt_vocab_size, c.context_length)
        x = self.tgt_emb(tgt) + self.tgt_pos(torch.arange(tgt.shape[1], device=tgt.device))  # (B, T, C)
        x, p = through_blocks(self.decoder, x, context=memory, need_weights=need_weights)
        logits = self.unembed(self.ln_f(x))  # (B, T, V_tgt)
        if not need_weights:
            return logits
        return logits, {"decoder": p["self"], "cross": p["cross"]}  # L × (B, H, T, T), L × (B, H, T, S)

    def forward(self, src: torch.Tensor, tgt: torch.Tensor, need_weights: bool = False):
        if src.ndim == 2 and tgt.ndim == 2 and src.shape[0] != tgt.shape[0]:
            raise AttnlabError(f"src has batch size {src.shape[0]} but tgt has batch size {tgt.shape[0]}")
        if not need_weights:
            return self.decode(self.encode(src), tgt)
        memory, enc_patterns = self.encode(src, need_weights=True)
        logits, patterns = self.decode(memory, tgt, need_weights=True)
        return logits, {"encoder": enc_patterns, **patterns}

    @torch.no_grad()
    def translate(self, src: torch.Tensor, bos: int, eos: int, max_len: int | None = None) -> torch.Tensor:
        """Greedy translation of src ``(B, S)`` → target ids ``(B, n)`` after ``bos``, stopping once
        every row has produced ``eos`` (kept) or after ``max_len`` tokens."""
        max_len = self.config.context_length - 1 if max_len is None else positive_int(max_len, "max_len")
        memory = self.encode(src)  # (B, S, C)
        out = torch.full((src.shape[0], 1), bos, dtype=torch.long, device=src.device)  # (B, 1)
        for _ in range(max_len):
            nxt = self.decode(memory, out)[:, -1].argmax(-1, keepdim=True)  # (B, 1)
            out = torch.cat([out, nxt], dim=1)
            if (out == eos).any(dim=1).all():
                break
        return out[:, 1:]
