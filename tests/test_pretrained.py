"""attnlab.models.pretrained runs all-MiniLM-L6-v2 with attnlab's own NumPy attention.

The oracle is ``transformers``' BertModel (a test-only dependency) loaded offline from the same
package folder, with the eager attention that returns its patterns.
"""

import math
import subprocess
import sys

import numpy as np
import pytest

from attnlab.models.pieces import erf
from attnlab.models.pretrained import BENCH_SENTENCE, forward_seconds, load_minilm, model_folder

SENTENCES = [
    "The cat sat on the mat because it was tired.",
    "a fluffy blue creature roamed the verdant forest",
    "The chemist measured one mole of the gas, unbelievably carefully!",
    "Hi",
    "Café owners in Zürich don't open before 9:30 — ever.",
    " ".join(["attention is all you need"] * 40),  # 202 tokens
]
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def model():
    return load_minilm()


@pytest.fixture(scope="module")
def bert():
    transformers = pytest.importorskip("transformers")
    ref = transformers.BertModel.from_pretrained(
        str(model_folder()), local_files_only=True, attn_implementation="eager")
    return ref.eval()


@pytest.fixture(scope="module")
def reference(model, bert):
    """sentence -> (attention (L, H, T, T), hidden states (L+1, T, C), model-card embedding (C,))."""
    import torch

    out = {}
    for text in SENTENCES:
        ids = torch.tensor([model.token_ids(text)])
        with torch.no_grad():
            o = bert(ids, output_attentions=True, output_hidden_states=True)
        hidden = torch.stack(o.hidden_states)[:, 0]
        pooled = torch.nn.functional.normalize(hidden[-1].mean(dim=0), dim=0)  # the model card's recipe
        out[text] = (torch.stack(o.attentions)[:, 0].numpy(), hidden.numpy(), pooled.numpy())
    return out


def max_differences(model, reference) -> dict[str, float]:
    diffs = {"attention": 0.0, "hidden_states": 0.0, "embed": 0.0}
    for text, (attention, hidden, pooled) in reference.items():
        diffs["attention"] = max(diffs["attention"], float(np.abs(model.attention(text) - attention).max()))
        diffs["hidden_states"] = max(diffs["hidden_states"],
                                     float(np.abs(model.hidden_states(text) - hidden).max()))
        diffs["embed"] = max(diffs["embed"], float(np.abs(model.embed(text) - pooled).max()))
    return diffs


# --- the forward pass matches transformers -------------------------------------------------------


def test_shapes_and_config(model):
    c = model.config
    assert (c.n_layers, c.n_heads, c.d_model, c.d_head, c.vocab_size) == (6, 12, 384, 32, 30522)
    T = len(model.tokens(SENTENCES[0]))
    assert model.attention(SENTENCES[0]).shape == (6, 12, T, T)
    assert model.hidden_states(SENTENCES[0]).shape == (7, T, 384)
    assert model.embed(SENTENCES[0]).shape == (384,)
    assert model.embedding_table.shape == (30522, 384)
    np.testing.assert_allclose(model.attention(SENTENCES[0]).sum(axis=-1), 1.0, atol=1e-5)


def test_every_layer_matches_transformers(model, reference, capsys):
    for text, (attention, hidden, pooled) in reference.items():
        ours_attention, ours_hidden = model.attention(text), model.hidden_states(text)
        assert ours_attention.shape == attention.shape and ours_hidden.shape == hidden.shape
        for layer in range(model.config.n_layers):
            np.testing.assert_allclose(ours_attention[layer], attention[layer], rtol=0, atol=TOLERANCE,
                                       err_msg=f"attention of layer {layer} on {text!r}")
        for layer in range(model.config.n_layers + 1):
            np.testing.assert_allclose(ours_hidden[layer], hidden[layer], rtol=0, atol=TOLERANCE,
                                       err_msg=f"hidden state {layer} on {text!r}")
        np.testing.assert_allclose(model.embed(text), pooled, rtol=0, atol=TOLERANCE)
    with capsys.disabled():
        diffs = max_differences(model, reference)
        print("\nmax |attnlab − transformers| over", len(reference), "sentences:",
              ", ".join(f"{k} {v:.2e}" for k, v in diffs.items()))


def test_tokens_are_the_tokenizers_own(model, bert):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_folder()), local_files_only=True)
    for text in SENTENCES:
        ids = tokenizer(text)["input_ids"]  # no padding: the real length
        assert model.token_ids(text) == ids
        assert model.tokens(text) == tokenizer.convert_ids_to_tokens(ids)
    assert model.tokens("Hello world") == ["[CLS]", "hello", "world", "[SEP]"]  # uncased, no padding


