"""The previous-token and induction head finders, on patterns and on a model built to have both heads.

The model is a GPT-2 checkpoint written by hand (no training): layer 0's head reads positions and
attends to the previous one, copying that token into a spare part of the residual stream; layer 1's
head matches the current token against that copy — an induction head — and copies the token it finds,
so the model predicts the second half of a repeated sequence. It runs through load_gpt2 like any other.
"""

import json

import numpy as np
import pytest

from attnlab.models import head_probes as hp
from attnlab.models.gpt2 import load_gpt2
from attnlab.models.gpt2_random import byte_level_tokenizer, gpt2_config_json, random_weights

P = 6  # the period of the repeated sequence


def uniform_causal(L, H, T):
    return np.broadcast_to(np.tri(T) / np.arange(1, T + 1)[:, None], (L, H, T, T)).copy()


@pytest.fixture
def built():
    """Patterns (2 layers × 4 heads) on a repeated sequence: (0, 1) previous-token, (1, 2) induction,
    (1, 0) attends to itself, (0, 2) to the earlier copy of its own token (a duplicate-token head:
    one position off an induction head). The rest are uniform."""
    ids = hp.repeated_random_tokens(50, P, seed=1)
    T = ids.size
    att = uniform_causal(2, 4, T)
    att[0, 1] = np.eye(T, k=-1)
    att[0, 1, 0, 0] = 1.0
    att[1, 0] = np.eye(T)
    induction = hp.induction_mask(ids)
    att[1, 2] = np.where(induction.any(-1, keepdims=True), induction, att[1, 2])
    duplicate = np.eye(T, k=-P) > 0
    att[0, 2] = np.where(duplicate.any(-1, keepdims=True), duplicate, att[0, 2])
    np.testing.assert_allclose(att.sum(-1), 1.0)
    return ids, att


def test_previous_token_head_is_found(built):
    ids, att = built
    scores = hp.previous_token_scores(att)
    assert scores.shape == (2, 4)
    assert hp.top_heads(scores, 1) == [((0, 1), 1.0)]
    assert scores[1, 0] == 0.0  # attending to oneself is not attending to the previous token
    baseline = hp.uniform_baseline(hp.previous_token_mask(ids.size))
    np.testing.assert_allclose(scores[0, 0], baseline)
    assert baseline < 0.3


def test_induction_head_is_found(built):
    ids, att = built
    scores = hp.induction_scores(att, ids)
    assert hp.top_heads(scores, 1) == [((1, 2), 1.0)]
    assert scores[0, 2] == 0.0 and scores[0, 1] < 0.2  # the duplicate-token head is one position off
    np.testing.assert_allclose(scores[1, 3], hp.uniform_baseline(hp.induction_mask(ids)))


def test_induction_mask_follows_the_tokens():
    ids = np.array([7, 3, 9, 7, 4, 3, 7])
    mask = hp.induction_mask(ids)
    # position 3 (7): 7 was at 0, followed by position 1. position 6 (7): positions 1 and 4.
    pairs = {(int(i), int(j)) for i, j in zip(*np.nonzero(mask), strict=True)}
    assert pairs == {(3, 1), (5, 2), (6, 1), (6, 4)}
    assert not mask[np.triu_indices(7)].any()  # only earlier positions


def test_repeat_accuracy():
    ids = np.array([9, 1, 2, 3, 1, 2, 3])
    logits = np.zeros((7, 10))
    logits[np.arange(6), ids[1:]] = 1.0  # right everywhere
    logits[1, 0] = 2.0  # wrong inside the first copy (of 2 guesses there)
    logits[3, 5] = 2.0  # the guess of the second copy's first token: counts in neither
    assert hp.repeat_accuracy(logits, ids, period=3) == {"first_half": 0.5, "second_half": 1.0}


def test_repeated_random_tokens():
    ids = hp.repeated_random_tokens(100, 20, seed=4, low=10)
    assert ids.shape == (40,) and (ids[:20] == ids[20:]).all()
    assert len(set(ids[:20].tolist())) == 20 and ids.min() >= 10
    assert not (hp.repeated_random_tokens(100, 20, seed=5, low=10) == ids).all()
    with_bos = hp.repeated_random_tokens(100, 20, seed=4, low=10, bos=0)
    assert with_bos[0] == 0 and (with_bos[1:] == ids).all()
    assert 5 not in hp.repeated_random_tokens(6, 5, bos=5)[1:]  # the other five tokens, in some order
    with pytest.raises(ValueError, match="period"):
        hp.repeated_random_tokens(10, 11)


