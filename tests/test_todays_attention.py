"""RoPE, ALiBi, GQA, sliding windows, MLA and the KV cache they need: the NumPy reference against
transformers' own functions and layers on random weights, and the properties that define them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from attnlab import kvcache
from attnlab.attention import causal_mask, scaled_dot_product_attention
from attnlab.grouped import grouped_query_attention, kv_head_of, repeat_kv
from attnlab.latent import absorbed_scores, compress, expand, latent_attention
from attnlab.positions import alibi_bias, alibi_slopes, rope
from attnlab.windows import farthest_reach, receptive_field, sliding_window_mask

rng = np.random.default_rng(23)


def _hf_cos_sin(T, D, base):
    inv = 1.0 / base ** (torch.arange(0, D, 2, dtype=torch.float64) / D)
    freqs = torch.arange(T, dtype=torch.float64)[:, None] * inv[None]
    emb = torch.cat([freqs, freqs], dim=-1)
    return emb.cos()[None], emb.sin()[None]  # (1, T, D)


@pytest.mark.parametrize("T,D,base", [(7, 8, 10_000.0), (13, 64, 100_000.0), (1, 2, 500.0)])
def test_rope_equals_transformers_apply_rotary_pos_emb(T, D, base):
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

    q, k = rng.normal(size=(2, 3, T, D)), rng.normal(size=(2, 1, T, D))  # (B, H, T, D)
    cos, sin = _hf_cos_sin(T, D, base)
    want_q, want_k = apply_rotary_pos_emb(torch.tensor(q), torch.tensor(k), cos, sin)
    assert np.allclose(rope(q, base=base), want_q.numpy(), rtol=0, atol=1e-12)
    assert np.allclose(rope(k, base=base), want_k.numpy(), rtol=0, atol=1e-12)


def test_rope_interleaved_is_half_split_after_llama_cpps_permutation():
    from attnlab.models.llama_layout import unpermute

    D, T, C = 8, 5, 6
    W = rng.normal(size=(D, C))  # one head's query rows (torch layout)
    permuted = W.reshape(2, D // 2, C).swapaxes(0, 1).reshape(D, C)  # llama.cpp's converter
    assert np.array_equal(unpermute(permuted, 1), W)
    x = rng.normal(size=(T, C))
    assert np.allclose(rope(x @ permuted.T, layout="interleaved"),
                       (rope(x @ W.T, layout="half").reshape(T, 2, D // 2).swapaxes(1, 2).reshape(T, D)))


def test_rope_scores_depend_only_on_the_distance():
    q, k = rng.normal(size=(1, 16)), rng.normal(size=(1, 16))
    score = lambda m, n: float((rope(q, [m]) @ rope(k, [n]).T)[0, 0])  # noqa: E731
    assert np.isclose(score(3, 1), score(10, 8)) and np.isclose(score(0, 0), float((q @ k.T)[0, 0]))
    assert not np.isclose(score(3, 1), score(3, 2))
    x = rng.normal(size=(4, 9, 16))
    assert np.allclose(np.linalg.norm(rope(x), axis=-1), np.linalg.norm(x, axis=-1))  # a rotation


def test_rope_refuses_odd_heads_and_unknown_layouts():
    with pytest.raises(ValueError, match="even"):
        rope(np.ones((3, 5)))
    with pytest.raises(ValueError, match="layout"):
        rope(np.ones((3, 4)), layout="spiral")


def test_alibi_slopes_and_bias():
    assert np.allclose(alibi_slopes(8), 2.0 ** -np.arange(1, 9))
    assert len(alibi_slopes(12)) == 12 and np.all(np.diff(alibi_slopes(12)[:8]) < 0)
    bias = alibi_bias(4, 5)
    assert bias.shape == (4, 5, 5) and np.all(np.diagonal(bias, axis1=1, axis2=2) == 0)
    assert np.isclose(bias[0, 4, 0], -4 * alibi_slopes(4)[0])


@pytest.mark.parametrize("n_rep", [1, 3, 4])
def test_repeat_kv_equals_transformers(n_rep):
    from transformers.models.llama.modeling_llama import repeat_kv as hf_repeat_kv

    x = rng.normal(size=(2, 3, 5, 4))  # (B, G, T, D)
    assert np.array_equal(repeat_kv(x, n_rep), hf_repeat_kv(torch.tensor(x), n_rep).numpy())
    assert list(kv_head_of(9, 3)) == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_gqa_with_as_many_kv_heads_as_query_heads_is_multi_head_attention():
    q, k, v = (rng.normal(size=(6, 7, 4)) for _ in range(3))
    out, pattern = grouped_query_attention(q, k, v, causal=True)
    want, want_pattern = scaled_dot_product_attention(q, k, v, causal_mask(7))
    assert np.array_equal(out, want) and np.array_equal(pattern, want_pattern)
    with pytest.raises(ValueError, match="divide"):
        grouped_query_attention(q, k[:4], v[:4])


def test_sliding_window_mask_band_and_full_window():
    m = sliding_window_mask(6, 3)
    assert m[5].tolist() == [False, False, False, True, True, True] and m.sum() == 1 + 2 + 3 * 4
    assert np.array_equal(sliding_window_mask(6, 6), causal_mask(6))
    assert np.array_equal(sliding_window_mask(6, 100), causal_mask(6))
    reach = receptive_field(3, 3, 12)
    assert reach[11].sum() - 1 == farthest_reach(3, 3) == 6


def test_latent_attention_equals_mha_on_expanded_keys_and_absorbed_scores():
    T, C, H, D, r = 6, 10, 3, 4, 5
    x, W_Q = rng.normal(size=(T, C)), rng.normal(size=(H, C, D))
    W_dkv, W_uk, W_uv = rng.normal(size=(C, r)), rng.normal(size=(H, r, D)), rng.normal(size=(H, r, D))
    out, pattern, latent = latent_attention(x, W_Q, W_dkv, W_uk, W_uv)
    assert latent.shape == (T, r)
    k, v = expand(compress(x, W_dkv), W_uk), expand(compress(x, W_dkv), W_uv)
    want, _ = scaled_dot_product_attention(x @ W_Q, k, v, causal_mask(T))
    assert np.allclose(out, want)
    assert np.allclose(absorbed_scores(x, W_Q, W_dkv, W_uk), (x @ W_Q) @ np.swapaxes(k, -1, -2) / 2.0)


def test_kv_cache_figures_raschka_smollm2():
    mha = kvcache.grouped_kv_cache_bytes(32, 32, 128, 32_768, itemsize=2)
    gqa = kvcache.grouped_kv_cache_bytes(32, 8, 128, 32_768, itemsize=2)
    assert (round(mha / 1e9, 2), round(gqa / 1e9, 2), mha / gqa) == (17.18, 4.29, 4.0)
    assert kvcache.grouped_kv_cache_bytes(30, 3, 64, 1, 2) == 2 * 30 * 3 * 64 * 2
    assert kvcache.grouped_kv_cache_bytes(30, 3, 64, 8192, 2, window=512) == \
        kvcache.grouped_kv_cache_bytes(30, 3, 64, 512, 2)
    table = kvcache.cache_comparison(61, 128, 128, 1000, 2, n_kv_heads=8, window=4096,
                                     d_latent=512, d_rope=64)
    assert table["MLA"] == 61 * 576 * 1000 * 2
    assert table["MHA"] == 16 * table["GQA"] == 128 * table["MQA"]


def _float_mask(allowed: np.ndarray) -> torch.Tensor:
    """A bool ``(Tq, Tk)`` mask as the additive ``(1, 1, Tq, Tk)`` mask transformers' eager attention adds."""
    return torch.where(torch.from_numpy(allowed), 0.0, -torch.inf).to(torch.float64)[None, None]


