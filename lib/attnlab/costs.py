"""What attention costs, counted (not measured): bytes of the pattern, parameters, FLOPs.

Counting is exact and machine-independent, so lessons can state these numbers as facts:

* the pattern of one head has ``Tq × Tk`` weights — it grows with the **square** of the context;
* a full value matrix ``d_model × d_model`` would dwarf the query and key maps, so the value map
  is **factored** into value-down ``d_model × d_head`` and value-up ``d_head × d_model``;
* running the heads one by one or all in one batched matmul does the **same arithmetic** — what
  batching saves is calls, and what it gains is large matrix products the hardware runs well.

FLOPs count one multiply and one add as 2 (a ``(n, k) @ (k, m)`` product is ``2·n·k·m``).
"""

from __future__ import annotations

from attnlab.validate import positive_int


def pattern_bytes(n_queries: int, n_keys: int | None = None, n_heads: int = 1,
                  itemsize: int = 8) -> int:
    """Bytes to hold ``n_heads`` attention patterns ``(n_queries, n_keys)`` of ``itemsize``-byte
    numbers (8 = float64, 4 = float32, 2 = float16). ``n_keys`` defaults to ``n_queries``."""
    n_queries = positive_int(n_queries, "n_queries")
    n_keys = n_queries if n_keys is None else positive_int(n_keys, "n_keys")
    return n_queries * n_keys * positive_int(n_heads, "n_heads") * positive_int(itemsize, "itemsize")


def value_map_parameters(d_model: int, d_head: int, factored: bool = True) -> int:
    """Weights of one head's value map: ``d_model²`` as one square matrix, or, factored,
    ``d_model·d_head`` (value-down) + ``d_head·d_model`` (value-up)."""
    d_model, d_head = positive_int(d_model, "d_model"), positive_int(d_head, "d_head")
    return 2 * d_model * d_head if factored else d_model * d_model


def matmul_flops(n: int, k: int, m: int) -> int:
    """FLOPs of one ``(n, k) @ (k, m)`` product."""
    return 2 * positive_int(n, "n") * positive_int(k, "k") * positive_int(m, "m")


def head_flops(n_queries: int, n_keys: int, d_model: int, d_head: int) -> dict[str, int]:
    """FLOPs of one attention head, step by step (softmax's few per weight left out).

    Projections: queries (Tq, d_model) @ (d_model, d_head); keys and value-down the same with Tk;
    scores (Tq, d_head) @ (d_head, Tk); weighted sum (Tq, Tk) @ (Tk, d_head); value-up
    (Tq, d_head) @ (d_head, d_model).
    """
    return {
        "queries": matmul_flops(n_queries, d_model, d_head),
        "keys": matmul_flops(n_keys, d_model, d_head),
        "values (down)": matmul_flops(n_keys, d_model, d_head),
        "scores": matmul_flops(n_queries, d_head, n_keys),
        "weighted sum": matmul_flops(n_queries, n_keys, d_head),
        "values (up)": matmul_flops(n_queries, d_head, d_model),
    }


def rnn_flops(n_tokens: int, d_model: int) -> dict[str, int]:
    """FLOPs of an RNN layer ``h_t = tanh(x_t W_x + h_{t-1} W_h)`` over ``n_tokens`` tokens.

    The input part is one big product; the recurrent part is ``n_tokens`` products of one row,
    each waiting for the previous one.
    """
    return {
        "inputs (all at once)": matmul_flops(n_tokens, d_model, d_model),
        "recurrence (one token at a time)": n_tokens * matmul_flops(1, d_model, d_model),
    }
