# ruff: noqa: E501 — a table of one-line wrong answers
"""Plausible learner mistakes written from the exercise texts alone (issue 21's measure), not from the
checks' catalogues: each is a wrong answer and the words a line must hold to name its slip.

``MISTAKES`` lists ``(exercise, label, wrong, words)``: ``wrong`` has the exercise's signature; the
check's line names the slip when it holds any of ``words`` (lowercase). ``tests/test_fresh_mistakes.py``
asserts every one is flagged without a traceback and prints the named rate per lesson.
"""

from __future__ import annotations

import math

import numpy as np

MISTAKES: list[tuple[str, str, object, tuple[str, ...]]] = []


def mistake(exercise: str, label: str, *words: str):
    def keep(fn):
        MISTAKES.append((exercise, label, fn, tuple(w.lower() for w in words)))
        return fn
    return keep


def _softmax(s, axis=-1):
    e = np.exp(s - np.max(s, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# --- 00 dot -------------------------------------------------------------------------------------
mistake("dot", "element-wise product not summed", "sum")(lambda u, v: np.asarray(u) * np.asarray(v))
mistake("dot", "sum of u plus v", "add", "sum of u + v", "+")(lambda u, v: float(np.sum(np.asarray(u) + np.asarray(v))))
mistake("dot", "loop stops one short", "last", "range")(lambda u, v: float(sum(u[i] * v[i] for i in range(len(u) - 1))))
mistake("dot", "returns the mean", "mean", "divid", "len")(lambda u, v: float(np.mean(np.asarray(u) * np.asarray(v))))
mistake("dot", "sums u only times v[0]", "v[0]", "first")(lambda u, v: float(np.sum(u) * v[0]))
mistake("dot", "product of sums", "product of", "sums")(lambda u, v: float(np.sum(u) * np.sum(v)))

# --- 01 embeddings --------------------------------------------------------------------------------
mistake("cosine_similarity", "no normalisation", "length", "norm")(lambda u, v: float(np.dot(u, v)))
mistake("cosine_similarity", "divides by the norm of u only", "norm", "length")(
    lambda u, v: float(np.dot(u, v) / np.linalg.norm(u)))
mistake("cosine_similarity", "squared norms", "square", "norm")(
    lambda u, v: float(np.dot(u, v) / (np.dot(u, u) * np.dot(v, v))))
mistake("cosine_similarity", "1 - cos (a distance)", "distance", "1 -", "1 − ")(
    lambda u, v: float(1 - np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))))
mistake("cosine_similarity", "sum of norms", "norm", "product")(
    lambda u, v: float(np.dot(u, v) / (np.linalg.norm(u) + np.linalg.norm(v))))
