"""Lesson 09's checks pass the reference answers and fail plausible wrong ones with a useful line."""

import numpy as np
import pytest
import torch

from attnlab.checks import (
    check_gpt_forward,
    check_greedy_generate,
    check_next_word_probabilities,
    check_residual_block,
)


def stub(*args, **kwargs):
    raise NotImplementedError()


def residual_block(block, x):
    x = x + block.attn(block.ln_1(x))
    return x + block.mlp(block.ln_2(x))


def embed(model, idx):
    return model.tok_emb(idx) + model.pos_emb(torch.arange(idx.shape[1]))


def gpt_forward(model, idx, block_update=residual_block, final=lambda m, x: m.unembed(m.ln_f(x))):
    x = embed(model, idx)
    for block in model.blocks:
        x = block_update(block, x)
    return final(model, x)


def next_word_probabilities(model, x, temperature=1.0):
    return (model.unembed(model.ln_f(x)) / temperature).softmax(-1)


def greedy_generate(model, idx, n_new):
    for _ in range(n_new):
        logits = model(idx[:, -model.config.context_length:])[:, -1]
        idx = torch.cat([idx, logits.argmax(-1, keepdim=True)], dim=1)
    return idx


def numpy_probabilities(model, x, temperature=1.0):
    with torch.no_grad():
        z = model.unembed(model.ln_f(torch.as_tensor(x))).double().numpy() / temperature
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_residual_block, residual_block),
    (check_gpt_forward, gpt_forward),
    (check_gpt_forward, lambda m, idx: gpt_forward(m, idx, block_update=lambda b, x: b(x))),  # block(x)
    (check_next_word_probabilities, next_word_probabilities),
    (check_next_word_probabilities, numpy_probabilities),
    (check_greedy_generate, greedy_generate),
    (check_greedy_generate, lambda m, idx, n: greedy_generate(m, idx, n).tolist()),  # a list of lists
]


@pytest.mark.parametrize("check, junk", [
    (check_residual_block, lambda b, x: None), (check_gpt_forward, lambda m, i: "logits"),
    (check_next_word_probabilities, lambda m, x, temperature=1.0: [[1, 2], [3]]),
    (check_greedy_generate, lambda m, i, n: {"ids": 1}), (check_greedy_generate, 3),
    (check_gpt_forward, lambda m, i: 1 / 0),
])
def test_junk_gives_a_clear_line_not_a_crash(check, junk):
    line = check(junk).line
    assert line.startswith("❌") and len(line.splitlines()) == 1, line


def post_ln(block, x):
    x = block.ln_1(x + block.attn(x))
    return block.ln_2(x + block.mlp(x))


@pytest.mark.parametrize("wrong, says", [
    (lambda b, x: b(x), "block(x) is the answer itself"),
    (lambda b, x: b.mlp(b.ln_2(b.attn(b.ln_1(x)))), "case 1 of 4"),  # no residual additions
    (post_ln, "case 1 of 4"),
    (lambda b, x: x + b.attn(b.ln_1(x)) + b.mlp(b.ln_2(x)), "case 1 of 4"),  # MLP reads the old x
    (lambda b, x: x + b.attn(x) + b.mlp(x + b.attn(x)), "case 1 of 4"),  # no LayerNorm
    (lambda b, x: x + b.attn(b.ln_1(x)), "case 1 of 4"),  # forgot the MLP
])
def test_residual_block_catches(wrong, says):
    result = check_residual_block(wrong)
    assert not result.passed
    assert says in result.line, result.line


def test_the_parallel_mistake_is_explained_where_it_shows():
    def parallel(b, x):
        return x + b.attn(b.ln_1(x)) + b.mlp(b.ln_2(x))
    line = check_residual_block(parallel).line
    assert "The MLP reads the stream BEFORE the attention's change was added" in line


@pytest.mark.parametrize("wrong, says", [
    (lambda m, idx: m(idx), "model(idx) is the answer itself"),
    (lambda m, idx: gpt_forward(m, idx).softmax(-1), "case 1 of 4"),  # probabilities, not logits
    (lambda m, idx: gpt_forward(m, idx, final=lambda m, x: m.unembed(x)), "case 1 of 4"),  # no ln_f
    (lambda m, idx: gpt_forward(m, idx, final=lambda m, x: m.ln_f(x) @ m.tok_emb.weight.T),
     "case 4 of 4 (a random GPT with 3 layers and an untied"),  # tied by assumption
    (lambda m, idx: m.unembed(m.ln_f(m.blocks[1](m.blocks[0](m.tok_emb(idx))))), "case 1 of 4"),  # no pos.
    (lambda m, idx: m.unembed(m.ln_f(m.blocks[0](embed(m, idx)))), "case 1 of 4"),  # one block only
    (lambda m, idx: m.unembed(m.ln_f(embed(m, idx))), "case 1 of 4"),  # no blocks at all
])
def test_gpt_forward_catches(wrong, says):
    result = check_gpt_forward(wrong)
    assert not result.passed
    assert says in result.line, result.line


@pytest.mark.parametrize("wrong, says", [
    (lambda m, x, temperature=1.0: (m.unembed(x) / temperature).softmax(-1), "case 1 of 5"),  # no ln_f
    (lambda m, x, temperature=1.0: m.unembed(m.ln_f(x)) / temperature, "case 1 of 5"),  # logits
    (lambda m, x, temperature=1.0: next_word_probabilities(m, x), "case 3 of 5"),  # ignores the temperature
    (lambda m, x, temperature=1.0: (m.unembed(m.ln_f(x)) * temperature).softmax(-1), "case 3 of 5"),
    (lambda m, x, temperature=1.0: (m.unembed(m.ln_f(x)) / temperature).softmax(0), "case 1 of 5"),  # axis
    (lambda m, x, temperature=1.0: np.exp(numpy_probabilities(m, x) * 0 + m.unembed(m.ln_f(x)).numpy()
                                          / temperature) / np.exp(m.unembed(m.ln_f(x)).numpy() / temperature)
     .sum(-1, keepdims=True), "case 5 of 5 (temperature 0.01)"),  # not stable: overflow
])
def test_next_word_probabilities_catches(wrong, says):
    result = check_next_word_probabilities(wrong)
    assert not result.passed
    assert says in result.line, result.line


