# ruff: noqa: E501 — a row holds one learner attempt and the words that name its slip, kept on its line
"""Lessons 11–12: a fourth fresh set of learner answers (run by tests/fresh_mistakes_4.py).

Written from the notebooks' exercise texts and stubs alone (see fresh_mistakes_4_numpy.py).
"""

from fresh_mistakes_4_numpy import bug, ok

ATTEMPTS = [
    # ---------------------------------------------------------------- 11 online_max_and_sum
    bug("11", "online_max_and_sum", "rescales by exp(m' - m): the inverse", "invert|inverse|sign|exp(m - m')|revers|rescal", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                m_new = max(m, float(np.max(block)))
                s = s * np.exp(m_new - m if np.isfinite(m) else 0.0) + np.sum(np.exp(block - m_new))
                m = m_new
            return m, s
        """),
    bug("11", "online_max_and_sum", "rescales after adding the new block", "rescal|order|before adding|new block|old sum|twice", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                m_new = max(m, np.max(block))
                s = s + np.sum(np.exp(block - m_new))
                s = s * np.exp(m - m_new)
                m = m_new
            return m, s
        """),
    bug("11", "online_max_and_sum", "m starts at 0", "start|-inf|m = 0|initial|negative", """
        def online_max_and_sum(blocks):
            m, s = 0.0, 0.0
            for block in blocks:
                m_new = max(m, np.max(block))
                s = s * np.exp(m - m_new) + np.sum(np.exp(block - m_new))
                m = m_new
            return m, s
        """),
    bug("11", "online_max_and_sum", "returns m + log s", "log|logsumexp|tuple|pair", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                m_new = max(m, np.max(block))
                s = s * np.exp(m - m_new) + np.sum(np.exp(block - m_new))
                m = m_new
            return m + np.log(s)
        """),
    bug("11", "online_max_and_sum", "each block's own max, not the running one", "running|decrease|smaller|larger of|previous max|overall max", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                block_max = block.max()
                s = s * np.exp(m - block_max) + np.exp(block - block_max).sum()
                m = block_max
            return m, s
        """),
    bug("11", "online_max_and_sum", "exp without subtracting: overflows", "overflow|subtract|exp(1000)|too large", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                m = max(m, np.max(block))
                s += np.sum(np.exp(block))
            return m, s * np.exp(-m)
        """),
    ok("11", "online_max_and_sum", "s starts at 1: the first rescale exp(-inf) = 0 wipes it", """
        def online_max_and_sum(blocks):
            m = -np.inf
            s = 1.0
            for block in blocks:
                new_m = np.maximum(m, block.max())
                s = s * np.exp(m - new_m) + np.exp(block - new_m).sum()
                m = new_m
            return m, s
        """),
    bug("11", "online_max_and_sum", "(s, m)", "order|swap|(m, s)|the other way", """
        def online_max_and_sum(blocks):
            m = -np.inf
            s = 0.0
            for block in blocks:
                new_m = np.maximum(m, block.max())
                s = s * np.exp(m - new_m) + np.exp(block - new_m).sum()
                m = new_m
            return (s, m)
        """),
    bug("11", "online_max_and_sum", "shifts each block in place", "in place|changed|modif|copy", """
        def online_max_and_sum(blocks):
            m, s = -np.inf, 0.0
            for block in blocks:
                m_new = max(m, np.max(block))
                block -= m_new
                s = s * np.exp(m - m_new) + np.sum(np.exp(block))
                m = m_new
            return m, s
        """),
    bug("11", "online_max_and_sum", "returns inside the loop: the first block", "first block|return|one block|every block|loop", """
        def online_max_and_sum(blocks):
            m = -np.inf
            s = 0.0
            for block in blocks:
                new_m = np.maximum(m, block.max())
                s = s * np.exp(m - new_m) + np.exp(block - new_m).sum()
                m = new_m
                return (m, s)
        """),
    ok("11", "online_max_and_sum", "a running log-sum-exp with np.logaddexp", """
        def online_max_and_sum(blocks):
            m, lse = -np.inf, -np.inf
            for block in blocks:
                b_max = np.max(block)
                lse = np.logaddexp(lse, b_max + np.log(np.sum(np.exp(block - b_max))))
                m = max(m, b_max)
            return m, float(np.exp(lse - m))
        """),
    ok("11", "online_max_and_sum", "math.exp and floats", """
        def online_max_and_sum(blocks):
            m, s = -math.inf, 0.0
            for block in blocks:
                top = float(np.max(block))
                if top > m:
                    s = s * (math.exp(m - top) if m > -math.inf else 0.0)
                    m = top
                s += float(np.exp(np.asarray(block) - m).sum())
            return m, s
        """),
    ok("11", "online_max_and_sum", "the first block taken whole, then the rest", """
        def online_max_and_sum(blocks):
            blocks = list(blocks)
            m = np.max(blocks[0])
            s = np.sum(np.exp(blocks[0] - m))
            for block in blocks[1:]:
                m_new = np.maximum(m, block.max())
                s = s * np.exp(m - m_new) + np.exp(block - m_new).sum()
                m = m_new
            return m, s
        """),
    # ---------------------------------------------------------------- 11 block_update
    bug("11", "block_update", "one max for the whole tile", "each row|whole tile|per query|axis|per row", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max())
            r = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m_new, denom * r + p.sum(axis=-1, keepdims=True), numer * r + p @ v_block
        """),
    bug("11", "block_update", "numer never rescaled", "numer|rescal", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            r = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m_new, denom * r + p.sum(axis=1, keepdims=True), numer + p @ v_block
        """),
    bug("11", "block_update", "denom never rescaled", "denom|rescal", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            r = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m_new, denom + p.sum(axis=1, keepdims=True), numer * r + p @ v_block
        """),
    bug("11", "block_update", "p summed down the columns", "axis|row sums|column", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            r = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m_new, denom * r + p.sum(axis=0)[: len(m), None], numer * r + p @ v_block
        """),
    bug("11", "block_update", "returns the old m", "m_new|update|old m|new max", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            r = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m, denom * r + p.sum(axis=1, keepdims=True), numer * r + p @ v_block
        """),
    bug("11", "block_update", "p against the old max", "m_new|old max|new max|old m", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            r = np.exp(m - m_new)
            p = np.exp(scores - np.where(np.isfinite(m), m, m_new))
            return m_new, denom * r + p.sum(axis=1, keepdims=True), numer * r + p @ v_block
        """),
    bug("11", "block_update", "returns the output numer / denom as the third", "divid|output|normalis|numer / denom|already divided", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            r = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            denom = denom * r + p.sum(axis=1, keepdims=True)
            numer = numer * r + p @ v_block
            return m_new, denom, numer / denom
        """),
    bug("11", "block_update", "numer *= r in place", "in place|changed|modif|copy", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            r = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            numer *= r
            numer += p @ v_block
            return m_new, denom * r + p.sum(axis=1, keepdims=True), numer
        """),
    bug("11", "block_update", "row sums without keepdims", "keepdims|shape|broadcast|(bq, 1)", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            r = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m_new, denom * r + p.sum(axis=1), numer * r + p @ v_block
        """),
    bug("11", "block_update", "(m, numer, denom)", "order|swap|the other way", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.maximum(m, scores.max(axis=1, keepdims=True))
            r = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m_new, numer * r + p @ v_block, denom * r + p.sum(axis=1, keepdims=True)
        """),
    ok("11", "block_update", "np.fmax and einsum", """
        def block_update(m, denom, numer, scores, v_block):
            m_new = np.fmax(m, np.max(scores, axis=-1, keepdims=True))
            rescale = np.exp(m - m_new)
            p = np.exp(scores - m_new)
            return m_new, rescale * denom + p.sum(-1, keepdims=True), rescale * numer + np.einsum("qk,kd->qd", p, v_block)
        """),
    ok("11", "block_update", "new arrays named apart, a tuple at the end", """
        def block_update(m, denom, numer, scores, v_block):
            row_max = scores.max(axis=1).reshape(-1, 1)
            m2 = np.where(row_max > m, row_max, m)
            scale = np.exp(m - m2)
            weights = np.exp(scores - m2)
            denom2 = denom * scale + weights.sum(axis=1).reshape(-1, 1)
            numer2 = numer * scale + weights @ v_block
            return (m2, denom2, numer2)
        """),
    # ---------------------------------------------------------------- 11 kv_cache_bytes
    bug("11", "kv_cache_bytes", "keys only", "value|both|2 ×|twice|keys and values", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            per_token = config.n_layers * config.n_heads * config.d_head  # the keys
            return per_token * n_tokens * bytes_per_number
        """),
    bug("11", "kv_cache_bytes", "one layer", "layer", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            per_token = 2 * config.n_heads * config.d_head
            return per_token * n_tokens * bytes_per_number
        """),
    bug("11", "kv_cache_bytes", "d_model numbers per head", "d_head|d_model|per head", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            return 2 * config.n_layers * config.n_heads * config.d_model * n_tokens * bytes_per_number
        """),
    bug("11", "kv_cache_bytes", "the query stored too", "query|3 ×|three|queries", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            per_token = 3 * config.n_layers * config.n_heads * config.d_head  # query, key, value
            return per_token * n_tokens * bytes_per_number
        """),
    bug("11", "kv_cache_bytes", "bits", "bits|× 8|8 ×|eight", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            per_token = 2 * config.n_layers * config.n_heads * config.d_head
            return per_token * n_tokens * bytes_per_number * 8  # in bits
        """),
    bug("11", "kv_cache_bytes", "numbers, not bytes", "bytes|numbers|bytes_per_number", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            return 2 * config.n_layers * config.n_heads * config.d_head * n_tokens
        """),
    bug("11", "kv_cache_bytes", "n_tokens squared, like a pattern", "square|pattern|linear|n_tokens²|quadratic", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            per_pair = 2 * config.n_layers * config.n_heads * config.d_head
            return per_pair * n_tokens * n_tokens * bytes_per_number
        """),
    bug("11", "kv_cache_bytes", "one head", "n_heads|every head|all heads|per head", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            per_token = 2 * config.n_layers * config.d_head
            return per_token * n_tokens * bytes_per_number
        """),
    bug("11", "kv_cache_bytes", "d_model per layer: assumes n_heads · d_head = d_model", "d_head|n_heads|d_model|width|assum", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            per_token = 2 * config.n_layers * config.d_model
            return per_token * n_tokens * bytes_per_number
        """),
    ok("11", "kv_cache_bytes", "math.prod", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            return math.prod([2, config.n_layers, config.n_heads, config.d_head, n_tokens, bytes_per_number])
        """),
    ok("11", "kv_cache_bytes", "per token first, then times the tokens", """
        def kv_cache_bytes(config, n_tokens, bytes_per_number):
            per_token = 2 * config.n_layers * config.n_heads * config.d_head  # a key and a value per head per layer
            return per_token * bytes_per_number * n_tokens
        """),
    # ---------------------------------------------------------------- 11 cache_step
    bug("11", "cache_step", "attends the old cache only", "new position|itself|s + 1|append|before|own key", """
        def cache_step(q, k, v, k_cache, v_cache):
            s = q @ k_cache.T / np.sqrt(q.shape[-1])
            w = np.exp(s - s.max(axis=-1, keepdims=True))
            out = (w / w.sum(axis=-1, keepdims=True)) @ v_cache
            return out, np.concatenate([k_cache, k]), np.concatenate([v_cache, v])
        """),
    bug("11", "cache_step", "the new key and value put first", "front|order|prepend|at the end|start", """
        def cache_step(q, k, v, k_cache, v_cache):
            K, V = np.concatenate([k, k_cache]), np.concatenate([v, v_cache])
            s = q @ K.T / np.sqrt(q.shape[-1])
            w = np.exp(s - s.max(axis=-1, keepdims=True))
            return (w / w.sum(axis=-1, keepdims=True)) @ V, K, V
        """),
    bug("11", "cache_step", "unscaled", "scale|√|sqrt", """
        def cache_step(q, k, v, k_cache, v_cache):
            K, V = np.vstack([k_cache, k]), np.vstack([v_cache, v])
            s = q @ K.T
            w = np.exp(s - s.max(axis=-1, keepdims=True))
            return (w / w.sum(axis=-1, keepdims=True)) @ V, K, V
        """),
    bug("11", "cache_step", "masked with the causal mask's first row", "mask|causal|first row|position 0", """
        def cache_step(q, k, v, k_cache, v_cache):
            K, V = np.vstack([k_cache, k]), np.vstack([v_cache, v])
            out, _ = scaled_dot_product_attention(q, K, V, causal_mask(len(K))[:1])
            return out, K, V
        """),
    bug("11", "cache_step", "returns the old caches", "updated|not appended|old cache|s + 1|unchanged", """
        def cache_step(q, k, v, k_cache, v_cache):
            K, V = np.vstack([k_cache, k]), np.vstack([v_cache, v])
            out, _ = scaled_dot_product_attention(q, K, V)
            return out, k_cache, v_cache
        """),
    bug("11", "cache_step", "the new key appended to the value cache", "v_cache|swap|value cache", """
        def cache_step(q, k, v, k_cache, v_cache):
            K, V = np.vstack([k_cache, k]), np.vstack([v_cache, k])
            out, _ = scaled_dot_product_attention(q, K, V)
            return out, K, V
        """),
    bug("11", "cache_step", "softmax over axis 0 of a (1, S+1) row", "axis|column|sum to 1", """
        def cache_step(q, k, v, k_cache, v_cache):
            K, V = np.vstack([k_cache, k]), np.vstack([v_cache, v])
            s = q @ K.T / np.sqrt(q.shape[-1])
            w = np.exp(s - s.max(axis=0, keepdims=True))
            return (w / w.sum(axis=0, keepdims=True)) @ V, K, V
        """),
    bug("11", "cache_step", "np.append without an axis: flattened caches", "flatten|shape|axis|np.append|1-d", """
        def cache_step(q, k, v, k_cache, v_cache):
            K, V = np.append(k_cache, k), np.append(v_cache, v)
            d = q.shape[-1]
            s = q @ K.reshape(-1, d).T / np.sqrt(d)
            w = np.exp(s - s.max())
            return (w / w.sum()) @ V.reshape(-1, d), K, V
        """),
    bug("11", "cache_step", "scaled by √(S + 1)", "d_head|positions|s + 1", """
        def cache_step(q, k, v, k_cache, v_cache):
            K, V = np.vstack([k_cache, k]), np.vstack([v_cache, v])
            s = q @ K.T / np.sqrt(len(K))
            w = np.exp(s - s.max(axis=-1, keepdims=True))
            return (w / w.sum(axis=-1, keepdims=True)) @ V, K, V
        """),
    ok("11", "cache_step", "the course's attention on the grown caches", """
        def cache_step(q, k, v, k_cache, v_cache):
            k_all = np.concatenate([k_cache, k], axis=0)
            v_all = np.concatenate([v_cache, v], axis=0)
            output, _weights = scaled_dot_product_attention(q, k_all, v_all)
            return output, k_all, v_all
        """),
    ok("11", "cache_step", "np.r_ and a written-out softmax", """
        def cache_step(q, k, v, k_cache, v_cache):
            K = np.r_[k_cache, k]
            V = np.r_[v_cache, v]
            scores = (q @ K.T) * (1 / math.sqrt(K.shape[1]))
            weights = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
            weights /= weights.sum(axis=-1, keepdims=True)
            return weights @ V, K, V
        """),
    ok("11", "cache_step", "the last row of the causal mask, which allows everything", """
        def cache_step(q, k, v, k_cache, v_cache):
            K, V = np.vstack([k_cache, k]), np.vstack([v_cache, v])
            out, _ = scaled_dot_product_attention(q, K, V, causal_mask(len(K))[-1:])
            return out, K, V
        """),
    # ---------------------------------------------------------------- 12 rope
    bug("12", "rope", "θ = base^(-i/D): the 2 left out", "2i|θ|theta|frequenc|speed|exponent|angle", """
        def rope(x, positions, base):
            D = x.shape[-1]
            half = D // 2
            theta = base ** (-np.arange(half) / D)
            angle = np.asarray(positions)[:, None] * theta
            a, b = x[..., :half], x[..., half:]
            return np.concatenate([a * np.cos(angle) - b * np.sin(angle), b * np.cos(angle) + a * np.sin(angle)], axis=-1)
        """),
    bug("12", "rope", "θ = base^(+2i/D)", "θ|theta|frequenc|speed|exponent|sign|negative|angle|turns it by", """
        def rope(x, positions, base):
            D = x.shape[-1]
            half = D // 2
            theta = base ** (2 * np.arange(half) / D)
            angle = np.asarray(positions)[:, None] * theta
            a, b = x[..., :half], x[..., half:]
            return np.concatenate([a * np.cos(angle) - b * np.sin(angle), b * np.cos(angle) + a * np.sin(angle)], axis=-1)
        """),
    bug("12", "rope", "pairs neighbours (2i, 2i+1)", "interleav|neighbour|pair|layout|i + d/2|half", """
        def rope(x, positions, base):
            D = x.shape[-1]
            theta = base ** (-np.arange(0, D, 2) / D)
            angle = np.asarray(positions)[:, None] * theta
            a, b = x[..., 0::2], x[..., 1::2]
            out = np.empty_like(x)
            out[..., 0::2] = a * np.cos(angle) - b * np.sin(angle)
            out[..., 1::2] = b * np.cos(angle) + a * np.sin(angle)
            return out
        """),
    bug("12", "rope", "turns the other way", "sign|direction|clockwise|negative|angle|inverse|-t|backward|wrong way", """
        def rope(x, positions, base):
            D = x.shape[-1]
            half = D // 2
            angle = np.asarray(positions)[:, None] * base ** (-2 * np.arange(half) / D)
            a, b = x[..., :half], x[..., half:]
            return np.concatenate([a * np.cos(angle) + b * np.sin(angle), b * np.cos(angle) - a * np.sin(angle)], axis=-1)
        """),
    bug("12", "rope", "positions ignored: 0 … T-1", "positions|ignor|arange|turns it by", """
        def rope(x, positions, base):
            T, D = x.shape[-2], x.shape[-1]
            half = D // 2
            angle = np.arange(T)[:, None] * base ** (-2 * np.arange(half) / D)
            a, b = x[..., :half], x[..., half:]
            return np.concatenate([a * np.cos(angle) - b * np.sin(angle), b * np.cos(angle) + a * np.sin(angle)], axis=-1)
        """),
    bug("12", "rope", "only the first half turned", "second half|unturned|not rotated|unrotated|both halves", """
        def rope(x, positions, base):
            D = x.shape[-1]
            half = D // 2
            angle = np.asarray(positions)[:, None] * base ** (-2 * np.arange(half) / D)
            a, b = x[..., :half], x[..., half:]
            return np.concatenate([a * np.cos(angle) - b * np.sin(angle), b], axis=-1)
        """),
    bug("12", "rope", "writes into the caller's x", "in place|changed|modif|copy", """
        def rope(x, positions, base):
            D = x.shape[-1]
            half = D // 2
            angle = np.asarray(positions)[:, None] * base ** (-2 * np.arange(half) / D)
            a, b = x[..., :half].copy(), x[..., half:].copy()
            x[..., :half] = a * np.cos(angle) - b * np.sin(angle)
            x[..., half:] = b * np.cos(angle) + a * np.sin(angle)
            return x
        """),
    bug("12", "rope", "the second half from the already-turned first", "overwrit|already|rotated a|updated|new a|order", """
        def rope(x, positions, base):
            D = x.shape[-1]
            half = D // 2
            angle = np.asarray(positions)[:, None] * base ** (-2 * np.arange(half) / D)
            out = np.array(x, dtype=float)
            a, b = out[..., :half], out[..., half:]
            a[...] = a * np.cos(angle) - b * np.sin(angle)
            b[...] = b * np.cos(angle) + a * np.sin(angle)
            return out
        """),
    bug("12", "rope", "cos and sin swapped", "cos|sin|swap", """
        def rope(x, positions, base):
            D = x.shape[-1]
            half = D // 2
            angle = np.asarray(positions)[:, None] * base ** (-2 * np.arange(half) / D)
            a, b = x[..., :half], x[..., half:]
            return np.concatenate([a * np.sin(angle) - b * np.cos(angle), b * np.sin(angle) + a * np.cos(angle)], axis=-1)
        """),
    bug("12", "rope", "D read from shape[0]", "last axis|shape[-1]|width|d_head|turns it by", """
        def rope(x, positions, base):
            D = x.shape[0]
            half = x.shape[-1] // 2
            angle = np.asarray(positions)[:, None] * base ** (-2 * np.arange(half) / D)
            a, b = x[..., :half], x[..., half:]
            return np.concatenate([a * np.cos(angle) - b * np.sin(angle), b * np.cos(angle) + a * np.sin(angle)], axis=-1)
        """),
    bug("12", "rope", "angles in degrees", "degree|radian|angle|deg|turns it by", """
        def rope(x, positions, base):
            D = x.shape[-1]
            half = D // 2
            angle = np.deg2rad(np.asarray(positions)[:, None] * base ** (-2 * np.arange(half) / D))
            a, b = x[..., :half], x[..., half:]
            return np.concatenate([a * np.cos(angle) - b * np.sin(angle), b * np.cos(angle) + a * np.sin(angle)], axis=-1)
        """),
    ok("12", "rope", "complex numbers", """
        def rope(x, positions, base):
            D = x.shape[-1]
            half = D // 2
            theta = base ** (-2.0 * np.arange(half) / D)
            turn = np.exp(1j * np.outer(positions, theta))  # (T, D/2)
            z = (x[..., :half] + 1j * x[..., half:]) * turn
            return np.concatenate([z.real, z.imag], axis=-1)
        """),
    ok("12", "rope", "Hugging Face's rotate_half", """
        def rope(x, positions, base):
            D = x.shape[-1]
            inv_freq = 1.0 / (base ** (np.arange(0, D, 2) / D))
            freqs = np.outer(np.asarray(positions, dtype=float), inv_freq)
            emb = np.concatenate([freqs, freqs], axis=-1)  # (T, D)

            def rotate_half(t):
                return np.concatenate([-t[..., D // 2:], t[..., : D // 2]], axis=-1)

            return x * np.cos(emb) + rotate_half(x) * np.sin(emb)
        """),
    ok("12", "rope", "θ as base^(-i/(D/2))", """
        def rope(x, positions, base):
            half = x.shape[-1] // 2
            theta = np.power(float(base), -np.arange(half) / half)
            angle = np.multiply.outer(np.asarray(positions), theta)
            cos, sin = np.cos(angle), np.sin(angle)
            a, b = np.split(x, 2, axis=-1)
            return np.concatenate((a * cos - b * sin, b * cos + a * sin), axis=-1)
        """),
    # ---------------------------------------------------------------- 12 repeat_kv
    bug("12", "repeat_kv", "the whole stack repeated: tiled", "tile|interleav|order|next to itself|in a row|consecutive", """
        def repeat_kv(kv, n_rep):
            return np.concatenate([kv for _ in range(n_rep)])
        """),
    bug("12", "repeat_kv", "repeated along the tokens", "axis|token|time", """
        def repeat_kv(kv, n_rep):
            return kv.repeat(n_rep, axis=-2)
        """),
    bug("12", "repeat_kv", "repeated along the last axis", "axis|last axis|width", """
        def repeat_kv(kv, n_rep):
            return kv.repeat(n_rep, axis=2)
        """),
    bug("12", "repeat_kv", "np.repeat without an axis: flat", "axis|flat|shape|1-d", """
        def repeat_kv(kv, n_rep):
            return np.repeat(kv, repeats=n_rep)
        """),
    bug("12", "repeat_kv", "n_rep read as the number of query heads", "n_rep|count|times|number of copies", """
        def repeat_kv(kv, n_rep):
            return np.repeat(kv, max(n_rep // kv.shape[0], 1), axis=0)
        """),
    bug("12", "repeat_kv", "broadcast in front: tiled order", "order|tile|interleav|in a row|next to itself|consecutive", """
        def repeat_kv(kv, n_rep):
            G, T, D = kv.shape
            expanded = np.broadcast_to(kv, (n_rep, G, T, D))
            return expanded.reshape(n_rep * G, T, D)
        """),
    bug("12", "repeat_kv", "indexes with r instead of g", "order|index|copies of head 0|wrong head|tile", """
        def repeat_kv(kv, n_rep):
            out = []
            for g in range(kv.shape[0]):
                for r in range(n_rep):
                    out.append(kv[r % kv.shape[0]])
            return np.stack(out)
        """),
    bug("12", "repeat_kv", "one copy too many", "n_rep|count|times|one more|off by one|too many", """
        def repeat_kv(kv, n_rep):
            return np.repeat(kv, n_rep + 1, axis=0)
        """),
    bug("12", "repeat_kv", "a list of arrays", "list|stack", """
        def repeat_kv(kv, n_rep):
            return [head for head in kv for _ in range(n_rep)]
        """),
    ok("12", "repeat_kv", "np.repeat on axis -3", """
        def repeat_kv(kv, n_rep):
            return np.repeat(kv, n_rep, axis=-3)
        """),
    ok("12", "repeat_kv", "fancy indexing with h // n_rep", """
        def repeat_kv(kv, n_rep):
            return kv[np.arange(kv.shape[0] * n_rep) // n_rep]
        """),
    ok("12", "repeat_kv", "stack on a new axis 1, then reshape", """
        def repeat_kv(kv, n_rep):
            G, T, D = kv.shape
            return np.stack([kv] * n_rep, axis=1).reshape(G * n_rep, T, D)
        """),
    # ---------------------------------------------------------------- 12 sliding_window_mask
    bug("12", "sliding_window_mask", "i - W <= j: W + 1 keys", "w + 1|off by one|one too many|one more|window + 1", """
        def sliding_window_mask(T, window):
            i, j = np.arange(T)[:, None], np.arange(T)[None, :]
            return (j <= i) & (j >= i - window)
        """),
    bug("12", "sliding_window_mask", "|i - j| < W: both ways", "future|causal|later|symmetric|ahead|both", """
        def sliding_window_mask(T, window):
            i, j = np.arange(T)[:, None], np.arange(T)[None, :]
            return np.abs(i - j) < window
        """),
    bug("12", "sliding_window_mask", "j < i: the diagonal out", "diagonal|itself", """
        def sliding_window_mask(T, window):
            i, j = np.arange(T)[:, None], np.arange(T)[None, :]
            return (j < i) & (j > i - window)
        """),
    bug("12", "sliding_window_mask", "W - 1 keys", "w - 1|w − 1|off by one|one too few|one fewer|window - 1", """
        def sliding_window_mask(T, window):
            i, j = np.arange(T)[:, None], np.arange(T)[None, :]
            return (j <= i) & (j > i - window + 1)
        """),
    bug("12", "sliding_window_mask", "the band above the diagonal", "transpose|upper|future|later", """
        def sliding_window_mask(T, window):
            i, j = np.arange(T)[:, None], np.arange(T)[None, :]
            return (i <= j) & (i > j - window)
        """),
    bug("12", "sliding_window_mask", "an int band", "bool|dtype|int", """
        def sliding_window_mask(T, window):
            ones = np.ones((T, T), dtype=int)
            return np.tril(ones) - np.tril(ones, -window)
        """),
    bug("12", "sliding_window_mask", "True where forbidden", "invert|forbidden|opposite|negat|true where", """
        def sliding_window_mask(T, window):
            i, j = np.arange(T)[:, None], np.arange(T)[None, :]
            return ~((j <= i) & (j > i - window))
        """),
    bug("12", "sliding_window_mask", "the last W keys of the whole text, for every query", "band|each query|relative|last w|every query|same keys", """
        def sliding_window_mask(T, window):
            j = np.arange(T)[None, :]
            i = np.arange(T)[:, None]
            return (j >= T - window) & (j <= i)
        """),
    ok("12", "sliding_window_mask", "tril of a triu", """
        def sliding_window_mask(T, window):
            return np.tril(np.triu(np.ones((T, T), dtype=bool), -window + 1))
        """),
    ok("12", "sliding_window_mask", "np.subtract.outer", """
        def sliding_window_mask(T, window):
            distance = np.subtract.outer(np.arange(T), np.arange(T))  # i - j
            return (distance >= 0) & (distance < window)
        """),
    ok("12", "sliding_window_mask", "a loop over the rows", """
        def sliding_window_mask(T, window):
            mask = np.zeros((T, T), dtype=bool)
            for i in range(T):
                mask[i, max(0, i - window + 1): i + 1] = True
            return mask
        """),
]