mistake("cosine_similarity", "integer division on ints", "whole", "int", "integer")(
    lambda u, v: int(np.dot(u, v)) // max(int(np.linalg.norm(u) * np.linalg.norm(v)), 1))
mistake("nearest_neighbours", "ranks by dot product", "dot product")(
    lambda vector, table, k: np.argsort(-(table @ vector))[:k])
mistake("nearest_neighbours", "smallest first", "smallest", "lowest", "least", "ascending", "reverse", "order")(
    lambda vector, table, k: np.argsort(table @ vector / np.linalg.norm(table, axis=1))[:k])
mistake("nearest_neighbours", "norm over axis 0", "axis", "column")(
    lambda vector, table, k: np.argsort(-((table / np.linalg.norm(table, axis=0)) @ vector))[:k])
mistake("nearest_neighbours", "returns similarities", "indices", "index", "whole numbers")(
    lambda vector, table, k: np.sort(table @ vector / np.linalg.norm(table, axis=1))[::-1][:k])
mistake("nearest_neighbours", "k + 1 rows", "k", "rows", "length")(
    lambda vector, table, k: np.argsort(-(table @ vector / np.linalg.norm(table, axis=1)))[: k + 1])
mistake("nearest_neighbours", "returns the rows themselves", "indices", "index", "rows")(
    lambda vector, table, k: table[np.argsort(-(table @ vector / np.linalg.norm(table, axis=1)))[:k]])
mistake("spread", "mean cosine, not 1 - cos", "1 -", "1 − ", "distance", "similarity")(
    lambda vs: float(np.mean([np.dot(vs[i], vs[j]) / np.linalg.norm(vs[i]) / np.linalg.norm(vs[j])
                              for i in range(len(vs)) for j in range(i + 1, len(vs))])))
mistake("spread", "all pairs including i == j", "pair", "i < j", "itself", "diagonal")(
    lambda vs: float(np.mean([1 - np.dot(vs[i], vs[j]) / np.linalg.norm(vs[i]) / np.linalg.norm(vs[j])
                              for i in range(len(vs)) for j in range(len(vs))])))
mistake("spread", "ordered pairs i != j (same mean)", "pair", "i < j", "itself", "diagonal", "twice")(
    lambda vs: float(np.sum([1 - np.dot(vs[i], vs[j]) / np.linalg.norm(vs[i]) / np.linalg.norm(vs[j])
                             for i in range(len(vs)) for j in range(len(vs)) if i != j])
                     / (len(vs) * (len(vs) - 1) / 2)))
mistake("spread", "sum instead of mean", "mean", "sum", "average", "divid")(
    lambda vs: float(np.sum([1 - np.dot(vs[i], vs[j]) / np.linalg.norm(vs[i]) / np.linalg.norm(vs[j])
                             for i in range(len(vs)) for j in range(i + 1, len(vs))])))
mistake("spread", "plain dot product", "cos", "norm", "length")(
    lambda vs: float(np.mean([1 - np.dot(vs[i], vs[j]) for i in range(len(vs)) for j in range(i + 1, len(vs))])))
mistake("spread", "divides by n", "pair", "mean", "n(n", "divid")(
    lambda vs: float(np.sum([1 - np.dot(vs[i], vs[j]) / np.linalg.norm(vs[i]) / np.linalg.norm(vs[j])
                             for i in range(len(vs)) for j in range(i + 1, len(vs))]) / len(vs)))

# --- 02 relevance ---------------------------------------------------------------------------------
mistake("score_grid", "keys against queries", "transpose", "k @ q", "keys", "rows")(
    lambda x, W_Q, W_K: (x @ W_K) @ (x @ W_Q).T)
mistake("score_grid", "scaled already", "scale", "√", "sqrt")(
    lambda x, W_Q, W_K: (x @ W_Q) @ (x @ W_K).T / math.sqrt(W_Q.shape[1]))
mistake("score_grid", "element-wise q * k summed per token", "(t, t)", "shape", "grid")(
    lambda x, W_Q, W_K: np.sum((x @ W_Q) * (x @ W_K), axis=-1))
mistake("score_grid", "W_Q used for both", "w_k", "keys")(lambda x, W_Q, W_K: (x @ W_Q) @ (x @ W_Q).T)
mistake("score_grid", "softmax applied", "softmax", "weights", "unscaled", "raw")(
    lambda x, W_Q, W_K: _softmax((x @ W_Q) @ (x @ W_K).T))
mistake("score_grid", "x @ x.T without projections", "w_q", "project")(lambda x, W_Q, W_K: x @ x.T)
mistake("picked_keys", "argmax over queries (axis 0)", "axis", "column")(lambda s: np.argmax(s, axis=0))
mistake("picked_keys", "max value, not index", "indices", "index", "whole numbers")(lambda s: np.max(s, axis=-1))
mistake("picked_keys", "argmin", "lowest", "smallest", "argmin", "highest")(lambda s: np.argmin(s, axis=-1))
mistake("picked_keys", "flat argmax", "flat", "whole grid", "axis", "one per query", "shape")(lambda s: np.argmax(s))
mistake("picked_keys", "argsort last column", "argsort", "shape", "axis")(lambda s: np.argsort(s, axis=-1)[:, -1:])
mistake("picked_keys", "float indices", "whole numbers", "dtype", "int")(
    lambda s: np.argmax(s, axis=-1).astype(float))
mistake("scaled_scores", "divides by d_head", "square root", "√", "sqrt")(lambda q, k: q @ k.T / q.shape[-1])
mistake("scaled_scores", "not scaled", "scale", "√", "sqrt")(lambda q, k: q @ k.T)
mistake("scaled_scores", "scale by sqrt(Tk)", "number of keys", "d_head", "q.shape[-1]", "length")(
    lambda q, k: q @ k.T / math.sqrt(len(k)))
mistake("scaled_scores", "multiplies by sqrt", "divide", "multipl")(lambda q, k: q @ k.T * math.sqrt(q.shape[-1]))
mistake("scaled_scores", "k @ q.T", "transpose", "k @ q", "rows")(lambda q, k: k @ q.T / math.sqrt(q.shape[-1]))

# --- 03 softmax -----------------------------------------------------------------------------------


@mistake("stable_softmax", "subtracts the max in place", "in place")
def _softmax_in_place(scores):
    scores -= np.max(scores, axis=-1, keepdims=True)
    e = np.exp(scores)
    return e / e.sum(axis=-1, keepdims=True)


mistake("stable_softmax", "subtracts the minimum", "minimum", "min", "maximum")(
    lambda s: np.exp(s - np.min(s, axis=-1, keepdims=True)) / np.exp(s - np.min(s, axis=-1, keepdims=True)).sum(
        axis=-1, keepdims=True))
mistake("stable_softmax", "no keepdims (broadcast error on grids)", "keepdims", "broadcast")(
    lambda s: np.exp(s - np.max(s, axis=-1)) / np.sum(np.exp(s - np.max(s, axis=-1)), axis=-1))
mistake("stable_softmax", "axis 0", "column", "axis=0", "axis 0")(
    lambda s: np.exp(s - s.max(axis=0, keepdims=True)) / np.exp(s - s.max(axis=0, keepdims=True)).sum(
        axis=0, keepdims=True))
mistake("stable_softmax", "float32 cast", "float32", "precision", "dtype")(
    lambda s: _softmax(np.asarray(s, dtype=np.float16)))
mistake("stable_softmax", "log-softmax", "log", "exp")(
    lambda s: (s - s.max(axis=-1, keepdims=True)) - np.log(np.exp(s - s.max(axis=-1, keepdims=True)).sum(
        axis=-1, keepdims=True)))
mistake("stable_softmax", "nan_to_num hides masked rows", "-inf", "masked", "nan")(
    lambda s: np.nan_to_num(_softmax(np.where(np.isinf(s), 0.0, s))))
mistake("stable_softmax", "sum over all rows", "whole", "row", "sum to 1", "axis")(
    lambda s: np.exp(s - s.max(axis=-1, keepdims=True)) / np.exp(s - s.max(axis=-1, keepdims=True)).sum())
mistake("softmax_with_temperature", "multiplies by t", "multipl", "divide")(lambda s, t: _softmax(s * t))
mistake("softmax_with_temperature", "divides after softmax", "after", "before", "weights")(
    lambda s, t: _softmax(s) / t)
mistake("softmax_with_temperature", "t squared", "square", "t²", "t ** 2", "temperature")(
    lambda s, t: _softmax(s / t ** 2))
mistake("softmax_with_temperature", "overflow: no max", "overflow", "maximum")(
    lambda s, t: np.exp(s / t) / np.exp(s / t).sum(axis=-1, keepdims=True))
mistake("softmax_with_temperature", "exponent: s ** (1/t)", "divide", "temperature", "exp")(
    lambda s, t: _softmax(s) ** (1 / t) / (_softmax(s) ** (1 / t)).sum(axis=-1, keepdims=True) * 1.0001)
mistake("attention_pattern", "no scale", "scale", "√")(lambda q, k: _softmax(q @ k.T))
mistake("attention_pattern", "softmax over queries", "column", "axis")(
    lambda q, k: _softmax(q @ k.T / math.sqrt(q.shape[-1]), axis=0))
mistake("attention_pattern", "scaled by sqrt of keys' count", "number of keys", "√d_k", "length")(
    lambda q, k: _softmax(q @ k.T / math.sqrt(k.shape[0])))
mistake("attention_pattern", "transposed pattern", "k @ q", "transpose", "rows are queries")(
    lambda q, k: _softmax(q @ k.T / math.sqrt(q.shape[-1])).T)
mistake("attention_pattern", "squares the scores", "square", "scale")(
    lambda q, k: _softmax((q @ k.T) ** 2 / math.sqrt(q.shape[-1])))

# --- 04 masking -----------------------------------------------------------------------------------
mistake("causal_mask", "upper triangle", "upper", "triu", "future", "above")(
    lambda T: np.triu(np.ones((T, T), dtype=bool)))
mistake("causal_mask", "diagonal excluded", "diagonal", "itself", "k=-1", "j <= i")(
    lambda T: np.tril(np.ones((T, T), dtype=bool), k=-1))
mistake("causal_mask", "float ones", "bool", "dtype")(lambda T: np.tril(np.ones((T, T))))
mistake("causal_mask", "inverted (True = hidden)", "invert", "hidden", "true where", "opposite", "~", "flipped")(
    lambda T: np.triu(np.ones((T, T), dtype=bool), k=1))
mistake("causal_mask", "T - 1 square", "shape", "(t, t)")(lambda T: np.tril(np.ones((T - 1, T - 1), dtype=bool)))
mistake("causal_mask", "-inf/0 additive mask", "bool", "dtype", "additive")(
    lambda T: np.where(np.tril(np.ones((T, T), dtype=bool)), 0.0, -np.inf))


@mistake("masked_pattern", "writes -inf into the caller's scores", "in place")
def _masked_in_place(scores, mask):
    scores[..., ~mask] = -np.inf
    return _softmax(scores)


mistake("masked_pattern", "np.where(mask, scores, 0)", "0 ", "zero", "-inf", "-np.inf")(
    lambda s, m: _softmax(np.where(m, s, 0.0)))
mistake("masked_pattern", "mask after softmax, no renormalise", "after", "renormal", "sum to 1")(
    lambda s, m: _softmax(s) * m)
mistake("masked_pattern", "mask inverted", "invert", "~", "opposite", "false")(
    lambda s, m: _softmax(np.where(~m, s, -np.inf)))
mistake("masked_pattern", "-1e4 instead of -inf on big scores", "-inf", "-1e", "large")(
    lambda s, m: _softmax(np.where(m, s, -10.0)))
mistake("masked_pattern", "multiplies scores by mask", "multipl", "-inf")(lambda s, m: _softmax(s * m))
mistake("masked_pattern", "no stable softmax (overflow)", "overflow", "maximum", "max")(
    lambda s, m: np.exp(np.where(m, s, -np.inf)) / np.exp(np.where(m, s, -np.inf)).sum(axis=-1, keepdims=True))
mistake("masked_pattern", "softmax over axis 0", "column", "axis")(
    lambda s, m: _softmax(np.where(m, s, -np.inf), axis=-2))
mistake("pattern_size", "T not squared", "square", "context_length²", "t × t", "t²")(
    lambda T, dtype: T * np.dtype(dtype).itemsize)
mistake("pattern_size", "bits not bytes", "bits", "byte", "8")(lambda T, dtype: T * T * np.dtype(dtype).itemsize * 8)
mistake("pattern_size", "number of entries only", "bytes", "itemsize")(lambda T, dtype: T * T)
mistake("pattern_size", "triangle only", "triangle", "half", "masked", "whole")(
    lambda T, dtype: T * (T + 1) // 2 * np.dtype(dtype).itemsize)
mistake("pattern_size", "float result", "whole", "int")(lambda T, dtype: float(T * T * np.dtype(dtype).itemsize))

# --- 05 value map ---------------------------------------------------------------------------------
mistake("weighted_sum", "values.T @ pattern.T (transposed result)", "transpose", "shape", "(tq, d)")(
    lambda p, v: v.T @ p.T)
mistake("weighted_sum", "pattern.T @ values", "transpose", "column", "row i")(lambda p, v: p.T @ v)
mistake("weighted_sum", "element-wise sum", "shape", "matrix product")(lambda p, v: p.sum(axis=1, keepdims=True) * v.sum(axis=0))
mistake("weighted_sum", "float16", "float16", "precision", "dtype")(
    lambda p, v: (p.astype(np.float16) @ v.astype(np.float16)))
mistake("weighted_sum", "mean over keys", "mean", "divid", "average")(lambda p, v: p @ v / p.shape[1])
mistake("update", "returns delta only", "add", "residual", "e +")(lambda E, p, Wd, Wu: p @ (E @ Wd) @ Wu)


@mistake("update", "adds into E in place", "in place")
def _update_in_place(E, pattern, W_down, W_up):
    E += pattern @ (E @ W_down) @ W_up
    return E


mistake("update", "W_up before W_down (square maps)", "order", "w_down", "down", "up")(
    lambda E, p, Wd, Wu: E + p @ (E @ Wu.T) @ Wd.T)
mistake("update", "pattern.T", "transpose", "row", "query")(lambda E, p, Wd, Wu: E + p.T @ (E @ Wd) @ Wu)
mistake("update", "subtracts", "subtract", "add", "sign")(lambda E, p, Wd, Wu: E - p @ (E @ Wd) @ Wu)
mistake("value_map_counts", "per head only", "layer", "n_layers", "every head")(
    lambda C, D, H, L: {"full": H * C * C, "factored": H * 2 * C * D})
mistake("value_map_counts", "one square map per layer", "layer", "per head", "every head", "n_heads")(
    lambda C, D, H, L: {"full": L * C * C, "factored": H * L * 2 * C * D})
mistake("value_map_counts", "factored counts one map", "value-up", "down", "both", "twice", "2")(
    lambda C, D, H, L: {"full": H * L * C * C, "factored": H * L * C * D})
mistake("value_map_counts", "full uses d_head", "square", "d_model × d_model", "full")(
    lambda C, D, H, L: {"full": H * L * D * D, "factored": H * L * 2 * C * D})
mistake("value_map_counts", "keys swapped", "full", "factored", "swap")(
    lambda C, D, H, L: {"factored": H * L * C * C, "full": H * L * 2 * C * D})
mistake("value_map_counts", "tuple, not dict", "dict")(lambda C, D, H, L: (H * L * C * C, H * L * 2 * C * D))

# --- 06 multi-head --------------------------------------------------------------------------------


def _sdpa(q, k, v):
    p = _softmax(q @ k.T / math.sqrt(q.shape[-1]))
    return p @ v, p


mistake("multi_head", "averages the heads", "average", "mean", "add", "sum")(
    lambda x, WQ, WK, WVd, WVu: sum(_sdpa(x @ WQ[h], x @ WK[h], x @ WVd[h])[0] @ WVu[h] for h in range(len(WQ))) / len(WQ))
mistake("multi_head", "adds x (residual)", "residual", "x +", "change")(
    lambda x, WQ, WK, WVd, WVu: x + sum(_sdpa(x @ WQ[h], x @ WK[h], x @ WVd[h])[0] @ WVu[h] for h in range(len(WQ))))
mistake("multi_head", "only the last head", "head", "every head", "add")(
    lambda x, WQ, WK, WVd, WVu: _sdpa(x @ WQ[-1], x @ WK[-1], x @ WVd[-1])[0] @ WVu[-1])
mistake("multi_head", "no scale", "scale", "√")(
    lambda x, WQ, WK, WVd, WVu: sum(_softmax((x @ WQ[h]) @ (x @ WK[h]).T) @ (x @ WVd[h]) @ WVu[h] for h in range(len(WQ))))
mistake("multi_head", "causal mask added", "mask", "causal")(
    lambda x, WQ, WK, WVd, WVu: sum(_softmax(np.where(np.tril(np.ones((len(x), len(x)), bool)),
                                                      (x @ WQ[h]) @ (x @ WK[h]).T / math.sqrt(WQ.shape[-1]), -np.inf))
                                    @ (x @ WVd[h]) @ WVu[h] for h in range(len(WQ))))
mistake("multi_head", "value-up of head 0 for all", "w_v_up[h]", "value-up", "head")(
    lambda x, WQ, WK, WVd, WVu: sum(_sdpa(x @ WQ[h], x @ WK[h], x @ WVd[h])[0] @ WVu[0] for h in range(len(WQ))))
mistake("multi_head", "keys from W_Q", "w_k", "key")(
    lambda x, WQ, WK, WVd, WVu: sum(_sdpa(x @ WQ[h], x @ WQ[h], x @ WVd[h])[0] @ WVu[h] for h in range(len(WQ))))
mistake("stack_value_ups", "stacks along columns", "axis", "rows", "column")(
    lambda W: np.concatenate(list(W), axis=-1))
mistake("stack_value_ups", "reversed head order", "head 0", "order", "first")(
    lambda W: np.concatenate(list(W[::-1]), axis=0))
mistake("stack_value_ups", "sum of heads", "sum", "stack", "shape")(lambda W: W.sum(axis=0))
mistake("stack_value_ups", "reshape after transpose", "transpose", "order", "interleav")(
    lambda W: W.transpose(1, 0, 2).reshape(-1, W.shape[-1]))
mistake("stack_value_ups", "np.stack (3-D)", "shape", "stack", "concatenate")(lambda W: np.stack(list(W), axis=0))
mistake("head_entropy", "natural log", "bits", "log2", "ln", "natural")(
    lambda p: float(np.mean(-np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0), axis=-1))))
