"""attnlab's Llama-family runner equals transformers' LlamaForCausalLM (and Qwen2's, Mistral's): on
random checkpoints the tests build at odd sizes (float64, within 1e-8) and on SmolLM2's shipped GGUF
(float32: logits within 1e-3, attention within 1e-4), with the same greedy answer."""

from __future__ import annotations

import importlib.util
import time

import numpy as np
import pytest
import torch

from attnlab.models.llama import load_llama, load_smollm2
from attnlab.models.llama_layout import smollm2_file

IDS = [5, 17, 3, 29, 11, 0, 8, 23, 2, 14, 30, 1, 19]


def _random_checkpoint(tmp_path, family, heads, kv_heads, **extra):
    import transformers

    Config = {"llama": transformers.LlamaConfig, "qwen2": transformers.Qwen2Config,
              "mistral": transformers.MistralConfig}[family]
    Model = {"llama": transformers.LlamaForCausalLM, "qwen2": transformers.Qwen2ForCausalLM,
             "mistral": transformers.MistralForCausalLM}[family]
    d_head = 6
    config = Config(vocab_size=31, hidden_size=5 * heads, intermediate_size=23, num_hidden_layers=3,
                    num_attention_heads=heads, num_key_value_heads=kv_heads, head_dim=d_head,
                    max_position_embeddings=64, rms_norm_eps=1e-5, rope_theta=777.0,
                    attn_implementation="eager", **extra)
    torch.manual_seed(heads * 10 + kv_heads)
    model = Model(config).to(torch.float64).eval()
    with torch.no_grad():
        for p in model.parameters():  # norms and biases random too, so a mix-up cannot hide
            p.normal_(0, 0.3)
    model.save_pretrained(tmp_path)
    _in_float64(model, d_head, config)
    softmax = torch.nn.functional.softmax

    def softmax64(x, dim=None, dtype=None, **kwargs):  # eager attention's softmax runs in float32
        return softmax(x, dim=dim, dtype=torch.float64 if x.dtype == torch.float64 else dtype, **kwargs)

    torch.nn.functional.softmax = softmax64
    try:
        with torch.no_grad():
            return model(torch.tensor([IDS]), output_attentions=True, output_hidden_states=True)
    finally:
        torch.nn.functional.softmax = softmax


def _in_float64(model, d_head, config):
    """transformers computes RoPE's angles, RMSNorm and the eager softmax in float32 whatever the
    model's dtype (errors of 1e-7); the float64 oracle computes them in float64, as attnlab does."""
    for m in model.modules():
        if type(m).__name__.endswith("RMSNorm"):
            m.forward = lambda x, m=m: m.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True)
                                                                   + m.variance_epsilon))
    rotary = model.model.rotary_emb
    base = config.rope_parameters["rope_theta"]
    inv = 1.0 / base ** (torch.arange(0, d_head, 2, dtype=torch.float64) / d_head)

    def forward(x, position_ids):
        freqs = position_ids[..., None].to(torch.float64) * inv
        emb = torch.cat([freqs, freqs], dim=-1)
        return emb.cos().to(x.dtype), emb.sin().to(x.dtype)

    rotary.forward = forward


CASES = [("llama", 3, 3, {}), ("llama", 6, 2, {}), ("llama", 3, 1, {"tie_word_embeddings": True}),
         ("qwen2", 4, 2, {}), ("mistral", 6, 3, {"sliding_window": 4}),
         ("mistral", 2, 1, {"sliding_window": None})]


@pytest.mark.parametrize("family,heads,kv_heads,extra", CASES)
def test_random_checkpoints_equal_transformers_in_float64(tmp_path, family, heads, kv_heads, extra):
    want = _random_checkpoint(tmp_path, family, heads, kv_heads, **extra)
    model = load_llama(tmp_path, dtype=np.float64)
    assert model.config.n_kv_heads == kv_heads and model.config.sliding_window == extra.get("sliding_window")
    got = model.run(IDS)
    assert np.allclose(got.logits, want.logits[0].numpy(), rtol=0, atol=1e-8)
    stacked = lambda arrays: np.stack([a[0].numpy() for a in arrays])  # noqa: E731
    assert np.allclose(got.attention, stacked(want.attentions), rtol=0, atol=1e-8)
    assert np.allclose(got.hidden_states, stacked(want.hidden_states), rtol=0, atol=1e-8)
    if extra.get("sliding_window"):
        assert got.attention[0, 0, 12, :9].max() == 0.0  # outside the window of 4


