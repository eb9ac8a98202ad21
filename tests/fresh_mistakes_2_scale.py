"""Lessons 11 and 12's part of the second fresh set (see fresh_mistakes_2.py, fresh_mistakes_2_numpy.py)."""

BUG, OK = True, False

ONLINE = """
def online_max_and_sum(blocks):
    m, s = -np.inf, 0.0
    for block in blocks:
        m_new = max(m, np.max(block))
        s = s * np.exp(m - m_new) + np.sum(np.exp(block - m_new))
        m = m_new
    return m, s
"""

BLOCK = """
def block_update(m, denom, numer, scores, v_block):
    m_new = np.maximum(m, scores.max(axis=-1, keepdims=True))
    rescale = np.exp(m - m_new)
    p = np.exp(scores - m_new)
    return m_new, denom * rescale + p.sum(axis=-1, keepdims=True), numer * rescale + p @ v_block
"""

CACHE = """
def cache_step(q, k, v, k_cache, v_cache):
    k_cache = np.concatenate([k_cache, k], axis=0)
    v_cache = np.concatenate([v_cache, v], axis=0)
    scores = q @ k_cache.T / np.sqrt(q.shape[-1])
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    return w @ v_cache, k_cache, v_cache
"""

ROPE = """
def rope(x, positions, base):
    D = x.shape[-1]
    half = D // 2
    theta = base ** (-2 * np.arange(half) / D)
    angles = np.asarray(positions)[:, None] * theta
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = x[..., :half], x[..., half:]
    return np.concatenate([a * cos - b * sin, b * cos + a * sin], axis=-1)
"""

WINDOW = """
def sliding_window_mask(T, window):
    i = np.arange(T)[:, None]
    j = np.arange(T)[None, :]
    return (j <= i) & (j > i - window)
"""


def slip(code, old, new=""):
    """`code` (a right answer) with one slip: `old` replaced by `new`."""
    assert old in code, old
    return code.replace(old, new)