def test_bad_inputs_are_named(built):
    ids, att = built
    with pytest.raises(ValueError, match=r"attention must end in \(T, T\)"):
        hp.induction_scores(att[..., :-1], ids)
    with pytest.raises(ValueError, match="ids must be integer"):
        hp.induction_mask([1.5, 2.5])
    with pytest.raises(ValueError, match="no targets"):
        hp.induction_scores(att[..., :P, :P], ids[:P])  # no token repeats yet
    with pytest.raises(ValueError, match="scores must be"):
        hp.top_heads(np.zeros(3))
    with pytest.raises(ValueError, match="repeat"):
        hp.repeat_accuracy(np.zeros((5, 3)), [0, 1, 2, 0, 1], period=2)
    with pytest.raises(ValueError, match="repeat"):
        hp.repeat_accuracy(np.zeros((5, 3)), [0, 1, 2, 0, 1], period=3)


# --- a GPT-2 built by hand to have both heads -------------------------------------------------------------


def write_induction_gpt2(folder, n_positions=16, vocab=16, beta=6.0):
    """Residual stream: positions [0, N), the token [N, N+V), the previous token [N+V, N+2V)."""
    from safetensors.numpy import save_file

    N, V = n_positions, vocab
    C = N + 2 * V
    pos, tok, prev = np.arange(N), N + np.arange(V), N + V + np.arange(V)
    cfg = gpt2_config_json(n_layer=2, n_head=1, n_embd=C, n_positions=N, vocab_size=V)
    w = {k: np.zeros_like(v) for k, v in random_weights(cfg).items()}
    for k in w:
        if k.endswith("weight") and w[k].ndim == 1:
            w[k][:] = 1.0  # LayerNorm scales
    w["wpe.weight"][pos, pos] = 1.0
    w["wte.weight"][np.arange(V), tok] = 1.0

    def head(layer, query_from, query_to, key_from, key_to, value_from, value_to, write_to, gain):
        qkv = w[f"h.{layer}.attn.c_attn.weight"]  # (C, 3C): W_Q | W_K | W_V_down, one head of D = C
        qkv[query_from, query_to] = beta
        qkv[key_from, C + key_to] = 1.0
        qkv[value_from, 2 * C + value_to] = 1.0
        w[f"h.{layer}.attn.c_proj.weight"][value_to, write_to] = gain  # W_V_up

    # layer 0: the query of position i is position i - 1; it copies that token into "previous token"
    head(0, pos[1:], pos[:-1], pos, pos, tok, tok, prev, 1.0)
    # layer 1: the query is the token, the key the previous token; it copies the token it finds
    head(1, tok, tok, prev, tok, tok, tok, tok, 2.0)
    (folder / "config.json").write_text(json.dumps(cfg))
    save_file(w, str(folder / "model.safetensors"))
    byte_level_tokenizer(vocab_size=300).save(str(folder / "tokenizer.json"))
    return folder


def test_the_hand_built_gpt2s_heads_are_found(tmp_path):
    model = load_gpt2(write_induction_gpt2(tmp_path))
    found = hp.probe_heads(model.attention, model.logits, vocab_size=16, period=7, seed=2, low=1, bos=0)
    assert found["ids"].shape == (15,) and found["ids"][0] == 0
    assert hp.top_heads(found["previous_token"], 1)[0][0] == (0, 0)
    assert hp.top_heads(found["induction"], 1)[0][0] == (1, 0)
    assert found["previous_token"][0, 0] > 0.99 and found["induction"][1, 0] > 0.99
    assert found["previous_token"][1, 0] < 0.5 and found["induction"][0, 0] < 0.5
    assert found["baselines"]["induction"] < 0.2
    assert found["repeat_accuracy"]["second_half"] == 1.0  # the copy predicts every repeated token
    assert found["repeat_accuracy"]["first_half"] < 0.5
    ids = found["ids"].tolist()
    knocked = hp.repeat_accuracy(model.run(ids, skip_heads=[(1, 0)]).logits, found["ids"], period=7)
    assert knocked["second_half"] < 0.5  # without the induction head, nothing is copied
    no_previous = hp.repeat_accuracy(model.run(ids, skip_heads=[(0, 0)]).logits, found["ids"], period=7)
    assert no_previous["second_half"] < 0.5  # nor without the previous-token head it reads from
    with pytest.raises(ValueError, match="head"):
        model.run(ids, skip_heads=[(0, 1)])
