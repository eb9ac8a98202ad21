"""Lesson 12's checks: the references pass, the property cases catch what only they can, and the
learner's RoPE and key/value sharing run a Llama-family model through attnlab.yours.llama."""

from __future__ import annotations

import numpy as np

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
    assert undone.line.startswith("⏳ not started")
    broken = run_on_yours(model, text, rope=lambda x, p, b: x[0])
    assert broken.line.startswith("❌") and not broken.same
    raising = run_on_yours(model, text, repeat_kv=lambda kv, n: 1 / 0)
    assert raising.line == "❌ your `repeat_kv` raised ZeroDivisionError: division by zero", raising.line