mistake("head_entropy", "NaN from 0 log 0", "nan", "0 * -inf", "zero", "0 log 0")(
    lambda p: float(np.mean(-np.sum(p * np.log2(p), axis=-1))))
mistake("head_entropy", "sum over rows, not mean", "mean", "average", "sum")(
    lambda p: float(np.sum(-np.sum(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1)), 0), axis=-1))))
mistake("head_entropy", "sign flipped", "sign", "minus", "negative")(
    lambda p: float(np.mean(np.sum(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1)), 0), axis=-1))))
mistake("head_entropy", "per-row array returned", "average", "mean", "single number", "one number")(
    lambda p: -np.sum(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1)), 0), axis=-1))
mistake("head_entropy", "columns (axis 0)", "axis", "column", "row")(
    lambda p: float(np.mean(-np.sum(np.where(p > 0, p * np.log2(np.where(p > 0, p, 1)), 0), axis=0))) + 1e-3 * float(p[0, 0] != p[0, -1]))

# --- 07 cross-attention ---------------------------------------------------------------------------
mistake("cross_attention", "queries from the context", "queries", "context", "x @ w_q")(
    lambda x, c, WQ, WK, WV: _sdpa(c @ WQ, x @ WK, x @ WV)[0])
mistake("cross_attention", "keys from x", "keys", "context")(lambda x, c, WQ, WK, WV: _sdpa(x @ WQ, x @ WK, c @ WV)[0])
mistake("cross_attention", "keys and values both from x", "keys", "values", "context")(
    lambda x, c, WQ, WK, WV: _sdpa(x @ WQ, x @ WK, x @ WV)[0])
