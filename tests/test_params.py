"""attnlab.params: 3Blue1Brown's GPT-3 tally, and exact counts tied to torch models built on meta."""

import json

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from attnlab.models.gpt import GPTConfig, TinyGPT
from attnlab.params import (
    MODELS_FILE,
    PRESETS,
    PUBLISHED,
    ModelConfig,
    block_parameters,
    count_parameters,
    head_parameters,
    matches_headline,
    parse_size,
    weight_matrices,
)

GPT3 = PRESETS["gpt3-175b"]


def torch_count(config: ModelConfig) -> int:
    """Parameters of the course's torch GPT built from ``config``, on meta (no memory)."""
    with torch.device("meta"):
        model = TinyGPT(GPTConfig.from_config(config))
    return sum(p.numel() for p in model.parameters())


# --- 3Blue1Brown's tally: the chapter's numbers, reproduced ------------------------------------------


def test_gpt3_preset_is_the_chapter_s_gpt3():
    assert (GPT3.vocab_size, GPT3.d_model, GPT3.n_layers, GPT3.n_heads, GPT3.d_head) == \
        (50_257, 12_288, 96, 96, 128)
    assert (GPT3.d_mlp, GPT3.context_length) == (4 * 12_288, 2048)


def test_the_chapter_s_per_head_and_per_block_numbers():
    head = head_parameters(GPT3)
    assert head == {"query": 1_572_864, "key": 1_572_864, "value_down": 1_572_864,
                    "value_up": 1_572_864, "total": 6_291_456}
    assert block_parameters(GPT3)["attention"] == 603_979_776


def test_the_chapter_s_totals_and_the_third():
    counts = count_parameters(GPT3)  # "3b1b" is the default
    assert counts["embedding"] == 617_558_016
    assert counts["attention"] == 57_982_058_496  # "58 billion"
    assert counts["mlp"] == 115_964_116_992
    assert counts["unembedding"] == 617_558_016
    assert counts["total"] == 175_181_291_520
    assert round(counts["attention"] / 1e9) == 58
    assert abs(counts["attention"] / counts["total"] - 1 / 3) < 0.01  # "about one third"
    assert counts["position"] == counts["layernorm"] == 0


def test_the_table_rows_add_up_to_the_tally():
    for config in PRESETS.values():
        rows = weight_matrices(config)
        counts = count_parameters(config, "3b1b")
        assert sum(rows.values()) == counts["total"]
        assert rows["query"] + rows["key"] + rows["value_down"] + rows["value_up"] == counts["attention"]
        assert rows["up_projection"] + rows["down_projection"] == counts["mlp"]


# --- the exact count equals the torch model ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_exact_count_equals_tinygpt_on_meta(name):
    assert count_parameters(PRESETS[name], "exact")["total"] == torch_count(PRESETS[name])


@settings(max_examples=40, deadline=None)
@given(vocab=st.integers(1, 40), ctx=st.integers(1, 12), d_model=st.integers(1, 12),
       n_heads=st.integers(1, 4), d_head=st.integers(1, 6), n_layers=st.integers(1, 3),
       d_mlp=st.integers(1, 20), bias=st.booleans(), tie=st.booleans())
def test_exact_count_equals_tinygpt_for_any_shape(vocab, ctx, d_model, n_heads, d_head, n_layers, d_mlp,
                                                  bias, tie):
    config = ModelConfig(vocab, ctx, d_model, n_heads, n_layers, d_head=d_head, d_mlp=d_mlp, bias=bias,
                         tie_weights=tie)
    assert count_parameters(config, "exact")["total"] == torch_count(config)


@pytest.mark.parametrize("name", ["gpt2-small", "gpt2-medium", "gpt2-large", "gpt2-xl"])
def test_exact_count_equals_transformers_gpt2(name):
    transformers = pytest.importorskip("transformers")
    c = PRESETS[name]
    hf = transformers.GPT2Config(vocab_size=c.vocab_size, n_positions=c.context_length, n_embd=c.d_model,
                                 n_layer=c.n_layers, n_head=c.n_heads)
    with torch.device("meta"):
        model = transformers.GPT2LMHeadModel(hf)
    assert count_parameters(c, "exact")["total"] == model.num_parameters()


def test_gpt2_small_is_the_well_known_124_439_808():
    assert count_parameters(PRESETS["gpt2-small"], "exact")["total"] == 124_439_808


def test_exact_parts():
    small = PRESETS["gpt2-small"]
    counts = count_parameters(small, "exact")
    assert counts["unembedding"] == 0  # tied: the embedding's matrix, counted once
    assert counts["position"] == 1024 * 768
    untied = ModelConfig(50257, 1024, 768, 12, 12, tie_weights=False)
    assert count_parameters(untied, "exact")["total"] - counts["total"] == 50257 * 768
    no_bias = ModelConfig(50257, 1024, 768, 12, 12, bias=False)
    # per block: 3·768 + 768 attention biases, 3072 + 768 MLP biases, 2 LayerNorm shifts; + final shift
    assert counts["total"] - count_parameters(no_bias, "exact")["total"] == 12 * (4 * 768 + 3072 + 768
                                                                                  + 2 * 768) + 768