ATTEMPTS = [
    # ---------------------------------------------------------------- 11 · online_max_and_sum
    ("11", "online_max_and_sum", "rescales by exp(m_new - m), the wrong way round",
     "exp(m - m|e^{m - m|direction|wrong way|rescale", BUG,
     slip(ONLINE, "np.exp(m - m_new)", "np.exp(m_new - m)")),
    ("11", "online_max_and_sum", "the block's terms against the old max",
     "m_new|new max|old max|m'|larger max|new maximum", BUG,
     slip(ONLINE, "np.exp(block - m_new)", "np.exp(block - m)")),
    ("11", "online_max_and_sum", "returns (s, m)",
     "order|swap|(m, s)", BUG, slip(ONLINE, "return m, s", "return s, m")),
    ("11", "online_max_and_sum", "starts from s = 1 (harmless: the first rescale is e^-inf = 0)", "", OK,
     slip(ONLINE, "m, s = -np.inf, 0.0", "m, s = -np.inf, 1.0")),
    ("11", "online_max_and_sum", "m is the last block's max, not the running max",
     "max(m|running|larger of|smaller|decrease|last block", BUG,
     slip(ONLINE, "max(m, np.max(block))", "np.max(block)")),
    ("11", "online_max_and_sum", "no max subtracted at all (overflows)", "overflow|subtract|- m|inf", BUG, """
def online_max_and_sum(blocks):
    m, s = -np.inf, 0.0
    for block in blocks:
        m = max(m, np.max(block))
        s = s + np.sum(np.exp(block))
    return m, s
"""),
    ("11", "online_max_and_sum", "returns only the sum",
     "tuple|pair|(m, s)|two numbers|expected shape", BUG, slip(ONLINE, "return m, s", "return s")),
    ("11", "online_max_and_sum", "the rescale only when the max grows", "", OK, """
def online_max_and_sum(blocks):
    m, s = -np.inf, 0.0
    for block in blocks:
        b = float(np.max(block))
        if b > m:
            s = s * np.exp(m - b)
            m = b
        s += float(np.exp(np.asarray(block) - m).sum())
    return m, s
"""),
    # ---------------------------------------------------------------- 11 · block_update
    ("11", "block_update", "the tile's max without keepdims: (bq, bq) broadcast",
     "keepdims|shape|broadcast|(bq, 1)",
     BUG, slip(BLOCK, "scores.max(axis=-1, keepdims=True)", "scores.max(axis=-1)")),
    ("11", "block_update", "numer not rescaled", "numer|rescale", BUG,
     slip(BLOCK, "numer * rescale + p @ v_block", "numer + p @ v_block")),
    ("11", "block_update", "denom not rescaled", "denom|rescale", BUG,
     slip(BLOCK, "denom * rescale + p", "denom + p")),
    ("11", "block_update", "np.max(m, ...) instead of np.maximum", "np.maximum|maximum|max(", BUG,
     slip(BLOCK, "np.maximum(m, scores.max(axis=-1, keepdims=True))",
          "np.max(m, scores.max(axis=-1, keepdims=True))")),
    ("11", "block_update", "p against the old m", "m_new|new max|old", BUG,
     slip(BLOCK, "np.exp(scores - m_new)", "np.exp(scores - m)")),
    ("11", "block_update", "numer *= rescale (changes the caller's numer)",
     "in place|changed|modif|argument", BUG, """
def block_update(m, denom, numer, scores, v_block):
    m_new = np.maximum(m, scores.max(axis=-1, keepdims=True))
    rescale = np.exp(m - m_new)
    p = np.exp(scores - m_new)
    numer *= rescale
    numer += p @ v_block
    return m_new, denom * rescale + p.sum(axis=-1, keepdims=True), numer
"""),
    ("11", "block_update", "returns (m, numer, denom)", "order|swap|(m, denom, numer)", BUG,
     slip(BLOCK,
          "return m_new, denom * rescale + p.sum(axis=-1, keepdims=True), numer * rescale + p @ v_block",
          "return m_new, numer * rescale + p @ v_block, denom * rescale + p.sum(axis=-1, keepdims=True)")),
    ("11", "block_update", "the whole tile's max for every row",
     "each row|row's max|whole tile|global|per row", BUG,
     slip(BLOCK, "scores.max(axis=-1, keepdims=True)", "scores.max()")),
    ("11", "block_update", "denom gets the column sums", "axis|column|row sums", BUG,
     slip(BLOCK, "p.sum(axis=-1, keepdims=True)", "p.sum(axis=0, keepdims=True)")),
    ("11", "block_update", "with the rescale written as two exps", "", OK, """
def block_update(m, denom, numer, scores, v_block):
    row_max = np.max(scores, axis=1, keepdims=True)
    m_new = np.where(row_max > m, row_max, m)
    p = np.exp(scores - m_new)
    rescale = np.exp(m - m_new)
    denom = rescale * denom + np.sum(p, axis=1, keepdims=True)
    numer = rescale * numer + p @ v_block
    return m_new, denom, numer
"""),
    # ---------------------------------------------------------------- 11 · kv_cache_bytes
    ("11", "kv_cache_bytes", "keys only (no factor 2)", "only the keys|key and value|factor 2|twice", BUG, """
def kv_cache_bytes(config, n_tokens, bytes_per_number):
    return config.n_layers * config.n_heads * config.d_head * n_tokens * bytes_per_number
"""),
    ("11", "kv_cache_bytes", "d_model per position instead of n_heads · d_head",
     "d_model|n_heads × d_head|n_heads · d_head|d_head", BUG, """
def kv_cache_bytes(config, n_tokens, bytes_per_number):
    return 2 * config.n_layers * config.d_model * n_tokens * bytes_per_number
"""),
    ("11", "kv_cache_bytes", "one layer", "one layer|n_layers", BUG, """
def kv_cache_bytes(config, n_tokens, bytes_per_number):
    return 2 * config.n_heads * config.d_head * n_tokens * bytes_per_number
"""),
    ("11", "kv_cache_bytes", "one head", "one head|n_heads", BUG, """
def kv_cache_bytes(config, n_tokens, bytes_per_number):
    return 2 * config.n_layers * config.d_head * n_tokens * bytes_per_number
"""),
    ("11", "kv_cache_bytes", "bits, not bytes", "bits|8", BUG, """
def kv_cache_bytes(config, n_tokens, bytes_per_number):
    return 2 * config.n_layers * config.n_heads * config.d_head * n_tokens * bytes_per_number * 8
"""),
    ("11", "kv_cache_bytes", "queries cached too (factor 3)", "query|queries|3", BUG, """
def kv_cache_bytes(config, n_tokens, bytes_per_number):
    return 3 * config.n_layers * config.n_heads * config.d_head * n_tokens * bytes_per_number
"""),
    ("11", "kv_cache_bytes", "megabytes, not bytes", "mb|1e6|megabyte", BUG, """
def kv_cache_bytes(config, n_tokens, bytes_per_number):
    return 2 * config.n_layers * config.n_heads * config.d_head * n_tokens * bytes_per_number / 1e6
"""),
    ("11", "kv_cache_bytes", "n_tokens + 1 positions", "+ 1|one more|one position too many", BUG, """
def kv_cache_bytes(config, n_tokens, bytes_per_number):
    return 2 * config.n_layers * config.n_heads * config.d_head * (n_tokens + 1) * bytes_per_number
"""),
    ("11", "kv_cache_bytes", "per token, then times the tokens", "", OK, """
def kv_cache_bytes(config, n_tokens, bytes_per_number):
    per_token = 2 * config.n_layers * (config.n_heads * config.d_head) * bytes_per_number
    return int(per_token * n_tokens)
"""),
    # ---------------------------------------------------------------- 11 · cache_step
    ("11", "cache_step", "attends the old cache only (the new key appended after)",
     "new position|itself|s + 1|append|before attend|own key", BUG, """
def cache_step(q, k, v, k_cache, v_cache):
    scores = q @ k_cache.T / np.sqrt(q.shape[-1])
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    out = w @ v_cache
    return out, np.concatenate([k_cache, k]), np.concatenate([v_cache, v])
"""),
    ("11", "cache_step", "returns the old caches", "cache|return|append|s + 1", BUG, """
def cache_step(q, k, v, k_cache, v_cache):
    K, V = np.concatenate([k_cache, k]), np.concatenate([v_cache, v])
    out, _ = scaled_dot_product_attention(q, K, V)
    return out, k_cache, v_cache
"""),
    ("11", "cache_step", "no scaling", "scale|√|sqrt", BUG, slip(CACHE, " / np.sqrt(q.shape[-1])")),
    ("11", "cache_step", "appends along axis 1",
     "axis|concatenation axis|rows", BUG, CACHE.replace("axis=0", "axis=1")),
    ("11", "cache_step", "prepends the new key and value", "order|end|append|prepend|first", BUG, """
def cache_step(q, k, v, k_cache, v_cache):
    k_cache, v_cache = np.concatenate([k, k_cache]), np.concatenate([v, v_cache])
    out, _ = scaled_dot_product_attention(q, k_cache, v_cache)
    return out, k_cache, v_cache
"""),
    ("11", "cache_step", "a causal mask's first row: only position 0",
     "mask|causal|all s + 1|last position|first",
     BUG, """
def cache_step(q, k, v, k_cache, v_cache):
    k_cache, v_cache = np.concatenate([k_cache, k]), np.concatenate([v_cache, v])
    mask = causal_mask(len(k_cache))[:1]
    out, _ = scaled_dot_product_attention(q, k_cache, v_cache, mask)
    return out, k_cache, v_cache
"""),
    ("11", "cache_step", "softmax over the query axis: every weight 1",
     "wrong axis|axis 0|sum to 1|column", BUG,
     slip(CACHE, "w = w / w.sum(axis=-1, keepdims=True)", "w = np.exp(scores - scores.max(axis=0)) / "
          "np.exp(scores - scores.max(axis=0)).sum(axis=0)")),
    ("11", "cache_step", "the key appended to the value cache",
     "value cache|v_cache|k instead|the values", BUG,
     slip(CACHE, "np.concatenate([v_cache, v], axis=0)", "np.concatenate([v_cache, k], axis=0)")),
    ("11", "cache_step", "np.vstack and the course's attention", "", OK, """
def cache_step(q, k, v, k_cache, v_cache):
    k_cache, v_cache = np.vstack([k_cache, k]), np.vstack([v_cache, v])
    out, _ = scaled_dot_product_attention(q, k_cache, v_cache)
    return out, k_cache, v_cache
"""),
    # ---------------------------------------------------------------- 12 · rope
    ("12", "rope", "pairs (2i, 2i + 1) instead of (i, i + D/2)",
     "pair|interleav|i + d/2|half|2i|layout|adjacent", BUG, """
def rope(x, positions, base):
    D = x.shape[-1]
    theta = base ** (-2 * np.arange(D // 2) / D)
    angles = np.asarray(positions)[:, None] * theta
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = x[..., 0::2], x[..., 1::2]
    out = np.empty_like(x)
    out[..., 0::2] = a * cos - b * sin
    out[..., 1::2] = b * cos + a * sin
    return out
"""),
    ("12", "rope", "theta = base^(-i/D): the factor 2 forgotten",
     "2i/d|θ|theta|frequenc|speed|exponent|angle", BUG,
     slip(ROPE, "-2 * np.arange(half) / D", "-np.arange(half) / D")),
    ("12", "rope", "rotates the other way",
     "sign|direction|clockwise|other way|wrong way|negative angle|inverse", BUG,
     slip(ROPE, "[a * cos - b * sin, b * cos + a * sin]", "[a * cos + b * sin, b * cos - a * sin]")),
    ("12", "rope", "theta = base^(+2i/D)", "θ|theta|frequenc|exponent|negative|speed|angle", BUG,
     slip(ROPE, "-2 * np.arange(half) / D", "2 * np.arange(half) / D")),
    ("12", "rope", "positions times theta without [:, None]", "broadcast|[:, none]", BUG,
     slip(ROPE, "np.asarray(positions)[:, None] * theta", "np.asarray(positions) * theta")),
    ("12", "rope", "ignores positions: rotates by 0, 1, 2, …",
     "positions you are given|ignor|0 … t|arange", BUG,
     slip(ROPE, "np.asarray(positions)[:, None]", "np.arange(x.shape[-2])[:, None]")),
    ("12", "rope", "pair i starts at 1 (theta_1 for pair 0)",
     "θ|theta|i = 0|pair 0|one radian|frequenc|start", BUG,
     slip(ROPE, "np.arange(half)", "np.arange(1, half + 1)")),
    ("12", "rope", "writes the rotation into x (the caller's x changes)",
     "in place|changed|modif|argument", BUG, """
def rope(x, positions, base):
    D = x.shape[-1]
    half = D // 2
    theta = base ** (-2 * np.arange(half) / D)
    angles = np.asarray(positions)[:, None] * theta
    cos, sin = np.cos(angles), np.sin(angles)
    a, b = x[..., :half].copy(), x[..., half:].copy()
    x[..., :half] = a * cos - b * sin
    x[..., half:] = b * cos + a * sin
    return x
"""),
    ("12", "rope", "the two halves returned in swapped order", "half|order|swap|first half", BUG,
     slip(ROPE, "[a * cos - b * sin, b * cos + a * sin]", "[b * cos + a * sin, a * cos - b * sin]")),
    ("12", "rope", "cos and sin swapped", "cos|sin|swap", BUG,
     slip(ROPE, "cos, sin = np.cos(angles), np.sin(angles)", "sin, cos = np.cos(angles), np.sin(angles)")),
    ("12", "rope", "complex numbers: (a + ib) · e^{iθt}", "", OK, """
def rope(x, positions, base):
    D = x.shape[-1]
    half = D // 2
    theta = 1.0 / base ** (np.arange(0, D, 2) / D)
    z = (x[..., :half] + 1j * x[..., half:]) * np.exp(1j * np.outer(positions, theta))
    return np.concatenate([z.real, z.imag], axis=-1)
"""),
    ("12", "rope", "rotate_half, as in Hugging Face's code", "", OK, """
def rope(x, positions, base):
    D = x.shape[-1]
    inv_freq = 1.0 / (base ** (np.arange(0, D, 2, dtype=np.float64) / D))
    freqs = np.outer(np.asarray(positions, dtype=np.float64), inv_freq)
    emb = np.concatenate([freqs, freqs], axis=-1)
    rotated = np.concatenate([-x[..., D // 2:], x[..., : D // 2]], axis=-1)
    return x * np.cos(emb) + rotated * np.sin(emb)
"""),
    # ---------------------------------------------------------------- 12 · repeat_kv
    ("12", "repeat_kv", "np.tile: 0, 1, 2, 0, 1, 2",
     "tile|next to itself|order|in a row|interleav|consecutive", BUG, """
def repeat_kv(kv, n_rep):
    return np.tile(kv, (n_rep, 1, 1))
"""),
    ("12", "repeat_kv", "np.repeat without an axis (flat)", "axis|flat|expected shape", BUG, """
def repeat_kv(kv, n_rep):
    return np.repeat(kv, n_rep)
"""),
    ("12", "repeat_kv", "repeats the tokens (axis 1)", "positions|axis=0|axis 1|tokens", BUG, """
def repeat_kv(kv, n_rep):
    return np.repeat(kv, n_rep, axis=1)
"""),
    ("12", "repeat_kv", "n_rep - 1 copies", "n_rep|copies|expected shape", BUG, """
def repeat_kv(kv, n_rep):
    return np.repeat(kv, n_rep - 1, axis=0)
"""),
    ("12", "repeat_kv", "stacks a new axis: (G, n_rep, T, D)", "expected shape|reshape|new axis", BUG, """
def repeat_kv(kv, n_rep):
    return np.stack([kv] * n_rep, axis=1)
"""),
    ("12", "repeat_kv", "repeats along D", "inside each vector|axis=0|last axis|along d", BUG, """
def repeat_kv(kv, n_rep):
    return kv.repeat(n_rep, axis=-1)
"""),
    ("12", "repeat_kv", "broadcast_to, then reshape", "", OK, """
def repeat_kv(kv, n_rep):
    G, T, D = kv.shape
    return np.broadcast_to(kv[:, None], (G, n_rep, T, D)).reshape(G * n_rep, T, D)
"""),
    ("12", "repeat_kv", "fancy indexing with a repeated arange", "", OK, """
def repeat_kv(kv, n_rep):
    return kv[np.arange(kv.shape[0]).repeat(n_rep)]
"""),
    # ---------------------------------------------------------------- 12 · sliding_window_mask
    ("12", "sliding_window_mask", "j >= i - W: one key too many",
     "w + 1|one too many|window|off by one|i - w < j",
     BUG, slip(WINDOW, "(j > i - window)", "(j >= i - window)")),
    ("12", "sliding_window_mask", "not causal: |i - j| < W",
     "looks ahead|causal|later|j ≤ i|j <= i|symmetric", BUG, """
def sliding_window_mask(T, window):
    i = np.arange(T)
    return np.abs(i[:, None] - i[None, :]) < window
"""),
    ("12", "sliding_window_mask", "W - 1 keys: one too few", "w - 1|w − 1|one too few|window|off by one", BUG,
     slip(WINDOW, "(j > i - window)", "(j > i - window + 1)")),
    ("12", "sliding_window_mask", "ints, not bools", "bool|dtype|int", BUG,
     slip(WINDOW, "return (j <= i) & (j > i - window)", "return ((j <= i) & (j > i - window)).astype(int)")),
    ("12", "sliding_window_mask", "True where forbidden", "invert|forbidden|opposite|negat", BUG,
     slip(WINDOW, "return (j <= i) & (j > i - window)", "return ~((j <= i) & (j > i - window))")),
    ("12", "sliding_window_mask", "the band above the diagonal", "upper|transpos|looks ahead|future", BUG,
     slip(WINDOW, "return (j <= i) & (j > i - window)", "return (i <= j) & (i > j - window)")),
    ("12", "sliding_window_mask", "the window forgotten: plain causal",
     "window|causal mask|whole past", BUG, """
def sliding_window_mask(T, window):
    return np.tril(np.ones((T, T), dtype=bool))
"""),
    ("12", "sliding_window_mask", "tril and triu with the window", "", OK, """
def sliding_window_mask(T, window):
    ones = np.ones((T, T), dtype=bool)
    return np.triu(np.tril(ones), -(window - 1))
"""),
    ("12", "sliding_window_mask", "the course's causal mask and a distance", "", OK, """
def sliding_window_mask(T, window):
    i = np.arange(T)
    return causal_mask(T) & (i[:, None] - i[None, :] < window)
"""),
]