mistake("cross_attention", "returns (output, pattern)", "tuple", "output", "pattern", "just the array")(
    lambda x, c, WQ, WK, WV: _sdpa(x @ WQ, c @ WK, c @ WV))
mistake("cross_attention", "causal mask", "mask", "causal")(
    lambda x, c, WQ, WK, WV: _softmax(np.where(np.tril(np.ones((len(x), len(c)), bool)),
                                               (x @ WQ) @ (c @ WK).T / math.sqrt(WQ.shape[1]), -np.inf)) @ (c @ WV))
mistake("cross_attention", "scaled by d_value", "√", "scale", "d_head")(
    lambda x, c, WQ, WK, WV: _softmax((x @ WQ) @ (c @ WK).T / math.sqrt(WV.shape[1])) @ (c @ WV))
mistake("cross_attention", "returns the pattern", "pattern", "output", "shape")(
    lambda x, c, WQ, WK, WV: _sdpa(x @ WQ, c @ WK, c @ WV)[1])
mistake("pattern_shapes", "cross transposed", "cross", "queries", "target", "row")(
    lambda s, t, h: {"encoder": (h, s, s), "decoder": (h, t, t), "cross": (h, s, t)})
mistake("pattern_shapes", "heads last", "heads first", "head")(
    lambda s, t, h: {"encoder": (s, s, h), "decoder": (t, t, h), "cross": (t, s, h)})