def no_crop(model, idx, n_new):
    for _ in range(n_new):
        idx = torch.cat([idx, model(idx)[:, -1].argmax(-1, keepdim=True)], dim=1)
    return idx


@pytest.mark.parametrize("wrong, says", [
    (lambda m, idx, n: m.generate(idx, n), "model.generate is the answer itself"),
    (no_crop, "case 4 of 4 (30 words, 6 new: past the context of 32): your code raised AttnlabError"),
    (lambda m, idx, n: greedy_generate(m, idx, n)[:, idx.shape[1]:], "expected shape"),  # only the new words
    (lambda m, idx, n: greedy_generate(m, idx, n + 1), "expected shape"),  # one too many
    (lambda m, idx, n: greedy_generate(m, idx, n).float(), "expected whole numbers"),
])
def test_greedy_generate_catches(wrong, says):
    result = check_greedy_generate(wrong)
    assert not result.passed
    assert says in result.line, result.line


def test_reading_the_first_position_is_caught():
    def first_position(model, idx, n_new):
        for _ in range(n_new):
            idx = torch.cat([idx, model(idx[:, -32:])[:, 0].argmax(-1, keepdim=True)], dim=1)
        return idx
    result = check_greedy_generate(first_position)
    assert not result.passed and "LAST position" in result.line, result.line


def test_the_crop_hint_is_given():
    assert "context_length" in check_greedy_generate(no_crop).line


def test_a_wrong_residual_block_is_not_marked_again_in_gpt_forward():
    namespace = {"torch": torch, "residual_block": post_ln, "embed": embed}
    exec("def gpt_forward(model, idx):\n"
         "    x = embed(model, idx)\n"
         "    for block in model.blocks:\n"
         "        x = residual_block(block, x)\n"
         "    return model.unembed(model.ln_f(x))\n", namespace)
    assert not check_residual_block(namespace["residual_block"])
    result = check_gpt_forward(namespace["gpt_forward"])
    assert result.passed and "your `residual_block` is what goes wrong here" in result.line
    assert namespace["residual_block"] is post_ln


# --- the block wired wrongly, named from its own parts (checks/gpt_block.py) --------------------------


def _clause(steps_says_part):
    """The sentence the check writes for the wiring whose clauses contain ``steps_says_part``."""
    from attnlab.checks import gpt_block
    found = [says for _, says in gpt_block.variants() if steps_says_part in says]
    return found[0]


@pytest.mark.parametrize("wrong, part", [
    (lambda b, x: (lambda h: h + b.mlp(b.ln_2(h)))(x + b.attn(x)), "The attention reads x itself"),
    (lambda b, x: (lambda h: h + b.mlp(b.ln_1(h)))(x + b.attn(b.ln_1(x))), "The MLP reads block.ln_1(x)"),
    (lambda b, x: (lambda h: b.mlp(b.ln_2(h)))(x + b.attn(b.ln_1(x))), "The MLP replaces the stream"),
    (lambda b, x: (lambda h: h + b.attn(b.ln_1(h)))(x + b.mlp(b.ln_2(x))), "The MLP runs before"),
    (lambda b, x: (lambda h: h + b.ln_2(b.mlp(h)))(x + b.ln_1(b.attn(x))), "Both changes are normalised"),
    (lambda b, x: (lambda h: b.ln_2(h) + b.mlp(b.ln_2(h)))(b.ln_1(x) + b.attn(b.ln_1(x))),
     "Both changes are added to the normalised copies"),
])
def test_a_block_wired_wrongly_is_named_by_its_wiring(wrong, part):
    result = check_residual_block(wrong)
    assert not result.passed and _clause(part) in result.line, result.line


def test_a_block_no_wiring_explains_names_none():
    result = check_residual_block(lambda b, x: 1.5 * (x + b.attn(b.ln_1(x))) + b.mlp(b.ln_2(x)))
    assert not result.passed and not result.diagnosis.mistake, result.line


@pytest.mark.parametrize("wrong, says", [  # the forward pass wired wrongly, written a learner's way
    (lambda m, idx: _blocks_on(m, m.tok_emb(idx) + m.pos_emb(torch.arange(idx.shape[0]))),
     "The positions come from the batch size"),
    (lambda m, idx: (lambda e: m.unembed(m.ln_f([b(e) for b in m.blocks][-1])))(embed(m, idx)),
     "Every block reads the embeddings"),
    (lambda m, idx: _blocks_on(m, embed(m, idx), order=-1), "The blocks run in reverse order"),
])
def test_gpt_forward_names_the_wiring(wrong, says):
    result = check_gpt_forward(wrong)
    assert not result.passed and says in result.line, result.line


def _blocks_on(m, x, order=1):
    for block in list(m.blocks)[::order]:
        x = block(x)
    return m.unembed(m.ln_f(x))


def first_words(model, idx, n_new):
    for _ in range(n_new):
        logits = model(idx[:, :model.config.context_length])[:, -1]
        idx = torch.cat([idx, logits.argmax(-1, keepdim=True)], dim=1)
    return idx


def test_greedy_generate_names_the_first_context_words():
    line = check_greedy_generate(first_words).line
    assert "That feeds the model the FIRST context_length words" in line, line