def test_forward_runs_on_numpy_alone():
    """No torch, no transformers, no sentence-transformers in the process that runs the model."""
    code = ("import sys; from attnlab.models.pretrained import load_minilm; load_minilm().embed('a test'); "
            "heavy = ('torch', 'transformers', 'sentence_transformers'); "
            "print(sorted(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- the embeddings are the real thing -----------------------------------------------------------

PARAPHRASES = [
    ("A man is playing a guitar.", "Someone is strumming a guitar."),
    ("The weather is lovely today.", "It is a beautiful sunny day."),
    ("How do I reset my password?", "I forgot my password, how can I change it?"),
    ("The children are playing in the park.", "Kids play outside in the park."),
]


def test_paraphrases_score_higher_than_unrelated_pairs(model):
    para = [model.similarity(a, b) for a, b in PARAPHRASES]
    # every sentence against the other pairs' sentences
    unrelated = [model.similarity(a, c) for i, (a, _) in enumerate(PARAPHRASES)
                 for j, (_, c) in enumerate(PARAPHRASES) if i != j]
    assert min(para) > max(unrelated), (para, unrelated)
    assert min(para) > 0.5 > max(unrelated)


def test_embedding_is_unit_length_and_similarity_symmetric(model):
    assert np.linalg.norm(model.embed("one sentence")) == pytest.approx(1.0, abs=1e-6)
    a, b = PARAPHRASES[0]
    assert model.similarity(a, b) == pytest.approx(model.similarity(b, a))
    assert model.similarity(a, a) == pytest.approx(1.0, abs=1e-6)


# --- the per-head weights ------------------------------------------------------------------------


def test_per_head_weights_reassemble_the_full_projections(model, bert):
    c = model.config
    for layer in range(c.n_layers):
        att = bert.encoder.layer[layer].attention
        for name, linear in (("Q", att.self.query), ("K", att.self.key), ("V_down", att.self.value)):
            W, b = getattr(model, f"W_{name}")(layer), getattr(model, f"b_{name[0]}")(layer)
            assert W.shape == (c.n_heads, c.d_model, c.d_head) and b.shape == (c.n_heads, c.d_head)
            # side by side, the heads' (C, D) maps form the layer's (C, H·D) matrix
            full = np.concatenate(list(W), axis=1)
            np.testing.assert_array_equal(full, linear.weight.detach().numpy().T)
            np.testing.assert_array_equal(b.reshape(-1), linear.bias.detach().numpy())
        W_V_up, W_O = model.W_V_up(layer), model.W_O(layer)
        assert W_V_up.shape == (c.n_heads, c.d_head, c.d_model)
        assert W_O.shape == (c.n_heads * c.d_head, c.d_model)
        # stacked, the value-up maps are the output matrix (H·D, C)
        np.testing.assert_array_equal(W_O, att.output.dense.weight.detach().numpy().T)
        np.testing.assert_array_equal(W_V_up.reshape(-1, c.d_model), W_O)
        np.testing.assert_array_equal(model.b_O(layer), att.output.dense.bias.detach().numpy())
    np.testing.assert_array_equal(model.embedding_table,
                                  bert.embeddings.word_embeddings.weight.detach().numpy())


def test_per_head_changes_sum_to_the_concatenated_projection(model):
    """Σ_h head_h @ W_V_up[h] = concat(heads) @ W_O: the course's form is the usual one."""
    from attnlab.models.pretrained import self_attention

    w = model.layer(2)
    x = model.hidden_states(SENTENCES[1])[2].astype(np.float64)
    change, patterns = self_attention(x, w)
    q = x @ w.W_Q + w.b_Q[:, None, :]
    k = x @ w.W_K + w.b_K[:, None, :]
    v = x @ w.W_V_down + w.b_V[:, None, :]
    scores = q @ k.transpose(0, 2, 1) / math.sqrt(model.config.d_head)
    p = np.exp(scores - scores.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    concat = (p @ v).transpose(1, 0, 2).reshape(len(x), -1)  # (T, H·D)
    np.testing.assert_allclose(patterns, p, atol=1e-6)
    np.testing.assert_allclose(change, concat @ w.W_V_up.reshape(-1, x.shape[1]) + w.b_O, atol=1e-4)


def test_weights_are_read_only(model):
    with pytest.raises(ValueError):
        model.W_Q(0)[0, 0, 0] = 1.0
    with pytest.raises(ValueError):
        model.embedding_table[0, 0] = 1.0


def test_results_are_copies_the_cache_stays_clean(model):
    text = SENTENCES[0]
    first = model.attention(text)
    first[:] = 0
    assert model.attention(text).sum() > 0
    assert model.forward(text) is model.forward(text)  # cached


def test_vocab_access(model):
    assert model.id_to_token(101) == "[CLS]" and model.token_to_id("[SEP]") == 102
    fox = model.token_to_id("fox")
    assert model.id_to_token(fox) == "fox" and len(model.vocab) == model.config.vocab_size
    assert model.token_ids("fox")[1] == fox


def test_erf_approximation():
    x = np.linspace(-6, 6, 2001)
    assert np.abs(erf(x) - np.array([math.erf(t) for t in x])).max() < 2e-7


def test_load_is_cached():
    assert load_minilm() is load_minilm()


def test_forward_seconds_times_a_20_token_sentence(model):
    assert len(model.tokens(BENCH_SENTENCE)) == 20
    result = forward_seconds(repeats=1)
    assert result["tokens"] == 20 and result["seconds"] > 0


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("", "empty"), ("   \n", "empty"), (None, "string"), (42, "string"), (["a", "b"], "string"),
    ("word " * 600, "at most 512"),
])
def test_bad_text(model, text, message):
    for method in (model.tokens, model.token_ids, model.attention, model.hidden_states, model.embed):
        with pytest.raises(ValueError, match=message):
            method(text)


@pytest.mark.parametrize("layer", [-1, 6, 1.0, True, "0", None])
def test_bad_layer(model, layer):
    for method in (model.W_Q, model.W_K, model.W_V_down, model.W_V_up, model.W_O, model.b_Q, model.b_O,
                   model.layer):
        with pytest.raises(ValueError, match="layer must be a whole number from 0 to 5"):
            method(layer)


@pytest.mark.parametrize("bad", [-1, 30522, 1.5, "7"])
def test_bad_token_id(model, bad):
    with pytest.raises(ValueError, match="token id"):
        model.id_to_token(bad)


def test_unknown_token(model):
    with pytest.raises(ValueError, match="not one of the model's"):
        model.token_to_id("Fox")  # the vocabulary is lower-case