mistake("pattern_shapes", "encoder and decoder swapped", "encoder", "decoder", "source")(
    lambda s, t, h: {"encoder": (h, t, t), "decoder": (h, s, s), "cross": (h, t, s)})
mistake("pattern_shapes", "lists not tuples", "tuple")(
    lambda s, t, h: {"encoder": [h, s, s], "decoder": [h, t, t], "cross": [h, t, s]})
mistake("pattern_shapes", "no heads axis", "head")(lambda s, t, h: {"encoder": (s, s), "decoder": (t, t), "cross": (t, s)})
mistake("decoder_masks", "cross mask causal too", "cross", "whole source", "every")(
    lambda t, s: (np.tril(np.ones((t, t), bool)), np.tril(np.ones((t, s), bool))))
mistake("decoder_masks", "self mask all True", "self", "causal", "future", "later")(
    lambda t, s: (np.ones((t, t), bool), np.ones((t, s), bool)))
mistake("decoder_masks", "order swapped", "order", "pair", "self_mask", "first")(
    lambda t, s: (np.ones((t, s), bool), np.tril(np.ones((t, t), bool))))
mistake("decoder_masks", "float masks", "bool", "dtype")(lambda t, s: (np.tril(np.ones((t, t))), np.ones((t, s))))
mistake("decoder_masks", "cross mask None", "none", "cross", "array")(lambda t, s: (np.tril(np.ones((t, t), bool)), None))
mistake("decoder_masks", "cross shape transposed", "shape", "(n_target, n_source)", "cross")(
    lambda t, s: (np.tril(np.ones((t, t), bool)), np.ones((s, t), bool)))

# --- 08 parameters --------------------------------------------------------------------------------
mistake("block_parameters", "assumes d_mlp = 4 C", "d_mlp", "4")(
    lambda C, H, D, M: {"attention": 4 * H * C * D, "mlp": 8 * C * C})
mistake("block_parameters", "three head matrices", "value-up", "four", "4")(
    lambda C, H, D, M: {"attention": 3 * H * C * D, "mlp": 2 * C * M})
mistake("block_parameters", "one MLP matrix", "mlp", "up", "down", "two", "2")(
    lambda C, H, D, M: {"attention": 4 * H * C * D, "mlp": C * M})
mistake("block_parameters", "assumes H * D = C", "d_head", "n_heads")(
    lambda C, H, D, M: {"attention": 4 * C * C, "mlp": 2 * C * M})
mistake("block_parameters", "per head only", "head", "n_heads")(lambda C, H, D, M: {"attention": 4 * C * D, "mlp": 2 * C * M})
mistake("block_parameters", "biases added", "bias")(
    lambda C, H, D, M: {"attention": 4 * H * C * D + 3 * H * D + C, "mlp": 2 * C * M + M + C})


def _table(c, **change):
    L, H, C, D, M, V = c.n_layers, c.n_heads, c.d_model, c.d_head, c.d_mlp, c.vocab_size
    t = {"embedding": V * C, "query": L * H * C * D, "key": L * H * C * D, "value_down": L * H * C * D,
         "value_up": L * H * C * D, "up_projection": L * C * M, "down_projection": L * M * C, "unembedding": C * V}
    t.update({k: f(c) for k, f in change.items()})
    return t


mistake("fill_in_the_table", "one layer only", "layer", "n_layers", "all")(
    lambda c: _table(c, query=lambda c: c.n_heads * c.d_model * c.d_head, key=lambda c: c.n_heads * c.d_model * c.d_head,
                     value_down=lambda c: c.n_heads * c.d_model * c.d_head, value_up=lambda c: c.n_heads * c.d_model * c.d_head,
                     up_projection=lambda c: c.d_model * c.d_mlp, down_projection=lambda c: c.d_mlp * c.d_model))
mistake("fill_in_the_table", "unembedding 0 (tied)", "unembedding", "tied")(lambda c: _table(c, unembedding=lambda c: 0))
mistake("fill_in_the_table", "value_up as C*C", "value_up", "value-up", "d_head")(
    lambda c: _table(c, value_up=lambda c: c.n_layers * c.n_heads * c.d_model * c.d_model))
mistake("fill_in_the_table", "embedding includes positions", "embedding", "position", "context")(
    lambda c: _table(c, embedding=lambda c: c.vocab_size * c.d_model + 2048 * c.d_model))
mistake("fill_in_the_table", "mlp per layer ×4 assumed", "up_projection", "d_mlp", "mlp")(
    lambda c: _table(c, up_projection=lambda c: c.n_layers * 4 * c.d_model * c.d_model + 1,
                     down_projection=lambda c: c.n_layers * 4 * c.d_model * c.d_model + 1))
mistake("exact_parameters", "ignores tie_weights", "tie", "unembedding")(
    lambda c: _exact(c, tie=False))
mistake("exact_parameters", "LayerNorm shifts always", "layernorm", "bias", "shift", "scale")(
    lambda c: _exact(c, ln_shift=True))
mistake("exact_parameters", "forgets final LayerNorm", "final", "ln_f", "layernorm")(lambda c: _exact(c, ln_f=False))
mistake("exact_parameters", "forgets positions", "position", "context_length")(lambda c: _exact(c, positions=False))
mistake("exact_parameters", "forgets biases", "bias")(lambda c: _exact(c, biases=False))


