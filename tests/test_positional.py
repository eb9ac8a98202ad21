"""Lesson 12's ablation of positions: the four variants' pieces equal the NumPy reference, every
variant is causal, and the shipped figures are the ones training gives."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from attnlab.models import positional, positional_gpt
from attnlab.positions import alibi_bias, rope


def test_the_rotation_is_attnlabs_rope():
    x = torch.randn(2, 3, 7, 8, dtype=torch.float64)  # (B, H, T, D)
    assert np.allclose(positional_gpt._rotate(x).numpy(), rope(x.numpy()))


def test_the_alibi_bias_is_attnlabs_under_the_causal_mask():
    attention = positional_gpt.Attention(16, 4, "alibi")
    got = attention.bias(6).numpy()
    want = np.where(np.tril(np.ones((6, 6), bool)), alibi_bias(4, 6), -np.inf)
    assert np.array_equal(np.isinf(got), np.isinf(want))
    assert np.allclose(got[np.isfinite(got)], want[np.isfinite(want)])
    rope_bias = positional_gpt.Attention(16, 4, "rope").bias(6).numpy()
    assert not rope_bias[:, *np.tril_indices(6)].any()  # no bias but the causal mask


@pytest.mark.parametrize("positions", positional.POSITIONS)
def test_every_variant_is_causal(positions):
    torch.manual_seed(0)
    model = positional_gpt.PositionalGPT(positional_gpt.PositionalConfig(20, positions, max_length=12)).eval()
    idx = torch.randint(0, 20, (1, 10))
    changed = idx.clone()
    changed[0, 6:] = (changed[0, 6:] + 1) % 20  # later tokens differ
    with torch.no_grad():
        a, b = model(idx), model(changed)
    assert torch.allclose(a[0, :6], b[0, :6], atol=1e-6)
    assert not torch.allclose(a[0, 6:], b[0, 6:])


def test_bad_configs_and_long_inputs_are_named():
    with pytest.raises(ValueError, match="positions must be one of"):
        positional_gpt.PositionalConfig(10, "sinusoidal")
    with pytest.raises(ValueError, match="even size"):
        positional_gpt.PositionalConfig(10, "rope", d_model=12, n_heads=4)
    model = positional_gpt.PositionalGPT(positional_gpt.PositionalConfig(10, "learned", max_length=4))
    with pytest.raises(ValueError, match="at most 4"):
        model(torch.zeros(1, 5, dtype=torch.long))


def _verdicts(figures):
    by = {r["positions"]: r for r in figures["results"]}
    return {p: r["beyond"] - r["trained"] for p, r in by.items()}


def test_the_shipped_figures_show_what_the_lesson_says():
    figures = positional.load_ablation()
    gap = _verdicts(figures)
    assert list(gap) == list(positional.POSITIONS)
    assert gap["learned"] < -0.1  # the untrained rows of the table: a clear drop
    assert min(gap["rope"], gap["alibi"], gap["none"]) > 0  # they hold up, and gain from a longer past
    assert len(figures["results"][0]["accuracy_by_position"]) == 2 * figures["settings"]["length"]


def test_a_missing_figures_file_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make models"):
        positional.load_ablation(tmp_path)


@pytest.mark.slow
def test_retraining_gives_the_shipped_figures(tmp_path):
    assert positional_gpt.main(["--out", str(tmp_path)]) == 0
    shipped, fresh = positional.load_ablation(), positional.load_ablation(tmp_path)
    for a, b in zip(shipped["results"], fresh["results"], strict=True):
        assert a["positions"] == b["positions"]
        # the same on this CPU; within a rounding of training on another CPU's kernels
        assert abs(a["trained"] - b["trained"]) < 0.03 and abs(a["beyond"] - b["beyond"]) < 0.03


def test_reading_the_figures_loads_no_torch():
    """Lesson 12 reads the shipped figures in a kernel that otherwise never needs torch (SmolLM2 runs
    in NumPy): importing torch there would cost a second and a half of the lesson's time."""
    code = ("import sys; from attnlab.models import positional; positional.load_ablation(); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
