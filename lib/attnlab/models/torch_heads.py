"""The course's per-head maps in torch's layout: :func:`to_torch` loads them into an
``nn.MultiheadAttention``, the oracle lesson 06 and the tests compare :mod:`attnlab.multihead` with.

Shapes: W_Q, W_K, W_V_down ``(H, C, D)``; W_V_up ``(H, D, C)``; torch needs H·D = C.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from attnlab.errors import AttnlabError
from attnlab.multihead import check_heads, stack_value_up


def to_torch(W_Q, W_K, W_V_down, W_V_up):
    """An ``nn.MultiheadAttention`` (no biases, ``batch_first=True``, float64) holding these weights.

    torch keeps ``in_proj_weight (3C, C)`` — the query, key and value maps of all heads stacked as
    ``(out, in)`` rows — and ``out_proj.weight (C, H·D)``, the transposed output matrix. It needs
    ``H·D = C``.
    """
    one_token = np.zeros((1, np.shape(W_Q)[1]))  # only the maps are checked here
    _, W_Q, W_K, W_V_down, W_V_up, _ = check_heads(one_token, W_Q, W_K, W_V_down, W_V_up)
    H, C, D = W_Q.shape
    if H * D != C:
        raise AttnlabError(f"nn.MultiheadAttention needs n_heads·d_head = d_model, but {H}·{D} ≠ {C}")
    mha = nn.MultiheadAttention(C, H, bias=False, batch_first=True, dtype=torch.float64)

    def rows(w):  # (H, C, D) -> (H·D, C): head h's output features are rows h·D … (h+1)·D − 1
        return torch.from_numpy(np.ascontiguousarray(w.transpose(0, 2, 1).reshape(H * D, C)))

    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.cat([rows(W_Q), rows(W_K), rows(W_V_down)]))
        mha.out_proj.weight.copy_(torch.from_numpy(stack_value_up(W_V_up).T.copy()))
    return mha
