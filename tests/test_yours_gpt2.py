"""attnlab.yours on GPT-2: the learner's functions (collected from solutions/) run a GPT-2 checkpoint
the test builds itself (tests/gpt2_checkpoints.py: random weights at odd sizes, a BPE trained here),
equal to ``load_gpt2``; a wrong function is named with the first place it differs; without a GPT-2
the one line that says how to fetch it.
"""

import numpy as np
import pytest
from gpt2_checkpoints import SIZES, build, pretend_fetched

from attnlab.models import hub
from attnlab.models.gpt2 import cached_gpt2, load_gpt2
from attnlab.paths import SOLUTIONS_DIR
from attnlab.yours import collect
from attnlab.yours.steps import USES

pytest.importorskip("transformers")

TEXTS = ["The cat watched the wizard.", "a", "The fluffy blue creature roamed the"]  # ≤ 23 tokens
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def solved():
    return collect(SOLUTIONS_DIR)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("odd_gpt2")
    build(folder, SIZES["odd"], seed=3)
    return folder


def future_mask(T):  # a plausible wrong mask: each token also sees the next one
    return np.tril(np.ones((T, T), dtype=bool), k=1)


def mask_after_softmax(scores, mask):  # a plausible wrong order: the rows no longer sum to 1
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return np.where(mask, e / e.sum(axis=-1, keepdims=True), 0.0)


def test_on_your_functions_gpt2_equals_load_gpt2(solved, folder, capsys):
    mine, ref = solved.gpt2(folder), load_gpt2(folder)
    assert all(name in repr(mine) for name in USES["gpt2"])
    worst = {"logits": 0.0, "attention": 0.0, "hidden_states": 0.0}
    for text in TEXTS:
        assert mine.tokens(text) == ref.tokens(text)
        for key in worst:
            ours, theirs = getattr(mine, key)(text), getattr(ref, key)(text)
            assert ours.shape == theirs.shape
            worst[key] = max(worst[key], float(np.abs(ours - theirs).max()))
    assert mine.next_word(TEXTS[0]) == ref.next_word(TEXTS[0])
    assert mine.continue_text("The", 5) == ref.continue_text("The", 5)
    with capsys.disabled():
        print("\nyours.gpt2 vs load_gpt2, max |Δ|: " + ", ".join(f"{k} {v:.1e}" for k, v in worst.items()))
    assert max(worst.values()) < TOLERANCE


def test_skipped_heads_as_load_gpt2(solved, folder):
    mine, ref = solved.gpt2(folder), load_gpt2(folder)
    ids = ref.token_ids(TEXTS[0])
    skip = [(0, 1), (2, 4), (2, 0)]
    got, want = mine.run(ids, skip_heads=skip), ref.run(ids, skip_heads=skip)
    assert np.abs(got.logits - want.logits).max() < TOLERANCE
    assert np.abs(got.logits - ref.run(ids).logits).max() > 1e-3  # skipping did something


def test_compare_on_gpt2_the_same(solved, folder):
    result = solved.compare("gpt2", folder=folder)
    assert result.first is None and result.culprit is None, result
    assert result.line.startswith("✅ pass · GPT-2 on your `scaled_scores`") and result.max_diff < TOLERANCE
    assert len(result.rows) == SIZES["odd"]["n_layer"]


@pytest.mark.parametrize("name, wrong, token", [("causal_mask", future_mask, 0),
                                                ("masked_pattern", mask_after_softmax, 0)])
def test_compare_on_gpt2_names_the_wrong_function(solved, folder, name, wrong, token):
    result = solved.trying(**{name: wrong}).compare("gpt2", text=TEXTS[0], folder=folder)
    assert result.culprit == name, result
    assert (result.first.layer, result.first.head, result.first.token) == (0, 0, token)
    assert result.line.startswith(
        f"❌ not yet · your `{name}` (lesson 04) makes layer 0 head 0 differ at 'The'")


def test_without_gpt2_one_line_how_to_fetch(solved):
    cached_gpt2.cache_clear()  # another test may have loaded a pretend-fetched one
    for run in (solved.gpt2, lambda: solved.compare("gpt2")):
        with pytest.raises(FileNotFoundError) as info:
            run()
        assert str(info.value) == hub.how_to_fetch("gpt2") and "\n" not in str(info.value)
        assert "attnlab-fetch gpt2" in str(info.value)


def test_fetched_gpt2_found_without_a_folder(solved, monkeypatch, tmp_path):
    pretend_fetched(monkeypatch, tmp_path, n_layer=2, n_head=3, n_embd=12, n_positions=32)
    try:
        mine = solved.gpt2()
        assert np.abs(mine.logits(TEXTS[0]) - cached_gpt2().logits(TEXTS[0])).max() < TOLERANCE
    finally:
        cached_gpt2.cache_clear()


def test_folder_is_for_gpt2_only(solved, folder):
    with pytest.raises(ValueError, match="folder is for a GPT-2 checkpoint"):
        solved.compare("minilm", folder=folder)
