"""Multi-head attention, in NumPy, in the per-head form the course teaches.

A layer runs ``n_heads`` heads side by side on the same embeddings. Head h has its own maps:
query ``W_Q[h]``, key ``W_K[h]`` and value-down ``W_V_down[h]`` (d_model → d_head), and value-up
``W_V_up[h]`` (d_head → d_model). Each head

1. builds its own attention pattern from its queries and keys (:mod:`attnlab.attention`),
2. takes the pattern-weighted sum of its (small) values,
3. maps that sum back up to d_model: the **change it proposes** to every position's embedding.

The layer's output is the **sum of the heads' proposed changes**; a block adds it to the embeddings.

Real implementations write the last step differently: they put the heads' outputs side by side,
``(T, n_heads·d_head)``, and multiply by one **output matrix** ``W_O (n_heads·d_head, d_model)``
— the value-up maps stacked on top of each other (:func:`stack_value_up`). Row block h of W_O
only ever meets head h's output, so that one product *is* the sum of the per-head changes.

Shapes: x ``(T, C)``; context ``(S, C)`` (cross-attention: keys and values come from another
sequence; default x itself, S = T); W_Q, W_K, W_V_down ``(H, C, D)``; W_V_up ``(H, D, C)``.
The test oracle is torch's ``nn.MultiheadAttention`` (:func:`attnlab.models.torch_heads.to_torch`
loads these weights into it).
"""

from __future__ import annotations

import numpy as np

from attnlab.attention import attention_pattern, causal_mask, scaled_dot_product_attention
from attnlab.errors import AttnlabError
from attnlab.validate import as_float_array

# --- one head, by itself --------------------------------------------------------------------------


def value_update(x, pattern, W_V_down, W_V_up) -> np.ndarray:
    """One head's update of the embeddings for a given pattern: ``x + pattern (x W_V_down) W_V_up``.

    x ``(T, C)``, pattern ``(T, T)`` (rows sum to 1), W_V_down ``(C, D)``, W_V_up ``(D, C)`` →
    ``(T, C)``: each position gets the pattern-weighted sum of the values, mapped back up, added.
    """
    x, pattern = as_float_array(x, "x", 2), as_float_array(pattern, "pattern", 2)
    W_V_down, W_V_up = as_float_array(W_V_down, "W_V_down", 2), as_float_array(W_V_up, "W_V_up", 2)
    T, C = x.shape
    D = W_V_down.shape[-1]
    for name, arr, shape in (("pattern", pattern, (T, T)), ("W_V_down", W_V_down, (C, D)),
                             ("W_V_up", W_V_up, (D, C))):
        if arr.shape != shape:
            raise AttnlabError(f"{name} has shape {arr.shape}, but with x of shape {x.shape} "
                             f"it must have shape {shape}")
    return x + pattern @ (x @ W_V_down) @ W_V_up  # (T, C) + (T, T) @ (T, D) @ (D, C)


def head_update(x, W_Q, W_K, W_V_down, W_V_up, causal: bool = True) -> np.ndarray:
    """One head, start to finish: ``x + softmax(mask(Q Kᵀ / √D)) (x W_V_down) W_V_up``.

    x ``(T, C)``; W_Q, W_K, W_V_down ``(C, D)``; W_V_up ``(D, C)`` → the updated embeddings ``(T, C)``.
    """
    x = as_float_array(x, "x", 2)
    mask = causal_mask(len(x)) if causal else None
    pattern = attention_pattern(x @ as_float_array(W_Q, "W_Q", 2), x @ as_float_array(W_K, "W_K", 2), mask)
    return value_update(x, pattern, W_V_down, W_V_up)  # (T, C)


# --- all heads ------------------------------------------------------------------------------------


