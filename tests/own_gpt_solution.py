"""Lesson 10's solution, as a module the tests import (the lesson's cells define the same classes),
and plausible wrong versions of each piece."""

import math

import torch
import torch.nn.functional as F
from torch import nn

from attnlab.models.layers import MLP, init_gpt2_


class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def scores(self, q, k):
        return q @ k.transpose(-2, -1) / math.sqrt(self.d_head)

    def pattern(self, scores):
        T = scores.shape[-1]
        future = torch.ones(T, T, dtype=torch.bool).triu(1)
        return scores.masked_fill(future, float("-inf")).softmax(dim=-1)

    def combine(self, y):
        return self.out(y)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.n_heads, self.d_head).permute(2, 0, 3, 1, 4)
        y = (self.pattern(self.scores(q, k)) @ v).transpose(1, 2).reshape(B, T, C)
        return self.combine(y)


class PerHeadAttention(nn.Module):
    """The other layout the checks accept: per-head maps W_Q, W_K, W_V_down (H, C, D)."""

    def __init__(self, d_model, n_heads):
        super().__init__()
        D = d_model // n_heads
        self.W_Q, self.W_K, self.W_V_down = (nn.Parameter(torch.randn(n_heads, d_model, D)) for _ in range(3))
        self.b_Q, self.b_K, self.b_V = (nn.Parameter(torch.zeros(n_heads, D)) for _ in range(3))
        self.out = nn.Linear(n_heads * D, d_model)

    def forward(self, x):
        B, T, C = x.shape
        q = torch.einsum("btc,hcd->bhtd", x, self.W_Q) + self.b_Q[:, None]
        k = torch.einsum("btc,hcd->bhtd", x, self.W_K) + self.b_K[:, None]
        v = torch.einsum("btc,hcd->bhtd", x, self.W_V_down) + self.b_V[:, None]
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
        future = torch.ones(T, T, dtype=torch.bool).triu(1)
        y = scores.masked_fill(future, float("-inf")).softmax(-1) @ v  # (B, H, T, D)
        return self.out(y.transpose(1, 2).reshape(B, T, -1))


class NoSqrtD(MultiHeadAttention):
    def scores(self, q, k):
        return q @ k.transpose(-2, -1)


class MaskAfterSoftmax(MultiHeadAttention):
    def pattern(self, scores):
        T = scores.shape[-1]
        return scores.softmax(-1).masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), 0.0)


class NotCausal(MultiHeadAttention):
    def pattern(self, scores):
        return scores.softmax(-1)


class HeadsAveraged(MultiHeadAttention):
    def combine(self, y):
        return (y @ self.out.weight.T) / self.n_heads + self.out.bias


class WrongNames(MultiHeadAttention):
    def __init__(self, d_model, n_heads):
        super().__init__(d_model, n_heads)
        self.proj = self.out
        del self.out

    def combine(self, y):
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = MultiHeadAttention(d_model, n_heads)
        self.ln_2 = nn.LayerNorm(d_model)
        self.mlp = MLP(d_model, 4 * d_model)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class NoResidual(Block):
    def forward(self, x):
        a = self.attn(self.ln_1(x))
        return a + self.mlp(self.ln_2(a))


class PostLN(Block):
    def forward(self, x):
        y = self.ln_1(x + self.attn(x))
        return self.ln_2(y + self.mlp(y))


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.d_model)
        self.pos_emb = nn.Embedding(config.context_length, config.d_model)
        self.blocks = nn.ModuleList(Block(config.d_model, config.n_heads) for _ in range(config.n_layers))
        self.ln_f = nn.LayerNorm(config.d_model)
        self.unembed = nn.Linear(config.d_model, config.vocab_size, bias=False)
        init_gpt2_(self, config.n_layers)
        self.unembed.weight = self.tok_emb.weight

    def forward(self, idx):
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.unembed(self.ln_f(x))


class NoPositions(GPT):
    def forward(self, idx):
        x = self.tok_emb(idx)
        for block in self.blocks:
            x = block(x)
        return self.unembed(self.ln_f(x))


def train(model, rows, steps, batch_size=32, lr=1e-2, seed=0, shift=1):
    rows = torch.as_tensor(rows)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.05)
    losses = []
    model.train()
    for _ in range(steps):
        batch = rows[torch.randint(0, len(rows), (batch_size,), generator=gen)]
        inputs, targets = batch[:, :-1], batch[:, shift:batch.shape[1] - 1 + shift]
        loss = F.cross_entropy(model(inputs).flatten(0, 1), targets.flatten())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
    model.eval()
    return losses
