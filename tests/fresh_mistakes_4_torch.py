# ruff: noqa: E501 — a row holds one learner attempt and the words that name its slip, kept on its line
"""Lessons 09–10: a fourth fresh set of learner answers (run by tests/fresh_mistakes_4.py).

Written from the notebooks' exercise texts and stubs alone (see fresh_mistakes_4_numpy.py). Lesson 10's
attempts replace one of the learner's cells; fresh_mistakes_2's lesson-10 prelude stands in for the
others (right answers). Many lesson-10 attempts are one slip in this file's own right answers, which
were written from lesson 10's text (nanoGPT's and Raschka's layouts are both in it).
"""

from fresh_mistakes_4_numpy import bug, ok


def slip(code, old, new=""):
    """`code` with `old` (which must be there) replaced by `new`."""
    assert old in code, old
    return code.replace(old, new)


MHA = """
class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        assert d_model % n_heads == 0
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x):  # (B, T, C) -> (B, T, C)
        B, T, C = x.shape
        qkv = self.qkv(x).reshape(B, T, 3, self.n_heads, self.d_head)
        q, k, v = qkv.unbind(dim=2)  # (B, T, H, D) each
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # (B, H, T, D)
        att = q @ k.transpose(-2, -1) / math.sqrt(self.d_head)  # (B, H, T, T)
        causal = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~causal, float("-inf"))
        att = att.softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, C)
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
        h = x + self.attn(self.ln_1(x))
        return h + self.mlp(self.ln_2(h))
"""

GPT = """
class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        C = config.d_model
        self.tok_emb = nn.Embedding(config.vocab_size, C)
        self.pos_emb = nn.Embedding(config.context_length, C)
        self.blocks = nn.ModuleList(Block(C, config.n_heads) for _ in range(config.n_layers))
        self.ln_f = nn.LayerNorm(C)
        self.unembed = nn.Linear(C, config.vocab_size, bias=False)
        init_gpt2_(self, config.n_layers)
        self.unembed.weight = self.tok_emb.weight  # tied

    def forward(self, idx):  # (B, T) -> (B, T, V)
        T = idx.shape[1]
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(T, device=idx.device))
        for block in self.blocks:
            x = block(x)
        return self.unembed(self.ln_f(x))
"""

TRAIN = """
def train(model, rows, steps, batch_size=32, lr=1e-2):
    rows = torch.as_tensor(rows)
    g = torch.Generator().manual_seed(0)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    losses = []
    for _ in tqdm(range(steps)):
        batch = rows[torch.randint(0, len(rows), (batch_size,), generator=g)]
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses
"""

