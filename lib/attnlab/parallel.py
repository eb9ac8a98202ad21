"""What runs at once: every head in one matmul, every position in one step.

Multi-head attention can be written as a loop — for each head, project, attend, propose a change —
and that is how lesson 06 explains it. Real implementations put the heads' maps **side by side**:
the ``n_heads`` query maps ``(d_model, d_head)`` become one ``(d_model, n_heads·d_head)`` matrix,
so one matrix product computes every head's queries (and keys, and values) at once. Same numbers,
same arithmetic, far fewer and larger products — which hardware runs much better.

Attention is also parallel **over positions**: all T outputs come from one set of matrix products.
A recurrent network (RNN) cannot do that: ``h_t = tanh(x_t W_x + h_{t-1} W_h)`` needs ``h_{t-1}``
before it can start on ``h_t``, so its T steps run one after the other.

Shapes (the course's one vocabulary, :mod:`attnlab.multihead`): ``x (T, C)``; per-head maps
``W_Q, W_K, W_V_down (H, C, D)`` and ``W_V_up (H, D, C)``; side by side, ``W_QKV (C, 3·H·D)`` and the
output matrix ``W_O (H·D, C)``.
"""

from __future__ import annotations

import numpy as np

from attnlab.attention import causal_mask, scaled_dot_product_attention
from attnlab.errors import AttnlabError
from attnlab.multihead import check_heads, multi_head_attention, stack_value_up
from attnlab.validate import as_float_array, default_d_head, positive_int


def heads_in_a_loop(x, W_Q, W_K, W_V_down, W_V_up, causal: bool = False) -> np.ndarray:
    """Multi-head attention, one head at a time → the summed proposed changes ``(T, C)``.

    Each pass of the loop runs :func:`attnlab.multihead.multi_head_attention` on one head's maps
    (``W_Q[h:h+1]`` …): the same computation as all heads at once, in H small calls.
    """
    x, W_Q, W_K, W_V_down, W_V_up, _ = check_heads(x, W_Q, W_K, W_V_down, W_V_up)
    mask = causal_mask(len(x)) if causal else None
    total = np.zeros((len(x), W_V_up.shape[2]), dtype=np.result_type(x, W_Q, W_V_up))  # (T, C)
    for h in range(len(W_Q)):
        one = slice(h, h + 1)  # head h alone, still (1, C, D) / (1, D, C)
        change, _ = multi_head_attention(x, W_Q[one], W_K[one], W_V_down[one], W_V_up[one], mask=mask)
        total += change  # (T, C): this head's proposed change
    return total


def stack_heads(W_Q, W_K, W_V_down, W_V_up) -> tuple[np.ndarray, np.ndarray]:
    """The heads' maps side by side: ``W_QKV (C, 3·H·D)`` — every head's query, then key, then
    value-down map — and the output matrix ``W_O (H·D, C)``, the value-up maps stacked
    (:func:`attnlab.multihead.stack_value_up`)."""
    one_token = np.zeros((1, np.shape(W_Q)[1]))  # only the maps are checked here
    _, W_Q, W_K, W_V_down, W_V_up, _ = check_heads(one_token, W_Q, W_K, W_V_down, W_V_up)
    H, C, D = W_Q.shape
    side_by_side = [np.transpose(w, (1, 0, 2)).reshape(C, H * D)  # (C, H·D)
                    for w in (W_Q, W_K, W_V_down)]
    return np.concatenate(side_by_side, axis=1), stack_value_up(W_V_up)


def heads_batched(x, W_QKV, W_O, n_heads: int, causal: bool = False) -> np.ndarray:
    """Multi-head attention with every head at once → ``(T, C)``, equal to the loop.

    ``W_QKV (C, 3·H·D)`` and ``W_O (H·D, C)`` come from :func:`stack_heads`.
    """
    x = as_float_array(x, "x", min_ndim=2)
    W_QKV, W_O = as_float_array(W_QKV, "W_QKV", 2), as_float_array(W_O, "W_O", 2)
    n_heads, n_tokens, d_model = positive_int(n_heads, "n_heads"), len(x), x.shape[-1]
    if (x.ndim != 2 or W_QKV.shape[0] != d_model or W_QKV.shape[1] % (3 * n_heads)
            or W_O.shape != (W_QKV.shape[1] // 3, d_model)):
        raise AttnlabError(f"x {x.shape}, W_QKV {W_QKV.shape}, W_O {W_O.shape} must be "
                         f"(T, d_model), (d_model, 3·n_heads·d_head) and (n_heads·d_head, d_model) "
                         f"with n_heads={n_heads}")
    qkv = x @ W_QKV  # (T, 3·H·dh): ONE product gives every head's queries, keys and values
    q, k, v = qkv.reshape(n_tokens, 3, n_heads, -1).transpose(1, 2, 0, 3)  # each (H, T, dh)
    mask = causal_mask(n_tokens) if causal else None
    out, _ = scaled_dot_product_attention(q, k, v, mask)  # (H, T, dh): all heads in one call
    # (T, H·dh) @ (H·dh, d_model): one product applies every value-up map AND sums the heads
    return out.transpose(1, 0, 2).reshape(n_tokens, -1) @ W_O


def example_layer(n_tokens: int, d_model: int, n_heads: int, seed: int = 0):
    """Random float32 inputs for the functions above: ``x (T, C)``, ``[W_Q, W_K, W_V_down]`` each
    ``(H, C, D)`` and ``W_V_up (H, D, C)``, D = C / H, scaled so the outputs stay of order 1."""
    n_tokens, d_model, n_heads = (positive_int(n, name) for n, name in
                                  ((n_tokens, "n_tokens"), (d_model, "d_model"), (n_heads, "n_heads")))
    rng, d_head = np.random.default_rng(seed), default_d_head(d_model, n_heads)
    x = rng.normal(size=(n_tokens, d_model)).astype(np.float32)
    maps = [(rng.normal(size=(n_heads, d_model, d_head)) / d_model**0.5).astype(np.float32)
            for _ in range(3)]
    W_V_up = (rng.normal(size=(n_heads, d_head, d_model)) / d_head**0.5).astype(np.float32)
    return x, maps, W_V_up


def rnn_states(x, W_x, W_h) -> np.ndarray:
    """Hidden states ``(T, d)`` of ``h_t = tanh(x_t W_x + h_{t-1} W_h)``, ``h_{-1} = 0``.

    x ``(T, d_in)``, W_x ``(d_in, d)``, W_h ``(d, d)``. The input part is one product for all
    tokens; the recurrence is a loop of T steps, each waiting for the one before.
    """
    x = as_float_array(x, "x", min_ndim=2)
    W_x, W_h = as_float_array(W_x, "W_x", min_ndim=2), as_float_array(W_h, "W_h", min_ndim=2)
    if x.ndim != 2 or W_x.shape[0] != x.shape[1] or W_h.shape != (W_x.shape[1],) * 2:
        raise AttnlabError(f"x {x.shape}, W_x {W_x.shape}, W_h {W_h.shape} must be (T, d_in), "
                         f"(d_in, d) and (d, d)")
    inputs = x @ W_x  # (T, d): all tokens at once
    h = np.zeros(W_h.shape[0], dtype=inputs.dtype)  # (d,)
    states = np.empty_like(inputs)  # (T, d)
    for t in range(len(x)):  # one token at a time: step t needs h from step t - 1
        h = np.tanh(inputs[t] + h @ W_h)
        states[t] = h
    return states
