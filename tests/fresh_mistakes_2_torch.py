"""The torch lessons' part of the second fresh set (lessons 09 and 10): see fresh_mistakes_2.py.

Lesson 10's exercises build on each other (Block uses the learner's MultiHeadAttention, GPT their
Block), so each attempt there is one class or function replacing the right one in RIGHT_10, which
stands in for the learner's other cells.
"""

BUG, OK = True, False


def slip(code, old, new=""):
    """`code` (a right answer) with one slip: `old` replaced by `new`."""
    assert old in code, old
    return code.replace(old, new)


RESIDUAL = """
def residual_block(block, x):
    x = x + block.attn(block.ln_1(x))
    x = x + block.mlp(block.ln_2(x))
    return x
"""

FORWARD = """
def gpt_forward(model, idx):
    T = idx.shape[1]
    x = model.tok_emb(idx) + model.pos_emb(torch.arange(T))
    for block in model.blocks:
        x = block(x)
    return model.unembed(model.ln_f(x))
"""

PROBS = """
def next_word_probabilities(model, x, temperature=1.0):
    logits = model.unembed(model.ln_f(x))
    return torch.softmax(logits / temperature, dim=-1)
"""

GREEDY = """
def greedy_generate(model, idx, n_new):
    for _ in range(n_new):
        logits = model(idx[:, -model.config.context_length:])
        new = logits[:, -1, :].argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, new], dim=1)
    return idx
"""

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
        q, k, v = self.qkv(x).view(B, T, 3, H, D).permute(2, 0, 3, 1, 4)  # 3 × (B, H, T, D)
        att = q @ k.transpose(-2, -1) / math.sqrt(D)
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)
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

    def forward(self, x):
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

    def forward(self, idx):
        T = idx.shape[1]
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(T))
        for block in self.blocks:
            x = block(x)
        return self.unembed(self.ln_f(x))
