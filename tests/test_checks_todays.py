"""Lesson 12's checks: the references pass, the property cases catch what only they can, and the
learner's RoPE and key/value sharing run a Llama-family model through attnlab.yours.llama."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from attnlab.checks.todays import check_repeat_kv, check_rope, check_sliding_window_mask
from attnlab.positions import rope_angles


def _rope(x, positions, base, square=False):
    D = x.shape[-1]
    p = np.asarray(positions, float)
    angles = rope_angles(p * p if square else p, D, base)
    a, b = x[..., : D // 2], x[..., D // 2:]
    c, s = np.cos(angles), np.sin(angles)
    return np.concatenate([a * c - b * s, b * c + a * s], axis=-1)


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_rope, _rope),
    (check_rope, lambda x, p, base: _rope(x.astype(np.float32), p, base)),  # float32 is close enough
    (check_repeat_kv, lambda kv, n: np.repeat(kv, n, axis=0)),
    (check_repeat_kv, lambda kv, n: np.stack([kv[g] for g in range(len(kv)) for _ in range(n)])),
    (check_sliding_window_mask,
     lambda T, W: np.tril(np.ones((T, T), bool)) & ~np.tril(np.ones((T, T), bool), -W)),
    (check_sliding_window_mask,
     lambda T, W: np.array([[i - W < j <= i for j in range(T)] for i in range(T)])),
]


def test_the_learners_right_answers_pass():
    assert check_rope(_rope).passed
    assert check_repeat_kv(lambda kv, n: np.repeat(kv, n, axis=0)).passed
    assert check_sliding_window_mask(lambda T, W: np.tril(np.ones((T, T), bool)) & ~np.tril(
        np.ones((T, T), bool), -W)).passed


def test_the_distance_property_names_itself():
    """Right on the fixed cases, but angles from position² when the base is 10 (the property case)."""
    line = check_rope(lambda x, p, base: _rope(x, p, base, square=base == 10.0)).line
    assert "depends only on how far apart" in line and "case 5 of 6" in line


def test_the_length_property_names_itself():
    line = check_rope(lambda x, p, base: _rope(x, p, base) * (2.0 if base == 50.0 else 1.0)).line
    assert "never changes a vector's length" in line


def test_the_head_order_property_and_the_window_rows():
    line = check_repeat_kv(lambda kv, n: np.repeat(kv, n, axis=0) if n != 2 else np.tile(kv, (2, 1, 1))).line
    assert "head 1 is not key/value head 0" in line and "consecutive query heads" in line
    odd = lambda T, W: (np.tril(np.ones((T, T), bool)) & ~np.tril(np.ones((T, T), bool), -W)) \
        if T != 12 else np.tril(np.ones((T, T), bool))  # noqa: E731
    line = check_sliding_window_mask(odd).line
    assert "query 5 keeps 6 keys, but min(i + 1, W) = 5" in line


def test_the_learners_functions_run_a_llama_through_yours(tmp_path):
    import torch
    import transformers
    from tokenizers import Tokenizer, models, pre_tokenizers

    from attnlab.models.llama import load_llama
    from attnlab.yours.llama import run_on_yours

    cfg = transformers.LlamaConfig(vocab_size=40, hidden_size=16, intermediate_size=24, num_hidden_layers=2,
                                   num_attention_heads=4, num_key_value_heads=2, head_dim=4)
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(cfg).save_pretrained(tmp_path)
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate("abcdefghij")}, unk_token="a"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.save(str(tmp_path / "tokenizer.json"))
    model = load_llama(tmp_path)
    text = "a b c d e f g"
    assert run_on_yours(model, text, rope=_rope, repeat_kv=lambda kv, n: np.repeat(kv, n, 0)).same
    wrong = run_on_yours(model, text, repeat_kv=lambda kv, n: np.tile(kv, (n, 1, 1)))
    assert not wrong.same and wrong.first[0] == 0 and "layer 0, head 1" in wrong.line
    shifted = run_on_yours(model, text, rope=lambda x, p, b: _rope(x, np.asarray(p) + 1, b))
    # positions shifted by one keep every distance, and RoPE's scores see only distances
    assert shifted.same and "✅" in shifted.line, shifted.line
    undone = run_on_yours(model, text, rope=lambda x, p, b: (_ for _ in ()).throw(NotImplementedError()))
    assert undone.line.startswith("⏳ to do · not started")
    broken = run_on_yours(model, text, rope=lambda x, p, b: x[0])
    assert broken.line.startswith("❌") and not broken.same
    raising = run_on_yours(model, text, repeat_kv=lambda kv, n: 1 / 0)
    assert raising.line == "❌ not yet · your `repeat_kv` raised ZeroDivisionError: division by zero", \
        raising.line


# --- the facts an unnamed miss is told (checks.todays.Described) ------------------------------------


def _message(check, fn) -> str:
    result = check(fn)
    assert not result.passed
    return result.message


def test_an_unknown_rope_slip_is_told_which_pair_turned_wrong():
    def rising(x, p, base):  # speeds base ** (+2i / D): pair 1 races
        D = x.shape[-1]
        angles = np.asarray(p, float)[:, None] * base ** (np.arange(0, D, 2) / D)
        a, b, c, s = x[..., : D // 2], x[..., D // 2:], np.cos(angles), np.sin(angles)
        return np.concatenate([a * c - b * s, b * c + a * s], axis=-1)

    text = _message(check_rope, rising)
    assert "token 1 (position 1) turned its pair (1, 3) by" in text and "base ** (-2·1/4) = 0.01 rad" in text
    text = _message(check_rope, lambda x, p, base: _rope(x, np.arange(len(p)), base))  # positions ignored
    assert "(position 5) turned its pair (0, 3) by 0 rad" in text and "= 5 rad (≡ -1.283 mod 2π)" in text
    stretched = lambda x, p, base: _rope(x, p, base) * np.r_[np.ones(x.shape[-1] - 1), 3.0]  # noqa: E731
    text = _message(check_rope, stretched)
    assert "pair (1, 3) has length" in text and "never stretches it" in text


def test_an_unknown_sharing_slip_is_told_which_head_is_wrong():
    flat = lambda kv, n: np.repeat(kv, n).reshape(len(kv) * n, *kv.shape[1:])  # noqa: E731
    assert "output head 0 is a copy of no key/value head" in _message(check_repeat_kv, flat)
    backwards = lambda kv, n: np.repeat(kv[::-1], n, axis=0)  # noqa: E731 — groups in reverse
    text = _message(check_repeat_kv, backwards)
    assert "output head 0 is key/value head 2, but query head 0 reads key/value head 0 // n_rep = 0" in text


def test_an_unknown_window_slip_is_told_which_query_is_wrong():
    def mask(keep):
        return lambda T, W: np.fromfunction(lambda i, j: keep(i - j, W), (T, T), dtype=int)

    assert "query 0 sees key 1, a later token" in _message(
        check_sliding_window_mask, mask(lambda d, W: -d >= 0))  # transposed: j ≥ i
    assert "query 0 does not see itself" in _message(
        check_sliding_window_mask, mask(lambda d, W: (d > 0) & (d <= W)))  # the W keys before, not itself
    assert "query 2 keeps key 0 but not the nearer key 1" in _message(
        check_sliding_window_mask, mask(lambda d, W: (d == 0) | (d == 2)))
    assert "query 1 keeps 1 of the keys j ≤ i, but a window of 3 keeps min(i + 1, W) = 2" in _message(
        check_sliding_window_mask, mask(lambda d, W: d == 0))


def test_a_named_mistake_is_told_no_fact_after_it():
    text = _message(check_repeat_kv, lambda kv, n: np.tile(kv, (n, 1, 1)))
    assert "That tiles the heads" in text and "output head" not in text
    text = _message(check_rope, lambda x, p, base: _rope(x, np.asarray(p) + 1, base))
    assert "counts positions from 1" in text and "turned its pair" not in text


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 3), st.integers(0, 1), st.floats(0.01, 6.0))
def test_the_turn_fact_names_the_pair_that_turned_wrong(t, i, extra):
    """Right everywhere but one pair of case 1 (4 tokens, D = 4), turned ``extra`` rad further: the line
    names that token and pair, and the angle it turned by (mod 2π)."""
    def one_pair_off(x, p, base):
        out = _rope(x, p, base)
        if x.shape == (4, 4):
            a, b, c, s = out[t, i], out[t, i + 2], np.cos(extra), np.sin(extra)
            out[t, i], out[t, i + 2] = a * c - b * s, b * c + a * s
        return out

    text = _message(check_rope, one_pair_off)
    turned = np.angle(np.exp(1j * (t * 10_000.0 ** (-i / 2) + extra)))
    assert f"token {t} (position {t}) turned its pair ({i}, {i + 2}) by " in text
    assert (f"by {turned:.4g} rad (mod 2π)" in text) or abs(turned) < 1e-9, text


def test_a_differing_token_is_shown_as_the_text_it_covers():
    """A byte-level BPE's own marks ("Ġfluffy") are the tokenizer's, not the learner's words."""
    from attnlab.yours.llama import _piece

    class ByteLevel:
        def tokens(self, text):
            return ["a", "Ġtiny", "Ġé", "Ċ"]

        def pieces(self, text):
            return ["a", " tiny", " é", ""]

    assert _piece(ByteLevel(), "a tiny é", 1) == " tiny"
    assert _piece(ByteLevel(), "a tiny é", 3) == "Ċ"  # a byte of a split character: its token, not ""