ATTEMPTS = [
    # ---------------------------------------------------------------- 09 residual_block
    bug("09", "residual_block", "post-LN: normalises after adding", "post|pre-ln|pre-layernorm|normalised copy|after adding", """
        def residual_block(block, x):
            h = block.ln_1(x + block.attn(x))
            out = block.ln_2(h + block.mlp(h))
            return out
        """),
    bug("09", "residual_block", "the MLP reads the stream before attention", "ln_2(x)|before attention|before the attention|parallel|updated stream|old stream|stream after", """
        def residual_block(block, x):
            a = x + block.attn(block.ln_1(x))
            return a + block.mlp(block.ln_2(x))
        """),
    bug("09", "residual_block", "the MLP first, then attention", "order|mlp first|attention first|swap", """
        def residual_block(block, x):
            h = x + block.mlp(block.ln_2(x))
            out = h + block.attn(block.ln_1(h))
            return out
        """),
    bug("09", "residual_block", "ln_2 before attention too", "ln_1", """
        def residual_block(block, x):
            x = x + block.attn(block.ln_2(x))
            return x + block.mlp(block.ln_2(x))
        """),
    bug("09", "residual_block", "attention's change dropped from the output", "attention's change|lost|drop|without attention|attention change", """
        def residual_block(block, x):
            h = x + block.attn(block.ln_1(x))
            return x + block.mlp(block.ln_2(h))
        """),
    bug("09", "residual_block", "calls the block itself", "block(x)|block itself|refus|calls the block", """
        def residual_block(block, x):
            return block(x)
        """),
    bug("09", "residual_block", "no residual around the MLP", "residual|added to the stream|replaces|without adding", """
        def residual_block(block, x):
            h = x + block.attn(block.ln_1(x))
            out = block.mlp(block.ln_2(h))
            return out
        """),
    bug("09", "residual_block", "each change halved", "0.5|half|scale|average", """
        def residual_block(block, x):
            x = x + 0.5 * block.attn(block.ln_1(x))
            return x + 0.5 * block.mlp(block.ln_2(x))
        """),
    ok("09", "residual_block", "torch.add and new names", """
        def residual_block(block, x):
            stream = torch.add(x, block.attn(block.ln_1(x)))
            stream = torch.add(stream, block.mlp(block.ln_2(stream)))
            return stream
        """),
    ok("09", "residual_block", "a loop over the two (norm, part) pairs", """
        def residual_block(block, x):
            for norm, part in ((block.ln_1, block.attn), (block.ln_2, block.mlp)):
                x = x + part(norm(x))
            return x
        """),
    # ---------------------------------------------------------------- 09 gpt_forward
    bug("09", "gpt_forward", "no position embeddings", "position|pos_emb", """
        def gpt_forward(model, idx):
            h = model.tok_emb(idx)
            for layer in model.blocks:
                h = layer(h)
            return model.unembed(model.ln_f(h))
        """),
    bug("09", "gpt_forward", "positions from 1", "position|off by one|from 1|shifted", """
        def gpt_forward(model, idx):
            T = idx.shape[1]
            x = model.tok_emb(idx) + model.pos_emb(torch.arange(1, T + 1))
            for block in model.blocks:
                x = block(x)
            return model.unembed(model.ln_f(x))
        """),
    bug("09", "gpt_forward", "no final LayerNorm", "ln_f|final|layernorm", """
        def gpt_forward(model, idx):
            h = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.size(1)))
            for layer in model.blocks:
                h = layer(h)
            return model.unembed(h)
        """),
    bug("09", "gpt_forward", "probabilities, not logits", "softmax|probabilit|sum to 1", """
        def gpt_forward(model, idx):
            h = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.size(1)))
            for layer in model.blocks:
                h = layer(h)
            return F.softmax(model.unembed(model.ln_f(h)), dim=-1)
        """),
    bug("09", "gpt_forward", "T read from the batch axis", "position|shape[0]|batch|length", """
        def gpt_forward(model, idx):
            T = len(idx)
            h = model.tok_emb(idx) + model.pos_emb(torch.arange(T))
            for layer in model.blocks:
                h = layer(h)
            return model.unembed(model.ln_f(h))
        """),
    bug("09", "gpt_forward", "returns inside the loop: one block", "first block|return|one block|every block|loop", """
        def gpt_forward(model, idx):
            x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))
            for block in model.blocks:
                x = block(x)
                return model.unembed(model.ln_f(x))
        """),
    bug("09", "gpt_forward", "the last position's logits only", "last position|every position|(b, v)|shape", """
        def gpt_forward(model, idx):
            x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))
            for block in model.blocks:
                x = block(x)
            return model.unembed(model.ln_f(x[:, -1]))
        """),
    bug("09", "gpt_forward", "the blocks in reverse", "order|revers", """
        def gpt_forward(model, idx):
            h = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.size(1)))
            for layer in list(model.blocks)[::-1]:
                h = layer(h)
            return model.unembed(model.ln_f(h))
        """),
    ok("09", "gpt_forward", "positions on idx's device, size(1)", """
        def gpt_forward(model, idx):
            positions = torch.arange(idx.size(1), device=idx.device)
            x = model.tok_emb(idx) + model.pos_emb(positions)[None]
            for block in model.blocks:
                x = block(x)
            x = model.ln_f(x)
            return model.unembed(x)
        """),
    ok("09", "gpt_forward", "functools.reduce over the blocks", """
        import functools

        def gpt_forward(model, idx):
            x = model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[-1]))
            x = functools.reduce(lambda stream, block: block(stream), model.blocks, x)
            return model.unembed(model.ln_f(x))
        """),
    # ---------------------------------------------------------------- 09 next_word_probabilities
    bug("09", "next_word_probabilities", "no final LayerNorm", "ln_f|layernorm|final", """
        def next_word_probabilities(model, x, temperature=1.0):
            logits = model.unembed(x)
            return F.softmax(logits / temperature, dim=-1)
        """),
    bug("09", "next_word_probabilities", "multiplies by the temperature", "multipl|inverse|times", """
        def next_word_probabilities(model, x, temperature=1.0):
            logits = model.unembed(model.ln_f(x))
            return F.softmax(logits * temperature, dim=-1)
        """),
    bug("09", "next_word_probabilities", "softmax over dim 0", "dim|axis|vocabulary", """
        def next_word_probabilities(model, x, temperature=1.0):
            z = model.unembed(model.ln_f(x)) / temperature
            return torch.softmax(z, dim=0)
        """),
    bug("09", "next_word_probabilities", "divides the probabilities", "after|before the softmax|sum to 1", """
        def next_word_probabilities(model, x, temperature=1.0):
            probs = F.softmax(model.unembed(model.ln_f(x)), dim=-1)
            return probs / temperature
        """),
    bug("09", "next_word_probabilities", "the logits, no softmax", "softmax|sum to 1|logits", """
        def next_word_probabilities(model, x, temperature=1.0):
            return model.unembed(model.ln_f(x)).div(temperature)
        """),
    bug("09", "next_word_probabilities", "log-probabilities", "log", """
        def next_word_probabilities(model, x, temperature=1.0):
            return F.log_softmax(model.unembed(model.ln_f(x)).div(temperature), -1)
        """),
    bug("09", "next_word_probabilities", "the last position only", "last position|shape|every position", """
        def next_word_probabilities(model, x, temperature=1.0):
            z = model.unembed(model.ln_f(x[..., -1:, :])) / temperature
            return torch.softmax(z, dim=-1)
        """),
    bug("09", "next_word_probabilities", "the temperature overwritten by 1", "ignor|no effect|temperature", """
        def next_word_probabilities(model, x, temperature=1.0):
            temperature = 1.0  # the default
            return torch.softmax(model.unembed(model.ln_f(x)) / temperature, dim=-1)
        """),
    ok("09", "next_word_probabilities", "F.softmax", """
        def next_word_probabilities(model, x, temperature=1.0):
            scaled = model.unembed(model.ln_f(x)) / temperature
            return F.softmax(scaled, -1)
        """),
    ok("09", "next_word_probabilities", "exp of log_softmax", """
        def next_word_probabilities(model, x, temperature=1.0):
            return torch.exp(torch.log_softmax(model.unembed(model.ln_f(x)) / temperature, dim=-1))
        """),
    ok("09", "next_word_probabilities", "tensor methods chained", """
        def next_word_probabilities(model, x, temperature=1.0):
            return model.unembed(model.ln_f(x)).div(temperature).softmax(-1)
        """),
    # ---------------------------------------------------------------- 09 greedy_generate
    bug("09", "greedy_generate", "never crops to the context", "context|crop|context_length|cut", """
        def greedy_generate(model, idx, n_new):
            for _ in range(n_new):
                logits = model(idx)
                new = logits[:, -1].argmax(dim=-1, keepdim=True)
                idx = torch.cat([idx, new], dim=1)
            return idx
        """),
    bug("09", "greedy_generate", "the first position's logits", "last position|first position|position 0", """
        def greedy_generate(model, idx, n_new):
            n = model.config.context_length
            for _ in range(n_new):
                logits = model(idx[:, -n:])
                idx = torch.cat([idx, logits[:, 0].argmax(dim=-1, keepdim=True)], dim=1)
            return idx
        """),
    bug("09", "greedy_generate", "argmax over the batch axis", "batch axis|over the batch|axis 0|dim=0|vocabulary", """
        def greedy_generate(model, idx, n_new):
            n = model.config.context_length
            for _ in range(n_new):
                last = model(idx[:, -n:])[:, -1]  # (B, V)
                new = last.argmax(dim=0, keepdim=True).T
                idx = torch.cat([idx, new[:, :1].expand(idx.shape[0], 1)], dim=1)
            return idx
        """),
    bug("09", "greedy_generate", "returns the new words only", "only the new|whole|prompt|t + n_new", """
        def greedy_generate(model, idx, n_new):
            n = model.config.context_length
            out = idx
            for _ in range(n_new):
                new = model(out[:, -n:])[:, -1].argmax(dim=-1, keepdim=True)
                out = torch.cat([out, new], dim=1)
            return out[:, idx.shape[1]:]
        """),
    bug("09", "greedy_generate", "n_new - 1 words", "one fewer|n_new|off by one|count|missing", """
        def greedy_generate(model, idx, n_new):
            n = model.config.context_length
            for _ in range(1, n_new):
                new = model(idx[:, -n:])[:, -1].argmax(dim=-1, keepdim=True)
                idx = torch.cat([idx, new], dim=1)
            return idx
        """),
    bug("09", "greedy_generate", "crops idx itself: the start is lost", "crop|prompt|shorter|lost|start", """
        def greedy_generate(model, idx, n_new):
            n = model.config.context_length
            for _ in range(n_new):
                idx = idx[:, -n:]
                new = model(idx)[:, -1].argmax(dim=-1, keepdim=True)
                idx = torch.cat([idx, new], dim=1)
            return idx
        """),
    bug("09", "greedy_generate", "samples instead of argmax", "sampl|greedy|argmax|random", """
        def greedy_generate(model, idx, n_new):
            n = model.config.context_length
            for _ in range(n_new):
                probs = torch.softmax(model(idx[:, -n:])[:, -1], dim=-1)
                idx = torch.cat([idx, torch.multinomial(probs, 1)], dim=1)
            return idx
        """),
    bug("09", "greedy_generate", "appended along the batch axis", "dim|axis|cat|batch", """
        def greedy_generate(model, idx, n_new):
            n = model.config.context_length
            for _ in range(n_new):
                new = model(idx[:, -n:])[:, -1].argmax(dim=-1, keepdim=True)
                idx = torch.cat([idx, new.T], dim=0)[: idx.shape[0] + 0]
            return idx
        """),
    ok("09", "greedy_generate", "no_grad and topk(1)", """
        def greedy_generate(model, idx, n_new):
            window = model.config.context_length
            with torch.no_grad():
                for _ in range(n_new):
                    top = model(idx[:, -window:])[:, -1, :].topk(1, dim=-1).indices  # (B, 1)
                    idx = torch.cat([idx, top], dim=1)
            return idx
        """),
    ok("09", "greedy_generate", "a while loop and a (B, 1) slice", """
        def greedy_generate(model, idx, n_new):
            target = idx.shape[1] + n_new
            while idx.shape[1] < target:
                logits = model(idx[:, -model.config.context_length:])
                idx = torch.cat([idx, logits[:, -1:].argmax(-1)], dim=1)
            return idx
        """),
    # ---------------------------------------------------------------- 10 MultiHeadAttention
    bug("10", "MultiHeadAttention", "no causal mask", "causal|future|later|mask", slip(MHA, '        att = att.masked_fill(~causal, float("-inf"))\n')),
    bug("10", "MultiHeadAttention", "the mask transposed: the future kept, the past hidden", "future|causal|later|transpose|upper", slip(MHA, "~causal", "~causal.T")),
    bug("10", "MultiHeadAttention", "heads split as (D, H)", "split|(d, h)|reshape|layout|order", slip(slip(MHA, "3, self.n_heads, self.d_head)", "3, self.d_head, self.n_heads)"), "qkv.unbind(dim=2)  # (B, T, H, D) each", "(t.transpose(-1, -2) for t in qkv.unbind(dim=2))")),
    bug("10", "MultiHeadAttention", "view to (B, H, T, D) without a transpose", "without a transpose|without transposing|straight to (b, h, t, d)|reshape(b, h", slip(MHA, "q, k, v = (t.transpose(1, 2) for t in (q, k, v))", "q, k, v = (t.reshape(B, self.n_heads, T, self.d_head) for t in (q, k, v))")),
    bug("10", "MultiHeadAttention", "no output projection", "self.out|projection|w_o|output map|out layer|uses `out`", slip(MHA, "return self.out(y)", "return y")),
    bug("10", "MultiHeadAttention", "scaled by D, not √D", "√|sqrt|square root|scale", slip(MHA, "math.sqrt(self.d_head)", "self.d_head")),
    bug("10", "MultiHeadAttention", "not scaled", "scale|√|sqrt", slip(MHA, " / math.sqrt(self.d_head)")),
    bug("10", "MultiHeadAttention", "zeroed after the softmax", "after|before the softmax|sum to 1|-inf", slip(MHA, '        att = att.masked_fill(~causal, float("-inf"))\n        att = att.softmax(dim=-1)\n', "        att = att.softmax(dim=-1).masked_fill(~causal, 0.0)\n")),
    bug("10", "MultiHeadAttention", "k qᵀ: the scores transposed", "transpose|k @ q|swap", slip(MHA, "q @ k.transpose(-2, -1)", "k @ q.transpose(-2, -1)")),
    bug("10", "MultiHeadAttention", "unpacked as k, q, v", "order|swap|slot|unpack", slip(MHA, "q, k, v = qkv.unbind(dim=2)", "k, q, v = qkv.unbind(dim=2)")),
    bug("10", "MultiHeadAttention", "qkv without a bias", "bias|qkv.bias|missing", slip(MHA, "nn.Linear(d_model, 3 * d_model)", "nn.Linear(d_model, 3 * d_model, bias=False)")),
    bug("10", "MultiHeadAttention", "separate q_proj, k_proj, v_proj", "qkv|name|missing|unexpected|state_dict", """
        class MultiHeadAttention(nn.Module):
            def __init__(self, d_model, n_heads):
                super().__init__()
                self.n_heads, self.d_head = n_heads, d_model // n_heads
                self.q_proj = nn.Linear(d_model, d_model)
                self.k_proj = nn.Linear(d_model, d_model)
                self.v_proj = nn.Linear(d_model, d_model)
                self.out = nn.Linear(d_model, d_model)

            def forward(self, x):
                B, T, C = x.shape
                q, k, v = (p(x).view(B, T, self.n_heads, self.d_head).transpose(1, 2) for p in (self.q_proj, self.k_proj, self.v_proj))
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                return self.out(y.transpose(1, 2).reshape(B, T, C))
        """),
    ok("10", "MultiHeadAttention", "nanoGPT's dropout on the pattern", slip(slip(MHA, "        self.out = nn.Linear(d_model, d_model)\n", "        self.out = nn.Linear(d_model, d_model)\n        self.drop = nn.Dropout(0.1)\n"), "att = att.softmax(dim=-1)", "att = self.drop(att.softmax(dim=-1))")),
    bug("10", "MultiHeadAttention", "n_heads and d_head swapped", "n_heads|d_head|swap|head count|number of heads", slip(MHA, "self.n_heads, self.d_head = n_heads, d_model // n_heads", "self.d_head, self.n_heads = n_heads, d_model // n_heads")),
    bug("10", "MultiHeadAttention", "torch's SDPA without is_causal", "causal|future|later|mask", """
        class MultiHeadAttention(nn.Module):
            def __init__(self, d_model, n_heads):
                super().__init__()
                self.n_heads = n_heads
                self.qkv = nn.Linear(d_model, 3 * d_model)
                self.out = nn.Linear(d_model, d_model)

            def forward(self, x):
                B, T, C = x.shape
                q, k, v = self.qkv(x).split(C, dim=2)
                q, k, v = (t.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2) for t in (q, k, v))
                y = F.scaled_dot_product_attention(q, k, v)
                return self.out(y.transpose(1, 2).contiguous().view(B, T, C))
        """),
    bug("10", "MultiHeadAttention", "masked_fill's result thrown away", "causal|future|later|mask", slip(MHA, 'att = att.masked_fill(~causal, float("-inf"))', 'att.masked_fill(~causal, float("-inf"))')),
    bug("10", "MultiHeadAttention", "heads merged as (D, H)", "merge|order|(d, h)|interleav|transpose back", slip(MHA, "y = (att @ v).transpose(1, 2).reshape(B, T, C)", "y = (att @ v).permute(0, 2, 3, 1).reshape(B, T, C)")),
    ok("10", "MultiHeadAttention", "nanoGPT: split by C, tril of ones, masked_fill(== 0)", """
        class MultiHeadAttention(nn.Module):
            def __init__(self, d_model, n_heads):
                super().__init__()
                self.n_head = n_heads
                self.qkv = nn.Linear(d_model, 3 * d_model)
                self.out = nn.Linear(d_model, d_model)

            def forward(self, x):
                B, T, C = x.size()
                q, k, v = self.qkv(x).split(C, dim=2)
                k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
                att = att.masked_fill(torch.tril(torch.ones(T, T)) == 0, float("-inf"))
                att = F.softmax(att, dim=-1)
                y = att @ v
                y = y.transpose(1, 2).contiguous().view(B, T, C)
                return self.out(y)
        """),
    ok("10", "MultiHeadAttention", "torch's SDPA with is_causal=True", """
        class MultiHeadAttention(nn.Module):
            def __init__(self, d_model, n_heads):
                super().__init__()
                self.n_heads = n_heads
                self.qkv = nn.Linear(d_model, 3 * d_model)
                self.out = nn.Linear(d_model, d_model)

            def forward(self, x):
                B, T, C = x.shape
                q, k, v = self.qkv(x).view(B, T, 3, self.n_heads, -1).permute(2, 0, 3, 1, 4)
                y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                return self.out(y.transpose(1, 2).reshape(B, T, C))
        """),
    ok("10", "MultiHeadAttention", "a -1e4 fill instead of -inf", slip(MHA, 'float("-inf")', "-1e4")),
    ok("10", "MultiHeadAttention", "einsum and triu(diagonal=1)", """
        class MultiHeadAttention(nn.Module):
            def __init__(self, d_model, n_heads):
                super().__init__()
                self.h = n_heads
                self.qkv = nn.Linear(d_model, 3 * d_model)
                self.out = nn.Linear(d_model, d_model)

            def forward(self, x):
                B, T, C = x.shape
                q, k, v = torch.chunk(self.qkv(x), 3, dim=-1)
                q, k, v = (t.reshape(B, T, self.h, C // self.h) for t in (q, k, v))  # (B, T, H, D)
                scores = torch.einsum("bthd,bshd->bhts", q, k) / (C // self.h) ** 0.5
                future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
                weights = torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1)
                y = torch.einsum("bhts,bshd->bthd", weights, v).reshape(B, T, C)
                return self.out(y)
        """),
    # ---------------------------------------------------------------- 10 Block
    bug("10", "Block", "post-LN", "post|pre-ln|pre-layernorm|order|normalised copy", slip(BLOCK, "h = x + self.attn(self.ln_1(x))\n        return h + self.mlp(self.ln_2(h))", "h = self.ln_1(x + self.attn(x))\n        return self.ln_2(h + self.mlp(h))")),
    bug("10", "Block", "an MLP of width C", "4 ×|4·c|4c|4 * |hidden|width|mlp.up.weight has shape", slip(BLOCK, "MLP(d_model, 4 * d_model)", "MLP(d_model, d_model)")),
    bug("10", "Block", "one LayerNorm shared by both parts", "share|same layernorm|one layernorm|same module|alias", slip(BLOCK, "self.ln_2 = nn.LayerNorm(d_model)", "self.ln_2 = self.ln_1")),
    bug("10", "Block", "no residual around the MLP", "residual|added to the stream|replaces|without adding", slip(BLOCK, "return h + self.mlp(self.ln_2(h))", "return self.mlp(self.ln_2(h))")),
    bug("10", "Block", "attention reads the raw stream", "ln_1|normalis|norm", slip(BLOCK, "self.attn(self.ln_1(x))", "self.attn(x)")),
    bug("10", "Block", "norm1 / norm2 as the names", "ln_1|name|missing|unexpected|state_dict", slip(slip(BLOCK, "ln_1", "norm1"), "ln_2", "norm2")),
    bug("10", "Block", "returns before the MLP", "mlp|return|second", slip(BLOCK, "return h + self.mlp(self.ln_2(h))", "return h\n        return h + self.mlp(self.ln_2(h))")),
    bug("10", "Block", "LayerNorms without weights", "affine|missing|elementwise|ln_1.weight", slip(BLOCK, "nn.LayerNorm(d_model)", "nn.LayerNorm(d_model, elementwise_affine=False)")),
    bug("10", "Block", "the MLP reads ln_1", "ln_2", slip(BLOCK, "self.mlp(self.ln_2(h))", "self.mlp(self.ln_1(h))")),
    ok("10", "Block", "x reassigned, eps spelled out", """
        class Block(nn.Module):
            def __init__(self, d_model, n_heads):
                super().__init__()
                self.ln_1 = nn.LayerNorm(d_model, eps=1e-5)
                self.attn = MultiHeadAttention(d_model, n_heads)
                self.ln_2 = nn.LayerNorm(d_model, eps=1e-5)
                self.mlp = MLP(d_model, 4 * d_model)

            def forward(self, x):
                x = x + self.attn(self.ln_1(x))
                x = x + self.mlp(self.ln_2(x))
                return x
        """),
    ok("10", "Block", "the parts built in a different order", """
        class Block(nn.Module):
            def __init__(self, d_model, n_heads):
                super().__init__()
                self.attn = MultiHeadAttention(d_model, n_heads)
                self.mlp = MLP(d_model, d_model * 4)
                self.ln_1, self.ln_2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)

            def forward(self, x):
                x = self.attn(self.ln_1(x)) + x
                return self.mlp(self.ln_2(x)) + x
        """),
    # ---------------------------------------------------------------- 10 GPT
    bug("10", "GPT", "init_gpt2_ never called", "init|init_gpt2_|initial|0.02", slip(GPT, "        init_gpt2_(self, config.n_layers)\n")),
    bug("10", "GPT", "no position embeddings in forward", "position|pos_emb", slip(GPT, "self.tok_emb(idx) + self.pos_emb(torch.arange(T, device=idx.device))", "self.tok_emb(idx)")),
    bug("10", "GPT", "no final LayerNorm in forward", "ln_f|final|layernorm", slip(GPT, "self.unembed(self.ln_f(x))", "self.unembed(x)")),
    bug("10", "GPT", "the blocks in a plain list", "modulelist|list|register|missing", slip(GPT, "nn.ModuleList(Block(C, config.n_heads) for _ in range(config.n_layers))", "[Block(C, config.n_heads) for _ in range(config.n_layers)]")),
    bug("10", "GPT", "an unembedding with a bias", "bias", slip(GPT, "nn.Linear(C, config.vocab_size, bias=False)", "nn.Linear(C, config.vocab_size)")),
    bug("10", "GPT", "a position table of vocab_size rows", "pos_emb|context|position", slip(GPT, "nn.Embedding(config.context_length, C)", "nn.Embedding(config.vocab_size, C)")),
    bug("10", "GPT", "positions from 1", "position|off by one|from 1|shifted", slip(GPT, "torch.arange(T, device=idx.device)", "torch.arange(1, T + 1, device=idx.device) % self.config.context_length")),
    bug("10", "GPT", "probabilities out of forward", "softmax|probab|logits|sum to 1", slip(GPT, "return self.unembed(self.ln_f(x))", "return torch.softmax(self.unembed(self.ln_f(x)), dim=-1)")),
    bug("10", "GPT", "one Block repeated n_layers times", "same block|share|repeat|one block|copies|identical", slip(GPT, "nn.ModuleList(Block(C, config.n_heads) for _ in range(config.n_layers))", "nn.ModuleList([Block(C, config.n_heads)] * config.n_layers)")),
    ok("10", "GPT", "tied the other way round", slip(GPT, "self.unembed.weight = self.tok_emb.weight", "self.tok_emb.weight = self.unembed.weight")),
    ok("10", "GPT", "a list comprehension and a separate positions buffer-free arange", """
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

            def forward(self, idx):
                B, T = idx.shape
                pos = torch.arange(0, T, dtype=torch.long).unsqueeze(0)  # (1, T)
                x = self.tok_emb(idx) + self.pos_emb(pos)
                for blk in self.blocks:
                    x = blk(x)
                logits = self.unembed(self.ln_f(x))
                return logits
        """),
    # ---------------------------------------------------------------- 10 train
    bug("10", "train", "targets not shifted: each word predicts itself", "shift|next word|rows[:, 1:]|same position|itself", slip(TRAIN, "batch[:, 1:].reshape(-1)", "batch[:, :-1].reshape(-1)")),
    bug("10", "train", "the same first 32 rows every step", "random|same rows|draw|sample|first 32", slip(TRAIN, "rows[torch.randint(0, len(rows), (batch_size,), generator=g)]", "rows[:batch_size]")),
    bug("10", "train", "the gradient clipped at 0.1", "clip|0.1|max_norm", slip(TRAIN, "clip_grad_norm_(model.parameters(), 1.0)", "clip_grad_norm_(model.parameters(), 0.1)")),
    bug("10", "train", "Adam, not AdamW", "adamw|weight decay|adam|optimizer", slip(TRAIN, "torch.optim.AdamW(", "torch.optim.Adam(")),
    bug("10", "train", "lr ignored: 1e-3 typed in", "lr|learning rate", slip(TRAIN, "lr=lr)", "lr=1e-3)").replace("max_lr=lr", "max_lr=1e-3")),
    bug("10", "train", "returns the last loss only", "list|losses|return|float", slip(TRAIN, "return losses", "return losses[-1]")),
    bug("10", "train", "the generator seeded anew every step", "same rows|same batch|seed|every step|draw|repeat", slip(slip(TRAIN, "    g = torch.Generator().manual_seed(0)\n"), "        batch = rows[", "        g = torch.Generator().manual_seed(0)\n        batch = rows[")),
    bug("10", "train", "zero_grad after backward: nothing learnt", "zero_grad|order|gradient|wipe|before backward|learn", slip(TRAIN, "        opt.zero_grad()\n        loss.backward()\n", "        loss.backward()\n        opt.zero_grad()\n")),
    bug("10", "train", "summed, not mean, cross-entropy", "sum|mean|reduction", slip(TRAIN, "batch[:, 1:].reshape(-1))", "batch[:, 1:].reshape(-1), reduction=\"sum\")")),
    ok("10", "train", "flatten(0, 1), set_to_none, float(loss)", """
        def train(model, rows, steps, batch_size=32, lr=1e-2):
            rows = torch.as_tensor(rows)
            gen = torch.Generator()
            gen.manual_seed(0)
            optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
            schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
            losses = []
            for step in tqdm(range(steps), desc="training", leave=False):
                batch = rows[torch.randint(len(rows), (batch_size,), generator=gen)]
                inputs, targets = batch[:, :-1], batch[:, 1:]
                logits = model(inputs)
                loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
                optimizer.step()
                schedule.step()
                losses.append(float(loss))
            return losses
        """),
]