@pytest.mark.parametrize("T,window", [(9, 1), (9, 3), (9, 9), (5, 12)])
def test_sliding_window_mask_equals_transformers_mistral_rule(T, window):
    from transformers.masking_utils import sliding_window_causal_mask_function

    allowed = sliding_window_causal_mask_function(window)
    want = np.array([[bool(allowed(0, 0, torch.tensor(i), torch.tensor(j))) for j in range(T)]
                     for i in range(T)])
    assert np.array_equal(sliding_window_mask(T, window), want)


@pytest.mark.parametrize("family,H,G,window", [
    ("mistral", 4, 2, 3), ("mistral", 3, 3, 2), ("mistral", 6, 1, 100),
    ("llama", 6, 2, None), ("llama", 3, 1, None)])
def test_gqa_with_rope_equals_transformers_llama_and_mistral_attention(family, H, G, window):
    """LlamaAttention and MistralAttention (eager, float64, random weights) on one sequence = RoPE on
    q and k, then grouped-query attention under the causal (Llama) or sliding-window (Mistral) mask,
    then W_O. (transformers' eager softmax runs in float32 whatever the inputs' dtype: hence 1e-6,
    not float64's 1e-12.)"""
    import transformers
    from transformers.models.llama.modeling_llama import LlamaAttention
    from transformers.models.mistral.modeling_mistral import MistralAttention

    Config, Attention = {"llama": (transformers.LlamaConfig, LlamaAttention),
                         "mistral": (transformers.MistralConfig, MistralAttention)}[family]
    T, D, base = 8, 4, 10_000.0
    config = Config(hidden_size=H * D, num_attention_heads=H, num_key_value_heads=G, head_dim=D,
                    rope_theta=base, attn_implementation="eager",
                    **({"sliding_window": window} if family == "mistral" else {}))
    torch.manual_seed(7)
    layer = Attention(config, layer_idx=0).double().eval()
    x = torch.randn(1, T, H * D, dtype=torch.float64)
    mask = causal_mask(T) if window is None else sliding_window_mask(T, window)
    with torch.no_grad():
        got, weights = layer(x, _hf_cos_sin(T, D, base), _float_mask(mask))

    def heads(linear, n):  # (1, T, n·D) -> (n, T, D)
        return linear(x)[0].reshape(T, n, D).transpose(0, 1).numpy()

    with torch.no_grad():
        q, k, v = heads(layer.q_proj, H), heads(layer.k_proj, G), heads(layer.v_proj, G)
        W_O = layer.o_proj.weight.T.numpy()  # (H·D, C)
    out, pattern = grouped_query_attention(rope(q, base=base), rope(k, base=base), v, mask)
    assert np.allclose(pattern, weights[0].numpy(), rtol=0, atol=1e-6)
    assert np.allclose(out.transpose(1, 0, 2).reshape(T, H * D) @ W_O, got[0].numpy(), rtol=0, atol=1e-6)


