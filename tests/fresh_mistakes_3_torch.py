# ruff: noqa: E501 — a row holds one learner attempt and the words that name its slip, kept on its line
"""Lessons 09–10: a third fresh set of learner answers (run by tests/fresh_mistakes_3.py).

Written from the notebooks' exercise texts and stubs alone (see fresh_mistakes_3_numpy.py). Lesson 10's
attempts replace one of the learner's cells; fresh_mistakes_2's lesson-10 prelude stands in for the
others (right answers). Most lesson-10 attempts are one slip in this file's own right answer.
"""

from fresh_mistakes_3_numpy import bug, ok


def slip(code, old, new=""):
    """`code` with `old` (which must be there) replaced by `new`."""
    assert old in code, old
    return code.replace(old, new)


ATTEMPTS = [
    # ---------------------------------------------------------------- 09 residual_block
    bug("09", "residual_block", "attention reads the raw stream (no ln_1)", "ln_1|normalis|norm", """
        def residual_block(block, x):
            x = x + block.attn(x)
            return x + block.mlp(block.ln_2(x))
        """),
    bug("09", "residual_block", "ln_1 before the MLP too", "ln_2", """
        def residual_block(block, x):
            x = x + block.attn(block.ln_1(x))
            return x + block.mlp(block.ln_1(x))
        """),
    bug("09", "residual_block", "no residual: the changes only", "residual|add|stream", """
        def residual_block(block, x):
            h = block.attn(block.ln_1(x))
            return block.mlp(block.ln_2(h))
        """),
    bug("09", "residual_block", "adds to the normalised copy", "normalis|stream|ln|norm", """
        def residual_block(block, x):
            h = block.ln_1(x)
            h = h + block.attn(h)
            g = block.ln_2(h)
            return g + block.mlp(g)
        """),
    bug("09", "residual_block", "the MLP's residual forgotten", "residual|mlp|add", """
        def residual_block(block, x):
            x = x + block.attn(block.ln_1(x))
            return block.mlp(block.ln_2(x))
        """),
    ok("09", "residual_block", "named intermediates", """
        def residual_block(block, x):
            attn_out = block.attn(block.ln_1(x))
            x = x + attn_out
            mlp_out = block.mlp(block.ln_2(x))
            return x + mlp_out
        """),
    ok("09", "residual_block", "torch.add", """
        def residual_block(block, x):
            x = torch.add(x, block.attn(block.ln_1(x)))
            return torch.add(x, block.mlp(block.ln_2(x)))
        """),
    # ---------------------------------------------------------------- 09 gpt_forward
    bug("09", "gpt_forward", "no position embeddings", "position|pos_emb", """
        def gpt_forward(model, idx):
            x = model.tok_emb(idx)
            for block in model.blocks:
                x = block(x)
            return model.unembed(model.ln_f(x))
        """),
    bug("09", "gpt_forward", "positions from the batch size", "position|batch", """
        def gpt_forward(model, idx):
            x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[0]))
            for block in model.blocks:
                x = block(x)
            return model.unembed(model.ln_f(x))
        """),
    bug("09", "gpt_forward", "softmax at the end", "softmax|probabilit|logits", """
        def gpt_forward(model, idx):
            x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))
            for block in model.blocks:
                x = block(x)
            return torch.softmax(model.unembed(model.ln_f(x)), dim=-1)
        """),
    bug("09", "gpt_forward", "no final LayerNorm", "ln_f|layernorm|final|norm", """
        def gpt_forward(model, idx):
            x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))
            for block in model.blocks:
                x = block(x)
            return model.unembed(x)
        """),
    bug("09", "gpt_forward", "every block reads the embeddings (not chained)", "block|chain|each|in turn|last block", """
        def gpt_forward(model, idx):
            e = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))
            for block in model.blocks:
                x = block(e)
            return model.unembed(model.ln_f(x))
        """),
    bug("09", "gpt_forward", "the last position's logits only", "shape|last|position", """
        def gpt_forward(model, idx):
            x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))
            for block in model.blocks:
                x = block(x)
            return model.unembed(model.ln_f(x))[:, -1, :]
        """),
    bug("09", "gpt_forward", "the blocks in reverse order", "order|reverse|block", """
        def gpt_forward(model, idx):
            x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))
            for block in reversed(model.blocks):
                x = block(x)
            return model.unembed(model.ln_f(x))
        """),
    bug("09", "gpt_forward", "ln_f inside the loop, after every block", "ln_f|layernorm|final|once|norm", """
        def gpt_forward(model, idx):
            x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))
            for block in model.blocks:
                x = model.ln_f(block(x))
            return model.unembed(x)
        """),
    ok("09", "gpt_forward", "positions on idx's device, unsqueezed", """
        def gpt_forward(model, idx):
            B, T = idx.shape
            pos = torch.arange(T, device=idx.device).unsqueeze(0)
            x = model.tok_emb(idx) + model.pos_emb(pos)
            for block in model.blocks:
                x = block(x)
            x = model.ln_f(x)
            return model.unembed(x)
        """),
    ok("09", "gpt_forward", "functools.reduce over the blocks", """
        import functools

        def gpt_forward(model, idx):
            x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.size(1)))
            x = functools.reduce(lambda h, block: block(h), model.blocks, x)
            return model.unembed(model.ln_f(x))
        """),
    # ---------------------------------------------------------------- 09 next_word_probabilities
    bug("09", "next_word_probabilities", "no ln_f", "ln_f|layernorm|norm", """
        def next_word_probabilities(model, x, temperature=1.0):
            return torch.softmax(model.unembed(x) / temperature, dim=-1)
        """),
    bug("09", "next_word_probabilities", "multiplies by the temperature", "multipl|times|temperature|invert", """
        def next_word_probabilities(model, x, temperature=1.0):
            return torch.softmax(model.unembed(model.ln_f(x)) * temperature, dim=-1)
        """),
    bug("09", "next_word_probabilities", "softmax over dim 0", "axis|vocabulary|last", """
        def next_word_probabilities(model, x, temperature=1.0):
            return torch.softmax(model.unembed(model.ln_f(x)) / temperature, dim=0)
        """),
    bug("09", "next_word_probabilities", "divides the probabilities by t", "after|sum to 1|temperature", """
        def next_word_probabilities(model, x, temperature=1.0):
            return torch.softmax(model.unembed(model.ln_f(x)), dim=-1) / temperature
        """),
    bug("09", "next_word_probabilities", "returns the scaled logits", "logits|softmax|probabilit", """
        def next_word_probabilities(model, x, temperature=1.0):
            return model.unembed(model.ln_f(x)) / temperature
        """),
    bug("09", "next_word_probabilities", "log-probabilities", "log-softmax|log-prob|logarithm|log of", """
        def next_word_probabilities(model, x, temperature=1.0):
            return F.log_softmax(model.unembed(model.ln_f(x)) / temperature, dim=-1)
        """),
    bug("09", "next_word_probabilities", "divides the stream before ln_f (which undoes it)", "before|ln_f|layernorm|temperature|ignor", """
        def next_word_probabilities(model, x, temperature=1.0):
            return torch.softmax(model.unembed(model.ln_f(x / temperature)), dim=-1)
        """),
    ok("09", "next_word_probabilities", "F.softmax in steps", """
        def next_word_probabilities(model, x, temperature=1.0):
            logits = model.unembed(model.ln_f(x))
            return F.softmax(logits / temperature, dim=-1)
        """),
    ok("09", "next_word_probabilities", "a stable softmax by hand", """
        def next_word_probabilities(model, x, temperature=1.0):
            z = model.unembed(model.ln_f(x)) / temperature
            e = torch.exp(z - z.max(dim=-1, keepdim=True).values)
            return e / e.sum(dim=-1, keepdim=True)
        """),
    # ---------------------------------------------------------------- 09 greedy_generate
    bug("09", "greedy_generate", "argmax over the positions", "axis|vocabulary|position", """
        def greedy_generate(model, idx, n_new):
            ctx = model.config.context_length
            for _ in range(n_new):
                logits = model(idx[:, -ctx:])
                new = logits.argmax(dim=1)[:, -1:]
                idx = torch.cat([idx, new], dim=1)
            return idx
        """),
    bug("09", "greedy_generate", "the first position's logits", "last position|first|position", """
        def greedy_generate(model, idx, n_new):
            ctx = model.config.context_length
            for _ in range(n_new):
                logits = model(idx[:, -ctx:])
                new = logits[:, 0, :].argmax(dim=-1, keepdim=True)
                idx = torch.cat([idx, new], dim=1)
            return idx
        """),
    bug("09", "greedy_generate", "crops to the FIRST context_length words", "last|crop|first|context", """
        def greedy_generate(model, idx, n_new):
            ctx = model.config.context_length
            for _ in range(n_new):
                logits = model(idx[:, :ctx])
                new = logits[:, -1, :].argmax(dim=-1, keepdim=True)
                idx = torch.cat([idx, new], dim=1)
            return idx
        """),
    bug("09", "greedy_generate", "n_new - 1 words", "n_new|length|shape|number|one fewer", """
        def greedy_generate(model, idx, n_new):
            ctx = model.config.context_length
            for _ in range(n_new - 1):
                new = model(idx[:, -ctx:])[:, -1].argmax(-1, keepdim=True)
                idx = torch.cat([idx, new], dim=1)
            return idx
        """),
    bug("09", "greedy_generate", "returns only the new words", "shape|new|prompt|length", """
        def greedy_generate(model, idx, n_new):
            ctx = model.config.context_length
            out = []
            for _ in range(n_new):
                new = model(idx[:, -ctx:])[:, -1].argmax(-1, keepdim=True)
                idx = torch.cat([idx, new], dim=1)
                out.append(new)
            return torch.cat(out, dim=1)
        """),
    bug("09", "greedy_generate", "samples instead of argmax", "greedy|sampl|argmax|random", """
        def greedy_generate(model, idx, n_new):
            ctx = model.config.context_length
            for _ in range(n_new):
                probs = torch.softmax(model(idx[:, -ctx:])[:, -1], dim=-1)
                new = torch.multinomial(probs, 1)
                idx = torch.cat([idx, new], dim=1)
            return idx
        """),
    bug("09", "greedy_generate", "the context of the prompt only (crop once, never again)", "context|crop|last|length", """
        def greedy_generate(model, idx, n_new):
            window = idx[:, -model.config.context_length:]
            for _ in range(n_new):
                new = model(window)[:, -1].argmax(-1, keepdim=True)
                window = torch.cat([window, new], dim=1)
                idx = torch.cat([idx, new], dim=1)
            return idx
        """),
    ok("09", "greedy_generate", "no_grad, softmax then argmax", """
        def greedy_generate(model, idx, n_new):
            with torch.no_grad():
                for _ in range(n_new):
                    logits = model(idx[:, -model.config.context_length:])
                    probs = torch.softmax(logits[:, -1, :], dim=-1)
                    idx = torch.cat([idx, torch.argmax(probs, dim=-1, keepdim=True)], dim=1)
            return idx
        """),
    ok("09", "greedy_generate", "topk(1)", """
        def greedy_generate(model, idx, n_new):
            T_max = model.config.context_length
            for _ in range(n_new):
                _, new = torch.topk(model(idx[:, -T_max:])[:, -1, :], 1, dim=-1)
                idx = torch.cat((idx, new), dim=1)
            return idx
        """),
]

