# ruff: noqa: E501 — a row holds one learner attempt and the words that name its slip, kept on its line
"""Lessons 11–12: a third fresh set of learner answers (run by tests/fresh_mistakes_3.py).

Written from the notebooks' exercise texts and stubs alone (see fresh_mistakes_3_numpy.py).
"""

from fresh_mistakes_3_numpy import bug, ok

ATTEMPTS = [
    # ---------------------------------------------------------------- 11 online_max_and_sum
    bug("11", "online_max_and_sum", "the running min", "minimum|smallest|min(", """
        def online_max_and_sum(blocks):
            m, s = np.inf, 0.0
            for block in blocks:
                m_new = min(m, np.min(block))
                s = s * np.exp(m - m_new) + np.sum(np.exp(block - m_new))
                m = m_new
            return m, s
        """),
    bug("11", "online_max_and_sum", "m never updated", "update|never updated|m_new", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                m_new = max(m, np.max(block))
                s = s * np.exp(m - m_new) + np.sum(np.exp(block - m_new))
            return m, s
        """),
    bug("11", "online_max_and_sum", "the block summed against the old max", "m_new|old max|new max|rescal", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                m_new = max(m, np.max(block))
                s = s * np.exp(m - m_new) + np.sum(np.exp(block - max(m, block[0])))
                m = m_new
            return m, s
        """),
    bug("11", "online_max_and_sum", "each block's own max, never combined", "rescal|running|block|running max|combine", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                m = np.max(block)
                s = s + np.sum(np.exp(block - m))
            return m, s
        """),
    ok("11", "online_max_and_sum", "math.exp and floats", """
        def online_max_and_sum(blocks):
            m, s = -math.inf, 0.0
            for block in blocks:
                new_m = max(m, float(block.max()))
                s = s * math.exp(m - new_m) + float(np.exp(block - new_m).sum())
                m = new_m
            return m, s
        """),
    bug("11", "online_max_and_sum", "element by element: a leading -inf gives exp(-inf + inf) = NaN", "-inf|mask", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                for x in block:
                    if x > m:
                        s = s * np.exp(m - x)
                        m = x
                    s += np.exp(x - m)
            return m, s
        """),
    # ---------------------------------------------------------------- 11 block_update
    bug("11", "block_update", "the tile's max without keepdims", "keepdims|shape|broadcast|(bq, 1)", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1))
            rescale = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m_new, denom * rescale + p.sum(axis=1, keepdims=True), numer * rescale + p @ v_block
        """),
    bug("11", "block_update", "numer not rescaled", "rescal", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            rescale = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m_new, denom * rescale + p.sum(axis=1, keepdims=True), numer + p @ v_block
        """),
    bug("11", "block_update", "denom not rescaled", "rescal", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            rescale = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m_new, denom + p.sum(axis=1, keepdims=True), numer * rescale + p @ v_block
        """),
    bug("11", "block_update", "rescale = e^(m_new - m)", "rescal|inverse|sign", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            rescale = np.exp(m_new - m)
            p = np.exp(scores - m_new)
            return m_new, denom * rescale + p.sum(axis=1, keepdims=True), numer * rescale + p @ v_block
        """),
    bug("11", "block_update", "returns the old m", "m_new", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            rescale = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m, denom * rescale + p.sum(axis=1, keepdims=True), numer * rescale + p @ v_block
        """),
    bug("11", "block_update", "returns numer / denom as numer", "divid|normal|output", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            rescale = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            denom = denom * rescale + p.sum(axis=1, keepdims=True)
            return m_new, denom, (numer * rescale + p @ v_block) / denom
        """),
    bug("11", "block_update", "p made with the old m", "m_new|old m|old max", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            rescale = np.exp(m - m_new)
            p = np.exp(scores - m)
            return m_new, denom * rescale + p.sum(axis=1, keepdims=True), numer * rescale + p @ v_block
        """),
    bug("11", "block_update", "the row sums over axis 0", "axis|column|keepdims", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            rescale = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m_new, denom * rescale + p.sum(axis=0, keepdims=True).T[: len(m)], numer * rescale + p @ v_block
        """),
    bug("11", "block_update", "updates numer and denom in place", "in place|changed|argument|modif", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            rescale = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            denom *= rescale
            denom += p.sum(axis=1, keepdims=True)
            numer *= rescale
            numer += p @ v_block
            return m_new, denom, numer
        """),
    ok("11", "block_update", "named steps with np.max", """
        def block_update(m, denom, numer, scores, v_block):
            tile_max = np.max(scores, axis=-1, keepdims=True)
            m_new = np.maximum(m, tile_max)
            rescale = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            denom_new = denom * rescale + np.sum(p, axis=-1, keepdims=True)
            numer_new = numer * rescale + p @ v_block
            return m_new, denom_new, numer_new
        """),
    ok("11", "block_update", "np.fmax and einsum", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.fmax(m, scores.max(1)[:, None])
            p = np.exp(scores - m_new)
            r = np.exp(m - m_new)
            return m_new, r * denom + p.sum(1)[:, None], r * numer + np.einsum("qk,kd->qd", p, v_block)
        """),
    # ---------------------------------------------------------------- 11 kv_cache_bytes
    bug("11", "kv_cache_bytes", "n_tokens² (thinks of the pattern)", "square|t²|quadratic|n_tokens", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            return 2 * config.n_layers * config.n_heads * config.d_head * n_tokens ** 2 * bytes_per_number
        """),
    bug("11", "kv_cache_bytes", "in MiB", "mib|bytes|unit|2**20|1024", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            return 2 * config.n_layers * config.n_heads * config.d_head * n_tokens * bytes_per_number / 2**20
        """),
    bug("11", "kv_cache_bytes", "both d_model and d_head", "d_model|d_head|head", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            return 2 * config.n_layers * config.n_heads * config.d_head * config.d_model * n_tokens * bytes_per_number
        """),
    ok("11", "kv_cache_bytes", "per token, then times tokens", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            per_token = 2 * config.n_layers * config.n_heads * config.d_head  # a key and a value per head per layer
            return per_token * n_tokens * bytes_per_number
        """),
    ok("11", "kv_cache_bytes", "keys + values", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            keys = config.n_layers * n_tokens * config.n_heads * config.d_head * bytes_per_number
            return int(keys + keys)
        """),
    # ---------------------------------------------------------------- 11 cache_step
    bug("11", "cache_step", "no scaling", "scale|√|sqrt", """
        def cache_step(q, k, v, k_cache, v_cache):
            K = np.concatenate([k_cache, k])
            V = np.concatenate([v_cache, v])
            s = q @ K.T
            w = np.exp(s - s.max(axis=-1, keepdims=True))
            return (w / w.sum(axis=-1, keepdims=True)) @ V, K, V
        """),
    bug("11", "cache_step", "the value cache not extended", "v_cache|append|shape", """
        def cache_step(q, k, v, k_cache, v_cache):
            K = np.concatenate([k_cache, k])
            s = q @ K.T / np.sqrt(q.shape[-1])
            w = np.exp(s - s.max(axis=-1, keepdims=True))
            w = w / w.sum(axis=-1, keepdims=True)
            return w[:, :-1] @ v_cache, K, v_cache
        """),
    bug("11", "cache_step", "prepends the new key and value", "order|append|prepend|first|last|the end|at the end", """
        def cache_step(q, k, v, k_cache, v_cache):
            K = np.concatenate([k, k_cache])
            V = np.concatenate([v, v_cache])
            out, _ = scaled_dot_product_attention(q, K, V)
            return out, K, V
        """),
    bug("11", "cache_step", "attends the old cache only, appends after", "new|s + 1|itself|own|all s + 1", """
        def cache_step(q, k, v, k_cache, v_cache):
            out, _ = scaled_dot_product_attention(q, k_cache, v_cache)
            return out, np.concatenate([k_cache, k]), np.concatenate([v_cache, v])
        """),
    bug("11", "cache_step", "softmax over axis 0 (the one query)", "axis|column", """
        def cache_step(q, k, v, k_cache, v_cache):
            K = np.vstack([k_cache, k])
            V = np.vstack([v_cache, v])
            s = q @ K.T / np.sqrt(q.shape[-1])
            w = np.exp(s - s.max(axis=0, keepdims=True))
            return (w / w.sum(axis=0, keepdims=True)) @ V, K, V
        """),
    bug("11", "cache_step", "output squeezed to (d_head,)", "shape|(1, d|squeez", """
        def cache_step(q, k, v, k_cache, v_cache):
            K = np.vstack([k_cache, k])
            V = np.vstack([v_cache, v])
            out, _ = scaled_dot_product_attention(q, K, V)
            return out[0], K, V
        """),
    bug("11", "cache_step", "scaled by √(S + 1)", "√|d_head|sqrt|scale", """
        def cache_step(q, k, v, k_cache, v_cache):
            K = np.vstack([k_cache, k])
            V = np.vstack([v_cache, v])
            s = q @ K.T / np.sqrt(len(K))
            w = np.exp(s - s.max(axis=-1, keepdims=True))
            return (w / w.sum(axis=-1, keepdims=True)) @ V, K, V
        """),
    bug("11", "cache_step", "keys used as values", "keys|values|v_cache", """
        def cache_step(q, k, v, k_cache, v_cache):
            K = np.vstack([k_cache, k])
            V = np.vstack([v_cache, v])
            out, _ = scaled_dot_product_attention(q, K, K)
            return out, K, V
        """),
    ok("11", "cache_step", "the course's attention on the grown caches", """
        def cache_step(q, k, v, k_cache, v_cache):
            k_cache = np.concatenate([k_cache, k], axis=0)
            v_cache = np.concatenate([v_cache, v], axis=0)
            output, _ = scaled_dot_product_attention(q, k_cache, v_cache)
            return output, k_cache, v_cache
        """),
    ok("11", "cache_step", "by hand, math.sqrt", """
        def cache_step(q, k, v, k_cache, v_cache):
            K, V = np.vstack((k_cache, k)), np.vstack((v_cache, v))
            s = (q @ K.T) / math.sqrt(K.shape[1])
            s -= s.max()
            w = np.exp(s)
            return (w / w.sum()) @ V, K, V
        """),
    # ---------------------------------------------------------------- 12 rope
    bug("12", "rope", "θ = base^(-i/D): the 2 forgotten", "frequenc|θ|theta|pair|angle", """
        def rope(x, positions, base):
            D = x.shape[-1]
            half = D // 2
            theta = base ** (-np.arange(half) / D)
            ang = positions[:, None] * theta[None, :]
            a, b = x[..., :half], x[..., half:]
            return np.concatenate([a * np.cos(ang) - b * np.sin(ang), b * np.cos(ang) + a * np.sin(ang)], axis=-1)
        """),
    bug("12", "rope", "pairs (2i, 2i+1): the GGUF layout", "pair|interleav|layout|half|2i", """
        def rope(x, positions, base):
            D = x.shape[-1]
            theta = base ** (-2 * np.arange(D // 2) / D)
            ang = positions[:, None] * theta[None, :]
            a, b = x[..., 0::2], x[..., 1::2]
            out = np.empty_like(x)
            out[..., 0::2] = a * np.cos(ang) - b * np.sin(ang)
            out[..., 1::2] = b * np.cos(ang) + a * np.sin(ang)
            return out
        """),
    bug("12", "rope", "rotates the other way", "sign|direction|wrong way|negative|clockwise", """
        def rope(x, positions, base):
            D = x.shape[-1]
            theta = base ** (-2 * np.arange(D // 2) / D)
            ang = positions[:, None] * theta[None, :]
            a, b = x[..., : D // 2], x[..., D // 2:]
            return np.concatenate([a * np.cos(ang) + b * np.sin(ang), b * np.cos(ang) - a * np.sin(ang)], axis=-1)
        """),
    bug("12", "rope", "θ = base^(+2i/D)", "frequenc|exponent|theta|θ", """
        def rope(x, positions, base):
            D = x.shape[-1]
            theta = base ** (2 * np.arange(D // 2) / D)
            ang = positions[:, None] * theta[None, :]
            a, b = x[..., : D // 2], x[..., D // 2:]
            return np.concatenate([a * np.cos(ang) - b * np.sin(ang), b * np.cos(ang) + a * np.sin(ang)], axis=-1)
        """),
    bug("12", "rope", "positions ignored: 0 … T-1", "position", """
        def rope(x, positions, base):
            T, D = x.shape[-2:]
            theta = base ** (-2 * np.arange(D // 2) / D)
            ang = np.arange(T)[:, None] * theta[None, :]
            a, b = x[..., : D // 2], x[..., D // 2:]
            return np.concatenate([a * np.cos(ang) - b * np.sin(ang), b * np.cos(ang) + a * np.sin(ang)], axis=-1)
        """),
    bug("12", "rope", "writes into x in place", "in place|changed|argument|modif", """
        def rope(x, positions, base):
            D = x.shape[-1]
            h = D // 2
            theta = base ** (-2 * np.arange(h) / D)
            ang = positions[:, None] * theta[None, :]
            a, b = x[..., :h].copy(), x[..., h:].copy()
            x[..., :h] = a * np.cos(ang) - b * np.sin(ang)
            x[..., h:] = b * np.cos(ang) + a * np.sin(ang)
            return x
        """),
    bug("12", "rope", "angles without the position (θ only)", "position|angle", """
        def rope(x, positions, base):
            D = x.shape[-1]
            theta = base ** (-2 * np.arange(D // 2) / D)
            a, b = x[..., : D // 2], x[..., D // 2:]
            return np.concatenate([a * np.cos(theta) - b * np.sin(theta), b * np.cos(theta) + a * np.sin(theta)], axis=-1)
        """),
    bug("12", "rope", "halves swapped in the output", "half|order|swap|pair", """
        def rope(x, positions, base):
            D = x.shape[-1]
            theta = base ** (-2 * np.arange(D // 2) / D)
            ang = positions[:, None] * theta[None, :]
            a, b = x[..., : D // 2], x[..., D // 2:]
            return np.concatenate([b * np.cos(ang) + a * np.sin(ang), a * np.cos(ang) - b * np.sin(ang)], axis=-1)
        """),
    ok("12", "rope", "complex numbers", """
        def rope(x, positions, base):
            D = x.shape[-1]
            theta = base ** (-np.arange(0, D, 2) / D)
            z = x[..., : D // 2] + 1j * x[..., D // 2:]
            z = z * np.exp(1j * np.outer(positions, theta))
            return np.concatenate([z.real, z.imag], axis=-1)
        """),
    ok("12", "rope", "Hugging Face's rotate_half", """
        def rope(x, positions, base):
            D = x.shape[-1]
            inv_freq = 1.0 / (base ** (np.arange(0, D, 2, dtype=np.float64) / D))
            freqs = np.outer(positions, inv_freq)
            emb = np.concatenate([freqs, freqs], axis=-1)
            rotated = np.concatenate([-x[..., D // 2:], x[..., : D // 2]], axis=-1)
            return x * np.cos(emb) + rotated * np.sin(emb)
        """),
    # ---------------------------------------------------------------- 12 repeat_kv
    bug("12", "repeat_kv", "repeats along D", "axis|shape", """
        def repeat_kv(kv, n_rep):
            return np.repeat(kv, n_rep, axis=-1)
        """),
    bug("12", "repeat_kv", "concatenate [kv] * n_rep", "order|consecutive|next to itself|group|in a row", """
        def repeat_kv(kv, n_rep):
            return np.concatenate([kv] * n_rep, axis=0)
        """),
    bug("12", "repeat_kv", "ndarray.repeat without an axis: flat", "shape|flat|axis", """
        def repeat_kv(kv, n_rep):
            return kv.repeat(n_rep)
        """),
    bug("12", "repeat_kv", "broadcast on a new first axis, then reshaped", "order|consecutive|next to itself|group|in a row", """
        def repeat_kv(kv, n_rep):
            G, T, D = kv.shape
            return np.broadcast_to(kv[None], (n_rep, G, T, D)).reshape(G * n_rep, T, D)
        """),
    ok("12", "repeat_kv", "np.repeat on axis 0", """
        def repeat_kv(kv, n_rep):
            return np.repeat(kv, n_rep, axis=0)
        """),
    ok("12", "repeat_kv", "a list of copies", """
        def repeat_kv(kv, n_rep):
            return np.stack([kv[g] for g in range(kv.shape[0]) for _ in range(n_rep)])
        """),
    # ---------------------------------------------------------------- 12 sliding_window_mask
    bug("12", "sliding_window_mask", "|i - j| < W: the future too", "future|causal|later|upper", """
        def sliding_window_mask(T, window):
            i = np.arange(T)[:, None]
            j = np.arange(T)[None, :]
            return np.abs(i - j) < window
        """),
    bug("12", "sliding_window_mask", "the W keys before, itself left out", "diagonal|itself", """
        def sliding_window_mask(T, window):
            i = np.arange(T)[:, None]
            j = np.arange(T)[None, :]
            return (j < i) & (j >= i - window)
        """),
    bug("12", "sliding_window_mask", "np.tril(…, -window) kept instead of removed", "band|inver|opposite|far", """
        def sliding_window_mask(T, window):
            return np.tril(np.ones((T, T), dtype=bool), -window)
        """),
    bug("12", "sliding_window_mask", "transposed: j ≥ i", "future|upper|transpose|later", """
        def sliding_window_mask(T, window):
            i = np.arange(T)[:, None]
            j = np.arange(T)[None, :]
            return (j >= i) & (j < i + window)
        """),
    bug("12", "sliding_window_mask", "triu(tril, -window): W + 1 keys", "window|one more|w + 1|extra", """
        def sliding_window_mask(T, window):
            return np.triu(np.tril(np.ones((T, T), dtype=bool)), -window)
        """),
    ok("12", "sliding_window_mask", "tril minus a lower tril", """
        def sliding_window_mask(T, window):
            ones = np.ones((T, T), dtype=bool)
            return np.tril(ones) & ~np.tril(ones, -window)
        """),
    ok("12", "sliding_window_mask", "distance in [0, W)", """
        def sliding_window_mask(T, window):
            d = np.arange(T)[:, None] - np.arange(T)[None, :]
            return (d >= 0) & (d < window)
        """),
]

# A second batch after dropping the word-for-word duplicates of the second set.
ATTEMPTS += [
    bug("11", "online_max_and_sum", "exp of the block's sum", "sum of exp|exp of the sum|np.exp", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                m_new = max(m, np.max(block))
                s = s * np.exp(m - m_new) + np.exp(np.sum(block) - m_new)
                m = m_new
            return m, s
        """),
    bug("11", "online_max_and_sum", "adds the block against the old max, then rescales", "m_new|rescal|order|old max", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                m_new = max(m, np.max(block))
                s = (s + np.sum(np.exp(block - m))) * np.exp(m - m_new)
                m = m_new
            return m, s
        """),
    bug("11", "kv_cache_bytes", "keys sized by n_heads · d_head, values by d_model", "d_model|d_head|values", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            per_layer = config.n_heads * config.d_head + config.d_model  # a key per head, one value per token
            return config.n_layers * per_layer * n_tokens * bytes_per_number
        """),
    bug("11", "kv_cache_bytes", "divides by 8 (bits to bytes, twice)", "bits|bytes", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            return 2 * config.n_layers * config.n_heads * config.d_head * n_tokens * bytes_per_number // 8
        """),
    bug("11", "kv_cache_bytes", "2 bytes a number, whatever bytes_per_number", "bytes_per_number|bytes|dtype", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            return 2 * config.n_layers * config.n_heads * config.d_head * n_tokens * 2
        """),
    bug("12", "repeat_kv", "np.repeat without an axis, reshaped", "order|element|interleav|consecutive|flat", """
        def repeat_kv(kv, n_rep):
            G, T, D = kv.shape
            return np.repeat(kv, n_rep).reshape(G * n_rep, T, D)
        """),
    bug("12", "repeat_kv", "index h % G: the groups interleaved", "order|consecutive|group|in a row|next to itself", """
        def repeat_kv(kv, n_rep):
            G = kv.shape[0]
            return kv[np.arange(G * n_rep) % G]
        """),
    bug("12", "repeat_kv", "index h // G, not h // n_rep", "order|group|consecutive|in a row|next to itself", """
        def repeat_kv(kv, n_rep):
            G = kv.shape[0]
            return kv[np.arange(G * n_rep) // G]
        """),
    bug("12", "sliding_window_mask", "i - j < W - 1: one key too few", "window|one fewer|w - 1|too few", """
        def sliding_window_mask(T, window):
            i = np.arange(T)[:, None]
            j = np.arange(T)[None, :]
            return (j <= i) & (i - j < window - 1)
        """),
]