def test_latent_attention_equals_transformers_deepseek_v3_attention():
    """DeepseekV3Attention (MLA; eager, float64, random weights) with its decoupled RoPE part switched
    off (the shared rotated key's weights set to zero) = latent attention: one latent per token,
    per-head keys and values expanded from it. transformers RMS-normalises the latent before expanding
    it and scales scores by 1/√(d_nope + d_rope); both are applied here to the same NumPy pieces. Its
    eager softmax runs in float32: 1e-6."""
    from transformers import DeepseekV3Config
    from transformers.models.deepseek_v3.modeling_deepseek_v3 import DeepseekV3Attention

    T, C, H, d_nope, d_rope, d_v, r = 7, 12, 3, 4, 2, 5, 6
    config = DeepseekV3Config(hidden_size=C, num_attention_heads=H, num_key_value_heads=H,
                              q_lora_rank=None, kv_lora_rank=r, qk_nope_head_dim=d_nope,
                              qk_rope_head_dim=d_rope, v_head_dim=d_v, attn_implementation="eager")
    torch.manual_seed(3)
    layer = DeepseekV3Attention(config, layer_idx=0).double().eval().requires_grad_(False)
    with torch.no_grad():
        layer.kv_a_proj_with_mqa.weight[r:] = 0.0  # no shared rotated key: the RoPE part adds nothing
        if layer.kv_a_proj_with_mqa.bias is not None:
            layer.kv_a_proj_with_mqa.bias.zero_()
    x = torch.randn(1, T, C, dtype=torch.float64)
    cos_sin = (torch.ones(1, T, d_rope, dtype=torch.float64), torch.zeros(1, T, d_rope, dtype=torch.float64))
    with torch.no_grad():
        got, weights = layer(x, cos_sin, _float_mask(causal_mask(T)))
        W_Q = layer.q_proj.weight.T.reshape(C, H, d_nope + d_rope)[..., :d_nope].permute(1, 0, 2)
        W_down = layer.kv_a_proj_with_mqa.weight[:r].T  # (C, r)
        W_up = layer.kv_b_proj.weight.T.reshape(r, H, d_nope + d_v).permute(1, 0, 2)  # (H, r, ·)
        norm = layer.kv_a_layernorm
        W_O = layer.o_proj.weight.T.numpy()  # (H·d_v, C)
    x0, W_down = x[0].numpy(), W_down.numpy()
    latent = compress(x0, W_down)
    assert latent.shape == (T, r)  # what MLA caches: r numbers per token, not 2·H·D
    with torch.no_grad():
        latent = norm(torch.from_numpy(latent)).numpy()
    k, v = expand(latent, W_up[..., :d_nope].numpy()), expand(latent, W_up[..., d_nope:].numpy())
    # transformers' scale 1/√(d_nope + d_rope), ours 1/√d_nope: fold the ratio into the queries
    q = x0 @ W_Q.numpy() * np.sqrt(d_nope / (d_nope + d_rope))
    out, pattern = scaled_dot_product_attention(q, k, v, causal_mask(T))
    assert np.allclose(pattern, weights[0].numpy(), rtol=0, atol=1e-6)
    assert np.allclose(out.transpose(1, 0, 2).reshape(T, H * d_v) @ W_O, got[0].numpy(), rtol=0, atol=1e-6)