# ---------------------------------------------------------------- 10: this file's right answers, slipped
MHA = """
    class MultiHeadAttention(nn.Module):
        def __init__(self, d_model, n_heads):
            super().__init__()
            self.n_heads = n_heads
            self.qkv = nn.Linear(d_model, 3 * d_model)
            self.out = nn.Linear(d_model, d_model)

        def forward(self, x):  # (B, T, C) -> (B, T, C)
            B, T, C = x.shape
            H = self.n_heads
            D = C // H
            q, k, v = self.qkv(x).view(B, T, 3, H, D).permute(2, 0, 3, 1, 4)  # each (B, H, T, D)
            s = q @ k.transpose(-2, -1) / math.sqrt(D)
            mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
            s = s.masked_fill(~mask, float("-inf"))
            y = torch.softmax(s, dim=-1) @ v
            y = y.transpose(1, 2).reshape(B, T, C)
            return self.out(y)
    """
BLOCK = """
    class Block(nn.Module):
        def __init__(self, d_model, n_heads):
            super().__init__()
            self.ln_1 = nn.LayerNorm(d_model)
            self.attn = MultiHeadAttention(d_model, n_heads)
            self.ln_2 = nn.LayerNorm(d_model)
            self.mlp = MLP(d_model, 4 * d_model)

        def forward(self, x):  # (B, T, C) -> (B, T, C)
            x = x + self.attn(self.ln_1(x))
            x = x + self.mlp(self.ln_2(x))
            return x
    """
