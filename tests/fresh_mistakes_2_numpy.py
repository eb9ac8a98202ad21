"""The NumPy lessons' part of the second fresh set (lessons 01–08, 11, 12): see fresh_mistakes_2.py.

Written from the notebooks' exercise texts and stubs alone, before reading lib/attnlab/checks/ or
any mistake catalogue. Each row: lesson, exercise (the stub's name), a short label of the slip,
the words a line that names it would contain ("|" between alternatives, matched in lower case),
whether it is a real bug (OK rows are other valid answers, which must pass), and the code.
"""

BUG, OK = True, False

ATTEMPTS = [
    # ---------------------------------------------------------------- 01 · cosine_similarity
    ("01", "cosine_similarity", "plain dot product, no division by the lengths",
     "dot product|length|norm", BUG, """
def cosine_similarity(u, v):
    return u @ v
"""),
    ("01", "cosine_similarity", "divides by the length of u only",
     "both|only|length of v|‖v‖|one length", BUG, """
def cosine_similarity(u, v):
    return np.dot(u, v) / np.linalg.norm(u)
"""),
    ("01", "cosine_similarity", "squared lengths (no square root)", "square root|sqrt|squared", BUG, """
def cosine_similarity(u, v):
    return np.sum(u * v) / (np.sum(u * u) * np.sum(v * v))
"""),
    ("01", "cosine_similarity", "divides by the sum of the lengths, not their product",
     "sum of the lengths|adds the lengths|instead of their product|+ np.linalg.norm", BUG, """
def cosine_similarity(u, v):
    return u @ v / (np.linalg.norm(u) + np.linalg.norm(v))
"""),
    ("01", "cosine_similarity", "forgets the sum: returns a vector",
     "single number|a number|an array|forgot the sum|sum the products", BUG, """
def cosine_similarity(u, v):
    return u * v / (np.linalg.norm(u) * np.linalg.norm(v))
"""),
    ("01", "cosine_similarity", "floor division //", "//|floor|integer|whole", BUG, """
def cosine_similarity(u, v):
    return (u @ v) // (np.linalg.norm(u) * np.linalg.norm(v))
"""),
    ("01", "cosine_similarity", "L1 norms instead of lengths", "l1|absolute|abs(|euclid", BUG, """
def cosine_similarity(u, v):
    return u @ v / (np.abs(u).sum() * np.abs(v).sum())
"""),
    ("01", "cosine_similarity", "returns the cosine distance 1 - cos", "1 -|1 −|distance|minus", BUG, """
def cosine_similarity(u, v):
    return 1 - u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
"""),
    ("01", "cosine_similarity", "returns the angle (arccos)", "angle|arccos|radian", BUG, """
def cosine_similarity(u, v):
    return np.arccos(np.clip(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)), -1, 1))
"""),
    ("01", "cosine_similarity", "a plain-Python loop", "", OK, """
def cosine_similarity(u, v):
    dot = uu = vv = 0.0
    for a, b in zip(u, v):
        dot += a * b
        uu += a * a
        vv += b * b
    return dot / (uu ** 0.5 * vv ** 0.5)
"""),
    ("01", "cosine_similarity", "normalise both first, then dot", "", OK, """
def cosine_similarity(u, v):
    return float((u / np.linalg.norm(u)) @ (v / np.linalg.norm(v)))
"""),
    # ---------------------------------------------------------------- 01 · nearest_neighbours
    ("01", "nearest_neighbours", "ranks by the plain dot product", "dot product|long row", BUG, """
def nearest_neighbours(vector, table, k):
    return np.argsort(-(table @ vector))[:k]
"""),
    ("01", "nearest_neighbours", "sorted small to large: the k worst",
     "least|smallest|lowest|worst|ascending", BUG, """
def nearest_neighbours(vector, table, k):
    sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
    return np.argsort(sims)[:k]
"""),
    ("01", "nearest_neighbours", "the best k, but the best last",
     "reverse|best first|backwards|wrong order|best last", BUG, """
def nearest_neighbours(vector, table, k):
    sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
    return np.argsort(sims)[-k:]
"""),
    ("01", "nearest_neighbours", "one too many (k + 1)",
     "k + 1|k+1|one too many|one more|expected shape", BUG, """
def nearest_neighbours(vector, table, k):
    sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
    return np.argsort(-sims)[:k + 1]
"""),
    ("01", "nearest_neighbours", "skips the best row (thinks it is the word itself)",
     "skip|drops|leaves out|best row|itself|shifted|one place", BUG, """
def nearest_neighbours(vector, table, k):
    sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
    return np.argsort(-sims)[1:k + 1]
"""),
    ("01", "nearest_neighbours", "returns the similarities, not the indices",
     "indices|values themselves", BUG, """
def nearest_neighbours(vector, table, k):
    sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
    return np.sort(sims)[::-1][:k]
"""),
    ("01", "nearest_neighbours", "returns only the best index (argmax)",
     "expected shape|one index|k indices", BUG, """
def nearest_neighbours(vector, table, k):
    sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
    return np.argmax(sims)
"""),
    ("01", "nearest_neighbours", "divides by the squared row lengths", "square root|squared|sqrt", BUG, """
def nearest_neighbours(vector, table, k):
    sims = table @ vector / (table ** 2).sum(axis=1)
    return np.argsort(-sims)[:k]
"""),
    ("01", "nearest_neighbours", "no division by the vector's own length (a constant: ranks the same)",
     "", OK, """
def nearest_neighbours(vector, table, k):
    return np.argsort(-(table @ vector / np.linalg.norm(table, axis=1)))[:k]
"""),
    ("01", "nearest_neighbours", "a list of Python ints, through a loop over rows", "", OK, """
def nearest_neighbours(vector, table, k):
    sims = [row @ vector / (np.linalg.norm(row) * np.linalg.norm(vector)) for row in table]
    return [int(i) for i in sorted(range(len(sims)), key=lambda i: -sims[i])[:k]]
"""),
    # ---------------------------------------------------------------- 01 · spread
    ("01", "spread", "includes each vector with itself (n² pairs)",
     "itself|diagonal|i = j|i == j|same vector|n²|n^2|n × n", BUG, """
def spread(vectors):
    u = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.mean(1 - u @ u.T)
"""),
    ("01", "spread", "mean of the cosines, not of 1 - cos", "1 -|1 −|1 minus|similarity|distance", BUG, """
def spread(vectors):
    n = len(vectors)
    u = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.mean((u @ u.T)[np.triu_indices(n, 1)])
"""),
    ("01", "spread", "the sum over the pairs, not the mean",
     "adds the pairs|average them|np.mean|instead of the mean", BUG, """
def spread(vectors):
    n = len(vectors)
    u = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.sum(1 - (u @ u.T)[np.triu_indices(n, 1)])
"""),
    ("01", "spread", "loop misses the pairs with the last vector",
     "last vector|misses|skips|pairs with the last", BUG, """
def spread(vectors):
    n = len(vectors)
    total, count = 0.0, 0
    for i in range(n):
        for j in range(i + 1, n - 1):
            cos = vectors[i] @ vectors[j] / (np.linalg.norm(vectors[i]) * np.linalg.norm(vectors[j]))
            total += 1 - cos
            count += 1
    return total / count
"""),
    ("01", "spread", "the sum over i < j divided by n(n - 1): half the mean",
     "half|twice|divides by n(n|counts each pair", BUG, """
def spread(vectors):
    n = len(vectors)
    u = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.sum(1 - (u @ u.T)[np.triu_indices(n, 1)]) / (n * (n - 1))
"""),
    ("01", "spread", "uses the dot product, not the cosine", "dot product", BUG, """
def spread(vectors):
    n = len(vectors)
    g = vectors @ vectors.T
    return np.mean(1 - g[np.triu_indices(n, 1)])
"""),
    ("01", "spread", "normalises the columns (axis 0)", "axis 0|axis=0|column", BUG, """
def spread(vectors):
    n = len(vectors)
    u = vectors / np.linalg.norm(vectors, axis=0, keepdims=True)
    return np.mean(1 - (u @ u.T)[np.triu_indices(n, 1)])
"""),
    ("01", "spread", "mean over all ordered pairs i != j (each pair twice: the same mean)", "", OK, """
def spread(vectors):
    n = len(vectors)
    u = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    d = 1 - u @ u.T
    return d[~np.eye(n, dtype=bool)].mean()
"""),
    ("01", "spread", "itertools.combinations and the learner's cosine_similarity", "", OK, """
import itertools

def spread(vectors):
    return float(np.mean([1 - cosine_similarity(a, b) for a, b in itertools.combinations(vectors, 2)]))
"""),
    # ---------------------------------------------------------------- 02 · score_grid
    ("02", "score_grid", "keys along the rows: k @ q.T", "transpos|row|column|k @ q|keys", BUG, """
def score_grid(x, W_Q, W_K):
    q, k = x @ W_Q, x @ W_K
    return k @ q.T
"""),
    ("02", "score_grid", "the two maps swapped", "swap|transpos", BUG, """
def score_grid(x, W_Q, W_K):
    q, k = x @ W_K, x @ W_Q
    return q @ k.T
"""),
    ("02", "score_grid", "already scaled by sqrt(d_head)", "scale|√|sqrt|divid|not yet", BUG, """
def score_grid(x, W_Q, W_K):
    q, k = x @ W_Q, x @ W_K
    return q @ k.T / np.sqrt(q.shape[-1])
"""),
    ("02", "score_grid", "element-wise product of queries and keys", "element|matrix product|q * k", BUG, """
def score_grid(x, W_Q, W_K):
    return (x @ W_Q) * (x @ W_K)
"""),
    ("02", "score_grid", "softmax already applied", "softmax|sum to 1|not yet|weights", BUG, """
def score_grid(x, W_Q, W_K):
    s = (x @ W_Q) @ (x @ W_K).T
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""),
    ("02", "score_grid", "forgets to return", "return|none", BUG, """
def score_grid(x, W_Q, W_K):
    scores = (x @ W_Q) @ (x @ W_K).T
"""),
    ("02", "score_grid", "x W_Q W_K^T x^T in one chain (the same product)", "", OK, """
def score_grid(x, W_Q, W_K):
    return x @ W_Q @ W_K.T @ x.T
"""),
    ("02", "score_grid", "einsum", "", OK, """
def score_grid(x, W_Q, W_K):
    return np.einsum("id,jd->ij", x @ W_Q, x @ W_K)
"""),
    # ---------------------------------------------------------------- 02 · picked_keys
    ("02", "picked_keys", "argmax over the columns (axis 0)",
     "axis 0|axis=0|column|each key|per key", BUG, """
def picked_keys(scores):
    return np.argmax(scores, axis=0)
"""),
    ("02", "picked_keys", "argmax of the whole grid (one flat index)",
     "flat|axis|one number|whole grid|single", BUG, """
def picked_keys(scores):
    return np.argmax(scores)
"""),
    ("02", "picked_keys", "argmin: the lowest-scoring key", "smallest|lowest|argmin|minimum|min", BUG, """
def picked_keys(scores):
    return np.argmin(scores, axis=-1)
"""),
    ("02", "picked_keys", "returns the highest scores, not their indices",
     "value|score|index|indices|argmax", BUG, """
def picked_keys(scores):
    return scores.max(axis=-1)
"""),
    ("02", "picked_keys", "indices as floats", "float|whole number|integer|int", BUG, """
def picked_keys(scores):
    return np.argmax(scores, axis=-1).astype(float)
"""),
    ("02", "picked_keys", "argsort's first column: the smallest",
     "smallest|lowest|argmin|minimum|argsort", BUG, """
def picked_keys(scores):
    return np.argsort(scores, axis=-1)[:, 0]
"""),
    ("02", "picked_keys", "a list of ints from a loop", "", OK, """
def picked_keys(scores):
    return [int(np.argmax(row)) for row in scores]
"""),
    ("02", "picked_keys", "argsort's last column", "", OK, """
def picked_keys(scores):
    return np.argsort(scores, axis=1, kind="stable")[:, -1]
"""),
    # ---------------------------------------------------------------- 02 · scaled_scores
    ("02", "scaled_scores", "multiplies by sqrt(d_head)", "multipl|×|instead of dividing|divide", BUG, """
def scaled_scores(q, k):
    return q @ k.T * np.sqrt(q.shape[-1])
"""),
    ("02", "scaled_scores", "sqrt of the number of queries (shape[0])",
     "number of queries|tq|length of one query|queries, not", BUG, """
def scaled_scores(q, k):
    return q @ k.T / np.sqrt(len(q))
"""),
    ("02", "scaled_scores", "sqrt of the number of keys", "number of keys|tk", BUG, """
def scaled_scores(q, k):
    return q @ k.T / math.sqrt(k.shape[0])
"""),
    ("02", "scaled_scores", "floor division by sqrt(d)", "//|floor|integer|whole", BUG, """
def scaled_scores(q, k):
    return q @ k.T // np.sqrt(q.shape[-1])
"""),
    ("02", "scaled_scores", "transposed grid k @ q.T", "transpos|row|column|k @ q", BUG, """
def scaled_scores(q, k):
    return k @ q.T / np.sqrt(q.shape[-1])
"""),
    ("02", "scaled_scores", "divides by d ** 1/2 (precedence: d / 2)",
     "precedence|parenthes|** 1 / 2|d / 2|d/2", BUG, """
def scaled_scores(q, k):
    return q @ k.T / q.shape[-1] ** 1 / 2
"""),
    ("02", "scaled_scores", "scale the queries first", "", OK, """
def scaled_scores(q, k):
    return (q / q.shape[-1] ** 0.5) @ k.T
"""),
    ("02", "scaled_scores", "1/sqrt(d) times the product", "", OK, """
def scaled_scores(q, k):
    return 1 / math.sqrt(k.shape[1]) * np.matmul(q, k.T)
"""),
    # ---------------------------------------------------------------- 03 · stable_softmax
    ("03", "stable_softmax", "subtracts the max in place (the caller's scores change) (issue 21)",
     "in place|changed|modif|argument", BUG, """
def stable_softmax(scores):
    scores -= np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores)
    return e / e.sum(axis=-1, keepdims=True)
"""),
    ("03", "stable_softmax", "max without keepdims (broadcasts against the columns)",
     "keepdims|broadcast", BUG, """
def stable_softmax(scores):
    e = np.exp(scores - np.max(scores, axis=-1))
    return e / np.sum(e, axis=-1, keepdims=True)
"""),
    ("03", "stable_softmax", "sum without keepdims", "keepdims|broadcast", BUG, """
def stable_softmax(scores):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1)
"""),
    ("03", "stable_softmax", "softmax over axis 0", "axis 0|axis=0|column|last axis", BUG, """