# the right answers the slips above start from, as OK rows too
ATTEMPTS += [
    ("11", "online_max_and_sum", "the running max and rescaled sum", "", OK, ONLINE),
    ("11", "block_update", "the update as the lesson writes it", "", OK, BLOCK),
    ("11", "cache_step", "concatenate, softmax by hand", "", OK, CACHE),
    ("12", "rope", "halves a and b, as the lesson writes it", "", OK, ROPE),
    ("12", "sliding_window_mask", "two comparisons of aranges", "", OK, WINDOW),
]

# grown after the first landing
ATTEMPTS += [
    ("11", "block_update", "returns the old m", "m_new|old m|not updated|new max", BUG,
     slip(BLOCK, "return m_new, denom", "return m, denom")),
    ("11", "cache_step", "returns the output squeezed to (d_head,)", "expected shape|(1, d|squeeze", BUG,
     slip(CACHE, "return w @ v_cache, k_cache, v_cache", "return (w @ v_cache)[0], k_cache, v_cache")),
    ("12", "repeat_kv", "np.repeat along axis -3 (the heads axis counted from the end)", "", OK, """
def repeat_kv(kv, n_rep):
    return np.repeat(kv, repeats=n_rep, axis=-3)
"""),
    ("12", "rope", "positions given as a Python list work too",
     "", OK, slip(ROPE, "np.asarray(positions)[:, None]",
     "np.array(list(positions), dtype=float)[:, None]")),
]