GPT = """
    class GPT(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config
            self.tok_emb = nn.Embedding(config.vocab_size, config.d_model)
            self.pos_emb = nn.Embedding(config.context_length, config.d_model)
            self.blocks = nn.ModuleList([Block(config.d_model, config.n_heads) for _ in range(config.n_layers)])
            self.ln_f = nn.LayerNorm(config.d_model)
            self.unembed = nn.Linear(config.d_model, config.vocab_size, bias=False)
            init_gpt2_(self, config.n_layers)
            self.unembed.weight = self.tok_emb.weight

        def forward(self, idx):  # (B, T) token ids -> (B, T, V) logits
            B, T = idx.shape
            x = self.tok_emb(idx) + self.pos_emb(torch.arange(T, device=idx.device))
            for block in self.blocks:
                x = block(x)
            return self.unembed(self.ln_f(x))
    """
TRAIN = """
    def train(model, rows, steps, batch_size=32, lr=1e-2):
        rows = torch.as_tensor(rows)  # the course hands a NumPy array of token ids
        g = torch.Generator().manual_seed(0)
        opt = torch.optim.AdamW(model.parameters(), lr=lr)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
        losses = []
        for _ in tqdm(range(steps)):
            batch = rows[torch.randint(len(rows), (batch_size,), generator=g)]
            x, y = batch[:, :-1], batch[:, 1:]
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
        return losses
    """