# --- the published sizes -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_reproduces_its_headline(name):
    total = count_parameters(PRESETS[name], "exact")["total"]
    assert matches_headline(total, PUBLISHED[name].headline), (name, total, PUBLISHED[name].headline)


def test_the_headlines_are_the_papers():
    headlines = [PUBLISHED[n].headline for n in ("gpt3-small", "gpt3-medium", "gpt3-large", "gpt3-xl",
                                                  "gpt3-2.7b", "gpt3-6.7b", "gpt3-13b", "gpt3-175b")]
    assert headlines == ["125M", "350M", "760M", "1.3B", "2.7B", "6.7B", "13B", "175B"]
    assert [PUBLISHED[f"gpt2-{s}"].headline for s in ("small", "medium", "large", "xl")] == \
        ["124M", "355M", "774M", "1.5B"]


def test_rows_with_n_heads_times_d_head_not_d_model_are_explained():
    odd = sorted(n for n, p in PUBLISHED.items()
                 if "d_head" in p.row and p.row["n_heads"] * p.row["d_head"] != p.row["d_model"])
    assert odd == ["gpt3-13b", "gpt3-xl"]
    for name in odd:
        assert PUBLISHED[name].counted_as


def test_the_xl_row_counted_literally_misses_1_3b_and_the_13b_row_is_ambiguous():
    xl = PRESETS["gpt3-xl"]
    literal = ModelConfig(xl.vocab_size, xl.context_length, 2048, 24, 24, d_head=128)
    assert not matches_headline(count_parameters(literal, "exact")["total"], "1.3B")
    assert matches_headline(count_parameters(literal, "exact")["total"], "1.5B")
    assert xl.attention_width == xl.d_model
    b13 = PRESETS["gpt3-13b"]
    assert (b13.d_model, b13.n_heads, b13.d_head) == (5140, 40, 128)  # as printed
    misprint = ModelConfig(b13.vocab_size, b13.context_length, 5120, 40, 40)
    assert matches_headline(count_parameters(misprint, "exact")["total"], "13B")


def test_configs_agree_with_the_printed_rows_except_where_explained():
    for name, pub in PUBLISHED.items():
        c, row = PRESETS[name], pub.row
        assert c.n_layers == row.get("n_layers", row.get("layers"))
        assert c.d_model == row["d_model"]
        if "n_heads" in row and pub.counted_as is None:
            assert (c.n_heads, c.d_head) == (row["n_heads"], row["d_head"])
        assert pub.sources and all(pub.sources)
    sources = json.loads(MODELS_FILE.read_text())["sources"]
    assert "arXiv:2005.14165" in sources["gpt3-paper"] and "Table 2.1" in sources["gpt3-paper"]


@pytest.mark.parametrize("text, value, step", [
    ("125M", 125_000_000, 1_000_000), ("350M", 350_000_000, 10_000_000), ("1.3B", 1_300_000_000, 100_000_000),
    ("13B", 13_000_000_000, 1_000_000_000), ("175.0B", 175_000_000_000, 100_000_000)])
def test_parse_size(text, value, step):
    assert parse_size(text) == (value, step)


def test_matches_headline_is_strict_enough():
    assert matches_headline(2_651_553_280, "2.7B") and not matches_headline(2_599_000_000, "2.7B")
    assert not matches_headline(1_517_123_584, "1.3B")


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    (dict(vocab_size=0), "vocab_size must be at least 1"),
    (dict(n_heads=5), "not divisible by n_heads=5"),
    (dict(d_head=0), "d_head must be at least 1"),
    (dict(d_mlp=2.5), "d_mlp must be a whole number"),
    (dict(n_layers=True), "n_layers must be a whole number"),
    (dict(bias="yes"), "bias must be True or False"),
])
def test_bad_configs_raise_clear_errors(kwargs, message):
    fields = dict(vocab_size=10, context_length=8, d_model=12, n_heads=3, n_layers=2) | kwargs
    with pytest.raises(ValueError, match=message):
        ModelConfig(**fields)


def test_bad_calls_raise_clear_errors():
    with pytest.raises(ValueError, match="convention must be one of '3b1b', 'exact'"):
        count_parameters(GPT3, convention="chinchilla")
    with pytest.raises(ValueError, match="config must be an attnlab.params.ModelConfig"):
        count_parameters({"d_model": 12288})
    with pytest.raises(ValueError, match="a size must look like"):
        parse_size("1.3 billion")