@pytest.mark.parametrize("family,heads,kv_heads,extra", CASES[1:])
def test_greedy_with_a_kv_cache_equals_rerunning_the_whole_text(tmp_path, family, heads, kv_heads, extra):
    """The cache keeps G key/value heads, each new token alone is rotated at its own position and sees
    the cache through the causal (and window) mask: the same tokens as running everything again."""
    _random_checkpoint(tmp_path, family, heads, kv_heads, **extra)
    model = load_llama(tmp_path, dtype=np.float64)
    ids = IDS[:5]
    rerun = list(ids)
    for _ in range(9):  # past the window of 4: the cache's mask must drop the oldest keys
        rerun.append(int(model.run(rerun).logits[-1].argmax()))
    assert model.greedy(ids, 9) == rerun[5:]
    stop = rerun[7]
    assert model.greedy(ids, 9, stop=stop) == rerun[5:rerun.index(stop, 5)]
    with pytest.raises(ValueError, match="context of 64"):
        model.greedy(IDS, 60)


def test_skipping_a_head_and_hooks_change_the_output(tmp_path):
    _random_checkpoint(tmp_path, "llama", 6, 2)
    model = load_llama(tmp_path, dtype=np.float64)
    base = model.run(IDS).logits
    assert not np.allclose(model.run(IDS, skip_heads=[(1, 4)]).logits, base)
    no_rope = model.run(IDS, rotate=lambda x, positions, base: x).logits
    assert not np.allclose(no_rope, base)
    wrong_order = model.run(IDS, share=lambda kv, n: np.tile(kv, (n, 1, 1))).logits  # heads 0,1,0,1,…
    assert not np.allclose(wrong_order, base)
    assert np.array_equal(model.run(IDS).logits, base)  # the hooks do not stick


def test_bad_folders_get_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="config.json"):
        load_llama(tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}')
    with pytest.raises(ValueError, match="'gpt2' checkpoint"):
        load_llama(tmp_path)


needs_smollm2 = pytest.mark.skipif(importlib.util.find_spec("gguf") is None, reason="gguf not installed")


@pytest.fixture(scope="module")
def smollm2_pair():
    import transformers

    path = smollm2_file()
    oracle = transformers.AutoModelForCausalLM.from_pretrained(
        path.parent, gguf_file=path.name, attn_implementation="eager", dtype=torch.float32).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    return load_smollm2(), oracle, tokenizer


@needs_smollm2
@pytest.mark.slow
def test_smollm2_equals_transformers_on_the_gguf(smollm2_pair):
    model, oracle, tokenizer = smollm2_pair
    assert model.n_parameters == 134_515_008 == sum(p.numel() for p in oracle.parameters())
    text = "The fluffy blue creature roamed the verdant forest, while 12 wizards slept by the fire."
    assert model.token_ids(text) == tokenizer(text, add_special_tokens=False)["input_ids"]
    ids = model.token_ids(text)[:20]
    start = time.perf_counter()
    got = model.run(ids)
    seconds = time.perf_counter() - start
    with torch.no_grad():
        want = oracle(torch.tensor([ids]), output_attentions=True)
    logits = np.abs(got.logits - want.logits[0].numpy()).max()
    attention = np.abs(got.attention - np.stack([a[0].numpy() for a in want.attentions])).max()
    print(f"20-token forward: {seconds:.2f} s; largest difference from transformers: logits {logits:.2e}, "
          f"attention {attention:.2e}")  # the closing note's figures (pytest -s)
    assert logits < 1e-3 and attention < 1e-4


@needs_smollm2
@pytest.mark.slow
def test_smollm2_answers_the_france_question_as_transformers_does(smollm2_pair):
    model, oracle, tokenizer = smollm2_pair
    question = "What is the capital of France?"
    prompt = model.chat_prompt(question)
    assert prompt == tokenizer.apply_chat_template([{"role": "user", "content": question}], tokenize=False,
                                                   add_generation_prompt=True)
    ids = model.token_ids(prompt)
    with torch.no_grad():
        out = oracle.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False)
    want = tokenizer.decode(out[0, len(ids):], skip_special_tokens=True).strip()
    assert model.answer(question) == want == "The capital of France is Paris."