def check_heads(x, W_Q, W_K, W_V_down, W_V_up, context=None):
    """Validate the inputs (``ValueError`` naming the argument and shapes); return them as arrays,
    ``context`` defaulting to ``x``."""
    x = as_float_array(x, "x")
    if x.ndim != 2:
        raise AttnlabError(f"x must have shape (T, d_model), one embedding per row, but has shape {x.shape}")
    W_Q = as_float_array(W_Q, "W_Q")
    if W_Q.ndim != 3:
        raise AttnlabError(f"W_Q must have shape (n_heads, d_model, d_head), but has shape {W_Q.shape}")
    H, C, D = W_Q.shape
    wanted = {"W_K": (H, C, D), "W_V_down": (H, C, D), "W_V_up": (H, D, C)}
    maps = []
    for name, w in (("W_K", W_K), ("W_V_down", W_V_down), ("W_V_up", W_V_up)):
        w = as_float_array(w, name)
        if w.shape != wanted[name]:
            raise AttnlabError(f"{name} has shape {w.shape}, but with W_Q of shape {W_Q.shape} "
                             f"(n_heads, d_model, d_head) it must have shape {wanted[name]}")
        maps.append(w)
    if x.shape[1] != C:
        raise AttnlabError(f"x has shape {x.shape}, but the maps need embeddings of d_model={C}: (T, {C})")
    if context is None:
        context = x
    else:
        context = as_float_array(context, "context")
        if context.ndim != 2 or context.shape[1] != C:
            raise AttnlabError(f"context must have shape (T_ctx, d_model={C}), but has shape {context.shape}")
    return x, W_Q, *maps, context


def head_changes(x, W_Q, W_K, W_V_down, W_V_up, mask=None, context=None) -> tuple[np.ndarray, np.ndarray]:
    """Every head's proposed change and pattern: ``(changes (H, T, C), patterns (H, T, T_ctx))``.

    ``mask`` bool, broadcastable to ``(H, T, T_ctx)`` (usually ``(T, T_ctx)``), True = may attend.
    """
    x, W_Q, W_K, W_V_down, W_V_up, context = check_heads(x, W_Q, W_K, W_V_down, W_V_up, context)
    q = x @ W_Q  # (T, C) @ (H, C, D) -> (H, T, D): each head's queries
    k = context @ W_K  # (H, T_ctx, D): each head's keys
    v = context @ W_V_down  # (H, T_ctx, D): each head's small values
    outputs, patterns = scaled_dot_product_attention(q, k, v, mask)  # (H, T, D), (H, T, T_ctx)
    return outputs @ W_V_up, patterns  # (H, T, D) @ (H, D, C) -> (H, T, C)


def multi_head_attention(x, W_Q, W_K, W_V_down, W_V_up, mask=None,
                         context=None) -> tuple[np.ndarray, np.ndarray]:
    """Multi-head attention: ``(output (T, C), patterns (H, T, T_ctx))``.

    Each head proposes a change at every position (:func:`head_changes`); the output is their sum.
    ``context`` ``(T_ctx, C)`` supplies keys and values (cross-attention); default ``x``.
    """
    changes, patterns = head_changes(x, W_Q, W_K, W_V_down, W_V_up, mask=mask, context=context)
    return changes.sum(axis=0), patterns  # (T, C): the heads' changes, summed


# --- the output matrix -------------------------------------------------------------------------------


def stack_value_up(W_V_up) -> np.ndarray:
    """The value-up maps ``(H, D, C)`` stacked into one output matrix ``W_O (H·D, C)``: rows
    ``h·D … (h+1)·D − 1`` are head h's value-up map."""
    W_V_up = as_float_array(W_V_up, "W_V_up")
    if W_V_up.ndim != 3:
        raise AttnlabError(f"W_V_up must have shape (n_heads, d_head, d_model), but has shape {W_V_up.shape}")
    H, D, C = W_V_up.shape
    return W_V_up.reshape(H * D, C)


def concat_heads(head_outputs) -> np.ndarray:
    """The heads' outputs ``(H, T, D)`` side by side: ``(T, H·D)``, head h in columns h·D … (h+1)·D − 1."""
    head_outputs = as_float_array(head_outputs, "head_outputs")
    if head_outputs.ndim != 3:
        raise AttnlabError(f"head_outputs must have shape (n_heads, T, d_head), but has shape "
                         f"{head_outputs.shape}")
    H, T, D = head_outputs.shape
    return head_outputs.transpose(1, 0, 2).reshape(T, H * D)


def output_matrix_form(head_outputs, W_O) -> np.ndarray:
    """What real implementations compute: ``concat_heads(head_outputs) @ W_O`` → ``(T, C)``, equal
    to the sum of the heads' changes when ``W_O = stack_value_up(W_V_up)``."""
    side_by_side = concat_heads(head_outputs)  # (T, H·D)
    W_O = as_float_array(W_O, "W_O")
    if W_O.ndim != 2 or W_O.shape[0] != side_by_side.shape[1]:
        raise AttnlabError(f"W_O must have shape (n_heads·d_head={side_by_side.shape[1]}, d_model), "
                         f"but has shape {W_O.shape}")
    return side_by_side @ W_O  # (T, H·D) @ (H·D, C) -> (T, C)
