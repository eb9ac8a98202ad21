# ruff: noqa: E501 — a row holds one learner attempt and the words that name its slip, kept on its line
"""Lessons 01–08: a fourth fresh set of learner answers (run by tests/fresh_mistakes_4.py).

Written from the notebooks' exercise texts and stubs alone, before reading lib/attnlab/checks/, any
catalogue, the checks' tests or the earlier sets' attempts (whose format alone was read). A row is
(lesson, exercise, label, keys, real, code): `keys` are "|"-separated words (any one, lower case)
that a line naming the slip would hold, chosen before any line was seen; `real` False is another
valid answer, which must pass.
"""

from fresh_mistakes_2 import bug, ok

ATTEMPTS = [
    # ---------------------------------------------------------------- 01 cosine_similarity
    bug("01", "cosine_similarity", "the length of the elementwise product below", "length|norm|product of the lengths", """
        def cosine_similarity(u, v):
            return float(u @ v / np.linalg.norm(u * v))
        """),
    bug("01", "cosine_similarity", "one root of the summed squares of both", "length|norm|product of the lengths|sum", """
        def cosine_similarity(u, v):
            return np.sum(u * v) / np.sqrt(np.sum(u ** 2) + np.sum(v ** 2))
        """),
    bug("01", "cosine_similarity", "the plain dot product, no division", "length|divid|dot product|normalis", """
        def cosine_similarity(u, v):
            return float(np.dot(u, v))
        """),
    bug("01", "cosine_similarity", "u's length where v's belongs", "length|norm|both", """
        def cosine_similarity(u, v):
            nu = np.linalg.norm(u)
            return np.dot(u, v) / (nu * nu)
        """),
    bug("01", "cosine_similarity", "the cosine distance 1 - cos", "distance|1 -|1 −|minus", """
        def cosine_similarity(u, v):
            similarity = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
            return 1.0 - similarity
        """),
    bug("01", "cosine_similarity", "floor division", "floor|//|integer|round|whole", """
        def cosine_similarity(u, v):
            lengths = np.linalg.norm(u) * np.linalg.norm(v)
            return np.floor_divide(np.dot(u, v), lengths)
        """),
    bug("01", "cosine_similarity", "the sum of the outer product", "outer|every pair|sum of all", """
        def cosine_similarity(u, v):
            return np.outer(u, v).sum() / (np.linalg.norm(u) * np.linalg.norm(v))
        """),
    bug("01", "cosine_similarity", "L1 lengths", "l1|absolute|norm|length", """
        def cosine_similarity(u, v):
            return u @ v / (np.linalg.norm(u, 1) * np.linalg.norm(v, 1))
        """),
    bug("01", "cosine_similarity", "normalises the arguments in place", "in place|changed|modif|copy", """
        def cosine_similarity(u, v):
            for w in (u, v):
                w /= np.sqrt(np.sum(w * w))
            return float(np.sum(u * v))
        """),
    ok("01", "cosine_similarity", "two square roots, one after the other", """
        def cosine_similarity(u, v):
            return np.dot(u, v) / np.sqrt(np.dot(u, u)) / np.sqrt(np.dot(v, v))
        """),
    ok("01", "cosine_similarity", "np.inner and a local import of norm", """
        def cosine_similarity(u, v):
            from numpy.linalg import norm
            return float(np.inner(u, v) / (norm(u) * norm(v)))
        """),
    ok("01", "cosine_similarity", "scipy's cosine distance, turned around", """
        def cosine_similarity(u, v):
            from scipy.spatial import distance
            return 1.0 - distance.cosine(u, v)
        """),
    # ---------------------------------------------------------------- 01 nearest_neighbours
    bug("01", "nearest_neighbours", "ranks by the plain dot product", "dot product|length|cosine|normalis", """
        def nearest_neighbours(vector, table, k):
            scores = np.dot(table, vector)
            order = np.argsort(scores)[::-1]
            return order[:k]
        """),
    bug("01", "nearest_neighbours", "the k least similar", "smallest|lowest|least|worst|ascending|reverse", """
        def nearest_neighbours(vector, table, k):
            norms = np.sqrt((table ** 2).sum(axis=1)) * np.sqrt((vector ** 2).sum())
            cos = np.dot(table, vector) / norms
            ranked = np.argsort(cos)
            return ranked[0:k]
        """),
    bug("01", "nearest_neighbours", "the best k, worst first", "order|reverse|best first|ascending|worst first|revers", """
        def nearest_neighbours(vector, table, k):
            cos = (table @ vector) / np.linalg.norm(table, axis=-1) / np.linalg.norm(vector)
            ranked = cos.argsort()
            return ranked[len(ranked) - k:]
        """),
    bug("01", "nearest_neighbours", "skips the best row, taking it for the word itself", "skip|itself|leav|one off|shifted|offset|off by one", """
        def nearest_neighbours(vector, table, k):
            cos = (table @ vector) / (np.linalg.norm(table, axis=-1) * np.linalg.norm(vector))
            ranked = (-cos).argsort()
            return ranked[1:][:k]  # leave out the word itself
        """),
    bug("01", "nearest_neighbours", "divides the table by its one overall length", "dot product|length|cosine|normalis", """
        def nearest_neighbours(vector, table, k):
            unit_table = table / np.linalg.norm(table)
            unit_vector = vector / np.linalg.norm(vector)
            return np.argsort(-(unit_table @ unit_vector))[:k]
        """),
    bug("01", "nearest_neighbours", "returns the similarities, not the indices", "similarit|values|indices|index|scores", """
        def nearest_neighbours(vector, table, k):
            cos = (table @ vector) / (np.linalg.norm(table, axis=-1) * np.linalg.norm(vector))
            return -np.sort(-cos)[:k]
        """),
    bug("01", "nearest_neighbours", "returns (indices, similarities) like the reference", "tuple|pair|two things|both", """
        def nearest_neighbours(vector, table, k):
            sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
            idx = np.argsort(-sims)[:k]
            return idx, sims[idx]
        """),
    bug("01", "nearest_neighbours", "argmax k times: the best row repeated", "repeat|same|duplicate|distinct|once", """
        def nearest_neighbours(vector, table, k):
            sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
            best = []
            for _ in range(k):
                best.append(int(np.argmax(sims)))
            return np.array(best)
        """),
    bug("01", "nearest_neighbours", "argpartition, never sorted", "order|sorted|best first|rank", """
        def nearest_neighbours(vector, table, k):
            sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
            return np.argpartition(-sims, k - 1)[:k][::-1]
        """),
    ok("01", "nearest_neighbours", "only the rows normalised (the query's length ranks nothing)", """
        def nearest_neighbours(vector, table, k):
            rows = table / np.linalg.norm(table, axis=1, keepdims=True)
            return np.argsort(-(rows @ vector))[:k]
        """),
    ok("01", "nearest_neighbours", "a sorted() over the learner's cosine_similarity", """
        def nearest_neighbours(vector, table, k):
            order = sorted(range(len(table)), key=lambda i: -cosine_similarity(vector, table[i]))
            return np.array(order[:k])
        """),
    ok("01", "nearest_neighbours", "argpartition, then the k sorted", """
        def nearest_neighbours(vector, table, k):
            sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
            top = np.argpartition(-sims, k - 1)[:k]
            return top[np.argsort(-sims[top], kind="stable")]
        """),
    # ---------------------------------------------------------------- 01 spread
    bug("01", "spread", "averages over all n² pairs, the diagonal too", "diagonal|itself|i < j|pairs|n(n-1)|n²|same vector", """
        def spread(vectors):
            unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
            return float(np.mean(1 - unit @ unit.T))
        """),
    bug("01", "spread", "the pairs' sum divided by n²", "n(n-1)/2|pairs|divid|count|mean", """
        def spread(vectors):
            n = len(vectors)
            total = 0.0
            for i in range(n):
                for j in range(i + 1, n):
                    total += 1 - cosine_similarity(vectors[i], vectors[j])
            return total / n ** 2
        """),
    bug("01", "spread", "the mean cosine, not 1 - cos", "1 -|1 −|similarity|minus", """
        def spread(vectors):
            n = len(vectors)
            sims = [cosine_similarity(vectors[i], vectors[j]) for i in range(n) for j in range(i + 1, n)]
            return float(np.mean(sims))
        """),
    bug("01", "spread", "1 - the plain dot product", "cosine|length|normalis|dot", """
        def spread(vectors):
            n = len(vectors)
            d = [1 - vectors[i] @ vectors[j] for i in range(n) for j in range(i + 1, n)]
            return float(np.mean(d))
        """),
    bug("01", "spread", "both orders summed, divided by the unordered count", "twice|double|both orders|pairs|i < j", """
        def spread(vectors):
            n = len(vectors)
            total = sum(1 - cosine_similarity(vectors[i], vectors[j]) for i in range(n) for j in range(n) if i != j)
            return total / (n * (n - 1) / 2)
        """),
    bug("01", "spread", "only neighbouring rows paired", "pairs|every pair|consecutive|neighbour|adjacent", """
        def spread(vectors):
            d = [1 - cosine_similarity(a, b) for a, b in zip(vectors[:-1], vectors[1:])]
            return float(np.mean(d))
        """),
    ok("01", "spread", "j from i: the diagonal's zeros add nothing", """
        def spread(vectors):
            n = len(vectors)
            total = 0.0
            for i in range(n):
                for j in range(i, n):
                    total += 1 - cosine_similarity(vectors[i], vectors[j])
            return total / (n * (n - 1) / 2)
        """),
    bug("01", "spread", "normalises the columns (axis 0)", "axis|column|row|normalis", """
        def spread(vectors):
            unit = vectors / np.linalg.norm(vectors, axis=0, keepdims=True)
            g = unit @ unit.T
            i, j = np.triu_indices(len(vectors), k=1)
            return float(np.mean(1 - g[i, j]))
        """),
    ok("01", "spread", "the Gram matrix's strict upper triangle", """
        def spread(vectors):
            unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
            gram = unit @ unit.T
            upper = np.triu_indices(vectors.shape[0], k=1)
            return float((1 - gram[upper]).mean())
        """),
    ok("01", "spread", "itertools.combinations", """
        from itertools import combinations

        def spread(vectors):
            distances = [1.0 - cosine_similarity(a, b) for a, b in combinations(vectors, 2)]
            return float(np.mean(distances))
        """),
    ok("01", "spread", "the off-diagonal mean from the Gram matrix's sum", """
        def spread(vectors):
            n = len(vectors)
            unit = vectors / np.linalg.norm(vectors, axis=1)[:, None]
            off_diagonal = unit @ unit.T
            return float(1 - (off_diagonal.sum() - np.trace(off_diagonal)) / (n * (n - 1)))
        """),
    # ---------------------------------------------------------------- 02 score_grid
    bug("02", "score_grid", "(x W_Q)ᵀ (x W_K): a d_head × d_head grid", "shape|transpos|d_head", """
        def score_grid(x, W_Q, W_K):
            queries = np.dot(x, W_Q)
            keys = np.dot(x, W_K)
            return np.dot(queries.T, keys)
        """),
    bug("02", "score_grid", "keys times queries: the transpose", "transpose|column|swap", """
        def score_grid(x, W_Q, W_K):
            queries, keys = np.dot(x, W_Q), np.dot(x, W_K)
            return np.dot(keys, queries.T)
        """),
    bug("02", "score_grid", "scaled already", "scale|sqrt|√|divid", """
        def score_grid(x, W_Q, W_K):
            queries, keys = np.dot(x, W_Q), np.dot(x, W_K)
            d_head = W_Q.shape[1]
            return np.dot(queries, keys.T) / d_head ** 0.5
        """),
    bug("02", "score_grid", "the query map twice", "w_k|key|w_q|query map", """
        def score_grid(x, W_Q, W_K):
            q = x @ W_Q
            return q @ (x @ W_Q).T
        """),
    bug("02", "score_grid", "each token with itself only: (T,)", "shape|diagonal|itself|(t,)", """
        def score_grid(x, W_Q, W_K):
            queries, keys = np.dot(x, W_Q), np.dot(x, W_K)
            return np.einsum("td,td->t", queries, keys)
        """),
    bug("02", "score_grid", "softmaxed rows", "softmax|pattern|sum to 1|normalis|weights", """
        def score_grid(x, W_Q, W_K):
            s = (x @ W_Q) @ (x @ W_K).T
            e = np.exp(s - s.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        """),
    bug("02", "score_grid", "keys from the raw embeddings", "w_k|key|project|raw", """
        def score_grid(x, W_Q, W_K):
            q = x @ W_Q
            return q @ (x @ W_K @ W_K.T).T
        """),
    ok("02", "score_grid", "x W_Q W_Kᵀ xᵀ in one chain", """
        def score_grid(x, W_Q, W_K):
            bilinear = np.dot(W_Q, W_K.T)  # (d_model, d_model)
            return np.dot(np.dot(x, bilinear), x.T)
        """),
    ok("02", "score_grid", "einsum", """
        def score_grid(x, W_Q, W_K):
            queries = np.einsum("tc,cd->td", x, W_Q)
            keys = np.einsum("tc,cd->td", x, W_K)
            return np.einsum("td,sd->ts", queries, keys)
        """),
    ok("02", "score_grid", "a double loop of dot products", """
        def score_grid(x, W_Q, W_K):
            q, k = x @ W_Q, x @ W_K
            T = x.shape[0]
            grid = np.empty((T, T))
            for i in range(T):
                for j in range(T):
                    grid[i, j] = q[i] @ k[j]
            return grid
        """),
    # ---------------------------------------------------------------- 02 picked_keys
    bug("02", "picked_keys", "argmax down the columns", "axis|column|per key", """
        def picked_keys(scores):
            return scores.argmax(0)
        """),
    bug("02", "picked_keys", "argmin", "lowest|smallest|argmin|min", """
        def picked_keys(scores):
            return scores.argmin(axis=-1)
        """),
    bug("02", "picked_keys", "the best scores, not their keys", "values|indices|scores themselves|max score|best score", """
        def picked_keys(scores):
            return np.array([row.max() for row in scores])
        """),
    bug("02", "picked_keys", "indices as floats", "float|integer|whole|dtype|int", """
        def picked_keys(scores):
            return np.argmax(scores, axis=1).astype(np.float64)
        """),
    bug("02", "picked_keys", "argmax of the flattened grid", "flat|axis|one number|single|shape", """
        def picked_keys(scores):
            return scores.argmax()
        """),
    bug("02", "picked_keys", "the first column of argsort: the lowest", "lowest|smallest|min|ascending", """
        def picked_keys(scores):
            order = np.argsort(scores, axis=-1)
            return order[..., 0]
        """),
    bug("02", "picked_keys", "counts keys from 1", "1-based|off by one|plus one|+1|one more|shifted", """
        def picked_keys(scores):
            return 1 + scores.argmax(axis=1)
        """),
    ok("02", "picked_keys", "a list of ints, row by row", """
        def picked_keys(scores):
            picks = []
            for query_scores in scores:
                picks.append(int(query_scores.argmax()))
            return np.asarray(picks)
        """),
    ok("02", "picked_keys", "stable argsort of the negated scores", """
        def picked_keys(scores):
            return np.argsort(-scores, axis=1, kind="stable")[:, 0]
        """),
    # ---------------------------------------------------------------- 02 scaled_scores
    bug("02", "scaled_scores", "multiplies by √d_head", "multipl|instead of divid|times", """
        def scaled_scores(q, k):
            d_head = q.shape[-1]
            return np.dot(q, k.T) * math.sqrt(d_head)
        """),
    bug("02", "scaled_scores", "√ of the number of keys", "d_head|tk|number of keys|shape[0]|keys", """
        def scaled_scores(q, k):
            Tk, d_head = k.shape
            return np.dot(q, k.T) / math.sqrt(Tk)
        """),
    bug("02", "scaled_scores", "√ of the number of queries", "d_head|tq|number of queries|shape[0]|queries", """
        def scaled_scores(q, k):
            return (q @ k.T) / math.sqrt(len(q))
        """),
    bug("02", "scaled_scores", "** 1/2: precedence makes it d/2", "precedence|/ 2|half|parenthes|d_head / 2", """
        def scaled_scores(q, k):
            d_head = q.shape[-1]
            return np.dot(q, k.T) / d_head**1/2
        """),
    bug("02", "scaled_scores", "k qᵀ: the transpose", "transpose|column|swap", """
        def scaled_scores(q, k):
            d_head = q.shape[-1]
            return np.dot(k, q.T) / math.sqrt(d_head)
        """),
    bug("02", "scaled_scores", "both q and k divided by √d: d in all", "twice|both|d_head instead|not √|square root|sqrt|√", """
        def scaled_scores(q, k):
            d = q.shape[-1]
            return (q / np.sqrt(d)) @ (k / np.sqrt(d)).T
        """),
    bug("02", "scaled_scores", "qᵀ k: a d_head × d_head grid", "shape|transpose|d_head", """
        def scaled_scores(q, k):
            return q.T @ k / np.sqrt(q.shape[1])
        """),
    ok("02", "scaled_scores", "times 1/√d", """
        def scaled_scores(q, k):
            return q @ k.T * (1.0 / math.sqrt(q.shape[-1]))
        """),
    ok("02", "scaled_scores", "einsum, the queries scaled first", """
        def scaled_scores(q, k):
            return np.einsum("qd,kd->qk", q / np.sqrt(q.shape[1]), k)
        """),
    ok("02", "scaled_scores", "np.matmul and ** 0.5", """
        def scaled_scores(q, k):
            return np.matmul(q, k.T) / q.shape[-1] ** 0.5
        """),
    # ---------------------------------------------------------------- 03 stable_softmax
    bug("03", "stable_softmax", "subtracts each column's maximum", "column|axis|row's max|each row|underflow|whole", """
        def stable_softmax(scores):
            e = np.exp(scores - np.max(scores, axis=0, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("03", "stable_softmax", "normalises along axis 0", "axis|column|sum to 1|rows", """
        def stable_softmax(scores):
            e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
            return e / e.sum(axis=0, keepdims=True)
        """),
    bug("03", "stable_softmax", "no keepdims on the max", "keepdims|broadcast|length-1", """
        def stable_softmax(scores):
            e = np.exp(scores - np.max(scores, axis=-1))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("03", "stable_softmax", "no keepdims on the sum", "keepdims|broadcast|length-1", """
        def stable_softmax(scores):
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1)
        """),
    bug("03", "stable_softmax", "subtracts the mean", "mean|average", """
        def stable_softmax(scores):
            e = np.exp(scores - scores.mean(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("03", "stable_softmax", "shifts in place with -=", "in place|changed|modif|copy", """
        def stable_softmax(scores):
            scores -= scores.max(axis=-1, keepdims=True)
            e = np.exp(scores)
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("03", "stable_softmax", "divides by the sum of the whole array", "whole|all entries|every entry|axis|total|each row", """
        def stable_softmax(scores):
            e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
            e /= e.sum()
            return e
        """),
    bug("03", "stable_softmax", "returns the log-softmax", "log", """
        def stable_softmax(scores):
            shifted = scores - np.max(scores, axis=-1, keepdims=True)
            return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        """),
    bug("03", "stable_softmax", "-inf replaced by 0 first", "-inf|masked|weight 0|infin|zero", """
        def stable_softmax(scores):
            s = np.where(np.isinf(scores), 0.0, scores)
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("03", "stable_softmax", "divides by the max of the exps", "max|largest|normalis|sum to 1", """
        def stable_softmax(scores):
            e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
            return e / e.max(axis=-1, keepdims=True)
        """),
    bug("03", "stable_softmax", "axis=1: grids only", "axis|last axis|batch|1-d|any shape|axis=1", """
        def stable_softmax(scores):
            e = np.exp(scores - scores.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
        """),
    ok("03", "stable_softmax", "scipy.special.softmax", """
        from scipy.special import softmax as scipy_softmax

        def stable_softmax(scores):
            return scipy_softmax(scores, axis=-1)
        """),
    ok("03", "stable_softmax", "the sum indexed back with [..., None]", """
        def stable_softmax(scores):
            e = np.exp(scores - scores.max(-1, keepdims=True))
            return e / np.sum(e, -1)[..., None]
        """),
    ok("03", "stable_softmax", "exp of score minus a stable logsumexp", """
        def stable_softmax(scores):
            top = scores.max(axis=-1, keepdims=True)
            log_total = top + np.log(np.exp(scores - top).sum(axis=-1, keepdims=True))
            return np.exp(scores - log_total)
        """),
    ok("03", "stable_softmax", "np.apply_along_axis over 1-D rows", """
        def stable_softmax(scores):
            def one(row):
                e = np.exp(row - row.max())
                return e / e.sum()
            return np.apply_along_axis(one, -1, np.asarray(scores, dtype=float))
        """),
    # ---------------------------------------------------------------- 03 softmax_with_temperature
    bug("03", "softmax_with_temperature", "multiplies by the temperature", "multipl|inverse|reciprocal|times", """
        def softmax_with_temperature(scores, temperature):
            z = np.multiply(scores, temperature)
            z = z - z.max(axis=-1, keepdims=True)
            return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
        """),
    bug("03", "softmax_with_temperature", "divides the weights after softmax", "after|before the softmax|sum to 1", """
        def softmax_with_temperature(scores, temperature):
            weights = stable_softmax(scores)
            return np.divide(weights, temperature)
        """),
    bug("03", "softmax_with_temperature", "softmax to the power 1/t, not renormalised", "sum to 1|normalis|power|renormal|weights sum to", """
        def softmax_with_temperature(scores, temperature):
            weights = stable_softmax(scores)
            return np.power(weights, 1.0 / temperature)
        """),
    bug("03", "softmax_with_temperature", "subtracts the unscaled max after dividing", "overflow|max(s / t)|max of the scaled", """
        def softmax_with_temperature(scores, temperature):
            e = np.exp(scores / temperature - scores.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("03", "softmax_with_temperature", "divides by t squared", "square|t²|twice|t ** 2", """
        def softmax_with_temperature(scores, temperature):
            z = scores / (temperature * temperature)
            z = z - z.max(axis=-1, keepdims=True)
            return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
        """),
    bug("03", "softmax_with_temperature", "adds the temperature: no effect", "ignor|no effect|shift|add|without|plain softmax", """
        def softmax_with_temperature(scores, temperature):
            return stable_softmax(scores + temperature)
        """),
    bug("03", "softmax_with_temperature", "one sum over the whole array", "whole|all entries|axis|total|each row", """
        def softmax_with_temperature(scores, temperature):
            z = scores / temperature
            e = np.exp(z - z.max(axis=-1, keepdims=True))
            return e / np.sum(e)
        """),
    bug("03", "softmax_with_temperature", "exp(s) ** (1/t): overflows", "overflow|stable|exp(1000)|subtract the max", """
        def softmax_with_temperature(scores, temperature):
            e = np.exp(scores) ** (1.0 / temperature)
            return e / e.sum(axis=-1, keepdims=True)
        """),
    ok("03", "softmax_with_temperature", "scaled first, then the learner's softmax", """
        def softmax_with_temperature(scores, temperature):
            scaled = np.asarray(scores) / temperature
            return stable_softmax(scaled)
        """),
    ok("03", "softmax_with_temperature", "max subtracted before dividing", """
        def softmax_with_temperature(scores, temperature):
            z = (scores - np.max(scores, axis=-1, keepdims=True)) / temperature
            w = np.exp(z)
            return w / w.sum(axis=-1, keepdims=True)
        """),
    # ---------------------------------------------------------------- 03 attention_pattern
    bug("03", "attention_pattern", "not scaled", "scale|√|sqrt", """
        def attention_pattern(q, k):
            grid = np.dot(q, k.T)
            return stable_softmax(grid)
        """),
    bug("03", "attention_pattern", "softmax of each column", "column|axis|each row|rows sum", """
        def attention_pattern(q, k):
            s = q @ k.T / np.sqrt(q.shape[-1])
            return stable_softmax(s.T).T
        """),
    bug("03", "attention_pattern", "scaled by d_k, not √d_k", "√|sqrt|square root|d_k instead", """
        def attention_pattern(q, k):
            return stable_softmax(q @ k.T / k.shape[-1])
        """),
    bug("03", "attention_pattern", "keys as rows: k qᵀ", "transpose|swap|k @ q", """
        def attention_pattern(q, k):
            grid = np.dot(k, q.T) / math.sqrt(k.shape[-1])
            return stable_softmax(grid)
        """),
    bug("03", "attention_pattern", "no softmax", "softmax|sum to 1|normalis", """
        def attention_pattern(q, k):
            return q @ k.T / np.sqrt(q.shape[-1])
        """),
    bug("03", "attention_pattern", "scaled after the softmax", "after|before|sum to 1|order", """
        def attention_pattern(q, k):
            weights = stable_softmax(np.dot(q, k.T))
            return weights / math.sqrt(q.shape[1])
        """),
    bug("03", "attention_pattern", "√ of the number of keys", "d_k|tk|number of keys|shape[0]|keys", """
        def attention_pattern(q, k):
            return stable_softmax(q @ k.T / math.sqrt(k.shape[0]))
        """),
    bug("03", "attention_pattern", "one softmax over the whole grid", "whole|all entries|every row|total|each row", """
        def attention_pattern(q, k):
            grid = np.dot(q, k.T) / math.sqrt(q.shape[1])
            w = np.exp(grid - np.max(grid))
            return w / np.sum(w)
        """),
    ok("03", "attention_pattern", "einsum and an inline softmax", """
        def attention_pattern(q, k):
            s = np.einsum("id,jd->ij", q, k) / math.sqrt(q.shape[1])
            w = np.exp(s - s.max(axis=1, keepdims=True))
            return w / w.sum(axis=1, keepdims=True)
        """),
    ok("03", "attention_pattern", "queries scaled by 1/√d before the product", """
        def attention_pattern(q, k):
            return stable_softmax((q * q.shape[-1] ** -0.5) @ k.T)
        """),
    # ---------------------------------------------------------------- 04 causal_mask
    bug("04", "causal_mask", "np.triu: the upper triangle", "upper|triu|future|later|transpose", """
        def causal_mask(T):
            grid = np.ones((T, T), dtype=bool)
            return np.triu(grid, k=0)
        """),
    bug("04", "causal_mask", "a float triangle of ones", "bool|dtype|float", """
        def causal_mask(T):
            return np.tri(T, T)
        """),
    bug("04", "causal_mask", "tril with k=-1: no diagonal", "diagonal|itself", """
        def causal_mask(T):
            return np.tri(T, k=-1, dtype=bool)
        """),
    bug("04", "causal_mask", "j < i, strictly", "diagonal|itself|j <= i|<=|strict", """
        def causal_mask(T):
            return np.arange(T)[None, :] < np.arange(T)[:, None]
        """),
    bug("04", "causal_mask", "True where forbidden", "invert|forbidden|true where|opposite|negat|flip", """
        def causal_mask(T):
            return ~np.tril(np.ones((T, T), dtype=bool))
        """),
    bug("04", "causal_mask", "rows and columns swapped in the comparison", "upper|transpose|future|later|j >= i", """
        def causal_mask(T):
            rows = np.arange(T).reshape(T, 1)
            cols = np.arange(T).reshape(1, T)
            return cols >= rows
        """),
    bug("04", "causal_mask", "np.tri with int dtype", "bool|dtype|int", """
        def causal_mask(T):
            return np.tri(T, dtype=int)
        """),
    bug("04", "causal_mask", "a torch tensor", "torch|tensor|numpy|array", """
        def causal_mask(T):
            import torch
            return torch.tril(torch.ones(T, T)).bool()
        """),
    ok("04", "causal_mask", "np.tri with bool", """
        def causal_mask(T):
            return np.tri(T, T, 0, dtype=np.bool_)
        """),
    ok("04", "causal_mask", "np.fromfunction", """
        def causal_mask(T):
            return np.fromfunction(lambda i, j: j <= i, (T, T), dtype=int)
        """),
    ok("04", "causal_mask", "not the strict upper triangle", """
        def causal_mask(T):
            future = np.triu(np.ones((T, T)), 1).astype(bool)
            return np.logical_not(future)
        """),
    # ---------------------------------------------------------------- 04 masked_pattern
    bug("04", "masked_pattern", "-inf where the mask is True", "invert|opposite|true where|allowed|allows|forbidden|where mask is true", """
        def masked_pattern(scores, mask):
            s = np.where(mask, -np.inf, scores)
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("04", "masked_pattern", "adds the bool mask to the scores", "add|plus|-inf|bool|forbidden", """
        def masked_pattern(scores, mask):
            s = scores + mask
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("04", "masked_pattern", "softmax down the columns after masking", "axis|column", """
        def masked_pattern(scores, mask):
            s = np.where(mask, scores, -np.inf)
            e = np.exp(s - s.max(axis=-2, keepdims=True))
            return e / e.sum(axis=-2, keepdims=True)
        """),
    bug("04", "masked_pattern", "writes -inf into the caller's scores", "in place|changed|modif|copy", """
        def masked_pattern(scores, mask):
            scores[..., ~mask] = -np.inf
            e = np.exp(scores - scores.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("04", "masked_pattern", "adds -inf × (not mask): 0 × -inf is NaN", "0 × -inf|0 * -inf|inf times|0 · -inf|times -inf|multipl", """
        def masked_pattern(scores, mask):
            s = scores + (-np.inf) * (~mask)
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("04", "masked_pattern", "masked scores, no softmax", "softmax|sum to 1|normalis", """
        def masked_pattern(scores, mask):
            return np.where(mask, scores, -np.inf)
        """),
    bug("04", "masked_pattern", "the transposed mask", "transpose|upper|future|later", """
        def masked_pattern(scores, mask):
            s = np.where(mask.T, scores, -np.inf)
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    bug("04", "masked_pattern", "masks, then the naive softmax", "overflow|max|stable", """
        def masked_pattern(scores, mask):
            allowed = np.where(mask, np.exp(scores), 0.0)
            return allowed / allowed.sum(axis=-1, keepdims=True)
        """),
    bug("04", "masked_pattern", "a 2-D boolean index: batches break", "batch|leading|axes|shape|broadcast", """
        def masked_pattern(scores, mask):
            s = np.array(scores, dtype=float)
            s[np.logical_not(mask)] = -np.inf
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    ok("04", "masked_pattern", "-1e9 for the forbidden scores", """
        def masked_pattern(scores, mask):
            s = np.where(mask, scores, -1.0e9)
            s = s - np.max(s, axis=-1, keepdims=True)
            w = np.exp(s)
            return w / np.sum(w, axis=-1, keepdims=True)
        """),
    ok("04", "masked_pattern", "the float minimum for the forbidden scores", """
        def masked_pattern(scores, mask):
            s = np.where(mask, scores, np.finfo(np.float64).min)
            e = np.exp(s - s.max(axis=-1, keepdims=True))
            return e / e.sum(axis=-1, keepdims=True)
        """),
    ok("04", "masked_pattern", "a broadcast copy and masked assignment", """
        def masked_pattern(scores, mask):
            s = np.array(scores, dtype=float, copy=True)
            s[~np.broadcast_to(mask, s.shape)] = -np.inf
            s = s - s.max(axis=-1, keepdims=True)
            e = np.exp(s)
            return e / e.sum(axis=-1, keepdims=True)
        """),
    # ---------------------------------------------------------------- 04 pattern_size
    bug("04", "pattern_size", "one row: T × itemsize", "square|context²|t²|squared|t ×|every query", """
        def pattern_size(context_length, dtype):
            bytes_per_weight = np.dtype(dtype).itemsize
            return bytes_per_weight * context_length
        """),
    bug("04", "pattern_size", "counts weights, not bytes", "bytes|itemsize|size|elements|number of weights|dtype", """
        def pattern_size(context_length, dtype):
            return context_length * context_length
        """),
    bug("04", "pattern_size", "only the causal triangle", "half|triangle|mask|forbidden|zeros", """
        def pattern_size(context_length, dtype):
            allowed = np.tri(context_length, dtype=bool).sum() if context_length < 4096 else context_length * (context_length + 1) // 2
            return int(allowed) * np.dtype(dtype).itemsize
        """),
    bug("04", "pattern_size", "bits", "bits|× 8|8 ×|eight|bytes", """
        def pattern_size(context_length, dtype):
            bits = np.dtype(dtype).itemsize * 8
            return context_length * context_length * bits
        """),
    bug("04", "pattern_size", "4 bytes, whatever the dtype", "dtype|itemsize|float32|4 bytes|size of", """
        def pattern_size(context_length, dtype):
            return 4 * context_length * context_length
        """),
    bug("04", "pattern_size", "(T + 1)²", "off by one|t + 1|one more|+1|context_length + 1|one too many", """
        def pattern_size(context_length, dtype):
            n = context_length + 1
            return n * n * np.dtype(dtype).itemsize
        """),
    bug("04", "pattern_size", "in MiB", "mib|megabyte|bytes|unit|2**20|1024", """
        def pattern_size(context_length, dtype):
            n_bytes = context_length * context_length * np.dtype(dtype).itemsize
            return n_bytes / (1024 * 1024)
        """),
    ok("04", "pattern_size", "int() and ** 2", """
        def pattern_size(context_length, dtype):
            return int(context_length) ** 2 * np.dtype(dtype).itemsize
        """),
    ok("04", "pattern_size", "np.prod of the three", """
        def pattern_size(context_length, dtype):
            return int(np.prod([context_length, context_length, np.dtype(dtype).itemsize], dtype=np.int64))
        """),
    ok("04", "pattern_size", "itemsize of a one-element array", """
        def pattern_size(context_length, dtype):
            return context_length * context_length * np.zeros(1, dtype=dtype).itemsize
        """),
    # ---------------------------------------------------------------- 05 weighted_sum
    bug("05", "weighted_sum", "values @ pattern", "order|transpose|values @|shape|swap", """
        def weighted_sum(pattern, values):
            return (values.T @ pattern).T
        """),
    bug("05", "weighted_sum", "elementwise product", "elementwise|matrix product|broadcast", """
        def weighted_sum(pattern, values):
            return np.multiply(pattern, values)
        """),
    bug("05", "weighted_sum", "loop reading pattern[j, i]", "transpose|column|row i", """
        def weighted_sum(pattern, values):
            out = np.zeros((pattern.shape[0], values.shape[1]))
            for i in range(pattern.shape[0]):
                for j in range(values.shape[0]):
                    out[i] += pattern[j, i] * values[j]
            return out
        """),
    bug("05", "weighted_sum", "divided by the number of keys", "divid|mean|average|tk|number of keys", """
        def weighted_sum(pattern, values):
            Tk = len(values)
            return np.dot(pattern, values) / Tk
        """),
    bug("05", "weighted_sum", "returns inside the loop: one row", "return|first row|one row|loop|row 0", """
        def weighted_sum(pattern, values):
            out = np.zeros((pattern.shape[0], values.shape[1]))
            for i in range(pattern.shape[0]):
                out[i] = pattern[i] @ values
                return out
        """),
    bug("05", "weighted_sum", "(d, Tq): the output transposed", "transpose|shape|(d, tq)", """
        def weighted_sum(pattern, values):
            return np.dot(values.T, pattern.T)
        """),
    bug("05", "weighted_sum", "all queries' rows summed into one", "shape|sum|every query|one row", """
        def weighted_sum(pattern, values):
            return (pattern @ values).sum(axis=0)
        """),
    ok("05", "weighted_sum", "einsum", """
        def weighted_sum(pattern, values):
            return np.einsum(pattern, [0, 1], values, [1, 2], [0, 2])
        """),
    ok("05", "weighted_sum", "a sum of outer products over the keys", """
        def weighted_sum(pattern, values):
            return sum(np.outer(pattern[:, j], values[j]) for j in range(values.shape[0]))
        """),
    ok("05", "weighted_sum", "np.tensordot", """
        def weighted_sum(pattern, values):
            return np.tensordot(pattern, values, axes=([1], [0]))
        """),
    # ---------------------------------------------------------------- 05 update
    bug("05", "update", "returns the change only", "residual|add|e +|change only|updated|plus e", """
        def update(E, pattern, W_down, W_up):
            small_values = np.dot(E, W_down)
            return np.dot(np.dot(pattern, small_values), W_up)
        """),
    bug("05", "update", "the maps transposed and swapped", "transpose|w_up|w_down|order|swap", """
        def update(E, pattern, W_down, W_up):
            change = np.dot(np.dot(pattern, E), np.dot(W_up.T, W_down.T))
            return E + change
        """),
    bug("05", "update", "the transposed pattern", "transpose|row|column", """
        def update(E, pattern, W_down, W_up):
            change = np.dot(np.dot(pattern.T, np.dot(E, W_down)), W_up)
            return E + change
        """),
    bug("05", "update", "E += in place", "in place|changed|modif|copy", """
        def update(E, pattern, W_down, W_up):
            change = np.dot(np.dot(pattern, np.dot(E, W_down)), W_up)
            E += change
            return E
        """),
    bug("05", "update", "subtracts the change", "subtract|minus|sign", """
        def update(E, pattern, W_down, W_up):
            change = np.dot(np.dot(pattern, np.dot(E, W_down)), W_up)
            return E - change
        """),
    bug("05", "update", "E added twice", "twice|double|2 ×|two times|e + e", """
        def update(E, pattern, W_down, W_up):
            return E + E + pattern @ E @ W_down @ W_up
        """),
    bug("05", "update", "no pattern: each token's own value", "pattern|mix|weight", """
        def update(E, pattern, W_down, W_up):
            change = np.dot(np.dot(E, W_down), W_up)
            return E + change
        """),
    ok("05", "update", "the learner's weighted_sum on the small values", """
        def update(E, pattern, W_down, W_up):
            small = E @ W_down  # (T, d_head)
            return E + weighted_sum(pattern, small) @ W_up
        """),
    ok("05", "update", "the square map first", """
        def update(E, pattern, W_down, W_up):
            value_map = np.dot(W_down, W_up)  # (d_model, d_model)
            return E + np.dot(pattern, np.dot(E, value_map))
        """),
    ok("05", "update", "np.linalg.multi_dot", """
        def update(E, pattern, W_down, W_up):
            return E + np.linalg.multi_dot([pattern, E, W_down, W_up])
        """),
    # ---------------------------------------------------------------- 05 value_map_counts
    bug("05", "value_map_counts", "full: one square matrix per layer", "per head|n_heads|each head|every head", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            return {"full": d_model ** 2 * n_layers, "factored": 2 * d_model * d_head * n_heads * n_layers}
        """),
    bug("05", "value_map_counts", "factored: value-down only", "two|both|value-up|value-down|2 ×|twice", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            heads = n_heads * n_layers
            return {"full": d_model * d_model * heads, "factored": d_model * d_head * heads}
        """),
    bug("05", "value_map_counts", "one layer", "layer|n_layers", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            per_head_full = d_model * d_model
            per_head_factored = d_model * d_head + d_head * d_model
            return {"full": per_head_full * n_heads, "factored": per_head_factored * n_heads}
        """),
    bug("05", "value_map_counts", "full as d_model × d_head", "square|d_model²|full|d_model × d_model", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            heads = n_heads * n_layers
            return {"full": d_model * d_head * heads, "factored": 2 * d_model * d_head * heads}
        """),
    bug("05", "value_map_counts", "the two counts swapped", "swap|reversed|exchanged|the other way", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            heads = n_heads * n_layers
            return {"factored": d_model ** 2 * heads, "full": 2 * d_model * d_head * heads}
        """),
    bug("05", "value_map_counts", "a tuple", "dict|tuple", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            heads = n_heads * n_layers
            return d_model ** 2 * heads, 2 * d_model * d_head * heads
        """),
    bug("05", "value_map_counts", "layers left out of full only", "layer|n_layers", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            return {"full": d_model ** 2 * n_heads, "factored": 2 * d_model * d_head * n_heads * n_layers}
        """),
    ok("05", "value_map_counts", "math.prod", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            maps = n_heads * n_layers
            return {"full": math.prod([d_model, d_model, maps]), "factored": math.prod([2, d_model, d_head, maps])}
        """),
    ok("05", "value_map_counts", "dict() with the factored count from the full one", """
        def value_map_counts(d_model, d_head, n_heads, n_layers):
            full = d_model * d_model * n_heads * n_layers
            return dict(full=full, factored=full // d_model * 2 * d_head)
        """),
    # ---------------------------------------------------------------- 06 multi_head
    bug("06", "multi_head", "averages the heads", "mean|average|divid", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            changes = []
            for h in range(W_Q.shape[0]):
                out, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                changes.append(out @ W_V_up[h])
            return np.mean(changes, axis=0)
        """),
    bug("06", "multi_head", "the total overwritten: the last head", "last head|overwrit|one head|only head", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            for h in range(W_Q.shape[0]):
                q, k, v = x @ W_Q[h], x @ W_K[h], x @ W_V_down[h]
                output, _ = scaled_dot_product_attention(q, k, v)
                change = output @ W_V_up[h]
            return change
        """),
    bug("06", "multi_head", "returns inside the loop: head 0", "first head|return|one head|head 0", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            total = np.zeros_like(x)
            for h in range(len(W_Q)):
                out, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                total += out @ W_V_up[h]
                return total
        """),
    bug("06", "multi_head", "its own attention, unscaled", "scale|√|sqrt", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            total = 0
            for h in range(len(W_Q)):
                s = (x @ W_Q[h]) @ (x @ W_K[h]).T
                a = np.exp(s - s.max(axis=1, keepdims=True))
                a /= a.sum(axis=1, keepdims=True)
                total = total + a @ x @ W_V_down[h] @ W_V_up[h]
            return total
        """),
    bug("06", "multi_head", "the query map for the keys", "w_k|key", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            total = np.zeros_like(x)
            for h in range(len(W_Q)):
                out, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_Q[h], x @ W_V_down[h])
                total += out @ W_V_up[h]
            return total
        """),
    bug("06", "multi_head", "head 0's value-up for every head", "w_v_up|value-up|head 0|same", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            total = np.zeros_like(x)
            for h in range(len(W_Q)):
                out, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                total += out @ W_V_up[0]
            return total
        """),
    bug("06", "multi_head", "adds x: the residual", "residual|x +|add x|stream|embeddings", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            y = x.copy()
            for h in range(len(W_Q)):
                out, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                y += out @ W_V_up[h]
            return y
        """),
    bug("06", "multi_head", "the heads' changes side by side", "concat|shape|side by side", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            parts = []
            for h in range(len(W_Q)):
                out, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                parts.append(out @ W_V_up[h])
            return np.concatenate(parts, axis=-1)
        """),
    bug("06", "multi_head", "a causal mask where none is asked", "mask|causal", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            mask = causal_mask(x.shape[0])
            total = np.zeros_like(x)
            for h in range(len(W_Q)):
                out, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h], mask)
                total += out @ W_V_up[h]
            return total
        """),
    bug("06", "multi_head", "the pattern transposed in its own attention", "transpose|column", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            total = np.zeros_like(x)
            for h in range(len(W_Q)):
                _, pattern = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                total += pattern.T @ (x @ W_V_down[h]) @ W_V_up[h]
            return total
        """),
    ok("06", "multi_head", "all heads at once with einsum", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            q = np.einsum("tc,hcd->htd", x, W_Q)
            k = np.einsum("tc,hcd->htd", x, W_K)
            v = np.einsum("tc,hcd->htd", x, W_V_down)
            s = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
            a = np.exp(s - s.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            return np.einsum("htd,hdc->tc", a @ v, W_V_up)
        """),
    ok("06", "multi_head", "outputs side by side times the stacked value-ups", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            outs = [scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])[0] for h in range(len(W_Q))]
            W_O = W_V_up.reshape(-1, W_V_up.shape[-1])
            return np.concatenate(outs, axis=1) @ W_O
        """),
    ok("06", "multi_head", "sum() over a generator", """
        def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
            def head(h):
                out, _pattern = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
                return out @ W_V_up[h]
            return sum(head(h) for h in range(W_Q.shape[0]))
        """),
    # ---------------------------------------------------------------- 06 stack_value_ups
    bug("06", "stack_value_ups", "the heads interleaved row by row", "interleav|order|head 0|row", """
        def stack_value_ups(W_V_up):
            return W_V_up.transpose(1, 0, 2).reshape(-1, W_V_up.shape[2])
        """),
    bug("06", "stack_value_ups", "np.hstack: side by side", "hstack|side by side|column|shape|horizontal", """
        def stack_value_ups(W_V_up):
            return np.concatenate(W_V_up, axis=-1)
        """),
    bug("06", "stack_value_ups", "reshaped to (d_model, -1)", "shape|reshape", """
        def stack_value_ups(W_V_up):
            return W_V_up.reshape(W_V_up.shape[-1], -1)
        """),
    bug("06", "stack_value_ups", "summed over the heads", "sum|shape|stack", """
        def stack_value_ups(W_V_up):
            total = np.zeros_like(W_V_up[0])
            for w in W_V_up:
                total = total + w
            return total
        """),
    bug("06", "stack_value_ups", "the last head first", "revers|order|head 0", """
        def stack_value_ups(W_V_up):
            return np.vstack([W_V_up[h] for h in reversed(range(len(W_V_up)))])
        """),
    bug("06", "stack_value_ups", "each block transposed", "transpose|shape", """
        def stack_value_ups(W_V_up):
            return np.concatenate([w.T for w in W_V_up], axis=0)
        """),
    bug("06", "stack_value_ups", "swapaxes, then reshape: scrambled", "order|scrambl|transpose|swap", """
        def stack_value_ups(W_V_up):
            H, D, C = W_V_up.shape
            return W_V_up.swapaxes(1, 2).reshape(H * D, C)
        """),
    bug("06", "stack_value_ups", "np.stack: still 3-D", "shape|3-d|stack|2-d|flat", """
        def stack_value_ups(W_V_up):
            return np.stack(list(W_V_up))
        """),
    ok("06", "stack_value_ups", "np.vstack", """
        def stack_value_ups(W_V_up):
            return np.vstack([head_up for head_up in W_V_up])
        """),
    ok("06", "stack_value_ups", "reshape with the head width", """
        def stack_value_ups(W_V_up):
            n_heads, d_head, d_model = W_V_up.shape
            return W_V_up.reshape(n_heads * d_head, d_model).copy()
        """),
    ok("06", "stack_value_ups", "np.block", """
        def stack_value_ups(W_V_up):
            return np.block([[w] for w in W_V_up])
        """),
    # ---------------------------------------------------------------- 06 head_entropy
    bug("06", "head_entropy", "natural log: nats", "log2|natural|bits|nats|ln", """
        def head_entropy(pattern):
            safe = np.where(pattern > 0, pattern, 1.0)
            per_row = -(pattern * np.log(safe)).sum(axis=-1)
            return float(per_row.mean())
        """),
    bug("06", "head_entropy", "summed over the rows", "sum|mean|average|rows", """
        def head_entropy(pattern):
            safe = np.where(pattern > 0, pattern, 1.0)
            per_row = -(pattern * np.log2(safe)).sum(axis=-1)
            return float(per_row.sum())
        """),
    bug("06", "head_entropy", "no minus sign", "sign|negative|minus", """
        def head_entropy(pattern):
            p = np.where(pattern > 0, pattern, 1.0)
            return float(np.mean(np.sum(pattern * np.log2(p), axis=-1)))
        """),
    bug("06", "head_entropy", "log2(0) left in: NaN", "nan|0 ×|zero|log2(0)|masked", """
        def head_entropy(pattern):
            return float(np.mean(-np.sum(pattern * np.log2(pattern), axis=-1)))
        """),
    ok("06", "head_entropy", "the columns' entropies: the same mean for a square pattern", """
        def head_entropy(pattern):
            safe = np.where(pattern > 0, pattern, 1.0)
            per_column = -(pattern * np.log2(safe)).sum(axis=0)
            return float(per_column.mean())
        """),
    bug("06", "head_entropy", "one entropy per row, not averaged", "mean|average|array|per row|shape", """
        def head_entropy(pattern):
            p = np.where(pattern > 0, pattern, 1.0)
            return -np.sum(pattern * np.log2(p), axis=-1)
        """),
    bug("06", "head_entropy", "log2(p + 1)", "+ 1|log2(p + 1)|log", """
        def head_entropy(pattern):
            return float(np.mean(-np.sum(pattern * np.log2(pattern + 1), axis=-1)))
        """),
    bug("06", "head_entropy", "divided by log2 T", "normalis|divid|log2(t)|bits", """
        def head_entropy(pattern):
            p = np.where(pattern > 0, pattern, 1.0)
            h = -np.sum(pattern * np.log2(p), axis=-1)
            return float(np.mean(h) / np.log2(pattern.shape[-1]))
        """),
    bug("06", "head_entropy", "zeros set to 1 in the caller's pattern", "in place|changed|modif|copy", """
        def head_entropy(pattern):
            weights = pattern
            logs = np.log2(np.where(weights > 0, weights, 1.0))
            weights[weights == 0] = 1.0
            return float(np.mean(-np.sum(np.where(weights == 1.0, 0.0, weights) * logs, axis=-1)))
        """),
    ok("06", "head_entropy", "scipy.stats.entropy with base 2", """
        from scipy.stats import entropy

        def head_entropy(pattern):
            return float(np.mean(entropy(pattern, base=2, axis=1)))
        """),
    ok("06", "head_entropy", "a tiny epsilon in the log", """
        def head_entropy(pattern):
            return float(np.mean(-(pattern * np.log2(pattern + 1e-300)).sum(axis=-1)))
        """),
    ok("06", "head_entropy", "nansum under errstate", """
        def head_entropy(pattern):
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = pattern * np.log2(pattern)
            return -np.nansum(terms) / pattern.shape[0]
        """),
    # ---------------------------------------------------------------- 07 cross_attention
    bug("07", "cross_attention", "keys from x", "context|self-attention|x instead|keys from", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            return scaled_dot_product_attention(x @ W_Q, x @ W_K, context @ W_V)[0]
        """),
    bug("07", "cross_attention", "queries from the context, keys from x", "queries|swap|from x|from the context", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            out, _ = scaled_dot_product_attention(context @ W_Q, x @ W_K, x @ W_V)
            return out
        """),
    bug("07", "cross_attention", "values from x", "value|from x|from the context", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            s = (x @ W_Q) @ (context @ W_K).T / np.sqrt(W_Q.shape[1])
            a = np.exp(s - s.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            return a @ (x @ W_V)
        """),
    bug("07", "cross_attention", "unscaled", "scale|√|sqrt", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            s = (x @ W_Q) @ (context @ W_K).T
            a = np.exp(s - s.max(-1, keepdims=True))
            return (a / a.sum(-1, keepdims=True)) @ (context @ W_V)
        """),
    bug("07", "cross_attention", "returns the pattern", "pattern|output|weights", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            _, pattern = scaled_dot_product_attention(x @ W_Q, context @ W_K, context @ W_V)
            return pattern
        """),
    bug("07", "cross_attention", "softmax over the queries", "axis|column", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            s = (x @ W_Q) @ (context @ W_K).T / np.sqrt(W_K.shape[1])
            a = np.exp(s - s.max(0, keepdims=True))
            return (a / a.sum(0, keepdims=True)) @ (context @ W_V)
        """),
    bug("07", "cross_attention", "scaled by √ of the values' width", "d_head|d_value|w_v|sqrt of", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            s = (x @ W_Q) @ (context @ W_K).T / np.sqrt(W_V.shape[1])
            a = np.exp(s - s.max(-1, keepdims=True))
            return (a / a.sum(-1, keepdims=True)) @ (context @ W_V)
        """),
    bug("07", "cross_attention", "a causal mask on cross-attention", "mask|causal", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            mask = np.tril(np.ones((x.shape[0], context.shape[0]), dtype=bool))
            return scaled_dot_product_attention(x @ W_Q, context @ W_K, context @ W_V, mask)[0]
        """),
    bug("07", "cross_attention", "returns (output, pattern)", "tuple|pattern|pair|output", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            q, k, v = x @ W_Q, context @ W_K, context @ W_V
            result = scaled_dot_product_attention(q, k, v)
            return result
        """),
    ok("07", "cross_attention", "named projections, the pattern discarded", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            q, k, v = x @ W_Q, context @ W_K, context @ W_V
            output, _pattern = scaled_dot_product_attention(q, k, v)
            return output
        """),
    ok("07", "cross_attention", "written out with einsum", """
        def cross_attention(x, context, W_Q, W_K, W_V):
            s = np.einsum("td,sd->ts", x @ W_Q, context @ W_K) / math.sqrt(W_Q.shape[-1])
            w = np.exp(s - s.max(axis=-1, keepdims=True))
            w /= w.sum(axis=-1, keepdims=True)
            return np.einsum("ts,sv->tv", w, context @ W_V)
        """),
    # ---------------------------------------------------------------- 07 pattern_shapes
    bug("07", "pattern_shapes", "cross: (heads, source, target)", "transpose|one row per|swap|rows and columns", """
        def pattern_shapes(n_source, n_target, n_heads):
            shapes = {}
            shapes["encoder"] = (n_heads, n_source, n_source)
            shapes["decoder"] = (n_heads, n_target, n_target)
            shapes["cross"] = (n_heads, n_source, n_target)
            return shapes
        """),
    bug("07", "pattern_shapes", "heads last", "heads first|order|last", """
        def pattern_shapes(n_source, n_target, n_heads):
            shapes = {}
            shapes["encoder"] = (n_source, n_source, n_heads)
            shapes["decoder"] = (n_target, n_target, n_heads)
            shapes["cross"] = (n_target, n_source, n_heads)
            return shapes
        """),
    bug("07", "pattern_shapes", "lists, not tuples", "tuple|list", """
        def pattern_shapes(n_source, n_target, n_heads):
            shapes = {}
            shapes["encoder"] = [n_heads, n_source, n_source]
            shapes["decoder"] = [n_heads, n_target, n_target]
            shapes["cross"] = [n_heads, n_target, n_source]
            return shapes
        """),
    bug("07", "pattern_shapes", "the encoder reads the target", "target|n_target|the target's", """
        def pattern_shapes(n_source, n_target, n_heads):
            return {"encoder": (n_heads, n_target, n_target), "decoder": (n_heads, n_target, n_target),
                    "cross": (n_heads, n_target, n_source)}
        """),
    bug("07", "pattern_shapes", "the decoder's pattern as the cross one", "square|target × target|n_target|same as", """
        def pattern_shapes(n_source, n_target, n_heads):
            cross = (n_heads, n_target, n_source)
            return {"encoder": (n_heads, n_source, n_source), "decoder": cross, "cross": cross}
        """),
    bug("07", "pattern_shapes", "no heads axis", "heads axis|head axis|3-d|3 axes|three axes|no head|missing the head", """
        def pattern_shapes(n_source, n_target, n_heads):
            shapes = {}
            shapes["encoder"] = (n_source, n_source)
            shapes["decoder"] = (n_target, n_target)
            shapes["cross"] = (n_target, n_source)
            return shapes
        """),
    bug("07", "pattern_shapes", "'self' instead of 'decoder'", "missing|'self'|unexpected|extra", """
        def pattern_shapes(n_source, n_target, n_heads):
            return {"encoder": (n_heads, n_source, n_source), "self": (n_heads, n_target, n_target),
                    "cross": (n_heads, n_target, n_source)}
        """),
    bug("07", "pattern_shapes", "one more target row for <s>", "+1|off by one|<s>|n_target|one more", """
        def pattern_shapes(n_source, n_target, n_heads):
            t = n_target + 1
            return {"encoder": (n_heads, n_source, n_source), "decoder": (n_heads, t, t), "cross": (n_heads, t, n_source)}
        """),
    ok("07", "pattern_shapes", "dict(zip(...))", """
        def pattern_shapes(n_source, n_target, n_heads):
            rows_cols = [(n_source, n_source), (n_target, n_target), (n_target, n_source)]
            return dict(zip(["encoder", "decoder", "cross"], [(n_heads, r, c) for r, c in rows_cols]))
        """),
    ok("07", "pattern_shapes", "tuples built by concatenation", """
        def pattern_shapes(n_source, n_target, n_heads):
            h = (n_heads,)
            return {"cross": h + (n_target, n_source), "decoder": h + (n_target,) * 2, "encoder": h + (n_source,) * 2}
        """),
    # ---------------------------------------------------------------- 07 decoder_masks
    bug("07", "decoder_masks", "the cross mask causal too", "cross|causal|source|every source", """
        def decoder_masks(n_target, n_source):
            self_mask = np.tri(n_target, n_target, dtype=bool)
            cross_mask = np.tri(n_target, n_source, dtype=bool)
            return self_mask, cross_mask
        """),
    bug("07", "decoder_masks", "the self mask all True", "causal|future|later|self", """
        def decoder_masks(n_target, n_source):
            self_mask = np.full((n_target, n_target), True)
            cross_mask = np.full((n_target, n_source), True)
            return self_mask, cross_mask
        """),
    bug("07", "decoder_masks", "the cross mask (source, target)", "shape|transpose|(n_source", """
        def decoder_masks(n_target, n_source):
            self_mask = np.tri(n_target, n_target, dtype=bool)
            cross_mask = np.full((n_source, n_target), True)
            return self_mask, cross_mask
        """),
    bug("07", "decoder_masks", "int arrays", "bool|dtype", """
        def decoder_masks(n_target, n_source):
            return np.tril(np.ones((n_target, n_target), dtype=int)), np.ones((n_target, n_source), dtype=int)
        """),
    bug("07", "decoder_masks", "(cross, self)", "order|swap|the other way|reversed", """
        def decoder_masks(n_target, n_source):
            self_mask = np.tri(n_target, dtype=bool)
            cross_mask = np.ones((n_target, n_source), dtype=bool)
            return cross_mask, self_mask
        """),
    bug("07", "decoder_masks", "the self mask upper", "upper|future|transpose|later", """
        def decoder_masks(n_target, n_source):
            self_mask = np.triu(np.full((n_target, n_target), True))
            cross_mask = np.full((n_target, n_source), True)
            return self_mask, cross_mask
        """),
    bug("07", "decoder_masks", "the self mask without its diagonal", "diagonal|itself", """
        def decoder_masks(n_target, n_source):
            idx = np.arange(n_target)
            self_mask = idx[None, :] < idx[:, None]
            cross_mask = np.full((n_target, n_source), True)
            return self_mask, cross_mask
        """),
    bug("07", "decoder_masks", "the cross mask all False", "cross|false|nothing|source", """
        def decoder_masks(n_target, n_source):
            self_mask = np.tri(n_target, n_target, dtype=bool)
            cross_mask = np.full((n_target, n_source), False)
            return self_mask, cross_mask
        """),
    ok("07", "decoder_masks", "np.full", """
        def decoder_masks(n_target, n_source):
            i = np.arange(n_target)
            return i[None, :] <= i[:, None], np.full((n_target, n_source), True)
        """),
    ok("07", "decoder_masks", "ones_like over an empty grid", """
        def decoder_masks(n_target, n_source):
            self_mask = np.tril(np.ones((n_target, n_target))).astype(bool)
            cross_mask = np.ones_like(np.empty((n_target, n_source)), dtype=bool)
            return (self_mask, cross_mask)
        """),
    # ---------------------------------------------------------------- 08 block_parameters
    bug("08", "block_parameters", "assumes n_heads · d_head = d_model", "d_head|n_heads|width|assum", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            return {"attention": 4 * d_model * d_model, "mlp": 2 * d_model * d_mlp}
        """),
    bug("08", "block_parameters", "assumes d_mlp = 4 d_model", "d_mlp|4 d_model|4 ×|4·|assum", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            return {"attention": 4 * d_model * n_heads * d_head, "mlp": 2 * d_model * 4 * d_model}
        """),
    bug("08", "block_parameters", "three maps per head: no value-up", "output|value-up|four|three|w_o", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            per_head = d_model * d_head * 3  # query, key, value
            return {"attention": per_head * n_heads, "mlp": d_model * d_mlp * 2}
        """),
    bug("08", "block_parameters", "the MLP's up matrix only", "two|down|both|mlp", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            per_head = d_model * d_head * 4
            return {"attention": per_head * n_heads, "mlp": d_model * d_mlp}
        """),
    bug("08", "block_parameters", "biases added", "bias", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            width = n_heads * d_head
            return {"attention": 4 * d_model * width + 3 * width + d_model, "mlp": 2 * d_model * d_mlp + d_mlp + d_model}
        """),
    bug("08", "block_parameters", "one head", "n_heads|every head|all heads|one head|per head", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            per_head = d_model * d_head * 4
            return {"attention": per_head, "mlp": d_model * d_mlp * 2}
        """),
    bug("08", "block_parameters", "d_head² per map", "d_model|d_head²|square", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            return {"attention": 4 * d_head * d_head * n_heads, "mlp": 2 * d_model * d_mlp}
        """),
    ok("08", "block_parameters", "the heads' width first", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            H = n_heads * d_head
            return {"attention": 4 * d_model * H, "mlp": 2 * d_model * d_mlp}
        """),
    ok("08", "block_parameters", "a sum over the matrices' shapes", """
        def block_parameters(d_model, n_heads, d_head, d_mlp):
            heads = [(d_model, d_head)] * 3 + [(d_head, d_model)]
            mlp = [(d_model, d_mlp), (d_mlp, d_model)]
            return {"attention": n_heads * sum(a * b for a, b in heads), "mlp": sum(a * b for a, b in mlp)}
        """),
    # ---------------------------------------------------------------- 08 fill_in_the_table
    bug("08", "fill_in_the_table", "one layer", "layer|n_layers|all", """
        def fill_in_the_table(config):
            c = config
            w = c.n_heads * c.d_head
            return {"embedding": c.vocab_size * c.d_model, "query": c.d_model * w, "key": c.d_model * w,
                    "value_down": c.d_model * w, "value_up": w * c.d_model, "up_projection": c.d_model * c.d_mlp,
                    "down_projection": c.d_mlp * c.d_model, "unembedding": c.d_model * c.vocab_size}
        """),
    bug("08", "fill_in_the_table", "one head per layer", "n_heads|every head|all heads|one head|per head", """
        def fill_in_the_table(config):
            c = config
            hd = c.d_model * c.d_head * c.n_layers
            return {"embedding": c.vocab_size * c.d_model, "query": hd, "key": hd, "value_down": hd, "value_up": hd,
                    "up_projection": c.d_model * c.d_mlp * c.n_layers, "down_projection": c.d_mlp * c.d_model * c.n_layers,
                    "unembedding": c.d_model * c.vocab_size}
        """),
    bug("08", "fill_in_the_table", "the heads' width taken as d_model", "d_head|width|n_heads", """
        def fill_in_the_table(config):
            c = config
            sq = c.d_model * c.d_model * c.n_layers
            return {"embedding": c.vocab_size * c.d_model, "query": sq, "key": sq, "value_down": sq, "value_up": sq,
                    "up_projection": c.d_model * c.d_mlp * c.n_layers, "down_projection": c.d_mlp * c.d_model * c.n_layers,
                    "unembedding": c.d_model * c.vocab_size}
        """),
    bug("08", "fill_in_the_table", "unembedding 0: taken as tied", "tied|tie|zero", """
        def fill_in_the_table(config):
            c = config
            m = c.d_model * c.n_heads * c.d_head * c.n_layers
            return {"embedding": c.vocab_size * c.d_model, "query": m, "key": m, "value_down": m, "value_up": m,
                    "up_projection": c.d_model * c.d_mlp * c.n_layers, "down_projection": c.d_mlp * c.d_model * c.n_layers,
                    "unembedding": 0}
        """),
    bug("08", "fill_in_the_table", "positions in the embedding row", "position|context", """
        def fill_in_the_table(config):
            c = config
            m = c.d_model * c.n_heads * c.d_head * c.n_layers
            return {"embedding": (c.vocab_size + c.context_length) * c.d_model, "query": m, "key": m, "value_down": m,
                    "value_up": m, "up_projection": c.d_model * c.d_mlp * c.n_layers,
                    "down_projection": c.d_mlp * c.d_model * c.n_layers, "unembedding": c.d_model * c.vocab_size}
        """),
    bug("08", "fill_in_the_table", "the MLP as 4 d_model wide", "d_mlp|4 ×|4·d_model|4 d_model", """
        def fill_in_the_table(config):
            c = config
            m = c.d_model * c.n_heads * c.d_head * c.n_layers
            mlp = c.d_model * 4 * c.d_model * c.n_layers
            return {"embedding": c.vocab_size * c.d_model, "query": m, "key": m, "value_down": m, "value_up": m,
                    "up_projection": mlp, "down_projection": mlp, "unembedding": c.d_model * c.vocab_size}
        """),
    bug("08", "fill_in_the_table", "'output' instead of 'value_up'", "missing|'output'|unexpected|extra", """
        def fill_in_the_table(config):
            c = config
            m = c.d_model * c.n_heads * c.d_head * c.n_layers
            return {"embedding": c.vocab_size * c.d_model, "query": m, "key": m, "value_down": m, "output": m,
                    "up_projection": c.d_model * c.d_mlp * c.n_layers, "down_projection": c.d_mlp * c.d_model * c.n_layers,
                    "unembedding": c.d_model * c.vocab_size}
        """),
    bug("08", "fill_in_the_table", "a square value-down", "d_head|square|d_model × d_model", """
        def fill_in_the_table(config):
            c = config
            m = c.d_model * c.n_heads * c.d_head * c.n_layers
            return {"embedding": c.vocab_size * c.d_model, "query": m, "key": m,
                    "value_down": c.d_model * c.d_model * c.n_heads * c.n_layers, "value_up": m,
                    "up_projection": c.d_model * c.d_mlp * c.n_layers, "down_projection": c.d_mlp * c.d_model * c.n_layers,
                    "unembedding": c.d_model * c.vocab_size}
        """),
    ok("08", "fill_in_the_table", "one layer's rows times n_layers", """
        def fill_in_the_table(config):
            c = config
            per_layer = {"query": c.d_model * c.d_head, "key": c.d_model * c.d_head, "value_down": c.d_model * c.d_head,
                         "value_up": c.d_head * c.d_model}
            table = {"embedding": c.vocab_size * c.d_model}
            table.update({name: n * c.n_heads * c.n_layers for name, n in per_layer.items()})
            table["up_projection"] = c.d_model * c.d_mlp * c.n_layers
            table["down_projection"] = c.d_mlp * c.d_model * c.n_layers
            table["unembedding"] = c.d_model * c.vocab_size
            return table
        """),
    ok("08", "fill_in_the_table", "shapes and math.prod", """
        def fill_in_the_table(config):
            c = config
            L, H = c.n_layers, c.n_heads
            shapes = {"embedding": (c.vocab_size, c.d_model), "query": (L, H, c.d_model, c.d_head),
                      "key": (L, H, c.d_model, c.d_head), "value_down": (L, H, c.d_model, c.d_head),
                      "value_up": (L, H, c.d_head, c.d_model), "up_projection": (L, c.d_model, c.d_mlp),
                      "down_projection": (L, c.d_mlp, c.d_model), "unembedding": (c.d_model, c.vocab_size)}
            return {name: math.prod(shape) for name, shape in shapes.items()}
        """),
    # ---------------------------------------------------------------- 08 exact_parameters
    bug("08", "exact_parameters", "no final LayerNorm", "final|ln_f|layernorm", """
        def exact_parameters(config):
            c, b = config, int(config.bias)
            W = c.n_heads * c.d_head
            block = (3 * c.d_model * W + 3 * W * b + W * c.d_model + c.d_model * b + c.d_model * c.d_mlp + c.d_mlp * b
                     + c.d_mlp * c.d_model + c.d_model * b + 2 * c.d_model * (1 + b))
            total = c.vocab_size * c.d_model + c.context_length * c.d_model + c.n_layers * block
            return total + (0 if c.tie_weights else c.vocab_size * c.d_model)
        """),
    bug("08", "exact_parameters", "no position embeddings", "position|context", """
        def exact_parameters(config):
            c, b = config, int(config.bias)
            W = c.n_heads * c.d_head
            block = (3 * c.d_model * W + 3 * W * b + W * c.d_model + c.d_model * b + c.d_model * c.d_mlp + c.d_mlp * b
                     + c.d_mlp * c.d_model + c.d_model * b + 2 * c.d_model * (1 + b))
            total = c.vocab_size * c.d_model + c.n_layers * block + c.d_model * (1 + b)
            return total + (0 if c.tie_weights else c.vocab_size * c.d_model)
        """),
    bug("08", "exact_parameters", "the unembedding counted even when tied", "tied|unembedding|twice|tie", """
        def exact_parameters(config):
            c, b = config, int(config.bias)
            W = c.n_heads * c.d_head
            block = (3 * c.d_model * W + 3 * W * b + W * c.d_model + c.d_model * b + c.d_model * c.d_mlp + c.d_mlp * b
                     + c.d_mlp * c.d_model + c.d_model * b + 2 * c.d_model * (1 + b))
            return 2 * c.vocab_size * c.d_model + c.context_length * c.d_model + c.n_layers * block + c.d_model * (1 + b)
        """),
    bug("08", "exact_parameters", "the unembedding never counted", "untied|unembedding|tie", """
        def exact_parameters(config):
            c, b = config, int(config.bias)
            W = c.n_heads * c.d_head
            block = (3 * c.d_model * W + 3 * W * b + W * c.d_model + c.d_model * b + c.d_model * c.d_mlp + c.d_mlp * b
                     + c.d_mlp * c.d_model + c.d_model * b + 2 * c.d_model * (1 + b))
            return c.vocab_size * c.d_model + c.context_length * c.d_model + c.n_layers * block + c.d_model * (1 + b)
        """),
    bug("08", "exact_parameters", "LayerNorm shifts kept without biases", "layernorm|shift|bias", """
        def exact_parameters(config):
            c, b = config, int(config.bias)
            W = c.n_heads * c.d_head
            block = (3 * c.d_model * W + 3 * W * b + W * c.d_model + c.d_model * b + c.d_model * c.d_mlp + c.d_mlp * b
                     + c.d_mlp * c.d_model + c.d_model * b + 2 * 2 * c.d_model)
            total = c.vocab_size * c.d_model + c.context_length * c.d_model + c.n_layers * block + 2 * c.d_model
            return total + (0 if c.tie_weights else c.vocab_size * c.d_model)
        """),
    bug("08", "exact_parameters", "biases whatever config.bias says", "bias", """
        def exact_parameters(config):
            c = config
            W = c.n_heads * c.d_head
            block = (3 * c.d_model * W + 3 * W + W * c.d_model + c.d_model + c.d_model * c.d_mlp + c.d_mlp
                     + c.d_mlp * c.d_model + c.d_model + 4 * c.d_model)
            total = c.vocab_size * c.d_model + c.context_length * c.d_model + c.n_layers * block + 2 * c.d_model
            return total + (0 if c.tie_weights else c.vocab_size * c.d_model)
        """),
    bug("08", "exact_parameters", "the output bias only: no query, key, value biases", "bias|query|qkv", """
        def exact_parameters(config):
            c, b = config, int(config.bias)
            W = c.n_heads * c.d_head
            block = (3 * c.d_model * W + W * c.d_model + c.d_model * b + c.d_model * c.d_mlp + c.d_mlp * b
                     + c.d_mlp * c.d_model + c.d_model * b + 2 * c.d_model * (1 + b))
            total = c.vocab_size * c.d_model + c.context_length * c.d_model + c.n_layers * block + c.d_model * (1 + b)
            return total + (0 if c.tie_weights else c.vocab_size * c.d_model)
        """),
    bug("08", "exact_parameters", "one LayerNorm per block", "layernorm|two|ln_2|per block", """
        def exact_parameters(config):
            c, b = config, int(config.bias)
            W = c.n_heads * c.d_head
            block = (3 * c.d_model * W + 3 * W * b + W * c.d_model + c.d_model * b + c.d_model * c.d_mlp + c.d_mlp * b
                     + c.d_mlp * c.d_model + c.d_model * b + c.d_model * (1 + b))
            total = c.vocab_size * c.d_model + c.context_length * c.d_model + c.n_layers * block + c.d_model * (1 + b)
            return total + (0 if c.tie_weights else c.vocab_size * c.d_model)
        """),
    bug("08", "exact_parameters", "the heads' width taken as d_model", "d_head|width|n_heads", """
        def exact_parameters(config):
            c, b = config, int(config.bias)
            C = c.d_model
            block = 4 * C * C + 4 * C * b + 2 * C * c.d_mlp + c.d_mlp * b + C * b + 2 * C * (1 + b)
            total = c.vocab_size * C + c.context_length * C + c.n_layers * block + C * (1 + b)
            return total + (0 if c.tie_weights else c.vocab_size * C)
        """),
    bug("08", "exact_parameters", "no MLP biases", "bias|mlp|d_mlp", """
        def exact_parameters(config):
            c, b = config, int(config.bias)
            W = c.n_heads * c.d_head
            block = (3 * c.d_model * W + 3 * W * b + W * c.d_model + c.d_model * b + c.d_model * c.d_mlp
                     + c.d_mlp * c.d_model + 2 * c.d_model * (1 + b))
            total = c.vocab_size * c.d_model + c.context_length * c.d_model + c.n_layers * block + c.d_model * (1 + b)
            return total + (0 if c.tie_weights else c.vocab_size * c.d_model)
        """),
    ok("08", "exact_parameters", "a list of tensor sizes, summed", """
        def exact_parameters(config):
            c = config
            W = c.n_heads * c.d_head
            sizes = [c.vocab_size * c.d_model, c.context_length * c.d_model]
            for _ in range(c.n_layers):
                sizes += [c.d_model * 3 * W, W * c.d_model, c.d_model * c.d_mlp, c.d_mlp * c.d_model, c.d_model, c.d_model]
                if c.bias:
                    sizes += [3 * W, c.d_model, c.d_mlp, c.d_model, c.d_model, c.d_model]
            sizes += [c.d_model] + ([c.d_model] if c.bias else [])
            if not c.tie_weights:
                sizes.append(c.d_model * c.vocab_size)
            return sum(sizes)
        """),
    ok("08", "exact_parameters", "weights, biases and norms counted apart", """
        def exact_parameters(config):
            c = config
            width = c.n_heads * c.d_head
            weights = c.n_layers * (4 * c.d_model * width + 2 * c.d_model * c.d_mlp)
            biases = c.n_layers * (3 * width + 2 * c.d_model + c.d_mlp) if c.bias else 0
            norms = (2 * c.n_layers + 1) * c.d_model * (2 if c.bias else 1)
            embeddings = (c.vocab_size + c.context_length) * c.d_model
            unembedding = 0 if c.tie_weights else c.vocab_size * c.d_model
            return weights + biases + norms + embeddings + unembedding
        """),
]