L10 = "10"
ATTEMPTS += [
    # ---------------------------------------------------------------- 10 MultiHeadAttention
    bug(L10, "MultiHeadAttention", "no causal mask", "causal|mask|later|future", slip(
        MHA, '            s = s.masked_fill(~mask, float("-inf"))\n')),
    bug(L10, "MultiHeadAttention", "the mask inverted: the past hidden", "mask|future|causal|invert|later|past", slip(
        MHA, "masked_fill(~mask,", "masked_fill(mask,")),
    bug(L10, "MultiHeadAttention", "no scaling", "scale|√|sqrt", slip(MHA, " / math.sqrt(D)")),
    bug(L10, "MultiHeadAttention", "scaled by D, not √D", "scale|√|sqrt", slip(MHA, " / math.sqrt(D)", " / D")),
    bug(L10, "MultiHeadAttention", "out defined but never applied", "projection|self.out|`out`", slip(
        MHA, "return self.out(y)", "return y")),
    bug(L10, "MultiHeadAttention", "qkv without a bias", "bias|parameter|missing", slip(
        MHA, "nn.Linear(d_model, 3 * d_model)", "nn.Linear(d_model, 3 * d_model, bias=False)")),
    bug(L10, "MultiHeadAttention", "nanoGPT's names c_attn / c_proj", "qkv|name|c_attn|parameter|missing", slip(slip(slip(
        MHA, "self.qkv =", "self.c_attn ="), "self.out =", "self.c_proj ="), "self.qkv(x)", "self.c_attn(x)").replace(
        "self.out(y)", "self.c_proj(y)")),
    bug(L10, "MultiHeadAttention", "permute(2, 0, 1, 3, 4): heads attend to heads", "transpose|head|axis|(b, h, t, d)|permute", slip(
        MHA, "permute(2, 0, 3, 1, 4)", "permute(2, 0, 1, 3, 4)")),
    bug(L10, "MultiHeadAttention", "the mask for the context length, not T", "context|length|mask size", slip(
        MHA, "torch.ones(T, T, dtype=torch.bool)", "torch.ones(16, 16, dtype=torch.bool)")),
    bug(L10, "MultiHeadAttention", "zeroes the future after the softmax", "after|softmax|renormal|mask", slip(slip(
        MHA, '            s = s.masked_fill(~mask, float("-inf"))\n'),
        "y = torch.softmax(s, dim=-1) @ v", "y = torch.softmax(s, dim=-1).masked_fill(~mask, 0.0) @ v")),
    bug(L10, "MultiHeadAttention", "k @ qᵀ: the pattern transposed", "transpose|row|column|swap|quer", slip(
        MHA, "s = q @ k.transpose(-2, -1)", "s = k @ q.transpose(-2, -1)")),
    bug(L10, "MultiHeadAttention", "values taken as the queries", "values|@ v|instead of v", slip(
        MHA, "y = torch.softmax(s, dim=-1) @ v", "y = torch.softmax(s, dim=-1) @ q")),
    ok(L10, "MultiHeadAttention", "F.scaled_dot_product_attention, is_causal", slip(slip(slip(
        MHA, "            s = q @ k.transpose(-2, -1) / math.sqrt(D)\n"),
        "            mask = torch.tril(torch.ones(T, T, dtype=torch.bool))\n            s = s.masked_fill(~mask, float(\"-inf\"))\n"),
        "y = torch.softmax(s, dim=-1) @ v", "y = F.scaled_dot_product_attention(q, k, v, is_causal=True)")),
    ok(L10, "MultiHeadAttention", "chunk along the last axis, then view each", slip(
        MHA, "q, k, v = self.qkv(x).view(B, T, 3, H, D).permute(2, 0, 3, 1, 4)  # each (B, H, T, D)",
        "q, k, v = (t.view(B, T, H, D).transpose(1, 2) for t in self.qkv(x).chunk(3, dim=-1))")),
    ok(L10, "MultiHeadAttention", "a non-persistent mask buffer, -1e9", slip(slip(slip(
        MHA, "self.out = nn.Linear(d_model, d_model)",
        "self.out = nn.Linear(d_model, d_model)\n            self.register_buffer('mask', torch.tril(torch.ones(256, 256, dtype=torch.bool)), persistent=False)"),
        "            mask = torch.tril(torch.ones(T, T, dtype=torch.bool))\n"),
        's = s.masked_fill(~mask, float("-inf"))', "s = s.masked_fill(~self.mask[:T, :T], -1e9)")),
    ok(L10, "MultiHeadAttention", "nanoGPT's persistent tril buffer", slip(slip(slip(
        MHA, "self.out = nn.Linear(d_model, d_model)",
        "self.out = nn.Linear(d_model, d_model)\n            self.register_buffer('bias', torch.tril(torch.ones(256, 256)).view(1, 1, 256, 256))"),
        "            mask = torch.tril(torch.ones(T, T, dtype=torch.bool))\n"),
        's = s.masked_fill(~mask, float("-inf"))', "s = s.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))")),
    # ---------------------------------------------------------------- 10 Block
    bug(L10, "Block", "post-LN", "post|layernorm|norm|ln_1", slip(slip(
        BLOCK, "x = x + self.attn(self.ln_1(x))", "x = self.ln_1(x + self.attn(x))"),
        "x = x + self.mlp(self.ln_2(x))", "x = self.ln_2(x + self.mlp(x))")),
    bug(L10, "Block", "MLP hidden size C, not 4·C", "mlp|hidden|size|shape", slip(BLOCK, "MLP(d_model, 4 * d_model)", "MLP(d_model, d_model)")),
    bug(L10, "Block", "no residual around the MLP", "residual|mlp|add", slip(BLOCK, "x = x + self.mlp(", "x = self.mlp(")),
    bug(L10, "Block", "ln_1 before the MLP as well", "ln_2", slip(BLOCK, "self.mlp(self.ln_2(x))", "self.mlp(self.ln_1(x))")),
    bug(L10, "Block", "parts named ln1 / ln2", "ln_1|name|missing|parameter", slip(slip(slip(slip(
        BLOCK, "self.ln_1 =", "self.ln1 ="), "self.ln_2 =", "self.ln2 ="), "self.ln_1(x)", "self.ln1(x)"), "self.ln_2(x)", "self.ln2(x)")),
    bug(L10, "Block", "MultiHeadAttention(d_model, d_head): the head count wrong", "head|n_heads", slip(
        BLOCK, "MultiHeadAttention(d_model, n_heads)", "MultiHeadAttention(d_model, d_model // n_heads)")),
    bug(L10, "Block", "LayerNorms without weights", "weight|affine|parameter|missing|layernorm", slip(slip(
        BLOCK, "self.ln_1 = nn.LayerNorm(d_model)", "self.ln_1 = nn.LayerNorm(d_model, elementwise_affine=False)"),
        "self.ln_2 = nn.LayerNorm(d_model)", "self.ln_2 = nn.LayerNorm(d_model, elementwise_affine=False)")),
    bug(L10, "Block", "parallel attention and MLP", "parallel|order|ln_2", slip(
        BLOCK, "            x = x + self.attn(self.ln_1(x))\n            x = x + self.mlp(self.ln_2(x))\n",
        "            x = x + self.attn(self.ln_1(x)) + self.mlp(self.ln_2(x))\n")),
    bug(L10, "Block", "adds in place into the caller's tensor", "in place|argument|input|changed|modif", slip(slip(
        BLOCK, "x = x + self.attn(", "x += self.attn("), "x = x + self.mlp(", "x += self.mlp(")),
    ok(L10, "Block", "named intermediates", slip(
        BLOCK, "            x = x + self.attn(self.ln_1(x))\n            x = x + self.mlp(self.ln_2(x))\n            return x\n",
        "            h = x + self.attn(self.ln_1(x))\n            out = h + self.mlp(self.ln_2(h))\n            return out\n")),
    ok(L10, "Block", "hidden size from a local, explicit eps", slip(slip(slip(
        BLOCK, "self.mlp = MLP(d_model, 4 * d_model)", "hidden = 4 * d_model\n            self.mlp = MLP(d_model, hidden)"),
        "self.ln_1 = nn.LayerNorm(d_model)", "self.ln_1 = nn.LayerNorm(d_model, eps=1e-5)"),
        "self.ln_2 = nn.LayerNorm(d_model)", "self.ln_2 = nn.LayerNorm(d_model, eps=1e-5)")),
    # ---------------------------------------------------------------- 10 GPT
    bug(L10, "GPT", "pos_emb sized by the vocabulary", "position|pos_emb|context|shape|size", slip(
        GPT, "nn.Embedding(config.context_length, config.d_model)", "nn.Embedding(config.vocab_size, config.d_model)")),
    bug(L10, "GPT", "ln_f never applied", "ln_f|final|layernorm|norm", slip(GPT, "self.unembed(self.ln_f(x))", "self.unembed(x)")),
    bug(L10, "GPT", "no position embeddings in forward", "position|pos_emb", slip(
        GPT, " + self.pos_emb(torch.arange(T, device=idx.device))")),
    bug(L10, "GPT", "unembed with a bias", "bias|unembed|parameter", slip(
        GPT, "nn.Linear(config.d_model, config.vocab_size, bias=False)", "nn.Linear(config.d_model, config.vocab_size)")),
    bug(L10, "GPT", "blocks in a plain list", "modulelist|blocks|parameter|missing|list", slip(
        GPT, "nn.ModuleList([Block(config.d_model, config.n_heads) for _ in range(config.n_layers)])",
        "[Block(config.d_model, config.n_heads) for _ in range(config.n_layers)]")),
    bug(L10, "GPT", "softmax in forward", "softmax|probabilit", slip(
        GPT, "return self.unembed(self.ln_f(x))", "return torch.softmax(self.unembed(self.ln_f(x)), dim=-1)")),
    bug(L10, "GPT", "positions 0 … context_length - 1 whatever T", "position|length|shape", slip(
        GPT, "torch.arange(T, device=idx.device)", "torch.arange(self.config.context_length)")),
    bug(L10, "GPT", "one block fewer", "layer|block|missing|n_layers", slip(GPT, "range(config.n_layers)", "range(config.n_layers - 1)")),
    bug(L10, "GPT", "one Block repeated n_layers times (shared weights)", "same|shared|block|layer|tied", slip(
        GPT, "nn.ModuleList([Block(config.d_model, config.n_heads) for _ in range(config.n_layers)])",
        "nn.ModuleList([Block(config.d_model, config.n_heads)] * config.n_layers)")),
    bug(L10, "GPT", "block(x) not assigned", "block|assign|layer|skip", slip(GPT, "x = block(x)", "block(x)")),
    ok(L10, "GPT", "blocks in an nn.Sequential", slip(slip(
        GPT, "nn.ModuleList([Block(config.d_model, config.n_heads) for _ in range(config.n_layers)])",
        "nn.Sequential(*[Block(config.d_model, config.n_heads) for _ in range(config.n_layers)])"),
        "            for block in self.blocks:\n                x = block(x)\n", "            x = self.blocks(x)\n")),
    ok(L10, "GPT", "positions unsqueezed, sizes unpacked", slip(slip(
        GPT, "            B, T = idx.shape\n", "            T = idx.size(1)\n            pos = torch.arange(T).unsqueeze(0)  # (1, T)\n"),
        "self.pos_emb(torch.arange(T, device=idx.device))", "self.pos_emb(pos)")),
    # ---------------------------------------------------------------- 10 train (slow)
    bug(L10, "train", "rows left a NumPy array (the exercise does not say what rows is)", "ndarray|tensor|numpy", slip(
        TRAIN, "        rows = torch.as_tensor(rows)  # the course hands a NumPy array of token ids\n")),
    bug(L10, "train", "targets not shifted: predicts the word it reads", "target|shift|next|rows[:, 1:]", slip(
        TRAIN, "x, y = batch[:, :-1], batch[:, 1:]", "x, y = batch[:, :-1], batch[:, :-1]")),
    bug(L10, "train", "zero_grad between backward and step: nothing learnt", "zero_grad|order|gradient|learn", slip(
        TRAIN, "            opt.zero_grad()\n            loss.backward()\n", "            loss.backward()\n            opt.zero_grad()\n")),
    bug(L10, "train", "the generator seeded inside the loop: the same rows every step", "same|seed|generator|rows|batch", slip(slip(
        TRAIN, "        g = torch.Generator().manual_seed(0)\n", ""),
        "            batch = rows[", "            g = torch.Generator().manual_seed(0)\n            batch = rows[")),
    bug(L10, "train", "clips after the step", "clip", slip(
        TRAIN, "            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n            opt.step()\n",
        "            opt.step()\n            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n")),
    bug(L10, "train", "lr fixed at 1e-3", "learning rate|1e-3|ignores lr", slip(TRAIN, "max_lr=lr", "max_lr=1e-3").replace(
        "AdamW(model.parameters(), lr=lr)", "AdamW(model.parameters(), lr=1e-3)")),
    bug(L10, "train", "the first 32 rows every step", "random|same|rows|batch|draw", slip(
        TRAIN, "rows[torch.randint(len(rows), (batch_size,), generator=g)]", "rows[:batch_size]")),
    bug(L10, "train", "returns the last loss only", "list|losses|length", slip(TRAIN, "        return losses\n", "        return losses[-1]\n")),
    bug(L10, "train", "steps - 1 steps", "steps|length|number|one fewer|79 of them", slip(TRAIN, "range(steps)", "range(steps - 1)")),
    bug(L10, "train", "reads rows[:, 1:] and predicts rows[:, :-1] (backwards)", "target|shift|previous|backward|word before|before the one", slip(
        TRAIN, "x, y = batch[:, :-1], batch[:, 1:]", "x, y = batch[:, 1:], batch[:, :-1]")),
    ok(L10, "train", "this file's right answer", TRAIN),
    ok(L10, "train", "randperm draws, a progress bar with the loss", slip(slip(
        TRAIN, "rows[torch.randint(len(rows), (batch_size,), generator=g)]",
        "rows[torch.randperm(len(rows), generator=g)[:batch_size]]"),
        "        for _ in tqdm(range(steps)):\n", "        bar = tqdm(range(steps))\n        for _ in bar:\n").replace(
        "            losses.append(loss.item())\n", "            losses.append(loss.item())\n            bar.set_postfix(loss=losses[-1])\n")),
]

# A second batch after dropping the word-for-word duplicates of the second set.
ATTEMPTS += [
    bug("09", "residual_block", "normalises the change, not the input", "ln_1|norm|normalis|copy|order", """
        def residual_block(block, x):
            x = x + block.ln_1(block.attn(x))
            return x + block.ln_2(block.mlp(x))
        """),
]