"""

TRAIN = """
def train(model, rows, steps, batch_size=32, lr=1e-2):
    rows = torch.as_tensor(rows)
    generator = torch.Generator().manual_seed(0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    losses = []
    for _ in tqdm(range(steps)):
        batch = rows[torch.randint(len(rows), (batch_size,), generator=generator)]
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    return losses
"""

RIGHT_10 = MHA + BLOCK + GPT + TRAIN  # the learner's other lesson-10 cells, all right

ATTEMPTS = [
    # ---------------------------------------------------------------- 09 · residual_block
    ("09", "residual_block", "x += … (the caller's stream changes) (issue 21)",
     "in place|changed|modif|argument", BUG, """
def residual_block(block, x):
    x += block.attn(block.ln_1(x))
    x += block.mlp(block.ln_2(x))
    return x
"""),
    ("09", "residual_block", "post-LN: normalises after adding",
     "post|layernorm|ln_1|normalised copy|order|pre-ln",
     BUG, """
def residual_block(block, x):
    x = block.ln_1(x + block.attn(x))
    return block.ln_2(x + block.mlp(x))
"""),
    ("09", "residual_block", "the MLP replaces the stream (no second residual)",
     "residual|add its change|replaces|mlp's change", BUG,
     slip(RESIDUAL, "x = x + block.mlp(block.ln_2(x))", "x = block.mlp(block.ln_2(x))")),
    ("09", "residual_block", "attention replaces the stream (no first residual)",
     "residual|add its change|replaces|attention's change",
     BUG, slip(RESIDUAL, "x = x + block.attn(block.ln_1(x))", "x = block.attn(block.ln_1(x))")),
    ("09", "residual_block", "ln_1 before the MLP too", "ln_2", BUG,
     slip(RESIDUAL, "block.mlp(block.ln_2(x))", "block.mlp(block.ln_1(x))")),
    ("09", "residual_block", "both parts read the input stream (parallel)",
     "parallel|same x|before the attention|new x",
     BUG, """
def residual_block(block, x):
    return x + block.attn(block.ln_1(x)) + block.mlp(block.ln_2(x))
"""),
    ("09", "residual_block", "the MLP first", "mlp first|before the attention|attention first|order", BUG, """
def residual_block(block, x):
    x = x + block.mlp(block.ln_2(x))
    return x + block.attn(block.ln_1(x))
"""),
    ("09", "residual_block", "adds to the normalised copy, not to the stream",
     "normalised copy|to x itself|ln_1(x) +|stream itself",
     BUG, """
def residual_block(block, x):
    h = block.ln_1(x)
    x = h + block.attn(h)
    h = block.ln_2(x)
    return h + block.mlp(h)
"""),
    ("09", "residual_block", "named intermediates", "", OK, """
def residual_block(block, x):
    after_attention = x + block.attn(block.ln_1(x))
    return after_attention + block.mlp(block.ln_2(after_attention))
"""),
    # ---------------------------------------------------------------- 09 · gpt_forward
    ("09", "gpt_forward", "no position embeddings", "position", BUG,
     slip(FORWARD, " + model.pos_emb(torch.arange(T))")),
    ("09", "gpt_forward", "no final LayerNorm", "ln_f|final|layernorm", BUG,
     slip(FORWARD, "model.unembed(model.ln_f(x))", "model.unembed(x)")),
    ("09", "gpt_forward", "softmax at the end", "softmax|probabilit|logits", BUG,
     slip(FORWARD, "return model.unembed(model.ln_f(x))",
          "return torch.softmax(model.unembed(model.ln_f(x)), dim=-1)")),
    ("09", "gpt_forward", "positions from the batch size", "position|arange(t)|shape[1]|batch", BUG,
     slip(FORWARD, "T = idx.shape[1]", "T = idx.shape[0]")),
    ("09", "gpt_forward", "only the first block", "every block|all blocks|first block|one block", BUG,
     slip(FORWARD, "    for block in model.blocks:\n        x = block(x)\n", "    x = model.blocks[0](x)\n")),
    ("09", "gpt_forward", "every block reads the embeddings (not chained)",
     "chain|in turn|previous block|each block reads",
     BUG, """
def gpt_forward(model, idx):
    T = idx.shape[1]
    emb = model.tok_emb(idx) + model.pos_emb(torch.arange(T))
    for block in model.blocks:
        x = block(emb)
    return model.unembed(model.ln_f(x))
"""),
    ("09", "gpt_forward", "the last position's logits only",
     "last position|shape|every position|(b, t, v)", BUG,
     slip(FORWARD, "return model.unembed(model.ln_f(x))", "return model.unembed(model.ln_f(x))[:, -1]")),
    ("09", "gpt_forward", "positions 1 … T", "position|start at 0|off by one", BUG,
     slip(FORWARD, "torch.arange(T)", "torch.arange(1, T + 1).clamp(max=model.config.context_length - 1)")),
    ("09", "gpt_forward", "the learner's residual_block for each block", "", OK, RESIDUAL + """
def gpt_forward(model, idx):
    B, T = idx.shape
    x = model.tok_emb(idx) + model.pos_emb(torch.arange(T, device=idx.device))[None]
    for block in model.blocks:
        x = residual_block(block, x)
    return model.unembed(model.ln_f(x))
"""),
    # ---------------------------------------------------------------- 09 · next_word_probabilities
    ("09", "next_word_probabilities", "no final LayerNorm", "ln_f|layernorm|final", BUG,
     slip(PROBS, "model.unembed(model.ln_f(x))", "model.unembed(x)")),
    ("09", "next_word_probabilities", "multiplies by the temperature", "multipl|divide|×", BUG,
     slip(PROBS, "logits / temperature", "logits * temperature")),
    ("09", "next_word_probabilities", "softmax over dim 0", "wrong axis|last axis|dim=0|dim 0", BUG,
     slip(PROBS, "dim=-1", "dim=0")),
    ("09", "next_word_probabilities", "divides the probabilities by the temperature",
     "after|before softmax|sum to 1|the probabilities", BUG,
     slip(PROBS, "torch.softmax(logits / temperature, dim=-1)",
          "torch.softmax(logits, dim=-1) / temperature")),
    ("09", "next_word_probabilities", "returns the logits", "softmax|probabilit|logits", BUG,
     slip(PROBS, "torch.softmax(logits / temperature, dim=-1)", "logits / temperature")),
    ("09", "next_word_probabilities", "log_softmax",
     "log_softmax|log-softmax|logarithm|log of|log probab", BUG,
     slip(PROBS, "torch.softmax", "torch.log_softmax")),
    ("09", "next_word_probabilities", "ignores the temperature", "ignor|temperature", BUG,
     slip(PROBS, "logits / temperature", "logits")),
    ("09", "next_word_probabilities", "softmax over dim 1", "wrong axis|last axis|dim=1|dim 1", BUG,
     slip(PROBS, "dim=-1", "dim=1")),
    ("09", "next_word_probabilities", "exp, then divide by the sum, after subtracting the max", "", OK, """
def next_word_probabilities(model, x, temperature=1.0):
    z = model.unembed(model.ln_f(x)) / temperature
    e = torch.exp(z - z.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)
"""),
    # ---------------------------------------------------------------- 09 · greedy_generate
    ("09", "greedy_generate", "never crops to the context", "context|crop|this model reads", BUG,
     slip(GREEDY, "idx[:, -model.config.context_length:]", "idx")),
    ("09", "greedy_generate", "the first position's logits", "last position|first|[:, -1]", BUG,
     slip(GREEDY, "logits[:, -1, :]", "logits[:, 0, :]")),
    ("09", "greedy_generate", "argmax over the batch (dim 0)", "batch|dim=0|dim 0|over the vocabulary", BUG,
     slip(GREEDY, "argmax(dim=-1, keepdim=True)", "argmax(dim=0, keepdim=True).T[:, :1]")),
    ("09", "greedy_generate", "one word too few", "n_new|one too few|length|short|t + n_new", BUG,
     slip(GREEDY, "range(n_new)", "range(n_new - 1)")),
    ("09", "greedy_generate", "returns only the new words", "only the new|prompt|start included", BUG, """
def greedy_generate(model, idx, n_new):
    out = idx
    for _ in range(n_new):
        logits = model(out[:, -model.config.context_length:])
        out = torch.cat([out, logits[:, -1].argmax(dim=-1, keepdim=True)], dim=1)
    return out[:, idx.shape[1]:]
"""),
    ("09", "greedy_generate", "crops to the first context_length words",
     "last context|first context|crop|the last", BUG,
     slip(GREEDY, "idx[:, -model.config.context_length:]", "idx[:, :model.config.context_length]")),
    ("09", "greedy_generate", "samples instead of argmax", "greedy|sampl|argmax|random", BUG,
     slip(GREEDY, "logits[:, -1, :].argmax(dim=-1, keepdim=True)",
          "torch.multinomial(torch.softmax(logits[:, -1, :], dim=-1), 1)")),
    ("09", "greedy_generate", "argmax without keepdim", "keepdim|(b, 1)|dimensions", BUG,
     slip(GREEDY, "argmax(dim=-1, keepdim=True)", "argmax(dim=-1)")),
    ("09", "greedy_generate", "under no_grad, argmax of the probabilities", "", OK, """
def greedy_generate(model, idx, n_new):
    with torch.no_grad():
        for _ in range(n_new):
            window = idx[:, max(0, idx.shape[1] - model.config.context_length):]
            probs = torch.softmax(model(window)[:, -1], dim=-1)
            idx = torch.cat([idx, torch.argmax(probs, dim=-1, keepdim=True)], dim=1)
    return idx
"""),
    # ---------------------------------------------------------------- 10 · MultiHeadAttention
    ("10", "MultiHeadAttention", "splits (B, T, H, 3, D) instead of (B, T, 3, H, D) (issue 21)",
     "split|(b, t, 3, h, d)|3, h|layout|qkv|order of", BUG,
     slip(MHA, "view(B, T, 3, H, D).permute(2, 0, 3, 1, 4)", "view(B, T, H, 3, D).permute(3, 0, 2, 1, 4)")),
    ("10", "MultiHeadAttention", "no transpose back before merging the heads (issue 21)",
     "transpose|merge|side by side|back|(b, t, h", BUG,
     slip(MHA, "(att @ v).transpose(1, 2).reshape(B, T, C)", "(att @ v).reshape(B, T, C)")),
    ("10", "MultiHeadAttention", "scales by sqrt(C) (issue 21)", "√c|sqrt(c)|d_model|√d|scale", BUG,
     slip(MHA, "math.sqrt(D)", "math.sqrt(C)")),
    ("10", "MultiHeadAttention", "masks with 0, not -inf (issue 21)",
     "-inf|−∞|mask value|0 instead|masked with 0", BUG,
     slip(MHA, 'float("-inf")', "0.0")),
    ("10", "MultiHeadAttention", "softmax over the queries (dim -2) (issue 21)",
     "softmax|dim|axis|wrong axis|queries", BUG,
     slip(MHA, "softmax(dim=-1)", "softmax(dim=-2)")),
    ("10", "MultiHeadAttention", "the diagonal masked too (issue 21)", "diagonal|itself", BUG,
     slip(MHA, "torch.tril(torch.ones(T, T, dtype=torch.bool))",
          "torch.tril(torch.ones(T, T, dtype=torch.bool), -1)")),
    ("10", "MultiHeadAttention", "no causal mask", "causal|mask|later token|future|earlier output", BUG,
     slip(MHA, 'att = att.masked_fill(~mask, float("-inf")).softmax(dim=-1)', "att = att.softmax(dim=-1)")),
    ("10", "MultiHeadAttention", "masks the past instead of the future",
     "invert|future|causal|mask|past", BUG,
     slip(MHA, "masked_fill(~mask,", "masked_fill(mask & ~torch.eye(T, dtype=torch.bool),")),
    ("10", "MultiHeadAttention", "no output projection", "out|projection|w_o|missing", BUG,
     slip(slip(MHA, "        self.out = nn.Linear(d_model, d_model)\n"), "return self.out(y)", "return y")),
    ("10", "MultiHeadAttention", "the mask as a persistent buffer (an extra key in the state_dict)",
     "buffer|state_dict|persistent|unexpected|key", BUG,
     slip(slip(MHA, "        self.out = nn.Linear(d_model, d_model)\n",
               "        self.out = nn.Linear(d_model, d_model)\n"
               "        self.register_buffer('mask', torch.tril(torch.ones(64, 64, dtype=torch.bool)))\n"),
          "mask = torch.tril(torch.ones(T, T, dtype=torch.bool))", "mask = self.mask[:T, :T]")),
    ("10", "MultiHeadAttention", "the fused map named c_attn (GPT-2's name)",
     "name|qkv|parameter|state_dict|missing|key",
     BUG, slip(slip(MHA, "self.qkv = nn.Linear", "self.c_attn = nn.Linear"),
               "self.qkv(x)", "self.c_attn(x)")),
    ("10", "MultiHeadAttention", "no biases in qkv and out", "bias", BUG,
     slip(slip(MHA, "nn.Linear(d_model, 3 * d_model)", "nn.Linear(d_model, 3 * d_model, bias=False)"),
          "nn.Linear(d_model, d_model)", "nn.Linear(d_model, d_model, bias=False)")),
    ("10", "MultiHeadAttention", ".view after the transpose (not contiguous)", "view|contiguous|reshape", BUG,
     slip(MHA, "(att @ v).transpose(1, 2).reshape(B, T, C)", "(att @ v).transpose(1, 2).view(B, T, C)")),
    ("10", "MultiHeadAttention", "scales after the softmax", "after|scale|softmax|sum to 1", BUG, """
class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x):
        B, T, C = x.shape
        H, D = self.n_heads, C // self.n_heads
        q, k, v = self.qkv(x).view(B, T, 3, H, D).permute(2, 0, 3, 1, 4)
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = (q @ k.transpose(-2, -1)).masked_fill(~mask, float("-inf")).softmax(dim=-1) / math.sqrt(D)
        return self.out((att @ v).transpose(1, 2).reshape(B, T, C))
