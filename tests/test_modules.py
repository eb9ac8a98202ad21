"""attnlab's torch modules against torch.nn.MultiheadAttention, the NumPy reference and GPT-2."""

import numpy as np
import pytest
import torch

from attnlab.attention import causal_mask, scaled_dot_product_attention
from attnlab.models.gpt import GPTConfig, TinyGPT
from attnlab.models.layers import AttentionHead, Block, MultiHeadAttention
from attnlab.models.translator import Translator, TranslatorConfig

D_MODEL, N_HEADS = 32, 4


def pair(causal: bool, d_model=D_MODEL, n_heads=N_HEADS, seed=0):
    """Our module and nn.MultiheadAttention holding the same weights (float64, eval mode)."""
    torch.manual_seed(seed)
    ours = MultiHeadAttention(d_model, n_heads, causal=causal).double().eval()
    ref = torch.nn.MultiheadAttention(d_model, n_heads, batch_first=True).double().eval()
    with torch.no_grad():  # random biases too, so a bias mix-up cannot hide behind zeros
        ref.in_proj_bias.normal_()
        ref.out_proj.bias.normal_()
        ours.qkv.weight.copy_(ref.in_proj_weight)
        ours.qkv.bias.copy_(ref.in_proj_bias)
        ours.out.weight.copy_(ref.out_proj.weight)
        ours.out.bias.copy_(ref.out_proj.bias)
    return ours, ref