def _exact(c, tie=True, ln_shift=False, ln_f=True, positions=True, biases=True):
    C, A, M = c.d_model, c.n_heads * c.d_head, c.d_mlp
    b = 1 if (c.bias and biases) else 0
    ln = C + (C if (c.bias or ln_shift) else 0)
    block = C * 3 * A + b * 3 * A + A * C + b * C + C * M + b * M + M * C + b * C + 2 * ln
    emb = c.vocab_size * C + (c.context_length * C if positions else 0)
    unemb = 0 if (c.tie_weights and tie) else C * c.vocab_size
    return emb + c.n_layers * block + (ln if ln_f else 0) + unemb


# --- 09 tiny GPT (torch) --------------------------------------------------------------------------
mistake("residual_block", "no residual on attention", "residual", "add", "x +")(
    lambda b, x: b.attn(b.ln_1(x)) + b.mlp(b.ln_2(b.attn(b.ln_1(x)))))
mistake("residual_block", "post-LN", "layernorm", "ln_1", "before", "pre")(
    lambda b, x: (lambda y: b.ln_2(y + b.mlp(y)))(b.ln_1(x + b.attn(x))))
mistake("residual_block", "mlp on the old stream", "mlp", "updated", "new stream", "after")(
    lambda b, x: x + b.attn(b.ln_1(x)) + b.mlp(b.ln_2(x)))
mistake("residual_block", "ln_2 skipped", "ln_2")(lambda b, x: (lambda y: y + b.mlp(y))(x + b.attn(b.ln_1(x))))
mistake("residual_block", "only attention", "mlp")(lambda b, x: x + b.attn(b.ln_1(x)))


def _in_place_block(b, x):
    x += b.attn(b.ln_1(x))
    return x + b.mlp(b.ln_2(x))


mistake("residual_block", "x += (in place)", "in place")(_in_place_block)


def _gpt(model, idx, pos=True, ln=True, blocks=True, soft=False):
    import torch
    x = model.tok_emb(idx) + (model.pos_emb(torch.arange(idx.shape[1])) if pos else 0)
    for block in (model.blocks if blocks else model.blocks[:1]):
        x = block(x)
    logits = model.unembed(model.ln_f(x) if ln else x)
    return logits.softmax(-1) if soft else logits


mistake("gpt_forward", "no position embeddings", "position", "pos_emb")(lambda m, i: _gpt(m, i, pos=False))
mistake("gpt_forward", "no ln_f", "ln_f")(lambda m, i: _gpt(m, i, ln=False))
mistake("gpt_forward", "only the first block", "block", "every")(lambda m, i: _gpt(m, i, blocks=False))
mistake("gpt_forward", "softmax returned", "softmax", "probabilit", "logits")(lambda m, i: _gpt(m, i, soft=True))
mistake("next_word_probabilities", "multiplies by t", "multipl", "divide", "temperature")(
    lambda m, x, temperature=1.0: (m.unembed(m.ln_f(x)) * temperature).softmax(-1))
mistake("next_word_probabilities", "no ln_f", "ln_f")(lambda m, x, temperature=1.0: (m.unembed(x) / temperature).softmax(-1))
mistake("next_word_probabilities", "softmax over dim 0", "axis", "dim", "vocabulary", "last")(
    lambda m, x, temperature=1.0: (m.unembed(m.ln_f(x)) / temperature).softmax(0))
mistake("next_word_probabilities", "returns logits", "softmax", "logits", "probabilit")(
    lambda m, x, temperature=1.0: m.unembed(m.ln_f(x)) / temperature)


def _greedy(model, idx, n_new, last=True, crop=True, keep=True):
    import torch
    for _ in range(n_new):
        window = idx[:, -model.config.context_length:] if crop else idx
        logits = model(window)
        pick = logits[:, -1] if last else logits[:, 0]
        new = pick.argmax(dim=-1, keepdim=True)
        idx = torch.cat([idx, new], dim=1) if keep else new
    return idx


mistake("greedy_generate", "first position's logits", "last position", "last")(lambda m, i, n: _greedy(m, i, n, last=False))
mistake("greedy_generate", "returns only new ids", "shape", "t + n_new", "append", "prompt")(
    lambda m, i, n: _greedy(m, i, n, keep=False))
mistake("greedy_generate", "n_new - 1 words", "n_new", "shape", "one")(lambda m, i, n: _greedy(m, i, max(n - 1, 0)))
mistake("greedy_generate", "no crop to the context", "context_length", "crop", "context")(
    lambda m, i, n: _greedy(m, i, n, crop=False))

# --- 11 attention at scale ------------------------------------------------------------------------


def _online(blocks, rescale=True, start=-np.inf, minus=True):
    m, s = start, 0.0
    for b in blocks:
        m_new = max(m, np.max(b))
        s = (s * np.exp(m - m_new) if rescale else s) + np.sum(np.exp(b - m_new if minus else b))
        m = m_new
    return m, s


mistake("online_max_and_sum", "no rescale of s", "rescale", "exp(m - m_new)", "old sum")(lambda b: _online(b, rescale=False))
mistake("online_max_and_sum", "start m at 0", "-inf", "start", "m = 0")(lambda b: _online(b, start=0.0))
mistake("online_max_and_sum", "exp without subtracting m", "subtract", "overflow", "m_new")(lambda b: _online(b, minus=False))
mistake("online_max_and_sum", "returns (s, m)", "order", "(m, s)", "swap")(lambda b: _online(b)[::-1])
mistake("online_max_and_sum", "m of the last block only", "max", "running", "all")(
    lambda b: (float(np.max(b[-1])), _online(b)[1] * np.exp(_online(b)[0] - np.max(b[-1]))))


def _bu(m, denom, numer, scores, v, rescale_numer=True, keep=True, minus_new=True):
    m_new = np.maximum(m, scores.max(axis=1, keepdims=True)) if keep else np.maximum(m, scores.max(axis=1))
    r = np.exp(m - m_new)
    p = np.exp(scores - (m_new if minus_new else m))
    return m_new, denom * r + p.sum(axis=1, keepdims=True), (numer * r if rescale_numer else numer) + p @ v


