"""Generating with a KV cache: the same tokens as TinyGPT.generate, and the FLOPs attnlab.kvcache counts."""

import pytest
import torch

from attnlab import kvcache
from attnlab.checks.gpt import random_gpt
from attnlab.models import cached
from attnlab.models.gpt import GPTConfig, TinyGPT
from attnlab.models.trained import load_tiny_gpt
from attnlab.params import PRESETS


@pytest.fixture(scope="module")
def tiny():
    return load_tiny_gpt().model.eval()


@pytest.mark.parametrize("model_name", ["tiny", "random"])
@pytest.mark.parametrize("n_prompt, n_new", [(1, 1), (1, 8), (5, 20), (3, 1)])
def test_cached_and_plain_generation_give_the_model_s_own_tokens(tiny, model_name, n_prompt, n_new):
    model = tiny if model_name == "tiny" else random_gpt()
    seed = torch.Generator().manual_seed(n_new)
    idx = torch.randint(0, model.config.vocab_size, (2, n_prompt), generator=seed)
    n_new = min(n_new, model.config.context_length - n_prompt)
    expected = model.generate(idx, n_new)
    assert torch.equal(cached.generate(model, idx, n_new, cached=True), expected)
    assert torch.equal(cached.generate(model, idx, n_new, cached=False), expected)


@pytest.mark.parametrize("n_prompt, n_new", [(4, 1), (4, 6), (2, 25)])
def test_torch_counts_the_flops_kvcache_predicts(tiny, n_prompt, n_new):
    idx = torch.zeros((1, n_prompt), dtype=torch.long)
    for use_cache in (False, True):
        _, flops = cached.counted_flops(tiny, idx, n_new, cached=use_cache)
        assert flops == kvcache.generation_flops(tiny.config, n_prompt, n_new, cached=use_cache)


def test_the_cache_saves_more_the_longer_the_text(tiny):
    def flops(n, use_cache):
        return kvcache.generation_flops(tiny.config, 4, n, cached=use_cache)

    ratios = [flops(n, False) / flops(n, True) for n in (1, 4, 16, 28)]
    assert 1 < ratios[0] < 1.2  # one step reads the prompt either way: only the unembedded rows differ
    assert all(a < b for a, b in zip(ratios, ratios[1:], strict=False))
    assert ratios[-1] > 10


def test_gpt3_stores_4_7_megabytes_per_token():
    per_token = kvcache.kv_cache_bytes(PRESETS["gpt3-175b"], n_tokens=1, itemsize=2)
    assert per_token == 2 * 96 * 12288 * 2 == 4_718_592
    assert kvcache.kv_cache_bytes(PRESETS["gpt3-175b"], 2048) == 2048 * per_token


@pytest.mark.parametrize("call, says", [
    (lambda m: cached.generate("not a model", torch.zeros((1, 2), dtype=torch.long), 1), "must be a TinyGPT"),
    (lambda m: cached.generate(m, torch.zeros((1, 30), dtype=torch.long), 5), "context_length=32"),
    (lambda m: cached.generate(m, torch.zeros(3, dtype=torch.long), 1), "idx (B, T)"),
    (lambda m: cached.generate(m, torch.zeros((1, 2), dtype=torch.long), 0), "n_new"),
    (lambda m: kvcache.kv_cache_bytes({"n_layers": 96}), "config must be a ModelConfig"),
])
def test_bad_input_gets_a_clear_error(tiny, call, says):
    with pytest.raises(ValueError, match=says.replace("(", r"\(").replace(")", r"\)")):
        call(tiny)


def test_a_leaky_model_has_no_cache():
    leaky = TinyGPT(GPTConfig(vocab_size=5, context_length=4, d_model=4, n_heads=1, n_layers=1, causal=False))
    with pytest.raises(ValueError, match="needs a causal model"):
        cached.generate(leaky, torch.zeros((1, 1), dtype=torch.long), 1)