def inputs(b=3, t=7, s=5, d=D_MODEL, seed=1):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(b, t, d, generator=g, dtype=torch.float64),
            torch.randn(b, s, d, generator=g, dtype=torch.float64))


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("need_weights", [False, True])
def test_self_attention_equals_torch(causal, need_weights):
    ours, ref = pair(causal)
    x, _ = inputs()
    mask = torch.ones(7, 7, dtype=torch.bool).triu(1) if causal else None  # torch: True = forbidden
    expected, expected_w = ref(x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False)
    got = ours(x, need_weights=need_weights)
    if need_weights:
        got, patterns = got
        torch.testing.assert_close(patterns, expected_w, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("need_weights", [False, True])
def test_cross_attention_equals_torch(need_weights):
    ours, ref = pair(causal=False)
    x, context = inputs(t=7, s=5)
    expected, expected_w = ref(x, context, context, need_weights=True, average_attn_weights=False)
    got = ours(x, context=context, need_weights=need_weights)
    if need_weights:
        got, patterns = got
        assert patterns.shape == (3, N_HEADS, 7, 5)
        torch.testing.assert_close(patterns, expected_w, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("cross", [False, True])
def test_fast_path_equals_readable_path_float32(causal, cross):
    torch.manual_seed(0)
    mha = MultiHeadAttention(48, 3, causal=causal, d_head=24).eval()  # H·D = 72 != d_model
    x, context = (t.float() for t in inputs(b=2, t=9, s=6 if cross else 9, d=48))
    fast = mha(x, context=context if cross else None)
    readable, _ = mha(x, context=context if cross else None, need_weights=True)
    torch.testing.assert_close(fast, readable, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("causal", [False, True])
def test_patterns_are_distributions_and_causal(causal):
    mha, _ = pair(causal)
    x, _ = inputs(t=8)
    _, patterns = mha(x, need_weights=True)  # (B, H, T, T)
    assert patterns.shape == (3, N_HEADS, 8, 8)
    assert (patterns >= 0).all()
    torch.testing.assert_close(patterns.sum(-1), torch.ones(3, N_HEADS, 8, dtype=torch.float64))
    future = torch.ones(8, 8, dtype=torch.bool).triu(1)
    assert (patterns[..., future] == 0).all() == causal
    if causal:  # and the past still gets weight
        assert (patterns[..., ~future] > 0).all()


@pytest.mark.parametrize("causal", [False, True])
def test_each_head_equals_numpy_reference(causal):
    mha = MultiHeadAttention(24, 3, causal=causal, d_head=5).double()
    x, _ = inputs(b=2, t=6, d=24)
    _, patterns = mha(x, need_weights=True)
    H, D = 3, 5
    w, b = mha.qkv.weight.detach().numpy(), mha.qkv.bias.detach().numpy()
    xs = x.numpy()
    mask = causal_mask(6) if causal else None
    outs = []
    for h in range(H):
        rows = [slice(p * H * D + h * D, p * H * D + (h + 1) * D) for p in range(3)]  # q, k, v of head h
        q, k, v = (xs @ w[r].T + b[r] for r in rows)
        out, pattern = scaled_dot_product_attention(q, k, v, mask=mask)
        np.testing.assert_allclose(patterns[:, h].detach().numpy(), pattern, rtol=1e-10, atol=1e-12)
        outs.append(out)
    concat = np.concatenate(outs, axis=-1)  # (B, T, H·D)
    expected = concat @ mha.out.weight.detach().numpy().T + mha.out.bias.detach().numpy()
    np.testing.assert_allclose(mha(x).detach().numpy(), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cross", [False, True])
def test_heads_add_up_to_the_module(cross):
    mha, _ = pair(causal=not cross)
    x, context = inputs()
    ctx = context if cross else None
    deltas, patterns = zip(*(mha.head(h)(x, context=ctx) for h in range(N_HEADS)), strict=True)
    total = sum(deltas) + mha.out.bias
    expected, expected_patterns = mha(x, context=ctx, need_weights=True)
    torch.testing.assert_close(total, expected)
    torch.testing.assert_close(torch.stack(patterns, dim=1), expected_patterns)
    assert isinstance(mha.head(0), AttentionHead)


def test_bad_inputs_raise_clear_errors():
    mha = MultiHeadAttention(D_MODEL, N_HEADS)
    x = torch.randn(2, 5, D_MODEL)
    with pytest.raises(ValueError, match=r"x must have shape \(B, T, d_model=32\).*\(5, 32\)"):
        mha(torch.randn(5, D_MODEL))
    with pytest.raises(ValueError, match=r"x must have shape .*\(2, 5, 16\)"):
        mha(torch.randn(2, 5, 16))
    with pytest.raises(ValueError, match=r"context must have shape \(B, T, d_model=32\).*\(2, 4, 8\)"):
        mha(x, context=torch.randn(2, 4, 8))
    with pytest.raises(ValueError, match="context has batch size 3 but the queries have batch size 2"):
        mha(x, context=torch.randn(3, 4, D_MODEL))
    with pytest.raises(ValueError, match="must hold floats"):
        mha(torch.ones(2, 5, D_MODEL, dtype=torch.long))
    with pytest.raises(ValueError, match="torch.Tensor"):
        mha(np.zeros((2, 5, D_MODEL)))
    with pytest.raises(ValueError, match="dtype torch.float64 but the weights are torch.float32"):
        mha(x.double())
    with pytest.raises(ValueError, match="not divisible by n_heads=5"):
        MultiHeadAttention(32, 5)
    with pytest.raises(ValueError, match="n_heads must be at least 1"):
        MultiHeadAttention(32, 0)
    with pytest.raises(ValueError, match="head index"):
        mha.head(N_HEADS)


def test_block_needs_context_exactly_when_it_cross_attends():
    torch.manual_seed(0)
    x, context = (t.float() for t in inputs())
    with pytest.raises(ValueError, match="pass context"):
        Block(D_MODEL, N_HEADS, cross_attention=True)(x)
    with pytest.raises(ValueError, match="takes no context"):
        Block(D_MODEL, N_HEADS)(x, context=context)
    block = Block(D_MODEL, N_HEADS, causal=True, cross_attention=True).eval()
    y, patterns = block(x, context=context, need_weights=True)
    assert y.shape == x.shape
    assert patterns["self"].shape == (3, N_HEADS, 7, 7) and patterns["cross"].shape == (3, N_HEADS, 7, 5)
    torch.testing.assert_close(block(x, context=context), y)


# --- TinyGPT ---------------------------------------------------------------------------------

GPT2_SMALL = GPTConfig(vocab_size=50257, context_length=1024, d_model=768, n_heads=12, n_layers=12)


def test_gpt2_small_on_meta_has_gpt2s_parameter_count():
    with torch.device("meta"):
        model = TinyGPT(GPT2_SMALL)
    assert sum(p.numel() for p in model.parameters()) == 124_439_808  # GPT-2 small, tied embedding
    with torch.device("meta"):
        untied = TinyGPT(GPTConfig(50257, 1024, 768, 12, 12, tie_weights=False))
    assert sum(p.numel() for p in untied.parameters()) == 124_439_808 + 50257 * 768


def test_tiny_gpt_equals_transformers_gpt2_with_the_same_weights():
    transformers = pytest.importorskip("transformers")
    cfg = GPTConfig(vocab_size=40, context_length=16, d_model=24, n_heads=3, n_layers=2)
    hf_cfg = transformers.GPT2Config(vocab_size=40, n_positions=16, n_embd=24, n_head=3, n_layer=2,
                                     attn_implementation="eager")
    torch.manual_seed(0)
    hf = transformers.GPT2LMHeadModel(hf_cfg).eval()
    ours = TinyGPT(cfg).eval()
    sd = hf.state_dict()
    with torch.no_grad():
        ours.tok_emb.weight.copy_(sd["transformer.wte.weight"])
        ours.pos_emb.weight.copy_(sd["transformer.wpe.weight"])
        for i, block in enumerate(ours.blocks):
            p = f"transformer.h.{i}."
            for mine, theirs in [(block.ln_1, "ln_1"), (block.ln_2, "ln_2")]:
                mine.weight.copy_(sd[p + theirs + ".weight"])
                mine.bias.copy_(sd[p + theirs + ".bias"])
            for mine, theirs in [(block.attn.qkv, "attn.c_attn"), (block.attn.out, "attn.c_proj"),
                                 (block.mlp.up, "mlp.c_fc"), (block.mlp.down, "mlp.c_proj")]:
                mine.weight.copy_(sd[p + theirs + ".weight"].T)  # GPT-2's Conv1D stores W transposed
                mine.bias.copy_(sd[p + theirs + ".bias"])
        ours.ln_f.weight.copy_(sd["transformer.ln_f.weight"])
        ours.ln_f.bias.copy_(sd["transformer.ln_f.bias"])
    idx = torch.randint(0, 40, (2, 16), generator=torch.Generator().manual_seed(3))
    expected = hf(idx, output_attentions=True)
    logits, patterns = ours(idx, need_weights=True)
    torch.testing.assert_close(logits, expected.logits, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(ours(idx), expected.logits, rtol=1e-4, atol=1e-5)
    for mine, theirs in zip(patterns, expected.attentions, strict=True):
        torch.testing.assert_close(mine, theirs, rtol=1e-4, atol=1e-6)


def test_tiny_gpt_is_causal_and_generates_deterministically():
    torch.manual_seed(0)
    model = TinyGPT(GPTConfig(vocab_size=11, context_length=8, d_model=16, n_heads=2, n_layers=2)).eval()
    idx = torch.randint(0, 11, (2, 8), generator=torch.Generator().manual_seed(1))
    full = model(idx)
    torch.testing.assert_close(model(idx[:, :5]), full[:, :5])  # the future changes nothing
    out = model.generate(idx[:, :3], n_new=10)
    assert out.shape == (2, 13) and torch.equal(out[:, :3], idx[:, :3])
    assert torch.equal(out, model.generate(idx[:, :3], n_new=10))
    assert torch.equal(out[:, 3], full[:, 2].argmax(-1))  # greedy: the most likely next token
    sampled = model.generate(idx[:, :3], 4, greedy=False, generator=torch.Generator().manual_seed(0))
    again = model.generate(idx[:, :3], 4, greedy=False, generator=torch.Generator().manual_seed(0))
    assert torch.equal(sampled, again)


def test_leaky_gpt_sees_the_future():
    torch.manual_seed(0)
    model = TinyGPT(GPTConfig(vocab_size=11, context_length=8, d_model=16, n_heads=2, n_layers=1,
                              causal=False)).eval()
    idx = torch.randint(0, 11, (1, 8), generator=torch.Generator().manual_seed(1))
    assert not torch.allclose(model(idx[:, :5]), model(idx)[:, :5])


def test_tiny_gpt_refuses_bad_token_ids():
    model = TinyGPT(GPTConfig(vocab_size=11, context_length=8, d_model=16, n_heads=2, n_layers=1))
    with pytest.raises(ValueError, match="ids 0 to 10"):
        model(torch.tensor([[1, 11]]))
    with pytest.raises(ValueError, match="reads 1 to 8"):
        model(torch.zeros(1, 9, dtype=torch.long))
    with pytest.raises(ValueError, match=r"integer tensor of token ids \(B, T\)"):
        model(torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="not divisible"):
        GPTConfig(11, 8, 16, 3, 1)


def test_translator_shapes_and_patterns():
    torch.manual_seed(0)
    cfg = TranslatorConfig(src_vocab_size=9, tgt_vocab_size=7, context_length=8, d_model=16, n_heads=2,
                           n_encoder_layers=1, n_decoder_layers=2)
    model = Translator(cfg).eval()
    src, tgt = torch.randint(0, 9, (2, 5)), torch.randint(0, 7, (2, 6))
    logits, patterns = model(src, tgt, need_weights=True)
    assert logits.shape == (2, 6, 7)
    assert [p.shape for p in patterns["encoder"]] == [(2, 2, 5, 5)]
    assert [p.shape for p in patterns["cross"]] == [(2, 2, 6, 5)] * 2
    torch.testing.assert_close(model(src, tgt), logits)
    torch.testing.assert_close(model(src, tgt[:, :3]), logits[:, :3])  # the decoder is causal
    out = model.translate(src, bos=0, eos=1, max_len=5)
    assert out.shape[0] == 2 and out.shape[1] <= 5
    with pytest.raises(ValueError, match="batch size"):
        model(src, tgt[:1])