mistake("block_update", "numerator not rescaled", "numer", "rescale")(
    lambda m, d, n, s, v: _bu(m, d, n, s, v, rescale_numer=False))
mistake("block_update", "no keepdims (broadcast)", "keepdims", "broadcast", "(bq, 1)")(
    lambda m, d, n, s, v: _bu(m, d, n, s, v, keep=False))
mistake("block_update", "exp(scores - m) with the old max", "m_new", "new max", "old")(
    lambda m, d, n, s, v: _bu(m, d, n, s, v, minus_new=False))
mistake("block_update", "returns (denom, numer, m)", "order", "(m, denom, numer)")(
    lambda m, d, n, s, v: _bu(m, d, n, s, v)[1:] + _bu(m, d, n, s, v)[:1])
mistake("block_update", "divides numer by denom", "divid", "numer", "normalis")(
    lambda m, d, n, s, v: (lambda r: (r[0], r[1], r[2] / r[1]))(_bu(m, d, n, s, v)))
mistake("kv_cache_bytes", "keys only", "value", "2", "keys and values")(
    lambda c, n, b: c.n_layers * c.n_heads * c.d_head * n * b)
mistake("kv_cache_bytes", "one layer", "layer", "n_layers")(lambda c, n, b: 2 * c.n_heads * c.d_head * n * b)
mistake("kv_cache_bytes", "d_model per head", "d_head", "head")(lambda c, n, b: 2 * c.n_layers * c.n_heads * c.d_model * n * b)
mistake("kv_cache_bytes", "bits", "bits", "byte")(lambda c, n, b: 2 * c.n_layers * c.n_heads * c.d_head * n * b * 8)
mistake("kv_cache_bytes", "n_tokens squared", "square", "n_tokens", "linear")(
    lambda c, n, b: 2 * c.n_layers * c.n_heads * c.d_head * n * n * b)


def _cs(q, k, v, kc, vc, append_v=True, order=False, scale=True, ret=3):
    kc2 = np.concatenate([k, kc] if order else [kc, k])
    vc2 = np.concatenate([vc, v]) if append_v else vc
    s = q @ kc2.T / (math.sqrt(q.shape[-1]) if scale else 1.0)
    out = _softmax(s) @ (vc2 if append_v else np.concatenate([vc, v]))
    return (out, kc2, vc2) if ret == 3 else out


mistake("cache_step", "attends only the old cache", "new position", "append", "s + 1", "itself")(
    lambda q, k, v, kc, vc: (_softmax(q @ kc.T / math.sqrt(q.shape[-1])) @ vc, np.concatenate([kc, k]),
                             np.concatenate([vc, v])))
mistake("cache_step", "prepends the new key", "order", "append", "end", "last")(
    lambda q, k, v, kc, vc: _cs(q, k, v, kc, vc, order=True))
mistake("cache_step", "no scale", "scale", "√")(lambda q, k, v, kc, vc: _cs(q, k, v, kc, vc, scale=False))
mistake("cache_step", "value cache not grown", "v_cache", "value", "append")(
    lambda q, k, v, kc, vc: _cs(q, k, v, kc, vc, append_v=False))
mistake("cache_step", "returns the output only", "tuple", "three", "(output, k_cache, v_cache)", "caches")(
    lambda q, k, v, kc, vc: _cs(q, k, v, kc, vc, ret=1))

# --- 12 today's LLMs ------------------------------------------------------------------------------


