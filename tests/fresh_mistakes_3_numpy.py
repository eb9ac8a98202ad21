# ruff: noqa: E501 — a row holds one learner attempt and the words that name its slip, kept on its line
"""Lessons 01–08: a third fresh set of learner answers (run by tests/fresh_mistakes_3.py).

Written from the notebooks' exercise texts and stubs alone, before reading lib/attnlab/checks/, any
catalogue or the earlier sets' attempts. A row is (lesson, exercise, label, keys, real, code): `keys`
are "|"-separated words (any one, lower case) that a line naming the slip would hold; `real` False is
another valid answer, which must pass.
"""

from textwrap import dedent

from fresh_mistakes_2 import bug, ok

ATTEMPTS = [
    # ---------------------------------------------------------------- 01 cosine_similarity
    bug("01", "cosine_similarity", "precedence: divides by |u| then multiplies by |v|", "multipl|parenthes|precedence|²|length", """
        def cosine_similarity(u, v):
            return u @ v / np.linalg.norm(u) * np.linalg.norm(v)
        """),
    bug("01", "cosine_similarity", "divides by the sum of the lengths", "sum of|add|product of the lengths|length", """
        def cosine_similarity(u, v):
            return np.dot(u, v) / (np.linalg.norm(u) + np.linalg.norm(v))
        """),
    bug("01", "cosine_similarity", "squared lengths, no square root", "square|sqrt|root", """
        def cosine_similarity(u, v):
            return np.dot(u, v) / (np.dot(u, u) * np.dot(v, v))
        """),
    bug("01", "cosine_similarity", "divides by |u|² (u's length twice)", "length|norm|both lengths", """
        def cosine_similarity(u, v):
            return u @ v / np.linalg.norm(u) ** 2
        """),
    bug("01", "cosine_similarity", "returns the angle (arccos)", "angle|arccos|radian", """
        def cosine_similarity(u, v):
            return np.arccos(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
        """),
    bug("01", "cosine_similarity", "absolute value: opposite vectors score +1", "sign|absolute|negative|opposite", """
        def cosine_similarity(u, v):
            return abs(u @ v) / (np.linalg.norm(u) * np.linalg.norm(v))
        """),
    bug("01", "cosine_similarity", "rounds to 2 decimals", "round|decimal|precision", """
        def cosine_similarity(u, v):
            return round(float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v))), 2)
        """),
    ok("01", "cosine_similarity", "sqrt of dot products", """
        def cosine_similarity(u, v):
            return float(np.dot(u, v) / np.sqrt(np.dot(u, u) * np.dot(v, v)))
        """),
    ok("01", "cosine_similarity", "normalise both, then dot", """
        def cosine_similarity(u, v):
            u_hat = u / np.linalg.norm(u)
            v_hat = v / np.linalg.norm(v)
            return u_hat @ v_hat
        """),
    ok("01", "cosine_similarity", "sums by hand with math.sqrt", """
        def cosine_similarity(u, v):
            dot = np.sum(u * v)
            return dot / (math.sqrt(np.sum(u ** 2)) * math.sqrt(np.sum(v ** 2)))
        """),
    # ---------------------------------------------------------------- 01 nearest_neighbours
    bug("01", "nearest_neighbours", "argpartition: the right k, unsorted", "order|sorted|best first", """
        def nearest_neighbours(vector, table, k):
            sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
            return np.argpartition(-sims, k)[:k]
        """),
    bug("01", "nearest_neighbours", "the table's overall norm (a scalar): ranks by dot product", "dot product|length|row", """
        def nearest_neighbours(vector, table, k):
            sims = table @ vector / (np.linalg.norm(table) * np.linalg.norm(vector))
            return np.argsort(-sims)[:k]
        """),
    bug("01", "nearest_neighbours", "ranks by Euclidean distance", "distance|euclid|cosine|length", """
        def nearest_neighbours(vector, table, k):
            return np.argsort(np.linalg.norm(table - vector, axis=1))[:k]
        """),
    bug("01", "nearest_neighbours", "k - 1 indices", "how many|length|number of", """
        def nearest_neighbours(vector, table, k):
            sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
            return np.argsort(-sims)[:k - 1]
        """),
    ok("01", "nearest_neighbours", "only the rows normalised (the vector's length ranks nothing)", """
        def nearest_neighbours(vector, table, k):
            sims = (table @ vector) / np.linalg.norm(table, axis=1)
            return np.argsort(-sims)[:k]
        """),
    ok("01", "nearest_neighbours", "normalised table, argsort reversed", """
        def nearest_neighbours(vector, table, k):
            unit = table / np.linalg.norm(table, axis=1, keepdims=True)
            sims = unit @ (vector / np.linalg.norm(vector))
            return np.argsort(sims)[::-1][:k]
        """),
    # ---------------------------------------------------------------- 01 spread
    bug("01", "spread", "mean of 1 - cos over all n² pairs (diagonal included)", "diagonal|itself|n²|all pairs|i = j|i == j|same vector", """
        def spread(vectors):
            unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
            return np.mean(1 - unit @ unit.T)
        """),
    bug("01", "spread", "both orders of each pair, divided by n(n-1)/2", "twice|double|both orders|pairs", """
        def spread(vectors):
            n = len(vectors)
            total = 0.0
            for i in range(n):
                for j in range(n):
                    if i != j:
                        total += 1 - cosine_similarity(vectors[i], vectors[j])
            return total / (n * (n - 1) / 2)
        """),
    bug("01", "spread", "precedence: total / n * (n - 1) / 2", "divid|count|pairs|parenthes", """
        def spread(vectors):
            n = len(vectors)
            total = 0.0
            for i in range(n):
                for j in range(i + 1, n):
                    total += 1 - cosine_similarity(vectors[i], vectors[j])
            return total / n * (n - 1) / 2
        """),
    bug("01", "spread", "mean cosine, not 1 - cosine", "1 -|1 −|similarity|distance", """
        def spread(vectors):
            n = len(vectors)
            sims = [cosine_similarity(vectors[i], vectors[j]) for i in range(n) for j in range(i + 1, n)]
            return np.mean(sims)
        """),
    bug("01", "spread", "plain dot products, not cosines", "length|norm|cosine|dot", """
        def spread(vectors):
            n = len(vectors)
            d = [1 - vectors[i] @ vectors[j] for i in range(n) for j in range(i + 1, n)]
            return np.mean(d)
        """),
    bug("01", "spread", "loops stop one short: the last vector never paired", "last|missing|pairs|vector", """
        def spread(vectors):
            n = len(vectors)
            d = [1 - cosine_similarity(vectors[i], vectors[j]) for i in range(n - 1) for j in range(i + 1, n - 1)]
            return np.mean(d)
        """),
    bug("01", "spread", "the sum, not the mean", "mean|average|pairs", """
        def spread(vectors):
            n = len(vectors)
            return sum(1 - cosine_similarity(vectors[i], vectors[j]) for i in range(n) for j in range(i + 1, n))
        """),
    ok("01", "spread", "matrix of cosines, upper triangle", """
        def spread(vectors):
            unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
            cos = unit @ unit.T
            i, j = np.triu_indices(len(vectors), k=1)
            return float(np.mean(1 - cos[i, j]))
        """),
    ok("01", "spread", "itertools.combinations", """
        import itertools

        def spread(vectors):
            pairs = list(itertools.combinations(range(len(vectors)), 2))
            return sum(1 - cosine_similarity(vectors[i], vectors[j]) for i, j in pairs) / len(pairs)
        """),
    # ---------------------------------------------------------------- 02 score_grid
    bug("02", "score_grid", "k @ q.T: the grid transposed", "transpose|row|column|swap|keys", """
        def score_grid(x, W_Q, W_K):
            q = x @ W_Q
            k = x @ W_K
            return k @ q.T
        """),
    bug("02", "score_grid", "q.T @ k: (d_head, d_head)", "shape|transpose", """
        def score_grid(x, W_Q, W_K):
            return (x @ W_Q).T @ (x @ W_K)
        """),
    bug("02", "score_grid", "queries for keys too (q @ q.T)", "w_k|key|symmetric", """
        def score_grid(x, W_Q, W_K):
            q = x @ W_Q
            return q @ q.T
        """),
    bug("02", "score_grid", "elementwise q * k summed: only the diagonal", "shape|diagonal|(t,)", """
        def score_grid(x, W_Q, W_K):
            return np.sum((x @ W_Q) * (x @ W_K), axis=-1)
        """),
    bug("02", "score_grid", "projects with the transposed maps", "transpose|shape|w_q", """
        def score_grid(x, W_Q, W_K):
            q = x @ W_Q.T
            k = x @ W_K.T
            return q @ k.T
        """),
    ok("02", "score_grid", "one chain x W_Q W_Kᵀ xᵀ", """
        def score_grid(x, W_Q, W_K):
            return x @ (W_Q @ W_K.T) @ x.T
        """),
    # ---------------------------------------------------------------- 02 picked_keys
    bug("02", "picked_keys", "argmin", "smallest|lowest|minimum|argmin|least", """
        def picked_keys(scores):
            return np.argmin(scores, axis=1)
        """),
    bug("02", "picked_keys", "the highest scores, not their indices", "index|indices|values|scores themselves", """
        def picked_keys(scores):
            return scores.max(axis=1)
        """),
    bug("02", "picked_keys", "1-based indices", "off by|1-based|plus 1|+1|shift", """
        def picked_keys(scores):
            return np.argmax(scores, axis=-1) + 1
        """),
    bug("02", "picked_keys", "keepdims: a (Tq, 1) column", "shape|(tq, 1)|column|keepdims", """
        def picked_keys(scores):
            return np.argmax(scores, axis=1, keepdims=True)
        """),
    bug("02", "picked_keys", "argsort's first column (the lowest)", "smallest|lowest|minimum|least", """
        def picked_keys(scores):
            return np.argsort(scores, axis=1)[:, 0]
        """),
    ok("02", "picked_keys", "a loop of ints", """
        def picked_keys(scores):
            return np.array([int(np.argmax(row)) for row in scores])
        """),
    ok("02", "picked_keys", "argsort's last column", """
        def picked_keys(scores):
            return np.argsort(scores, axis=-1)[:, -1]
        """),
    # ---------------------------------------------------------------- 02 scaled_scores
    bug("02", "scaled_scores", "divides by d_head, not its square root", "√|sqrt|square root", """
        def scaled_scores(q, k):
            return q @ k.T / q.shape[-1]
        """),
    bug("02", "scaled_scores", "√Tk: the number of keys", "number of keys|tk|keys|length", """
        def scaled_scores(q, k):
            return q @ k.T / np.sqrt(k.shape[0])
        """),
    bug("02", "scaled_scores", "multiplies by √d_head", "multipl|instead of divid|times", """
        def scaled_scores(q, k):
            return q @ k.T * math.sqrt(q.shape[-1])
        """),
    bug("02", "scaled_scores", "√Tq: the number of queries", "number of queries|tq|queries|q.shape[0]", """
        def scaled_scores(q, k):
            return q @ k.T / math.sqrt(q.shape[0])
        """),
    bug("02", "scaled_scores", "√q.size", "size|√|d_head", """
        def scaled_scores(q, k):
            return q @ k.T / np.sqrt(q.size)
        """),
    bug("02", "scaled_scores", "scales q in place first", "in place|changed|argument|modif", """
        def scaled_scores(q, k):
            q /= np.sqrt(q.shape[-1])
            return q @ k.T
        """),
    bug("02", "scaled_scores", "floor division", "floor|//|integer|whole", """
        def scaled_scores(q, k):
            return (q @ k.T) // math.sqrt(q.shape[-1])
        """),
    ok("02", "scaled_scores", "scale the queries on a copy", """
        def scaled_scores(q, k):
            return (q / math.sqrt(q.shape[1])) @ k.T
        """),
    ok("02", "scaled_scores", "einsum and ** -0.5", """
        def scaled_scores(q, k):
            return np.einsum("qd,kd->qk", q, k) * q.shape[-1] ** -0.5
        """),
    # ---------------------------------------------------------------- 03 stable_softmax
    bug("03", "stable_softmax", "max over axis 0", "axis|column|each row's max|row", """
        def stable_softmax(scores):
            e = np.exp(scores - np.max(scores, axis=0, keepdims=True))
            return e / np.sum(e, axis=-1, keepdims=True)
        """),
    bug("03", "stable_softmax", "-inf turned into 0 first (nan_to_num)", "-inf|masked|inf|weight 0", """
        def stable_softmax(scores):
            s = np.nan_to_num(scores, neginf=0.0)
            e = np.exp(s - np.max(s, axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("03", "stable_softmax", "log-softmax", "log-softmax|log-prob|logarithm|log of", """
        def stable_softmax(scores):
            m = np.max(scores, axis=-1, keepdims=True)
            return scores - m - np.log(np.sum(np.exp(scores - m), axis=-1, keepdims=True))
        """),
    bug("03", "stable_softmax", "axis=1 (fine for a grid only)", "axis|last axis|batch|shape", """
        def stable_softmax(scores):
            e = np.exp(scores - np.max(scores, axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        """),
    ok("03", "stable_softmax", "methods, negative axes", """
        def stable_softmax(scores):
            shifted = scores - scores.max(-1, keepdims=True)
            e = np.exp(shifted)
            return e / e.sum(-1, keepdims=True)
        """),
    ok("03", "stable_softmax", "exp of (s - logsumexp)", """
        def stable_softmax(scores):
            m = np.max(scores, axis=-1, keepdims=True)
            lse = m + np.log(np.sum(np.exp(scores - m), axis=-1, keepdims=True))
            return np.exp(scores - lse)
        """),
    # ---------------------------------------------------------------- 03 softmax_with_temperature
    bug("03", "softmax_with_temperature", "exp divided by t, then normalised (t cancels)", "ignor|temperature|cancel|after", """
        def softmax_with_temperature(scores, temperature):
            e = np.exp(scores - np.max(scores, axis=-1, keepdims=True)) / temperature
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("03", "softmax_with_temperature", "s/t - max(s): the shift is not max(s/t), overflows", "overflow|inf", """
        def softmax_with_temperature(scores, temperature):
            e = np.exp(scores / temperature - np.max(scores, axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("03", "softmax_with_temperature", "t squared", "square|t²|temperature", """
        def softmax_with_temperature(scores, temperature):
            return stable_softmax(scores / temperature ** 2)
        """),
    ok("03", "softmax_with_temperature", "shift first, then divide", """
        def softmax_with_temperature(scores, temperature):
            z = (scores - np.max(scores, axis=-1, keepdims=True)) / temperature
            e = np.exp(z)
            return e / np.sum(e, axis=-1, keepdims=True)
        """),
    ok("03", "softmax_with_temperature", "the learner's stable_softmax of s / t", """
        def softmax_with_temperature(scores, temperature):
            return stable_softmax(np.asarray(scores) / temperature)
        """),
    # ---------------------------------------------------------------- 03 attention_pattern
    ok("03", "attention_pattern", "by hand, no helper", """
        def attention_pattern(q, k):
            s = q @ k.T / math.sqrt(k.shape[1])
            s = s - s.max(axis=1, keepdims=True)
            w = np.exp(s)
            return w / w.sum(axis=1, keepdims=True)
        """),
    ok("03", "attention_pattern", "scaled queries, then stable_softmax", """
        def attention_pattern(q, k):
            return stable_softmax((q / np.sqrt(q.shape[-1])) @ k.T)
        """),
    # ---------------------------------------------------------------- 04 causal_mask
    bug("04", "causal_mask", "j < i: diagonal missing", "diagonal|itself", """
        def causal_mask(T):
            i = np.arange(T)[:, None]
            j = np.arange(T)[None, :]
            return j < i
        """),
    bug("04", "causal_mask", "i <= j: rows and columns swapped", "upper|future|transpose|above", """
        def causal_mask(T):
            return np.arange(T)[:, None] <= np.arange(T)
        """),
    bug("04", "causal_mask", "an additive mask: 0 and -inf", "bool|-inf|additive|dtype", """
        def causal_mask(T):
            return np.where(np.tril(np.ones((T, T))) == 1, 0.0, -np.inf)
        """),
    bug("04", "causal_mask", "int 0/1", "bool|dtype|int", """
        def causal_mask(T):
            return np.tril(np.ones((T, T), dtype=int))
        """),
    ok("04", "causal_mask", "not the strict upper triangle", """
        def causal_mask(T):
            return ~np.triu(np.ones((T, T), dtype=bool), 1)
        """),
    ok("04", "causal_mask", "j <= i with broadcasting", """
        def causal_mask(T):
            return np.arange(T)[None, :] <= np.arange(T)[:, None]
        """),
    # ---------------------------------------------------------------- 04 masked_pattern
    bug("04", "masked_pattern", "np.where arguments swapped: the allowed keys get -inf", "invert|opposite|allowed|forbidden|true|swap", """
        def masked_pattern(scores, mask):
            s = np.where(mask, -np.inf, scores)
            e = np.exp(s - np.max(s, axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("04", "masked_pattern", "scores multiplied by the mask", "multipl|zero|0 instead", """
        def masked_pattern(scores, mask):
            s = scores * mask
            e = np.exp(s - np.max(s, axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("04", "masked_pattern", "mask after the softmax, not renormalised", "after|sum to 1|renormal", """
        def masked_pattern(scores, mask):
            e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True) * mask
        """),
    bug("04", "masked_pattern", "softmax down the columns", "axis|column", """
        def masked_pattern(scores, mask):
            s = np.where(mask, scores, -np.inf)
            e = np.exp(s - np.max(s, axis=-2, keepdims=True))
            return e / e.sum(axis=-2, keepdims=True)
        """),
    bug("04", "masked_pattern", "writes -inf into the caller's scores", "in place|changed|argument|modif|scores", """
        def masked_pattern(scores, mask):
            scores[..., ~mask] = -np.inf
            e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("04", "masked_pattern", "mask.T: the future allowed", "transpose|upper|future|later", """
        def masked_pattern(scores, mask):
            s = np.where(mask.T, scores, -np.inf)
            e = np.exp(s - np.max(s, axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("04", "masked_pattern", "np.nan for the forbidden scores", "-inf|np.nan|nan instead", """
        def masked_pattern(scores, mask):
            s = np.where(mask, scores, np.nan)
            e = np.exp(s - np.nanmax(s, axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("04", "masked_pattern", "zero after softmax, then renormalise (0/0 when a future score dominates)", "after softmax|underflow|before softmax", """
        def masked_pattern(scores, mask):
            e = np.exp(scores - np.max(scores, axis=-1, keepdims=True)) * mask
            return e / e.sum(axis=-1, keepdims=True)
        """),
    ok("04", "masked_pattern", "an additive 0 / -inf mask", """
        def masked_pattern(scores, mask):
            s = scores + np.where(mask, 0.0, -np.inf)
            e = np.exp(s - np.max(s, axis=-1, keepdims=True))
            return e / np.sum(e, axis=-1, keepdims=True)
        """),
    # ---------------------------------------------------------------- 04 pattern_size
    bug("04", "pattern_size", "(T · itemsize)²", "square|itemsize|bytes", """
        def pattern_size(context_length, dtype):
            return (context_length * np.dtype(dtype).itemsize) ** 2
        """),
    bug("04", "pattern_size", "4 bytes whatever the dtype", "dtype|itemsize|bytes per", """
        def pattern_size(context_length, dtype):
            return context_length ** 2 * 4
        """),
    bug("04", "pattern_size", "sys.getsizeof an array: + the header", "overhead|header|getsizeof|bytes|extra", """
        import sys

        def pattern_size(context_length, dtype):
            return sys.getsizeof(np.zeros((context_length, context_length), dtype=dtype))
        """),
    ok("04", "pattern_size", "T · T · itemsize", """
        def pattern_size(context_length, dtype):
            return context_length * context_length * np.dtype(dtype).itemsize
        """),
    ok("04", "pattern_size", "int() around it", """
        def pattern_size(context_length, dtype):
            itemsize = np.dtype(dtype).itemsize
            return int(itemsize * context_length ** 2)
        """),
    # ---------------------------------------------------------------- 05 weighted_sum
    bug("05", "weighted_sum", "an output buffer shaped like values", "shape|tq|rows", """
        def weighted_sum(pattern, values):
            out = np.zeros_like(values)
            for i in range(pattern.shape[0]):
                out[i] = pattern[i] @ values
            return out
        """),
    bug("05", "weighted_sum", "an int buffer: weights truncated", "integer|dtype|int|whole", """
        def weighted_sum(pattern, values):
            out = np.zeros((pattern.shape[0], values.shape[1]), dtype=int)
            for i in range(pattern.shape[0]):
                out[i] = pattern[i] @ values
            return out
        """),
    bug("05", "weighted_sum", "the mean over keys (divides by Tk)", "mean|divid|tk|scale|ratio", """
        def weighted_sum(pattern, values):
            return pattern @ values / values.shape[0]
        """),
    bug("05", "weighted_sum", "softmaxes the pattern again", "softmax|again|pattern", """
        def weighted_sum(pattern, values):
            e = np.exp(pattern)
            return (e / e.sum(axis=-1, keepdims=True)) @ values
        """),
    bug("05", "weighted_sum", "loop adds only the last key", "last|keys|add|overwrit|+=", """
        def weighted_sum(pattern, values):
            out = np.zeros((pattern.shape[0], values.shape[1]))
            for i in range(pattern.shape[0]):
                for j in range(values.shape[0]):
                    out[i] = pattern[i, j] * values[j]
            return out
        """),
    ok("05", "weighted_sum", "two loops", """
        def weighted_sum(pattern, values):
            Tq, Tk = pattern.shape
            out = np.zeros((Tq, values.shape[1]))
            for i in range(Tq):
                for j in range(Tk):
                    out[i] += pattern[i, j] * values[j]
            return out
        """),
    ok("05", "weighted_sum", "einsum", """
        def weighted_sum(pattern, values):
            return np.einsum("qk,kd->qd", pattern, values)
        """),
    ok("05", "weighted_sum", "tensordot", """
        def weighted_sum(pattern, values):
            return np.tensordot(pattern, values, axes=1)
        """),
    # ---------------------------------------------------------------- 05 update
    bug("05", "update", "transposed maps, up then down", "transpose|w_up|w_down|swap|order", """
        def update(E, pattern, W_down, W_up):
            return E + pattern @ E @ W_up.T @ W_down.T
        """),
    bug("05", "update", "adds to E in place", "in place|changed|argument|modif", """
        def update(E, pattern, W_down, W_up):
            E += weighted_sum(pattern, E @ W_down) @ W_up
            return E
        """),
    bug("05", "update", "the value maps forgotten", "w_down|w_up|value map|maps", """
        def update(E, pattern, W_down, W_up):
            return E + pattern @ E
        """),
    ok("05", "update", "weighted_sum of small values, then up", """
        def update(E, pattern, W_down, W_up):
            small = E @ W_down
            return E + weighted_sum(pattern, small) @ W_up
        """),
    ok("05", "update", "the square map first", """
        def update(E, pattern, W_down, W_up):
            return E + pattern @ (E @ (W_down @ W_up))
        """),
    # ---------------------------------------------------------------- 05 value_map_counts
    bug("05", "value_map_counts", "forgets the layers", "layer", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            return {"full": n_heads * d_model ** 2, "factored": 2 * n_heads * d_model * d_head}
        """),
    bug("05", "value_map_counts", "forgets the heads", "head", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            return {"full": n_layers * d_model ** 2, "factored": 2 * n_layers * d_model * d_head}
        """),
    bug("05", "value_map_counts", "factored counts value-down only", "value-up|two|twice|both|2 ·|half", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            return {"full": n_layers * n_heads * d_model ** 2, "factored": n_layers * n_heads * d_model * d_head}
        """),
    bug("05", "value_map_counts", "full as d_model · d_head", "square|d_model²|full", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            n = n_layers * n_heads
            return {"full": n * d_model * d_head, "factored": 2 * n * d_model * d_head}
        """),
    bug("05", "value_map_counts", "other key names", "key|full|factored|missing", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            n = n_layers * n_heads
            return {"square": n * d_model ** 2, "low_rank": 2 * n * d_model * d_head}
        """),
    bug("05", "value_map_counts", "a tuple, not a dict", "dict|tuple", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            n = n_layers * n_heads
            return n * d_model ** 2, 2 * n * d_model * d_head
        """),
    bug("05", "value_map_counts", "factored as 2 · d_head²", "d_model|value-down", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            n = n_layers * n_heads
            return {"full": n * d_model ** 2, "factored": 2 * n * d_head ** 2}
        """),
    ok("05", "value_map_counts", "dict(), per map", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            maps = n_heads * n_layers
            down = d_model * d_head
            up = d_head * d_model
            return dict(full=maps * d_model * d_model, factored=maps * (down + up))
        """),
    ok("05", "value_map_counts", "factored key first", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            return {"factored": 2 * d_model * d_head * n_heads * n_layers,
                    "full": d_model ** 2 * n_heads * n_layers}
        """),
    # ---------------------------------------------------------------- 06 multi_head
    bug("06", "multi_head", "the mean of the heads' changes", "mean|average|divid", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            out = 0
            for h in range(len(W_Q)):
                o, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                out = out + o @ W_V_up[h]
            return out / len(W_Q)
        """),
    bug("06", "multi_head", "keys made with W_Q", "key|w_k", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            out = np.zeros_like(x)
            for h in range(W_Q.shape[0]):
                o, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_Q[h], x @ W_V_down[h])
                out += o @ W_V_up[h]
            return out
        """),
    bug("06", "multi_head", "= instead of +=: the last head only", "last head|one head|add", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            for h in range(W_Q.shape[0]):
                o, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                out = o @ W_V_up[h]
            return out
        """),
    bug("06", "multi_head", "concatenates the heads' changes", "shape|concat|side by side", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            outs = []
            for h in range(W_Q.shape[0]):
                o, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                outs.append(o @ W_V_up[h])
            return np.concatenate(outs, axis=-1)
        """),
    bug("06", "multi_head", "a causal mask where none is asked", "mask|causal|future|later", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            mask = causal_mask(x.shape[0])
            out = np.zeros_like(x)
            for h in range(W_Q.shape[0]):
                q, k, v = x @ W_Q[h], x @ W_K[h], x @ W_V_down[h]
                s = np.where(mask, q @ k.T / np.sqrt(q.shape[-1]), -np.inf)
                e = np.exp(s - s.max(-1, keepdims=True))
                out += (e / e.sum(-1, keepdims=True)) @ v @ W_V_up[h]
            return out
        """),
    bug("06", "multi_head", "adds x too (a residual)", "residual|x +|embedding|input", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            out = x.copy()
            for h in range(W_Q.shape[0]):
                o, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                out += o @ W_V_up[h]
            return out
        """),
    bug("06", "multi_head", "head 0's value-up for every head", "head 0|value-up|w_v_up", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            out = np.zeros_like(x)
            for h in range(W_Q.shape[0]):
                o, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                out += o @ W_V_up[0]
            return out
        """),
    bug("06", "multi_head", "range(n_heads - 1): the last head left out", "last head|head|missing", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            out = np.zeros_like(x)
            for h in range(W_Q.shape[0] - 1):
                o, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                out += o @ W_V_up[h]
            return out
        """),
    ok("06", "multi_head", "all heads at once with einsum", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            q = np.einsum("td,hde->hte", x, W_Q)
            k = np.einsum("td,hde->hte", x, W_K)
            v = np.einsum("td,hde->hte", x, W_V_down)
            s = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
            e = np.exp(s - s.max(-1, keepdims=True))
            a = e / e.sum(-1, keepdims=True)
            return np.einsum("hte,hed->td", a @ v, W_V_up)
        """),
    ok("06", "multi_head", "a sum over a generator with zip", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            return sum(scaled_dot_product_attention(x @ wq, x @ wk, x @ wd)[0] @ wu
                       for wq, wk, wd, wu in zip(W_Q, W_K, W_V_down, W_V_up))
        """),
    # ---------------------------------------------------------------- 06 stack_value_ups
    bug("06", "stack_value_ups", "transpose(1, 0, 2) first: rows interleaved", "order|interleav|head 0|rows|block", """
        def stack_value_ups(W_V_up):
            n_heads, d_head, d_model = W_V_up.shape
            return W_V_up.transpose(1, 0, 2).reshape(n_heads * d_head, d_model)
        """),
    bug("06", "stack_value_ups", "np.hstack: side by side", "shape|side by side|horizontal|columns", """
        def stack_value_ups(W_V_up):
            return np.hstack(list(W_V_up))
        """),
    bug("06", "stack_value_ups", "heads reversed", "order|reverse|head 0|last", """
        def stack_value_ups(W_V_up):
            return np.vstack(W_V_up[::-1])
        """),
    bug("06", "stack_value_ups", "each map transposed", "transpose|shape", """
        def stack_value_ups(W_V_up):
            return np.vstack([w.T for w in W_V_up])
        """),
    bug("06", "stack_value_ups", "reshape in Fortran order", "order|reshape|interleav|rows", """
        def stack_value_ups(W_V_up):
            n_heads, d_head, d_model = W_V_up.shape
            return W_V_up.reshape(n_heads * d_head, d_model, order="F")
        """),
    ok("06", "stack_value_ups", "concatenate a list", """
        def stack_value_ups(W_V_up):
            return np.concatenate([W_V_up[h] for h in range(W_V_up.shape[0])], axis=0)
        """),
    ok("06", "stack_value_ups", "reshape(-1, d_model)", """
        def stack_value_ups(W_V_up):
            return W_V_up.reshape(-1, W_V_up.shape[-1])
        """),
    # ---------------------------------------------------------------- 06 head_entropy
    bug("06", "head_entropy", "natural log: nats", "log₂|log2|bits|nats|natural|ln", """
        def head_entropy(pattern):
            p = np.where(pattern > 0, pattern, 1.0)
            return float(np.mean(-np.sum(pattern * np.log(p), axis=1)))
        """),
    bug("06", "head_entropy", "the sum over rows, not the mean", "mean|average|rows", """
        def head_entropy(pattern):
            p = np.where(pattern > 0, pattern, 1.0)
            return float(-np.sum(pattern * np.log2(p)))
        """),
    bug("06", "head_entropy", "no minus sign", "sign|negative|minus", """
        def head_entropy(pattern):
            p = np.where(pattern > 0, pattern, 1.0)
            return float(np.mean(np.sum(pattern * np.log2(p), axis=1)))
        """),
    bug("06", "head_entropy", "0 · log 0 left as NaN", "0 log 0|zero|0 ·|log2(0)|masked", """
        def head_entropy(pattern):
            return float(np.mean(-np.sum(pattern * np.log2(pattern), axis=1)))
        """),
    bug("06", "head_entropy", "entropy of each column", "axis|column", """
        def head_entropy(pattern):
            p = np.where(pattern > 0, pattern, 1.0)
            return float(np.mean(-np.sum(pattern * np.log2(p), axis=0)))
        """),
    bug("06", "head_entropy", "mean over every entry (divides by T²)", "mean|entries|t²|rows", """
        def head_entropy(pattern):
            p = np.where(pattern > 0, pattern, 1.0)
            return float(-np.mean(pattern * np.log2(p)))
        """),
    bug("06", "head_entropy", "each row's entropy, not averaged", "shape|mean|average|number|one value", """
        def head_entropy(pattern):
            p = np.where(pattern > 0, pattern, 1.0)
            return -np.sum(pattern * np.log2(p), axis=1)
        """),
    bug("06", "head_entropy", "log10", "log₂|log2|bits|base", """
        def head_entropy(pattern):
            p = np.where(pattern > 0, pattern, 1.0)
            return float(np.mean(-np.sum(pattern * np.log10(p), axis=1)))
        """),
    ok("06", "head_entropy", "a tiny epsilon inside the log", """
        def head_entropy(pattern):
            return float(np.mean(-np.sum(pattern * np.log2(pattern + 1e-300), axis=-1)))
        """),
    ok("06", "head_entropy", "nansum with errstate", """
        def head_entropy(pattern):
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = pattern * np.log2(pattern)
            return np.nansum(-terms) / pattern.shape[0]
        """),
    ok("06", "head_entropy", "a loop over rows, skipping zeros", """
        def head_entropy(pattern):
            total = 0.0
            for row in pattern:
                nz = row[row > 0]
                total += -np.sum(nz * np.log2(nz))
            return total / len(pattern)
        """),
    # ---------------------------------------------------------------- 07 cross_attention
    bug("07", "cross_attention", "keys from x, values from the context", "key|context|target", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            out, _ = scaled_dot_product_attention(x @ W_Q, x @ W_K, context @ W_V)
            return out
        """),
    bug("07", "cross_attention", "by hand, unscaled", "scale|√|sqrt", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            s = (x @ W_Q) @ (context @ W_K).T
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            return (e / e.sum(axis=-1, keepdims=True)) @ (context @ W_V)
        """),
    bug("07", "cross_attention", "a causal mask on the source", "mask|causal|later|future", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            T, S = len(x), len(context)
            mask = np.tril(np.ones((T, S), dtype=bool))
            s = np.where(mask, (x @ W_Q) @ (context @ W_K).T / np.sqrt(W_Q.shape[1]), -np.inf)
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            return (e / e.sum(axis=-1, keepdims=True)) @ (context @ W_V)
        """),
    bug("07", "cross_attention", "softmax over the target positions", "axis|column|row", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            s = (x @ W_Q) @ (context @ W_K).T / np.sqrt(W_Q.shape[1])
            e = np.exp(s - s.max(axis=0, keepdims=True))
            return (e / e.sum(axis=0, keepdims=True)) @ (context @ W_V)
        """),
    bug("07", "cross_attention", "keys and values swapped", "w_v|keys|values|swap", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            return scaled_dot_product_attention(x @ W_Q, context @ W_V, context @ W_K)[0]
        """),
    ok("07", "cross_attention", "by hand", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            q, k, v = x @ W_Q, context @ W_K, context @ W_V
            s = q @ k.T / math.sqrt(k.shape[-1])
            w = np.exp(s - s.max(axis=1, keepdims=True))
            w /= w.sum(axis=1, keepdims=True)
            return w @ v
        """),
    ok("07", "cross_attention", "unpack the course's pair", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            output, pattern = scaled_dot_product_attention(q=x @ W_Q, k=context @ W_K, v=context @ W_V)
            return output
        """),
    # ---------------------------------------------------------------- 07 pattern_shapes
    bug("07", "pattern_shapes", "decoder as (target, source)", "square|target", """
        def pattern_shapes(n_source, n_target, n_heads):
            return {"encoder": (n_heads, n_source, n_source), "decoder": (n_heads, n_target, n_source),
                    "cross": (n_heads, n_target, n_source)}
        """),
    bug("07", "pattern_shapes", "the arguments read in the wrong order", "source|target|encoder|swap", """
        def pattern_shapes(n_target, n_source, n_heads):
            return {"encoder": (n_heads, n_source, n_source), "decoder": (n_heads, n_target, n_target),
                    "cross": (n_heads, n_target, n_source)}
        """),
    ok("07", "pattern_shapes", "dict() with tuple()", """
        def pattern_shapes(n_source, n_target, n_heads):
            S, T, H = n_source, n_target, n_heads
            return dict(encoder=tuple([H, S, S]), decoder=tuple([H, T, T]), cross=tuple([H, T, S]))
        """),
    ok("07", "pattern_shapes", "built from a table", """
        def pattern_shapes(n_source, n_target, n_heads):
            rows_cols = {"encoder": (n_source, n_source), "decoder": (n_target, n_target), "cross": (n_target, n_source)}
            return {name: (n_heads, *rc) for name, rc in rows_cols.items()}
        """),
    # ---------------------------------------------------------------- 07 decoder_masks
    bug("07", "decoder_masks", "cross mask (source, target)", "shape|cross", """
        def decoder_masks(n_target, n_source):
            return np.tri(n_target, dtype=bool), np.ones((n_source, n_target), dtype=bool)
        """),
    bug("07", "decoder_masks", "the pair in the wrong order", "order|swap|pair|first|cross", """
        def decoder_masks(n_target, n_source):
            return np.ones((n_target, n_source), dtype=bool), np.tri(n_target, dtype=bool)
        """),
    bug("07", "decoder_masks", "the cross mask all False", "false|nothing|cross|every", """
        def decoder_masks(n_target, n_source):
            return np.tri(n_target, dtype=bool), np.zeros((n_target, n_source), dtype=bool)
        """),
    ok("07", "decoder_masks", "comparisons and np.full", """
        def decoder_masks(n_target, n_source):
            i = np.arange(n_target)
            return i[:, None] >= i[None, :], np.full((n_target, n_source), True)
        """),
    ok("07", "decoder_masks", "np.tri and ones_like", """
        def decoder_masks(n_target, n_source):
            self_mask = np.tri(n_target, n_target, dtype=bool)
            cross_mask = np.ones((n_target, n_source), dtype=np.bool_)
            return (self_mask, cross_mask)
        """),
    # ---------------------------------------------------------------- 08 block_parameters
    bug("08", "block_parameters", "assumes d_mlp = 4 d_model", "d_mlp|assum|mlp", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            return {"attention": 4 * d_model * n_heads * d_head, "mlp": 8 * d_model ** 2}
        """),
    bug("08", "block_parameters", "three matrices per head (no value-up)", "output|four|three|value-up|3 matrices", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            return {"attention": 3 * d_model * n_heads * d_head, "mlp": 2 * d_model * d_mlp}
        """),
    bug("08", "block_parameters", "the MLP's up matrix only", "two|down|both", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            return {"attention": 4 * d_model * n_heads * d_head, "mlp": d_model * d_mlp}
        """),
    bug("08", "block_parameters", "biases included", "bias", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            attention = 4 * d_model * n_heads * d_head + 3 * n_heads * d_head + d_model
            return {"attention": attention, "mlp": 2 * d_model * d_mlp + d_mlp + d_model}
        """),
    bug("08", "block_parameters", "the total, not a dict", "dict|total", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            return 4 * d_model * n_heads * d_head + 2 * d_model * d_mlp
        """),
    ok("08", "block_parameters", "per matrix, summed", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            per_head = [d_model * d_head] * 4  # query, key, value-down, value-up
            return {"attention": n_heads * sum(per_head), "mlp": d_model * d_mlp + d_mlp * d_model}
        """),
    ok("08", "block_parameters", "dict() call", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            return dict(attention=4 * n_heads * d_head * d_model, mlp=2 * d_mlp * d_model)
        """),
    # ---------------------------------------------------------------- 08 fill_in_the_table
    bug("08", "fill_in_the_table", "per layer: forgets n_layers", "layer", """
        def fill_in_the_table(config):
            c = config
            head = c.n_heads * c.d_model * c.d_head
            return {"embedding": c.vocab_size * c.d_model, "query": head, "key": head, "value_down": head,
                    "value_up": head, "up_projection": c.d_model * c.d_mlp, "down_projection": c.d_mlp * c.d_model,
                    "unembedding": c.d_model * c.vocab_size}
        """),
    bug("08", "fill_in_the_table", "the embedding counted in every layer", "layer|once", """
        def fill_in_the_table(config):
            c = config
            head = c.n_layers * c.n_heads * c.d_model * c.d_head
            mlp = c.n_layers * c.d_model * c.d_mlp
            return {"embedding": c.n_layers * c.vocab_size * c.d_model, "query": head, "key": head,
                    "value_down": head, "value_up": head, "up_projection": mlp, "down_projection": mlp,
                    "unembedding": c.d_model * c.vocab_size}
        """),
    bug("08", "fill_in_the_table", "unembedding 0: thinks it is tied", "tied|tie", """
        def fill_in_the_table(config):
            c = config
            head = c.n_layers * c.n_heads * c.d_model * c.d_head
            mlp = c.n_layers * c.d_model * c.d_mlp
            return {"embedding": c.vocab_size * c.d_model, "query": head, "key": head, "value_down": head,
                    "value_up": head, "up_projection": mlp, "down_projection": mlp, "unembedding": 0}
        """),
    bug("08", "fill_in_the_table", "value_up as d_model²", "d_head|square", """
        def fill_in_the_table(config):
            c = config
            head = c.n_layers * c.n_heads * c.d_model * c.d_head
            mlp = c.n_layers * c.d_model * c.d_mlp
            return {"embedding": c.vocab_size * c.d_model, "query": head, "key": head, "value_down": head,
                    "value_up": c.n_layers * c.n_heads * c.d_model ** 2, "up_projection": mlp,
                    "down_projection": mlp, "unembedding": c.d_model * c.vocab_size}
        """),
    bug("08", "fill_in_the_table", "4 d_model for d_mlp", "d_mlp|mlp", """
        def fill_in_the_table(config):
            c = config
            head = c.n_layers * c.n_heads * c.d_model * c.d_head
            mlp = c.n_layers * c.d_model * 4 * c.d_model
            return {"embedding": c.vocab_size * c.d_model, "query": head, "key": head, "value_down": head,
                    "value_up": head, "up_projection": mlp, "down_projection": mlp,
                    "unembedding": c.d_model * c.vocab_size}
        """),
    bug("08", "fill_in_the_table", "row names up_proj / down_proj", "key|missing|up_projection|row", """
        def fill_in_the_table(config):
            c = config
            head = c.n_layers * c.n_heads * c.d_model * c.d_head
            mlp = c.n_layers * c.d_model * c.d_mlp
            return {"embedding": c.vocab_size * c.d_model, "query": head, "key": head, "value_down": head,
                    "value_up": head, "up_proj": mlp, "down_proj": mlp, "unembedding": c.d_model * c.vocab_size}
        """),
    bug("08", "fill_in_the_table", "value_down for one head per layer", "head|n_heads", """
        def fill_in_the_table(config):
            c = config
            head = c.n_layers * c.n_heads * c.d_model * c.d_head
            mlp = c.n_layers * c.d_model * c.d_mlp
            return {"embedding": c.vocab_size * c.d_model, "query": head, "key": head,
                    "value_down": c.n_layers * c.d_model * c.d_head, "value_up": head, "up_projection": mlp,
                    "down_projection": mlp, "unembedding": c.d_model * c.vocab_size}
        """),
    ok("08", "fill_in_the_table", "a comprehension over the head matrices", """
        def fill_in_the_table(config):
            c = config
            per_head = c.n_layers * c.n_heads * c.d_model * c.d_head
            table = {"embedding": c.vocab_size * c.d_model}
            table.update({name: per_head for name in ("query", "key", "value_down", "value_up")})
            table["up_projection"] = table["down_projection"] = c.n_layers * c.d_model * c.d_mlp
            table["unembedding"] = c.d_model * c.vocab_size
            return table
        """),
    ok("08", "fill_in_the_table", "getattr style", """
        def fill_in_the_table(config):
            L, H, D, d, V, M = (getattr(config, n) for n in ("n_layers", "n_heads", "d_head", "d_model", "vocab_size", "d_mlp"))
            return dict(embedding=V * d, query=L * H * d * D, key=L * H * d * D, value_down=L * H * d * D,
                        value_up=L * H * D * d, up_projection=L * d * M, down_projection=L * M * d, unembedding=d * V)
        """),
    # ---------------------------------------------------------------- 08 exact_parameters
]

_EXACT = """
def exact_parameters(config):
    c = config
    d, H, D, M, L, V = c.d_model, c.n_heads, c.d_head, c.d_mlp, c.n_layers, c.vocab_size
    total = V * d + c.context_length * d{pos}
    per_block = 4 * d * H * D + 2 * d * M
    if c.bias{bias_if}:
        per_block += {qkv_bias} + d + M{down_bias}
    ln = ({ln_n}) * ({ln_size})
    total += L * per_block + ln
    if {untied}:
        total += V * d
    return total
"""
_RIGHT = dict(pos="", bias_if="", qkv_bias="3 * H * D", down_bias=" + d", ln_n="2 * L + 1",
              ln_size="2 * d if c.bias else d", untied="not c.tie_weights")


def _exact(**slip):
    return dedent(_EXACT).format(**{**_RIGHT, **slip})


ATTEMPTS += [
    bug("08", "exact_parameters", "the tied unembedding counted again", "tied|tie|unembedding|twice|once", _exact(untied="True")),
    bug("08", "exact_parameters", "no position embeddings", "position|context_length", _exact(pos=" - c.context_length * d")),
    bug("08", "exact_parameters", "biases whatever config.bias says", "bias", _exact(bias_if=" or True")),
    bug("08", "exact_parameters", "no final LayerNorm", "final|ln_f|layernorm|norm", _exact(ln_n="2 * L")),
    bug("08", "exact_parameters", "LayerNorm shifts kept without biases", "layernorm|shift|bias|scale", _exact(ln_size="2 * d")),
    bug("08", "exact_parameters", "no bias on the MLP's down map", "bias|down|mlp", _exact(down_bias="")),
    bug("08", "exact_parameters", "q, k, v biases as 3 d_model", "bias|n_heads|d_head|quer", _exact(qkv_bias="3 * d")),
    bug("08", "exact_parameters", "one LayerNorm per block", "layernorm|norm|two|ln", _exact(ln_n="L + 1")),
    ok("08", "exact_parameters", "term by term", """
        def exact_parameters(config):
            c = config
            inner = c.n_heads * c.d_head
            weights = c.n_layers * (4 * c.d_model * inner + 2 * c.d_model * c.d_mlp)
            biases = c.n_layers * (3 * inner + c.d_model + c.d_mlp + c.d_model) if c.bias else 0
            norms = (2 * c.n_layers + 1) * c.d_model * (2 if c.bias else 1)
            embeddings = c.vocab_size * c.d_model * (1 if c.tie_weights else 2) + c.context_length * c.d_model
            return weights + biases + norms + embeddings
        """),
    ok("08", "exact_parameters", "a running sum per tensor", """
        def exact_parameters(config):
            c = config
            n = c.vocab_size * c.d_model + c.context_length * c.d_model
            for _ in range(c.n_layers):
                n += 4 * c.d_model * c.n_heads * c.d_head + 2 * c.d_model * c.d_mlp
                n += 2 * c.d_model * (2 if c.bias else 1)
                if c.bias:
                    n += 3 * c.n_heads * c.d_head + 2 * c.d_model + c.d_mlp
            n += c.d_model * (2 if c.bias else 1)
            if not c.tie_weights:
                n += c.vocab_size * c.d_model
            return n
        """),
]

# A second batch, written (still from the notebooks alone) after dropping the attempts whose code the
# second set already held word for word: the less obvious slips of the exercises left thin.
ATTEMPTS += [
    bug("01", "nearest_neighbours", "ranks by |cosine|: opposite rows count as near", "sign|absolute|opposite|negative", """
        def nearest_neighbours(vector, table, k):
            sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
            return np.argsort(-np.abs(sims))[:k]
        """),
    bug("01", "nearest_neighbours", "1-based indices", "1-based|off by|shift|+ 1", """
        def nearest_neighbours(vector, table, k):
            sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
            return np.argsort(-sims)[:k] + 1
        """),
    bug("01", "nearest_neighbours", "similarities rounded before sorting: ties by index", "round|tie|precision", """
        def nearest_neighbours(vector, table, k):
            sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
            return np.argsort(-np.round(sims, 1), kind="stable")[:k]
        """),
    ok("01", "nearest_neighbours", "ascending cosine distance", """
        def nearest_neighbours(vector, table, k):
            cos = (table @ vector) / (np.linalg.norm(table, axis=-1) * np.linalg.norm(vector))
            return np.argsort(1 - cos)[:k]
        """),
    bug("02", "score_grid", "np.matmul without the transpose", "transpose|shape|k.t", """
        def score_grid(x, W_Q, W_K):
            return np.matmul(x @ W_Q, x @ W_K)
        """),
    bug("02", "score_grid", "divided by the number of tokens", "divid|scale|token", """
        def score_grid(x, W_Q, W_K):
            return (x @ W_Q) @ (x @ W_K).T / len(x)
        """),
    bug("02", "picked_keys", "the largest magnitude (np.abs)", "absolute|sign|negative|magnitude", """
        def picked_keys(scores):
            return np.argmax(np.abs(scores), axis=1)
        """),
    bug("02", "picked_keys", "unravel_index of the grid's max: one column", "flat|shape|single|whole grid", """
        def picked_keys(scores):
            return np.unravel_index(np.argmax(scores), scores.shape)[1]
        """),
    bug("03", "stable_softmax", "max on the last axis, sum on axis 0", "axis|row|column", """
        def stable_softmax(scores):
            e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
            return e / np.sum(e, axis=0, keepdims=True)
        """),
    bug("03", "stable_softmax", "shifted numerator, unshifted denominator", "shift|denominator|both|overflow", """
        def stable_softmax(scores):
            m = np.max(scores, axis=-1, keepdims=True)
            return np.exp(scores - m) / np.sum(np.exp(scores), axis=-1, keepdims=True)
        """),
    bug("03", "stable_softmax", "powers of 2, not of e", "base|e^|powers of 2|np.exp|power", """
        def stable_softmax(scores):
            p = 2.0 ** (scores - np.max(scores, axis=-1, keepdims=True))
            return p / p.sum(axis=-1, keepdims=True)
        """),
    bug("03", "softmax_with_temperature", "subtracts the temperature", "subtract|divid|temperature|shift", """
        def softmax_with_temperature(scores, temperature):
            return stable_softmax(scores - temperature)
        """),
    bug("03", "softmax_with_temperature", "probabilities to the power 1/t, never renormalised", "normal|renormal|sum to 1", """
        def softmax_with_temperature(scores, temperature):
            return stable_softmax(scores) ** (1 / temperature)
        """),
    bug("03", "softmax_with_temperature", "by hand down axis 0", "axis|column|last axis", """
        def softmax_with_temperature(scores, temperature):
            z = scores / temperature
            e = np.exp(z - z.max(axis=0, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        """),
    bug("03", "softmax_with_temperature", "int(temperature), at least 1: 0.5 and 1.5 become 1", "integer|int|temperature|inf", """
        def softmax_with_temperature(scores, temperature):
            with np.errstate(divide="ignore", invalid="ignore"):
                return stable_softmax(scores / max(int(temperature), 1))
        """),
    bug("03", "attention_pattern", "√ of q.shape (a pair of numbers)", "shape|√|d_k|broadcast", """
        def attention_pattern(q, k):
            return stable_softmax(q @ k.T / np.sqrt(q.shape))
        """),
    bug("03", "attention_pattern", "qᵀ k", "transpose|shape", """
        def attention_pattern(q, k):
            return stable_softmax(q.T @ k / np.sqrt(q.shape[-1]))
        """),
    bug("03", "attention_pattern", "scaled twice (scaled scores, then again)", "√|sqrt|twice|scale", """
        def attention_pattern(q, k):
            scaled = q @ k.T / math.sqrt(q.shape[-1])
            return stable_softmax(scaled / math.sqrt(q.shape[-1]))
        """),
    bug("03", "attention_pattern", "returns (pattern, scores)", "tuple|pair|shape", """
        def attention_pattern(q, k):
            s = q @ k.T / np.sqrt(q.shape[-1])
            return stable_softmax(s), s
        """),
    bug("03", "attention_pattern", "multiplies by √d", "multipl|√|times", """
        def attention_pattern(q, k):
            return stable_softmax(q @ k.T * np.sqrt(q.shape[-1]))
        """),
    bug("03", "attention_pattern", "scales the queries in place", "in place|changed|argument|modif", """
        def attention_pattern(q, k):
            q /= np.sqrt(q.shape[-1])
            return stable_softmax(q @ k.T)
        """),
    bug("03", "attention_pattern", "divides exp by the number of keys", "normal|sum to 1|rows", """
        def attention_pattern(q, k):
            s = q @ k.T / np.sqrt(q.shape[-1])
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            return e / e.shape[-1]
        """),
    bug("04", "causal_mask", "all True", "causal|future|later|upper|every", """
        def causal_mask(T):
            return np.ones((T, T), dtype=bool)
        """),
    bug("04", "causal_mask", "np.eye: only itself", "earlier|before|past|diagonal only|itself only|lower", """
        def causal_mask(T):
            return np.eye(T, dtype=bool)
        """),
    bug("04", "causal_mask", "tril(k=1): one future key", "future|later|above|k=1|diagonal|upper", """
        def causal_mask(T):
            return np.tril(np.ones((T, T), dtype=bool), k=1)
        """),
    bug("04", "pattern_size", "2 · T (a query and a key per token)", "square|t²|t × t|every key", """
        def pattern_size(context_length, dtype):
            return 2 * context_length * np.dtype(dtype).itemsize
        """),
    bug("04", "pattern_size", "itemsize² · T", "square|itemsize|t²|t × t", """
        def pattern_size(context_length, dtype):
            return np.dtype(dtype).itemsize ** 2 * context_length
        """),
    bug("04", "pattern_size", "the bits in the dtype's name", "bits|bytes", """
        def pattern_size(context_length, dtype):
            return context_length ** 2 * int("".join(c for c in str(dtype) if c.isdigit()))
        """),
    bug("05", "weighted_sum", "the result transposed", "transpose|shape", """
        def weighted_sum(pattern, values):
            return (pattern @ values).T
        """),
    bug("05", "update", "value-down only: no value-up", "shape|w_up|value-up", """
        def update(E, pattern, W_down, W_up):
            return E + pattern @ E @ W_down
        """),
    bug("05", "update", "weighted_sum's arguments swapped", "order|argument|shape|swap", """
        def update(E, pattern, W_down, W_up):
            return E + weighted_sum(E @ W_down, pattern) @ W_up
        """),
    bug("05", "update", "the change scaled by √d_head", "scale|√|divid", """
        def update(E, pattern, W_down, W_up):
            return E + pattern @ (E @ W_down @ W_up) / np.sqrt(W_down.shape[1])
        """),
    bug("06", "stack_value_ups", "swapaxes(1, 2) before the reshape", "transpose|order|interleav|rows", """
        def stack_value_ups(W_V_up):
            return W_V_up.swapaxes(1, 2).reshape(-1, W_V_up.shape[-1])
        """),
    bug("07", "cross_attention", "scaled by √d_value", "√|d_head|d_value|scale", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            s = (x @ W_Q) @ (context @ W_K).T / np.sqrt(W_V.shape[1])
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            return (e / e.sum(axis=-1, keepdims=True)) @ (context @ W_V)
        """),
    bug("07", "pattern_shapes", "a list of the three shapes", "dict|key", """
        def pattern_shapes(n_source, n_target, n_heads):
            return [(n_heads, n_source, n_source), (n_heads, n_target, n_target), (n_heads, n_target, n_source)]
        """),
    bug("07", "pattern_shapes", "keys enc / dec / cross", "key|encoder|missing", """
        def pattern_shapes(n_source, n_target, n_heads):
            return {"enc": (n_heads, n_source, n_source), "dec": (n_heads, n_target, n_target),
                    "cross": (n_heads, n_target, n_source)}
        """),
    bug("07", "pattern_shapes", "cross square over the target", "cross|source|column|context", """
        def pattern_shapes(n_source, n_target, n_heads):
            return {"encoder": (n_heads, n_source, n_source), "decoder": (n_heads, n_target, n_target),
                    "cross": (n_heads, n_target, n_target)}
        """),
    bug("07", "pattern_shapes", "one more target row for <s>", "target|shape|+ 1|one more", """
        def pattern_shapes(n_source, n_target, n_heads):
            T = n_target + 1
            return {"encoder": (n_heads, n_source, n_source), "decoder": (n_heads, T, T), "cross": (n_heads, T, n_source)}
        """),
    bug("07", "decoder_masks", "a dict, not a pair", "tuple|pair|dict", """
        def decoder_masks(n_target, n_source):
            return {"self": np.tri(n_target, dtype=bool), "cross": np.ones((n_target, n_source), dtype=bool)}
        """),
    bug("07", "decoder_masks", "the cross mask as floats", "bool|dtype|cross|float", """
        def decoder_masks(n_target, n_source):
            return np.tri(n_target, dtype=bool), np.ones((n_target, n_source))
        """),
    bug("07", "decoder_masks", "the self mask without its diagonal", "diagonal|itself", """
        def decoder_masks(n_target, n_source):
            return np.tri(n_target, k=-1, dtype=bool), np.ones((n_target, n_source), dtype=bool)
        """),
    bug("08", "block_parameters", "attention as 4 · n_heads · d_head²", "d_model|d_head|square", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            return {"attention": 4 * n_heads * d_head ** 2, "mlp": 2 * d_model * d_mlp}
        """),
]