def stable_softmax(scores):
    e = np.exp(scores - np.max(scores, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
"""),
    ("03", "stable_softmax", "adds the max instead of subtracting it",
     "adds the max|sign|plus|instead of subtract", BUG, """
def stable_softmax(scores):
    e = np.exp(scores + np.max(scores, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)
"""),
    ("03", "stable_softmax", "divides by the largest exp, not the sum", "sum to 1|sum|largest|max", BUG, """
def stable_softmax(scores):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return e / np.max(e, axis=-1, keepdims=True)
"""),
    ("03", "stable_softmax", "returns the log-softmax",
     "log-softmax|log softmax|logarithm|np.log|log of", BUG, """
def stable_softmax(scores):
    s = scores - np.max(scores, axis=-1, keepdims=True)
    return s - np.log(np.sum(np.exp(s), axis=-1, keepdims=True))
"""),
    ("03", "stable_softmax", "divides by the sum of the whole grid",
     "whole|global|all rows|each row|grid", BUG, """
def stable_softmax(scores):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return e / e.sum()
"""),
    ("03", "stable_softmax", "subtracts the max after exp",
     "before exp|after exp|negative weight|negative", BUG, """
def stable_softmax(scores):
    e = np.exp(scores)
    e = e - e.max(axis=-1, keepdims=True)
    return e / e.sum(axis=-1, keepdims=True)
"""),
    ("03", "stable_softmax", "subtracts the mean, not the max (still overflows)",
     "mean|overflow|maximum", BUG, """
def stable_softmax(scores):
    e = np.exp(scores - np.mean(scores, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""),
    ("03", "stable_softmax", "exp(s - logsumexp)", "", OK, """
def stable_softmax(scores):
    m = np.max(scores, axis=-1, keepdims=True)
    return np.exp(scores - m - np.log(np.sum(np.exp(scores - m), axis=-1, keepdims=True)))
"""),
    ("03", "stable_softmax", "a copy, then -= and /= on the copy", "", OK, """
def stable_softmax(scores):
    e = np.array(scores, dtype=float)
    e -= e.max(axis=-1, keepdims=True)
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e
"""),
    # ---------------------------------------------------------------- 03 · softmax_with_temperature
    ("03", "softmax_with_temperature", "multiplies by the temperature",
     "multipl|×|divide|inverse|1/t|1 / t", BUG, """
def softmax_with_temperature(scores, temperature):
    return stable_softmax(scores * temperature)
"""),
    ("03", "softmax_with_temperature", "divides the weights after softmax",
     "after|before softmax|sum to 1", BUG, """
def softmax_with_temperature(scores, temperature):
    return stable_softmax(scores) / temperature
"""),
    ("03", "softmax_with_temperature", "ignores the temperature",
     "ignor|temperature|t = 1|same at every", BUG, """
def softmax_with_temperature(scores, temperature):
    return stable_softmax(scores)
"""),
    ("03", "softmax_with_temperature", "naive exp of s / t (overflows at low t)",
     "overflow|max|stable|subtract", BUG, """
def softmax_with_temperature(scores, temperature):
    e = np.exp(scores / temperature)
    return e / e.sum(axis=-1, keepdims=True)
"""),
    ("03", "softmax_with_temperature", "divides only the max by t (parentheses)",
     "parenthes|bracket|max(s) / t|max(s)/t|ignores the temperature", BUG, """
def softmax_with_temperature(scores, temperature):
    m = np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores - m / temperature)
    return e / e.sum(axis=-1, keepdims=True)
"""),
    ("03", "softmax_with_temperature", "exp(s) ** (1 / t): equal in exact arithmetic, overflows",
     "overflow|max|stable|subtract", BUG, """
def softmax_with_temperature(scores, temperature):
    e = np.exp(scores) ** (1 / temperature)
    return e / e.sum(axis=-1, keepdims=True)
"""),
    ("03", "softmax_with_temperature", "subtract the max, then divide by t", "", OK, """
def softmax_with_temperature(scores, temperature):
    e = np.exp((scores - np.max(scores, axis=-1, keepdims=True)) / temperature)
    return e / np.sum(e, axis=-1, keepdims=True)
"""),
    # ---------------------------------------------------------------- 03 · attention_pattern
    ("03", "attention_pattern", "no scaling", "scale|√|sqrt|divid", BUG, """
def attention_pattern(q, k):
    return stable_softmax(q @ k.T)
"""),
    ("03", "attention_pattern", "softmax over the columns", "axis 0|axis=0|column|each column", BUG, """
def attention_pattern(q, k):
    s = q @ k.T / np.sqrt(q.shape[-1])
    e = np.exp(s - s.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
"""),
    ("03", "attention_pattern", "scales after the softmax", "after|before softmax|sum to 1", BUG, """
def attention_pattern(q, k):
    return stable_softmax(q @ k.T) / np.sqrt(q.shape[-1])
"""),
    ("03", "attention_pattern", "keys along the rows (k @ q.T)", "transpos|row|column|k @ q", BUG, """
def attention_pattern(q, k):
    return stable_softmax(k @ q.T / np.sqrt(q.shape[-1]))
"""),
    ("03", "attention_pattern", "divides by d_head, not its square root",
     "square root|√|sqrt|d_head", BUG, """
def attention_pattern(q, k):
    return stable_softmax(q @ k.T / q.shape[-1])
"""),
    ("03", "attention_pattern", "one softmax over the whole grid", "whole|all entries|flat|entire", BUG, """
def attention_pattern(q, k):
    s = q @ k.T / np.sqrt(q.shape[-1])
    e = np.exp(s - s.max())
    return e / e.sum()
"""),
    ("03", "attention_pattern", "scales by sqrt(Tk)", "number of keys|tk|shape[0]|d_head", BUG, """
def attention_pattern(q, k):
    return stable_softmax(q @ k.T / np.sqrt(len(k)))
"""),
    ("03", "attention_pattern", "the course's softmax with the learner's scaled scores", "", OK, """
def attention_pattern(q, k):
    return softmax(q @ k.T / math.sqrt(k.shape[-1]), axis=-1)
"""),
    # ---------------------------------------------------------------- 04 · causal_mask
    ("04", "causal_mask", "the upper triangle", "upper|transpos|future|j >= i|j ≥ i|above|later", BUG, """
def causal_mask(T):
    return np.triu(np.ones((T, T), dtype=bool))
"""),
    ("04", "causal_mask", "the diagonal left out", "diagonal|itself|j < i|strict", BUG, """
def causal_mask(T):
    return np.tril(np.ones((T, T), dtype=bool), k=-1)
"""),
    ("04", "causal_mask", "floats, not bools", "bool|dtype|float|true/false", BUG, """
def causal_mask(T):
    return np.tril(np.ones((T, T)))
"""),
    ("04", "causal_mask", "ints 0/1, not bools", "bool|dtype|int", BUG, """
def causal_mask(T):
    return (np.arange(T)[:, None] >= np.arange(T)[None, :]).astype(int)
"""),
    ("04", "causal_mask", "True where forbidden (inverted)",
     "invert|forbidden|opposite|negat|~|swapped|true where", BUG, """
def causal_mask(T):
    return np.triu(np.ones((T, T), dtype=bool), 1)
"""),
    ("04", "causal_mask", "comparison the wrong way round (i <= j)",
     "upper|transpos|future|j >= i|j ≥ i|above|later",
     BUG, """
def causal_mask(T):
    i = np.arange(T)
    return i[:, None] <= i[None, :]
"""),
    ("04", "causal_mask", "one row and column too many", "expected shape|t + 1|one too many", BUG, """
def causal_mask(T):
    return np.tril(np.ones((T + 1, T + 1), dtype=bool))
"""),
    ("04", "causal_mask", "a list of lists", "list|ndarray", BUG, """
def causal_mask(T):
    return [[j <= i for j in range(T)] for i in range(T)]
"""),
    ("04", "causal_mask", "not of the strict upper triangle", "", OK, """
def causal_mask(T):
    return ~np.triu(np.ones((T, T), dtype=bool), k=1)
"""),
    ("04", "causal_mask", "np.tri(T, dtype=bool)", "", OK, """
def causal_mask(T):
    return np.tri(T, dtype=bool)
"""),
    # ---------------------------------------------------------------- 04 · masked_pattern
    ("04", "masked_pattern", "zeroes after softmax, then renormalises (0/0 when a future score is huge)",
     "renormalis|after softmax|0 / 0|nan|underflow|before softmax", BUG, """
def masked_pattern(scores, mask):
    p = softmax(scores) * mask
    return p / p.sum(axis=-1, keepdims=True)
"""),
    ("04", "masked_pattern", "-inf where the mask is True (inverted)",
     "invert|opposite|allowed|forbidden|swapped|true = may", BUG, """
def masked_pattern(scores, mask):
    return softmax(np.where(mask, -np.inf, scores))
"""),
    ("04", "masked_pattern", "writes -inf into the caller's scores (issue 21)",
     "in place|changed|modif|argument", BUG, """
def masked_pattern(scores, mask):
    scores[..., ~mask] = -np.inf
    return softmax(scores)
"""),
    ("04", "masked_pattern", "softmax over the columns", "axis 0|axis=0|column|axis -2|wrong axis", BUG, """
def masked_pattern(scores, mask):
    return softmax(np.where(mask, scores, -np.inf), axis=-2)
"""),
    ("04", "masked_pattern", "-1 for the forbidden scores, not -inf",
     "-inf|−∞|-np.inf|large negative|exactly 0|weight 0|not small enough", BUG, """
def masked_pattern(scores, mask):
    return softmax(np.where(mask, scores, -1.0))
"""),
    ("04", "masked_pattern", "naive softmax after masking (overflows)",
     "overflow|max|stable|subtract", BUG, """
def masked_pattern(scores, mask):
    e = np.exp(np.where(mask, scores, -np.inf))
    return e / e.sum(axis=-1, keepdims=True)
"""),
    ("04", "masked_pattern", "the mask transposed", "transpos|upper|future|mask.t", BUG, """
def masked_pattern(scores, mask):
    return softmax(np.where(mask.T, scores, -np.inf))
"""),
    ("04", "masked_pattern", "boolean indexing that only works without batch axes",
     "batch|leading|boolean index|3-d", BUG, """
def masked_pattern(scores, mask):
    s = scores.copy()
    s[~mask] = -np.inf
    return softmax(s)
"""),
    ("04", "masked_pattern", "-1e9 instead of -inf (the lesson says it is the same)", "", OK, """
def masked_pattern(scores, mask):
    s = np.where(mask, scores, -1e9)
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
"""),
    ("04", "masked_pattern", "a copy, then -inf through the broadcast mask", "", OK, """
def masked_pattern(scores, mask):
    s = np.array(scores, dtype=float)
    s[..., ~mask] = -np.inf
    return softmax(s, axis=-1)
"""),
    # ---------------------------------------------------------------- 04 · pattern_size
    ("04", "pattern_size", "not squared: T × itemsize", "square|t²|t^2|t × t|context_length²|grows", BUG, """
def pattern_size(context_length, dtype):
    return context_length * np.dtype(dtype).itemsize
"""),
    ("04", "pattern_size", "bits, not bytes", "bits|8|bytes", BUG, """
def pattern_size(context_length, dtype):
    return context_length ** 2 * np.dtype(dtype).itemsize * 8
"""),
    ("04", "pattern_size", "the number of weights, not bytes", "bytes|itemsize|per weight|numbers", BUG, """
def pattern_size(context_length, dtype):
    return context_length ** 2
"""),
    ("04", "pattern_size", "only the causal half", "half|triangle|mask|zeros", BUG, """
def pattern_size(context_length, dtype):
    return context_length * (context_length + 1) // 2 * np.dtype(dtype).itemsize
"""),
    ("04", "pattern_size", "MiB, not bytes", "mib|1024|2**20|2 ** 20|megabyte", BUG, """
def pattern_size(context_length, dtype):
    return context_length ** 2 * np.dtype(dtype).itemsize / 2**20
"""),
    ("04", "pattern_size", "always 4 bytes (ignores dtype)", "dtype|float32|ignor|4 bytes", BUG, """
def pattern_size(context_length, dtype):
    return context_length * context_length * np.float32().itemsize
"""),
    ("04", "pattern_size", "allocates the pattern to read its nbytes (32 GiB at 128k tokens)",
     "memoryerror|allocate|memory", BUG, """
def pattern_size(context_length, dtype):
    return np.empty((context_length, context_length), dtype=dtype).nbytes
"""),
    # ---------------------------------------------------------------- 05 · weighted_sum
    ("05", "weighted_sum", "transposed output values.T @ pattern.T", "transpos|expected shape", BUG, """
def weighted_sum(pattern, values):
    return values.T @ pattern.T
"""),
    ("05", "weighted_sum", "element-wise product", "element|broadcast|matrix product", BUG, """
def weighted_sum(pattern, values):
    return pattern * values
"""),
    ("05", "weighted_sum", "sums over the queries (axis 0)",
     "axis 0|axis=0|over the queries|transpos|column", BUG, """
def weighted_sum(pattern, values):
    return (pattern[:, :, None] * values[None]).sum(axis=0)
"""),
    ("05", "weighted_sum", "rounds to ints", "int|round|integer|whole", BUG, """
def weighted_sum(pattern, values):
    return (pattern @ values).astype(int)
"""),
    ("05", "weighted_sum", "loop misses the last key", "last|key|miss", BUG, """
def weighted_sum(pattern, values):
    out = np.zeros((pattern.shape[0], values.shape[1]))
    for i in range(pattern.shape[0]):
        for j in range(values.shape[0] - 1):
            out[i] += pattern[i, j] * values[j]
    return out
"""),
    ("05", "weighted_sum", "output shaped like values (Tk rows)",
     "zeros_like|one row per query|tq rows|shaped like", BUG, """
def weighted_sum(pattern, values):
    out = np.zeros_like(values)
    for i in range(min(len(out), len(pattern))):
        out[i] = pattern[i] @ values
    return out
"""),
    ("05", "weighted_sum", "the mean over the keys, not the weighted sum", "mean|average|divid|tk", BUG, """
def weighted_sum(pattern, values):
    return (pattern[:, :, None] * values[None]).mean(axis=1)
"""),
    ("05", "weighted_sum", "einsum", "", OK, """
def weighted_sum(pattern, values):
    return np.einsum("ij,jd->id", pattern, values)
"""),
    ("05", "weighted_sum", "a loop of rows", "", OK, """
def weighted_sum(pattern, values):
    return np.array([sum(w * v for w, v in zip(row, values)) for row in pattern])
"""),
    # ---------------------------------------------------------------- 05 · update
    ("05", "update", "returns the change only (no E +)", "change|add|e +|residual|updated|δe|delta", BUG, """
def update(E, pattern, W_down, W_up):
    return pattern @ (E @ W_down) @ W_up
"""),
    ("05", "update", "E += ... (the caller's E changes) (issue 21)",
     "in place|changed|modif|argument", BUG, """
def update(E, pattern, W_down, W_up):
    E += pattern @ (E @ W_down) @ W_up
    return E
"""),
    ("05", "update", "the pattern transposed", "transpos|row|column", BUG, """
def update(E, pattern, W_down, W_up):
    return E + pattern.T @ E @ W_down @ W_up
"""),
    ("05", "update", "forgets the pattern", "pattern|weight", BUG, """
def update(E, pattern, W_down, W_up):
    return E + E @ W_down @ W_up
"""),
    ("05", "update", "subtracts the change", "sign|subtract|minus|add", BUG, """
def update(E, pattern, W_down, W_up):
    return E - pattern @ E @ W_down @ W_up
"""),
    ("05", "update", "multiplies E by the change", "multipl|instead of add", BUG, """
def update(E, pattern, W_down, W_up):
    return E * (pattern @ E @ W_down @ W_up)
"""),
    ("05", "update", "value-up first (E @ W_up)", "order|value-up first|value-down first|w_up first", BUG, """
def update(E, pattern, W_down, W_up):
    return E + pattern @ (E @ W_up.T) @ W_down.T
"""),
    ("05", "update", "the full value map first, then the pattern", "", OK, """
def update(E, pattern, W_down, W_up):
    return E + weighted_sum(pattern, E @ (W_down @ W_up))
"""),
    # ---------------------------------------------------------------- 05 · value_map_counts
    ("05", "value_map_counts", "one layer only", "layer|n_layers", BUG, """
def value_map_counts(d_model, d_head, n_heads, n_layers):
    return {"full": n_heads * d_model**2, "factored": n_heads * 2 * d_model * d_head}
"""),
    ("05", "value_map_counts", "one head per layer", "head|n_heads", BUG, """
def value_map_counts(d_model, d_head, n_heads, n_layers):
    return {"full": n_layers * d_model**2, "factored": n_layers * 2 * d_model * d_head}
"""),
    ("05", "value_map_counts", "factored counts value-down only",
     "value-up|one of|both|2 ×|twice|half|2·", BUG, """
def value_map_counts(d_model, d_head, n_heads, n_layers):
    return {"full": n_heads * n_layers * d_model**2, "factored": n_heads * n_layers * d_model * d_head}
"""),
    ("05", "value_map_counts", "'full' as d_model × d_head",
     "square|d_model²|d_model × d_model|full", BUG, """
def value_map_counts(d_model, d_head, n_heads, n_layers):
    return {"full": n_heads * n_layers * d_model * d_head,
            "factored": n_heads * n_layers * 2 * d_model * d_head}
"""),
    ("05", "value_map_counts", "full and factored swapped", "swap|other way|the wrong way", BUG, """
def value_map_counts(d_model, d_head, n_heads, n_layers):
    return {"factored": n_heads * n_layers * d_model**2, "full": n_heads * n_layers * 2 * d_model * d_head}
"""),
    ("05", "value_map_counts", "a tuple, not a dict", "dict|tuple", BUG, """
def value_map_counts(d_model, d_head, n_heads, n_layers):
    return n_heads * n_layers * d_model**2, n_heads * n_layers * 2 * d_model * d_head
"""),
    ("05", "value_map_counts", "d_head taken as d_model // n_heads",
     "d_head|d_model / n_heads|d_model // n_heads", BUG, """
def value_map_counts(d_model, d_head, n_heads, n_layers):
    d = d_model // n_heads
    return {"full": n_heads * n_layers * d_model**2, "factored": n_heads * n_layers * 2 * d_model * d}
"""),
    ("05", "value_map_counts", "per head, times the number of maps", "", OK, """
def value_map_counts(d_model, d_head, n_heads, n_layers):
    n_maps = n_heads * n_layers
    return dict(full=n_maps * d_model * d_model, factored=n_maps * (d_model * d_head + d_head * d_model))
"""),
    # ---------------------------------------------------------------- 06 · multi_head
    ("06", "multi_head", "averages the heads instead of adding", "mean|average|n_heads|divid", BUG, """
def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
    changes = [scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])[0] @ W_V_up[h]
               for h in range(len(W_Q))]
    return np.mean(changes, axis=0)
"""),
    ("06", "multi_head", "= instead of += (only the last head)",
     "last head|only one head|+=|add|overwrit", BUG, """
def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
    total = np.zeros_like(x)
    for h in range(len(W_Q)):
        out, _ = scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])
        total = out @ W_V_up[h]
    return total
"""),
    ("06", "multi_head", "concatenates the heads' changes", "concat|side by side", BUG, """
def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
    return np.concatenate([scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])[0]
                           @ W_V_up[h]
                           for h in range(len(W_Q))], axis=-1)
"""),
    ("06", "multi_head", "a causal mask", "mask|causal", BUG, """
def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
    mask = causal_mask(len(x))
    return sum(scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h], mask)[0] @ W_V_up[h]
               for h in range(len(W_Q)))
"""),
    ("06", "multi_head", "head 0's value-up for every head",
     "head 0|same value-up|every head|w_v_up[h]|w_v_up[0]", BUG, """
def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
    return sum(scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])[0] @ W_V_up[0]
               for h in range(len(W_Q)))
"""),
    ("06", "multi_head", "adds x (the residual) to the sum", "x +|residual|add x|input|change", BUG, """
def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
    out = x.copy()
    for h in range(len(W_Q)):
        out = out + scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])[0] @ W_V_up[h]
    return out
"""),
    ("06", "multi_head", "range(n_heads - 1): misses the last head",
     "last head|misses a head|n_heads - 1|one head too few", BUG, """
def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
    total = 0
    for h in range(len(W_Q) - 1):
        total = total + scaled_dot_product_attention(x @ W_Q[h], x @ W_K[h], x @ W_V_down[h])[0] @ W_V_up[h]
    return total
"""),
    ("06", "multi_head", "keys made with the query map", "w_k|query map|key map", BUG, """
def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
    return sum(scaled_dot_product_attention(x @ W_Q[h], x @ W_Q[h], x @ W_V_down[h])[0] @ W_V_up[h]
               for h in range(len(W_Q)))
"""),
    ("06", "multi_head", "all heads at once, einsum over the head axis", "", OK, """
def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
    out, _ = scaled_dot_product_attention(x @ W_Q, x @ W_K, x @ W_V_down)  # (H, T, D)
    return np.einsum("htd,hdc->tc", out, W_V_up)
"""),
    ("06", "multi_head", "by hand: softmax of scaled scores per head", "", OK, """
def multi_head(x, W_Q, W_K, W_V_down, W_V_up):
    total = np.zeros((x.shape[0], W_V_up.shape[-1]))
    for wq, wk, wv, wu in zip(W_Q, W_K, W_V_down, W_V_up):
        q, k, v = x @ wq, x @ wk, x @ wv
        s = q @ k.T / np.sqrt(q.shape[-1])
        p = np.exp(s - s.max(axis=-1, keepdims=True))
        total += (p / p.sum(axis=-1, keepdims=True)) @ v @ wu
    return total
"""),
    # ---------------------------------------------------------------- 06 · stack_value_ups
    ("06", "stack_value_ups", "side by side (axis 1), not stacked", "axis 1|axis=1|side by side", BUG, """
def stack_value_ups(W_V_up):
    return np.concatenate(list(W_V_up), axis=1)
"""),
    ("06", "stack_value_ups", "transpose before reshape: rows interleaved",
     "interleav|order|head 0's rows first|transpos|block", BUG, """
def stack_value_ups(W_V_up):
    H, D, C = W_V_up.shape
    return W_V_up.transpose(1, 0, 2).reshape(H * D, C)
"""),
    ("06", "stack_value_ups", "the transposed shape (d_model, H·D)", "transpos|expected shape", BUG, """
def stack_value_ups(W_V_up):
    return W_V_up.reshape(-1, W_V_up.shape[-1]).T
"""),
    ("06", "stack_value_ups", "heads in reverse order", "reverse|order|head 0|last head first", BUG, """
def stack_value_ups(W_V_up):
    return np.concatenate(W_V_up[::-1], axis=0)
"""),
    ("06", "stack_value_ups", "the sum of the value-ups", "adds the heads|sum of|summed", BUG, """
def stack_value_ups(W_V_up):
    return W_V_up.sum(axis=0)
"""),
    ("06", "stack_value_ups", "a list of the rows", "list|ndarray|array", BUG, """
def stack_value_ups(W_V_up):
    return [row for head in W_V_up for row in head]
"""),
    ("06", "stack_value_ups", "reshape with d_head as the width",
     "expected shape|width|d_model columns", BUG, """
def stack_value_ups(W_V_up):
    return W_V_up.reshape(-1, W_V_up.shape[1])
"""),
    ("06", "stack_value_ups", "np.vstack", "", OK, """
def stack_value_ups(W_V_up):
    return np.vstack(W_V_up)
"""),
    ("06", "stack_value_ups", "reshape(H * D, C)", "", OK, """
def stack_value_ups(W_V_up):
    n_heads, d_head, d_model = W_V_up.shape
    return W_V_up.reshape(n_heads * d_head, d_model)
"""),
    # ---------------------------------------------------------------- 06 · head_entropy
    ("06", "head_entropy", "natural log (nats, not bits)", "nats|natural|np.log)", BUG, """
def head_entropy(pattern):
    p = np.where(pattern > 0, pattern, 1.0)
    return -(pattern * np.log(p)).sum(axis=-1).mean()
"""),
    ("06", "head_entropy", "forgets the minus sign", "sign|minus|negative", BUG, """
def head_entropy(pattern):
    p = np.where(pattern > 0, pattern, 1.0)
    return (pattern * np.log2(p)).sum(axis=-1).mean()
"""),
    ("06", "head_entropy", "0 · log 0 gives NaN",
     "nan|0 log 0|0 · log|zero weights|masked|exactly 0", BUG, """
def head_entropy(pattern):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(pattern * np.log2(pattern)).sum(axis=-1).mean()
"""),
    ("06", "head_entropy", "sums the rows' entropies instead of averaging",
     "adds the rows|average them|np.mean|instead of averag", BUG, """
def head_entropy(pattern):
    p = np.where(pattern > 0, pattern, 1.0)
    return -(pattern * np.log2(p)).sum()
"""),
    ("06", "head_entropy", "sums each column, then averages (a square pattern: the same total / T)",
     "", OK, """
def head_entropy(pattern):
    p = np.where(pattern > 0, pattern, 1.0)
    return -(pattern * np.log2(p)).sum(axis=0).mean()
"""),
    ("06", "head_entropy", "log10", "log10|log2|bits|base", BUG, """
def head_entropy(pattern):
    p = np.where(pattern > 0, pattern, 1.0)
    return -(pattern * np.log10(p)).sum(axis=-1).mean()
"""),
    ("06", "head_entropy", "the mean over every entry, not sum per row then mean",
     "every weight|every entry|sum −p|sum over the keys", BUG, """
def head_entropy(pattern):
    p = np.where(pattern > 0, pattern, 1.0)
    return -(pattern * np.log2(p)).mean()
"""),
    ("06", "head_entropy", "log2(p + 1e-12): a tiny epsilon", "", OK, """
def head_entropy(pattern):
    return float(-(pattern * np.log2(pattern + 1e-12)).sum(axis=1).mean())
"""),
    ("06", "head_entropy", "only the positive weights, divided by the number of rows", "", OK, """
def head_entropy(pattern):
    p = pattern[pattern > 0]
    return -(p * np.log2(p)).sum() / pattern.shape[0]
"""),
    # ---------------------------------------------------------------- 07 · cross_attention
    ("07", "cross_attention", "queries from the context, keys and values from x",
     "swap|queries from|the other way|context's queries|queries come", BUG, """
def cross_attention(x, context, W_Q, W_K, W_V):
    return scaled_dot_product_attention(context @ W_Q, x @ W_K, x @ W_V)[0]
"""),
    ("07", "cross_attention", "values taken from x", "values must come|values from x|x @ w_v|from x", BUG, """
def cross_attention(x, context, W_Q, W_K, W_V):
    q, k = x @ W_Q, context @ W_K
    s = q @ k.T / np.sqrt(q.shape[-1])
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True) @ (x @ W_V)
"""),
    ("07", "cross_attention", "a causal mask", "mask|causal", BUG, """
def cross_attention(x, context, W_Q, W_K, W_V):
    mask = np.tril(np.ones((len(x), len(context)), dtype=bool))
    return scaled_dot_product_attention(x @ W_Q, context @ W_K, context @ W_V, mask)[0]
"""),
    ("07", "cross_attention", "returns (output, pattern)", "tuple|pattern|[0]|output", BUG, """
def cross_attention(x, context, W_Q, W_K, W_V):
    return scaled_dot_product_attention(x @ W_Q, context @ W_K, context @ W_V)
"""),
    ("07", "cross_attention", "no scaling", "scale|√|sqrt", BUG, """
def cross_attention(x, context, W_Q, W_K, W_V):
    s = (x @ W_Q) @ (context @ W_K).T
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    return (w / w.sum(axis=-1, keepdims=True)) @ (context @ W_V)
"""),
    ("07", "cross_attention", "softmax over the target positions (axis 0)",
     "axis 0|axis=0|column|wrong axis", BUG, """
def cross_attention(x, context, W_Q, W_K, W_V):
    s = (x @ W_Q) @ (context @ W_K).T / np.sqrt(W_Q.shape[1])
    w = np.exp(s - s.max(axis=0, keepdims=True))
    return (w / w.sum(axis=0, keepdims=True)) @ (context @ W_V)
"""),
    ("07", "cross_attention", "returns the pattern", "pattern|the weights", BUG, """
def cross_attention(x, context, W_Q, W_K, W_V):
    return scaled_dot_product_attention(x @ W_Q, context @ W_K, context @ W_V)[1]
"""),
    ("07", "cross_attention", "by hand, scaled by sqrt(d_head)", "", OK, """
def cross_attention(x, context, W_Q, W_K, W_V):
    q, k, v = x @ W_Q, context @ W_K, context @ W_V
    s = q @ k.T / math.sqrt(k.shape[-1])
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    return w / w.sum(axis=-1, keepdims=True) @ v
"""),
    # ---------------------------------------------------------------- 07 · pattern_shapes
    ("07", "pattern_shapes", "cross transposed (source rows)",
     "transpos|queries (rows) from the target|one row per query",
     BUG, """
def pattern_shapes(n_source, n_target, n_heads):
    return {"encoder": (n_heads, n_source, n_source), "decoder": (n_heads, n_target, n_target),
            "cross": (n_heads, n_source, n_target)}
"""),
    ("07", "pattern_shapes", "heads last", "heads first|heads last|expected shape", BUG, """
def pattern_shapes(n_source, n_target, n_heads):
    return {"encoder": (n_source, n_source, n_heads), "decoder": (n_target, n_target, n_heads),
            "cross": (n_target, n_source, n_heads)}
"""),
    ("07", "pattern_shapes", "encoder and decoder swapped",
     "swap|the other way|encoder's and decoder's", BUG, """
def pattern_shapes(n_source, n_target, n_heads):
    return {"encoder": (n_heads, n_target, n_target), "decoder": (n_heads, n_source, n_source),
            "cross": (n_heads, n_target, n_source)}
"""),
    ("07", "pattern_shapes", "lists, not tuples", "tuple|list", BUG, """
def pattern_shapes(n_source, n_target, n_heads):
    return {"encoder": [n_heads, n_source, n_source], "decoder": [n_heads, n_target, n_target],
            "cross": [n_heads, n_target, n_source]}
"""),
    ("07", "pattern_shapes", "no heads axis", "heads axis|no head|expected shape", BUG, """
def pattern_shapes(n_source, n_target, n_heads):
    return {"encoder": (n_source, n_source), "decoder": (n_target, n_target), "cross": (n_target, n_source)}
"""),
    ("07", "pattern_shapes", "decoder and cross with n_target + 1 rows (<s>)",
     "+ 1|off by one|one row too many|<s>", BUG, """
def pattern_shapes(n_source, n_target, n_heads):
    return {"encoder": (n_heads, n_source, n_source), "decoder": (n_heads, n_target + 1, n_target + 1),
            "cross": (n_heads, n_target + 1, n_source)}
"""),
    ("07", "pattern_shapes", "built with dict()", "", OK, """
def pattern_shapes(n_source, n_target, n_heads):
    S, T, H = n_source, n_target, n_heads
    return dict(cross=(H, T, S), decoder=(H, T, T), encoder=(H, S, S))
"""),
    # ---------------------------------------------------------------- 07 · decoder_masks
    ("07", "decoder_masks", "a causal mask on cross-attention too",
     "needs no mask|every source|nothing to hide|no mask", BUG, """
def decoder_masks(n_target, n_source):
    return (np.tril(np.ones((n_target, n_target), dtype=bool)),
            np.tril(np.ones((n_target, n_source), dtype=bool)))
"""),
    ("07", "decoder_masks", "the pair in the wrong order", "swap|order|the other way", BUG, """
def decoder_masks(n_target, n_source):
    return np.ones((n_target, n_source), dtype=bool), np.tril(np.ones((n_target, n_target), dtype=bool))
"""),
    ("07", "decoder_masks", "self-attention not causal", "is causal|later target|not causal|future", BUG, """
def decoder_masks(n_target, n_source):
    return np.ones((n_target, n_target), dtype=bool), np.ones((n_target, n_source), dtype=bool)
"""),
    ("07", "decoder_masks", "cross mask shaped (n_source, n_target)", "transpos|expected shape", BUG, """
def decoder_masks(n_target, n_source):
    return np.tril(np.ones((n_target, n_target), dtype=bool)), np.ones((n_source, n_target), dtype=bool)
"""),
    ("07", "decoder_masks", "float masks", "bool|dtype|float", BUG, """
def decoder_masks(n_target, n_source):
    return np.tril(np.ones((n_target, n_target))), np.ones((n_target, n_source))
"""),
    ("07", "decoder_masks", "a dict, not a pair", "pair|tuple|dict", BUG, """
def decoder_masks(n_target, n_source):
    return {"self": np.tril(np.ones((n_target, n_target), dtype=bool)),
            "cross": np.ones((n_target, n_source), dtype=bool)}
"""),
    ("07", "decoder_masks", "cross mask all False", "all false|nothing|no key|invert", BUG, """
def decoder_masks(n_target, n_source):
    return np.tril(np.ones((n_target, n_target), dtype=bool)), np.zeros((n_target, n_source), dtype=bool)
"""),
    ("07", "decoder_masks", "self mask the upper triangle", "upper|transpos|np.triu", BUG, """
def decoder_masks(n_target, n_source):
    return np.triu(np.ones((n_target, n_target), dtype=bool)), np.ones((n_target, n_source), dtype=bool)
"""),
    ("07", "decoder_masks", "comparisons of aranges, a full cross mask", "", OK, """
def decoder_masks(n_target, n_source):
    t = np.arange(n_target)
    return t[:, None] >= t[None, :], np.full((n_target, n_source), True)
"""),
    # ---------------------------------------------------------------- 08 · block_parameters
    ("08", "block_parameters", "assumes d_mlp = 4 d_model",
     "4 d_model|4·d_model|4 × d_model|d_mlp|assum", BUG, """
def block_parameters(d_model, n_heads, d_head, d_mlp):
    return {"attention": 4 * d_model * d_head * n_heads, "mlp": 8 * d_model**2}
"""),
    ("08", "block_parameters", "assumes n_heads · d_head = d_model",
     "n_heads · d_head|n_heads × d_head|d_model²|assum|d_head", BUG, """
def block_parameters(d_model, n_heads, d_head, d_mlp):
    return {"attention": 4 * d_model**2, "mlp": 2 * d_model * d_mlp}
"""),
    ("08", "block_parameters", "three matrices per head (no value-up)",
     "value-up|three|3 matrices|fourth", BUG, """
def block_parameters(d_model, n_heads, d_head, d_mlp):
    return {"attention": 3 * d_model * d_head * n_heads, "mlp": 2 * d_model * d_mlp}
"""),
    ("08", "block_parameters", "MLP with one matrix",
     "one of its two|up and down|both matrices|down (d_mlp", BUG, """
def block_parameters(d_model, n_heads, d_head, d_mlp):
    return {"attention": 4 * d_model * d_head * n_heads, "mlp": d_model * d_mlp}
"""),
    ("08", "block_parameters", "one head's attention", "one head|n_heads", BUG, """
def block_parameters(d_model, n_heads, d_head, d_mlp):
    return {"attention": 4 * d_model * d_head, "mlp": 2 * d_model * d_mlp}
"""),
    ("08", "block_parameters", "biases included", "bias", BUG, """
def block_parameters(d_model, n_heads, d_head, d_mlp):
    return {"attention": 4 * d_model * d_head * n_heads + 3 * n_heads * d_head + d_model,
            "mlp": 2 * d_model * d_mlp + d_mlp + d_model}
"""),
    ("08", "block_parameters", "key 'MLP' in capitals", "key|lacks", BUG, """
def block_parameters(d_model, n_heads, d_head, d_mlp):
    return {"attention": 4 * d_model * d_head * n_heads, "MLP": 2 * d_model * d_mlp}
"""),
    ("08", "block_parameters", "matrix by matrix", "", OK, """
def block_parameters(d_model, n_heads, d_head, d_mlp):
    per_head = d_model * d_head * 3 + d_head * d_model
    return {"attention": n_heads * per_head, "mlp": d_model * d_mlp + d_mlp * d_model}
"""),
    # ---------------------------------------------------------------- 08 · fill_in_the_table
    ("08", "fill_in_the_table", "head rows for one layer",
     "one layer|multiply by n_layers|n_layers layers", BUG, """
def fill_in_the_table(config):
    C, D, M, V, L, H = (config.d_model, config.d_head, config.d_mlp, config.vocab_size,
                        config.n_layers, config.n_heads)
    head = H * C * D
    return {"embedding": V * C, "query": head, "key": head, "value_down": head, "value_up": head,
            "up_projection": L * C * M, "down_projection": L * M * C, "unembedding": C * V}
"""),
    ("08", "fill_in_the_table", "head rows for one head per layer", "one head|n_heads", BUG, """
def fill_in_the_table(config):
    C, D, M, V, L = config.d_model, config.d_head, config.d_mlp, config.vocab_size, config.n_layers
    head = L * C * D
    return {"embedding": V * C, "query": head, "key": head, "value_down": head, "value_up": head,
            "up_projection": L * C * M, "down_projection": L * M * C, "unembedding": C * V}
"""),
    ("08", "fill_in_the_table", "unembedding 0 (thinks it is tied)", "unembed|tied|tie", BUG, """
def fill_in_the_table(config):
    C, D, M, V, L, H = (config.d_model, config.d_head, config.d_mlp, config.vocab_size,
                        config.n_layers, config.n_heads)
    head = L * H * C * D
    return {"embedding": V * C, "query": head, "key": head, "value_down": head, "value_up": head,
            "up_projection": L * C * M, "down_projection": L * M * C, "unembedding": 0}
"""),
    ("08", "fill_in_the_table", "MLP rows for one layer", "one layer|n_layers", BUG, """
def fill_in_the_table(config):
    C, D, M, V, L, H = (config.d_model, config.d_head, config.d_mlp, config.vocab_size,
                        config.n_layers, config.n_heads)
    head = L * H * C * D
    return {"embedding": V * C, "query": head, "key": head, "value_down": head, "value_up": head,
            "up_projection": C * M, "down_projection": M * C, "unembedding": C * V}
"""),
    ("08", "fill_in_the_table", "no value_up row", "value_up|lacks|missing", BUG, """
def fill_in_the_table(config):
    C, D, M, V, L, H = (config.d_model, config.d_head, config.d_mlp, config.vocab_size,
                        config.n_layers, config.n_heads)
    head = L * H * C * D
    return {"embedding": V * C, "query": head, "key": head, "value_down": head,
            "up_projection": L * C * M, "down_projection": L * M * C, "unembedding": C * V}
"""),
    ("08", "fill_in_the_table", "embedding sized by the context", "vocab|context_length", BUG, """
def fill_in_the_table(config):
    C, D, M, L, H = config.d_model, config.d_head, config.d_mlp, config.n_layers, config.n_heads
    head = L * H * C * D
    return {"embedding": config.context_length * C, "query": head, "key": head, "value_down": head,
            "value_up": head, "up_projection": L * C * M, "down_projection": L * M * C,
            "unembedding": C * config.vocab_size}
"""),
    ("08", "fill_in_the_table", "MLP width 4 d_model, not d_mlp", "d_mlp|4 · d_model|4 × d_model", BUG, """
def fill_in_the_table(config):
    C, D, V, L, H = config.d_model, config.d_head, config.vocab_size, config.n_layers, config.n_heads
    head = L * H * C * D
    return {"embedding": V * C, "query": head, "key": head, "value_down": head, "value_up": head,
            "up_projection": L * C * 4 * C, "down_projection": L * 4 * C * C, "unembedding": C * V}
"""),
    ("08", "fill_in_the_table", "value_up counted as d_head × d_model (the same number)", "", OK, """
def fill_in_the_table(config):
    c = config
    per_layer = c.n_heads * c.d_model * c.d_head
    return {"embedding": c.vocab_size * c.d_model, "query": c.n_layers * per_layer,
            "key": c.n_layers * per_layer, "value_down": c.n_layers * per_layer,
            "value_up": c.n_layers * c.n_heads * c.d_head * c.d_model,
            "up_projection": c.n_layers * c.d_model * c.d_mlp,
            "down_projection": c.n_layers * c.d_mlp * c.d_model,
            "unembedding": c.d_model * c.vocab_size}
"""),
]

EXACT = """
def exact_parameters(config):
    C, V, L, M = config.d_model, config.vocab_size, config.n_layers, config.d_mlp
    HD = config.n_heads * config.d_head
    b = 1 if config.bias else 0
    ln = (2 if config.bias else 1) * C
    embeddings = V * C + config.context_length * C
    attention = 3 * C * HD + b * 3 * HD + HD * C + b * C
    mlp = C * M + b * M + M * C + b * C
    block = attention + mlp + 2 * ln
    unembedding = 0 if config.tie_weights else V * C
    return embeddings + L * block + ln + unembedding
"""


def exact(old="", new=""):
    """exact_parameters with one slip: `old` replaced by `new` in the right count."""
    assert old in EXACT
    return EXACT.replace(old, new)


ATTEMPTS += [
    ("08", "exact_parameters", "no position embeddings",
     "position", BUG, exact(" + config.context_length * C")),
    ("08", "exact_parameters", "no final LayerNorm", "final|ln_f", BUG,
     exact("L * block + ln +", "L * block +")),
    ("08", "exact_parameters", "one LayerNorm per block",
     "two layernorms|two per block|ln_2|one layernorm", BUG,
     exact("mlp + 2 * ln", "mlp + ln")),
    ("08", "exact_parameters", "always counts the unembedding (ignores tie_weights)", "tie|tied|unembed", BUG,
     exact("0 if config.tie_weights else V * C", "V * C")),
    ("08", "exact_parameters", "always biases (ignores config.bias)", "bias", BUG,
     exact("1 if config.bias else 0", "1")),
    ("08", "exact_parameters", "LayerNorms without shifts even with biases", "shift|layernorm|scale", BUG,
     exact("(2 if config.bias else 1) * C", "C")),
    ("08", "exact_parameters", "no output bias",
     "output bias|out bias|the output", BUG, exact("HD * C + b * C", "HD * C")),
    ("08", "exact_parameters", "no MLP up-bias", "mlp bias|up bias|mlp's", BUG, exact("b * M + ")),
    ("08", "exact_parameters", "MLP width 4 d_model, not d_mlp", "d_mlp|4 · d_model|4 × d_model", BUG,
     exact("mlp = C * M + b * M + M * C", "mlp = C * 4 * C + b * 4 * C + 4 * C * C")),
    ("08", "exact_parameters", "query, key and value biases sized d_model, not n_heads · d_head",
     "n_heads · d_head|n_heads × d_head|bias", BUG, exact("b * 3 * HD", "b * 3 * C")),
    ("08", "exact_parameters", "the right count, term by term", "", OK, exact()),
]

# grown after the first landing: in-place edits, arithmetic masks, forgotten reductions, prints
ATTEMPTS += [
    ("01", "cosine_similarity", "normalises u and v in place (u /= …)",
     "in place|changed|modif|argument", BUG, """
def cosine_similarity(u, v):
    u /= np.linalg.norm(u)
    v /= np.linalg.norm(v)
    return float(u @ v)
"""),
    ("01", "nearest_neighbours", "normalises the caller's table in place",
     "in place|changed|modif|argument", BUG, """
def nearest_neighbours(vector, table, k):
    table /= np.linalg.norm(table, axis=1, keepdims=True)
    return np.argsort(-(table @ vector))[:k]
"""),
    ("03", "softmax_with_temperature", "exp(s - max) ** (1 / t): underflows to 0 at a high temperature",
     "underflow|exp(s / t)|power|** (1", BUG, """
def softmax_with_temperature(scores, temperature):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True)) ** (1 / temperature)
    return e / e.sum(axis=-1, keepdims=True)
"""),
    ("04", "masked_pattern", "masks by arithmetic: scores * mask + ~mask * -inf (0 · -inf is NaN)",
     "0 · -inf|0 * -inf|0 × -inf|np.where|arithmetic|multipl", BUG, """
def masked_pattern(scores, mask):
    return softmax(scores * mask + ~mask * -np.inf)
"""),
    ("05", "weighted_sum", "prints the result instead of returning it", "return|none|print", BUG, """
def weighted_sum(pattern, values):
    print(pattern @ values)
"""),
    ("06", "head_entropy", "one entropy per row (forgets the mean)",
     "one number|single number|mean|average|per row",
     BUG, """
def head_entropy(pattern):
    p = np.where(pattern > 0, pattern, 1.0)
    return -(pattern * np.log2(p)).sum(axis=-1)
"""),
    ("07", "decoder_masks", "the self mask sized by the source",
     "n_target|expected shape|(n_target, n_target)", BUG, """
def decoder_masks(n_target, n_source):
    return np.tril(np.ones((n_source, n_source), dtype=bool)), np.ones((n_target, n_source), dtype=bool)
"""),
    ("03", "softmax_with_temperature", "exp(s - max), then a power that cannot underflow: the same as / t",
     "", OK, """
def softmax_with_temperature(scores, temperature):
    z = (scores - np.max(scores, axis=-1, keepdims=True)) / temperature
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
"""),
]