def _rope(x, positions, base, interleave=False, sign=1, speed=None, halves=True):
    D = x.shape[-1]
    theta = base ** (-np.arange(0, D, 2) / D) if speed is None else speed(D, base)
    ang = np.asarray(positions, dtype=float)[:, None] * theta
    cos, sin = np.cos(ang), sign * np.sin(ang)
    if interleave:
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x, dtype=float)
        out[..., 0::2], out[..., 1::2] = a * cos - b * sin, b * cos + a * sin
        return out
    a, b = x[..., : D // 2], x[..., D // 2:]
    return np.concatenate([a * cos - b * sin, b * cos + a * sin], axis=-1)


mistake("rope", "interleaved pairs", "pair", "interleav", "half", "halves")(lambda x, p, b: _rope(x, p, b, interleave=True))
mistake("rope", "rotates the wrong way", "sign", "direction", "wrong way", "clockwise", "−sin", "-sin")(
    lambda x, p, b: _rope(x, p, b, sign=-1))
mistake("rope", "theta = base ** (i / D)", "speed", "theta", "frequenc", "base")(
    lambda x, p, b: _rope(x, p, b, speed=lambda D, base: base ** (np.arange(0, D, 2) / D)))
mistake("rope", "positions ignored (index)", "position")(lambda x, p, b: _rope(x, np.arange(x.shape[-2]), b))
mistake("rope", "theta over D/2", "speed", "theta", "frequenc", "d/2", "exponent")(
    lambda x, p, b: _rope(x, p, b, speed=lambda D, base: base ** (-np.arange(0, D // 2) / D)))
mistake("repeat_kv", "tile instead of repeat", "tile", "order", "in a row", "0, 0", "interleav")(
    lambda kv, n: np.tile(kv, (n, 1, 1)))
mistake("repeat_kv", "repeats along T", "axis", "time", "positions")(lambda kv, n: np.repeat(kv, n, axis=1))
mistake("repeat_kv", "n_rep - 1", "n_rep", "times", "shape")(lambda kv, n: np.repeat(kv, max(n - 1, 1), axis=0))
mistake("repeat_kv", "stacked new axis", "shape", "axis", "reshape")(lambda kv, n: np.stack([kv] * n, axis=1))


mistake("repeat_kv", "repeats along D", "axis", "d", "shape")(lambda kv, n: np.repeat(kv, n, axis=-1))


mistake("sliding_window_mask", "window off by one", "window", "off by one", "i - j <")(
    lambda T, w: (lambda i, j: (j <= i) & (i - j <= w))(*np.indices((T, T))))
mistake("sliding_window_mask", "not causal", "causal", "future", "later")(
    lambda T, w: (lambda i, j: np.abs(i - j) < w)(*np.indices((T, T))))
mistake("sliding_window_mask", "transposed", "transpose", "row", "query", "upper")(
    lambda T, w: (lambda i, j: (i <= j) & (j - i < w))(*np.indices((T, T))))
mistake("sliding_window_mask", "float", "bool", "dtype")(
    lambda T, w: (lambda i, j: ((j <= i) & (i - j < w)).astype(float))(*np.indices((T, T))))
mistake("sliding_window_mask", "window ignored", "window")(lambda T, w: np.tril(np.ones((T, T), bool)))


# --- 10 your own GPT (torch) ----------------------------------------------------------------------


def _mha_class(split="3HD", transpose_back=True, scale="D", fill=float("-inf"), dim=-1, diagonal=1,
               causal=True, heads="concat"):
    """A MultiHeadAttention with one slip (the defaults are right)."""
    import torch
    from torch import nn

    class MultiHeadAttention(nn.Module):
        def __init__(self, d_model, n_heads):
            super().__init__()
            self.n_heads, self.d_head = n_heads, d_model // n_heads
            self.qkv = nn.Linear(d_model, 3 * d_model)
            self.out = nn.Linear(d_model, d_model)

        def forward(self, x):
            B, T, C = x.shape
            H, D = self.n_heads, self.d_head
            if split == "3HD":
                q, k, v = self.qkv(x).view(B, T, 3, H, D).permute(2, 0, 3, 1, 4)
            else:  # (B, T, H, 3, D)
                q, k, v = self.qkv(x).view(B, T, H, 3, D).permute(3, 0, 2, 1, 4)
            s = q @ k.transpose(-2, -1) / {"D": D ** 0.5, "C": C ** 0.5, "none": 1.0, "D1": D}[scale]
            if causal:
                s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(diagonal), fill)
            y = s.softmax(dim=dim) @ v  # (B, H, T, D)
            if heads == "mean":
                return self.out(y.mean(1).repeat(1, 1, H))
            y = y.transpose(1, 2).reshape(B, T, C) if transpose_back else y.reshape(B, T, C)
            return self.out(y)

    return MultiHeadAttention


for _label, _kw, _words in [
    ("split (B, T, H, 3, D)", {"split": "H3D"}, ("split", "(b, t, 3, h, d)", "3, h, d", "order")),
    ("no transpose back before merging", {"transpose_back": False}, ("transpose", "merg", "heads side by side")),
    ("scales by sqrt(C)", {"scale": "C"}, ("√c", "sqrt(c)", "d_model", "√d", "scale")),
    ("no scale", {"scale": "none"}, ("√", "scale")),
    ("scales by D", {"scale": "D1"}, ("√", "square root", "scale")),
    ("mask value 0", {"fill": 0.0}, ("-inf", "mask value", "0 ")),
    ("softmax over the query axis", {"dim": -2}, ("softmax", "axis", "dim", "column")),
    ("diagonal masked", {"diagonal": 0}, ("diagonal", "itself", "triu(1)")),
    ("not causal", {"causal": False}, ("causal",)),
    ("heads averaged", {"heads": "mean"}, ("average", "mean", "heads")),
]:
    mistake("MultiHeadAttention", _label, *_words)(_mha_class(**_kw))


def _gpt_class(tied=True, positions=True, ln_f=True):
    import torch
    from torch import nn

    from attnlab.models.layers import Block

    class GPT(nn.Module):
        def __init__(self, config):
            super().__init__()
            C = config.d_model
            self.config = config
            self.tok_emb = nn.Embedding(config.vocab_size, C)
            self.pos_emb = nn.Embedding(config.context_length, C)
            self.blocks = nn.ModuleList(Block(C, config.n_heads, causal=True) for _ in range(config.n_layers))
            self.ln_f = nn.LayerNorm(C)
            self.unembed = nn.Linear(C, config.vocab_size, bias=False)
            if tied:
                self.unembed.weight = self.tok_emb.weight

        def forward(self, idx):
            x = self.tok_emb(idx) + (self.pos_emb(torch.arange(idx.shape[1])) if positions else 0)
            for block in self.blocks:
                x = block(x)
            return self.unembed(self.ln_f(x) if ln_f else x)

    return GPT


mistake("GPT", "untied unembedding", "tied", "tie", "untied")(_gpt_class(tied=False))
mistake("GPT", "no position embeddings", "position", "pos_emb")(_gpt_class(positions=False))
mistake("GPT", "no ln_f", "ln_f", "final layernorm")(_gpt_class(ln_f=False))


def _train(zero_grad=True, seeded=True, floats=True, schedule=True, clip=True, shift=True):
    def train(model, rows, steps, batch_size=32, lr=1e-2):
        import torch
        import torch.nn.functional as F

        rows = torch.as_tensor(rows)
        generator = torch.Generator().manual_seed(0) if seeded else None
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=0.01)
        sched = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps, pct_start=0.05)
        losses = []
        model.train()
        for _ in range(steps):
            batch = rows[torch.randint(0, len(rows), (batch_size,), generator=generator)]
            logits = model(batch[:, :-1])
            target = batch[:, 1:] if shift else batch[:, :-1]
            loss = F.cross_entropy(logits.flatten(0, 1), target.flatten())
            if zero_grad:
                optimizer.zero_grad()
            loss.backward()
            if clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            if schedule:
                sched.step()
            losses.append(loss.item() if floats else loss)
        model.eval()
        return losses
    return train


mistake("train", "no zero_grad", "zero_grad")(_train(zero_grad=False))
mistake("train", "unseeded draws", "seed", "generator", "repeat")(_train(seeded=False))
mistake("train", "loss tensors appended", "float", ".item()", "tensor")(_train(floats=False))
mistake("train", "no schedule", "schedul", "learning rate", "onecycle")(_train(schedule=False))
mistake("train", "no clipping", "clip")(_train(clip=False))
mistake("train", "targets not shifted", "next words", "shift", "repeat the word")(_train(shift=False))