"""),
    ("10", "MultiHeadAttention", "permute leaves the heads beside time: attends across heads",
     "permute|across heads|(b, h, t, d)|head axis", BUG,
     slip(MHA, "permute(2, 0, 3, 1, 4)", "permute(2, 0, 1, 3, 4)")),
    ("10", "MultiHeadAttention", "chunk into q, k, v, then view per head", "", OK, """
class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.n_heads = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.view(B, T, self.n_heads, C // self.n_heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(y.transpose(1, 2).contiguous().view(B, T, C))
"""),
    ("10", "MultiHeadAttention", "a float mask of ones, masked_fill where it is 0, a non-persistent buffer",
     "", OK, """
class MultiHeadAttention(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.n_heads, self.d_head = n_heads, d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.register_buffer("ones", torch.ones(1024, 1024).tril(), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        qkv = self.qkv(x).reshape(B, T, 3, self.n_heads, self.d_head)
        q, k, v = qkv.unbind(dim=2)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        att = torch.einsum("bhtd,bhsd->bhts", q, k) * self.d_head ** -0.5
        att = att.masked_fill(self.ones[:T, :T] == 0, float("-inf"))
        y = torch.einsum("bhts,bhsd->bhtd", torch.softmax(att, dim=-1), v)
        return self.out(y.permute(0, 2, 1, 3).reshape(B, T, C))
"""),
    # ---------------------------------------------------------------- 10 · Block
    ("10", "Block", "post-LN", "post|layernorm|ln_1|normalised|order|pre-ln", BUG,
     slip(BLOCK, "        x = x + self.attn(self.ln_1(x))\n        x = x + self.mlp(self.ln_2(x))\n",
          "        x = self.ln_1(x + self.attn(x))\n        x = self.ln_2(x + self.mlp(x))\n")),
    ("10", "Block", "no residual around the MLP", "residual|add|mlp|replace", BUG,
     slip(BLOCK, "x = x + self.mlp(self.ln_2(x))", "x = self.mlp(self.ln_2(x))")),
    ("10", "Block", "MLP(C, C): the hidden width 4C forgotten", "mlp.up|width|4·c|4 × c|(48", BUG,
     slip(BLOCK, "MLP(d_model, 4 * d_model)", "MLP(d_model, d_model)")),
    ("10", "Block", "ln_1 used twice",
     "ln_2|ln_1", BUG, slip(BLOCK, "self.mlp(self.ln_2(x))", "self.mlp(self.ln_1(x))")),
    ("10", "Block", "LayerNorms without learned weight and bias", "weight|bias|affine|missing|layernorm", BUG,
     BLOCK.replace("nn.LayerNorm(d_model)", "nn.LayerNorm(d_model, elementwise_affine=False)")),
    ("10", "Block", "forgets to return", "return|none", BUG, slip(BLOCK, "        return x\n")),
    ("10", "Block", "one line per residual, returned at once", "", OK, """
class Block(nn.Module):
    def __init__(self, d_model, n_heads):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.attn = MultiHeadAttention(d_model, n_heads)
        self.mlp = MLP(d_model, 4 * d_model)

    def forward(self, x):
        h = x + self.attn(self.ln_1(x))
        return h + self.mlp(self.ln_2(h))
"""),
    # ---------------------------------------------------------------- 10 · GPT
    ("10", "GPT", "the unembedding not tied (issue 21)", "tie|tied|unembed|parameters", BUG,
     slip(GPT, "        self.unembed.weight = self.tok_emb.weight\n")),
    ("10", "GPT", "no position embeddings in forward", "position", BUG,
     slip(GPT, " + self.pos_emb(torch.arange(T))")),
    ("10", "GPT", "no final LayerNorm in forward", "ln_f|final|layernorm", BUG,
     slip(GPT, "self.unembed(self.ln_f(x))", "self.unembed(x)")),
    ("10", "GPT", "blocks in a plain list (not registered)", "modulelist|list|blocks|registered|missing", BUG,
     slip(GPT, "nn.ModuleList([Block(config.d_model, config.n_heads) for _ in range(config.n_layers)])",
          "[Block(config.d_model, config.n_heads) for _ in range(config.n_layers)]")),
    ("10", "GPT", "an unembedding bias", "bias|unembed", BUG,
     slip(GPT, "nn.Linear(config.d_model, config.vocab_size, bias=False)",
          "nn.Linear(config.d_model, config.vocab_size)")),
    ("10", "GPT", "pos_emb with vocab_size rows", "context|pos_emb|size|position|shape", BUG,
     slip(GPT, "nn.Embedding(config.context_length, config.d_model)",
          "nn.Embedding(config.vocab_size, config.d_model)")),
    ("10", "GPT", "positions from the batch axis", "position|arange|shape[1]|batch", BUG,
     slip(GPT, "T = idx.shape[1]", "T = idx.shape[0]")),
    ("10", "GPT", "self.config not set", "config", BUG, slip(GPT, "        self.config = config\n")),
    ("10", "GPT", "softmax at the end of forward", "softmax|probabilit|logits", BUG,
     slip(GPT, "return self.unembed(self.ln_f(x))", "return self.unembed(self.ln_f(x)).softmax(dim=-1)")),
    ("10", "GPT", "tied the other way round (tok_emb.weight = unembed.weight)", "", OK,
     slip(GPT, "self.unembed.weight = self.tok_emb.weight", "self.tok_emb.weight = self.unembed.weight")),
    # ---------------------------------------------------------------- 10 · train
    ("10", "train", "no zero_grad: gradients pile up (issue 21)", "zero_grad|accumulat", BUG,
     slip(TRAIN, "        optimizer.zero_grad()\n")),
    ("10", "train", "rows drawn without the seeded generator (issue 21)", "seed|generator|repeat|same", BUG,
     slip(TRAIN, "(batch_size,), generator=generator)", "(batch_size,))")),
    ("10", "train", "appends the loss tensors, not floats (issue 21)", "float|.item()|tensor|item", BUG,
     slip(TRAIN, "losses.append(loss.item())", "losses.append(loss)")),
    ("10", "train", "no clipping (issue 21)",
     "clip", BUG, slip(TRAIN, "        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)\n")),
    ("10", "train", "no learning-rate schedule (issue 21)", "schedul|onecycle|learning rate|warm", BUG,
     slip(TRAIN, "        scheduler.step()\n")),
    ("10", "train", "targets not shifted (predicts the word it reads)", "shift|next word|target|1:", BUG,
     slip(TRAIN, "batch[:, 1:].reshape(-1)", "batch[:, :-1].reshape(-1)")),
    ("10", "train", "zero_grad between backward and step", "order|zero_grad|between|after backward", BUG,
     slip(TRAIN, "        optimizer.zero_grad()\n        loss.backward()\n",
          "        loss.backward()\n        optimizer.zero_grad()\n")),
    ("10", "train", "cross_entropy on (B, T, V) without flattening",
     "reshape|cross_entropy|view|flatten|shape", BUG,
     slip(TRAIN, "F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))",
          "F.cross_entropy(logits, batch[:, 1:])")),
    ("10", "train", "forgets to return the losses",
     "return|none|losses", BUG, slip(TRAIN, "    return losses\n")),
    ("10", "train", "a new seeded generator every step (the same rows each time)",
     "same rows|seed|generator|every step|same batch", BUG,
     slip(slip(TRAIN, "    generator = torch.Generator().manual_seed(0)\n"), "        batch = rows[",
          "        generator = torch.Generator().manual_seed(0)\n        batch = rows[")),
    ("10", "train", "zero_grad first, flatten, float(loss), inputs and targets named", "", OK, """
def train(model, rows, steps, batch_size=32, lr=1e-2):
    data = torch.as_tensor(rows, dtype=torch.long)
    g = torch.Generator()
    g.manual_seed(0)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    losses = []
    for _ in tqdm(range(steps), desc="training"):
        picked = torch.randint(0, data.shape[0], (batch_size,), generator=g)
        inputs, targets = data[picked, :-1], data[picked, 1:]
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(inputs).flatten(0, 1), targets.flatten())
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
        schedule.step()
        losses.append(float(loss))
    return losses
"""),
]

# the right answers the slips above start from, as OK rows too
ATTEMPTS += [
    ("09", "residual_block", "two residual additions", "", OK, RESIDUAL),
    ("09", "gpt_forward", "embeddings, blocks, ln_f, unembed", "", OK, FORWARD),
    ("09", "next_word_probabilities", "ln_f, unembed, / t, softmax", "", OK, PROBS),
    ("09", "greedy_generate", "crop, last logits, argmax, cat", "", OK, GREEDY),
    ("10", "MultiHeadAttention", "one qkv map, (B, T, 3, H, D), causal -inf", "", OK, MHA),
    ("10", "Block", "pre-LN with two residuals", "", OK, BLOCK),
    ("10", "GPT", "tied, initialised before tying", "", OK, GPT),
    ("10", "train", "AdamW, OneCycleLR, clip at 1, seeded draws", "", OK, TRAIN),
]

# grown after the first landing
ATTEMPTS += [
    ("10", "MultiHeadAttention", "views (B, T, 3, D, H): heads and head size swapped",
     "split|layout|(b, t, 3, h, d)|order of",
     BUG, slip(MHA, "view(B, T, 3, H, D).permute(2, 0, 3, 1, 4)",
               "view(B, T, 3, D, H).permute(2, 0, 4, 1, 3)")),
    ("10", "MultiHeadAttention", "triu(diagonal=1) as the mask of the future", "", OK,
     slip(slip(MHA, "mask = torch.tril(torch.ones(T, T, dtype=torch.bool))",
               "future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)"), "masked_fill(~mask,",
          "masked_fill(future,")),
    ("10", "GPT", "init_gpt2_ never called (PyTorch's default init)", "init_gpt2_|initiali|0.02", BUG,
     slip(GPT, "        init_gpt2_(self, config.n_layers)\n")),
    ("10", "train", "plain SGD instead of AdamW", "sgd|instead of adamw|optimizer|optimiser", BUG,
     slip(TRAIN, "torch.optim.AdamW(model.parameters(), lr=lr)",
          "torch.optim.SGD(model.parameters(), lr=lr)")),
    ("10", "train", "returns the mean loss, not the list", "list|one per step|mean loss", BUG,
     slip(TRAIN, "    return losses\n", "    return sum(losses) / len(losses)\n")),
    ("10", "train", "rows drawn by a seeded randperm (no repeats in a batch)", "", OK,
     slip(TRAIN, "rows[torch.randint(len(rows), (batch_size,), generator=generator)]",
          "rows[torch.randperm(len(rows), generator=generator)[:batch_size]]")),
]
