"""What a wrong answer's numbers show (attnlab.checks.relations), and the rule that names a catalogued
mistake only when every case agrees: each with a wrong function no catalogue lists, which only that
property names."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from attnlab import checks
from attnlab.attention import causal_mask, softmax
from attnlab.checks import relations
from attnlab.checks.compare import compare_values, show


def test_whole_numbers_where_fractions_belong_are_named():
    def cosine_similarity(u, v):
        return (u @ v) // (np.linalg.norm(u) * np.linalg.norm(v))
    line = checks.check_cosine_similarity(cosine_similarity).line
    assert line.startswith("❌") and "all whole where the answer has fractions" in line and "//" in line, line


def test_a_grid_returned_as_lists_is_refused():
    result = checks.check_causal_mask(lambda T: [[j <= i for j in range(T)] for i in range(T)])
    assert not result.passed and "expected a NumPy array, got a list" in result.line, result.line
    assert checks.check_causal_mask(lambda T: np.array([[j <= i for j in range(T)] for i in range(T)])).passed


def test_parts_in_another_order_are_named():
    line = checks.check_decoder_masks(lambda T, S: (np.ones((T, S), dtype=bool), causal_mask(T))).line
    assert "in another order (swapped): yours are (cross_mask, self_mask)" in line, line


def test_a_mask_with_true_above_the_diagonal_is_named_as_the_future():
    def sliding_window_mask(T, window):  # the band above the diagonal
        i, j = np.arange(T)[:, None], np.arange(T)[None, :]
        return (j >= i) & (j - i < window)
    line = checks.check_sliding_window_mask(sliding_window_mask).line
    assert "transposed" in line or "the future" in line, line


def test_a_pattern_normalised_over_the_columns_is_named():
    line = checks.check_masked_pattern(lambda s, m: softmax(np.where(m, s, -np.inf), axis=-2)).line
    assert "COLUMNS sum to 1" in line, line


def test_weight_on_a_masked_key_is_named():
    line = checks.check_masked_pattern(lambda s, m: softmax(np.where(m, s, -1.0))).line
    assert "where the weight must be exactly 0" in line, line


def test_the_right_indices_reversed_are_named():
    def nearest_neighbours(vector, table, k):
        sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
        return np.argsort(-sims)[:k][::-1]
    line = checks.check_nearest_neighbours(nearest_neighbours).line
    assert "reverse order" in line, line


def test_a_ratio_that_is_a_unit_says_so():
    line = checks.check_pattern_size(lambda T, dtype: T * T * np.dtype(dtype).itemsize / 2**20).line
    assert "2**20: a MiB in bytes" in line, line


def test_exp_then_the_power_underflows_at_a_high_temperature():
    def softmax_with_temperature(scores, temperature):
        e = np.exp(scores - np.max(scores, axis=-1, keepdims=True)) ** (1 / temperature)
        return e / e.sum(axis=-1, keepdims=True)
    result = checks.check_softmax_with_temperature(softmax_with_temperature)
    assert not result.passed and "temperature 100" in repr(result), repr(result)


def test_a_mistake_that_agrees_on_one_case_only_is_not_named():
    """spread's sum over i < j divided by n(n − 1) is half the mean: on two vectors it equals the
    catalogued 'includes each vector with itself', on three it does not — so nothing is named."""
    def spread(vectors):
        n = len(vectors)
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        cos = unit @ unit.T
        return sum(1 - cos[i, j] for i in range(n) for j in range(i + 1, n)) / (n * (n - 1))
    result = checks.check_spread(spread)
    assert not result.passed and not result.diagnosis.mistake, repr(result)
    assert "itself" not in result.line, result.line


def test_adding_the_max_is_not_told_it_forgot_to_subtract():
    result = checks.check_stable_softmax(lambda s: np.exp(s + s.max(-1, keepdims=True))
                                         / np.exp(s + s.max(-1, keepdims=True)).sum(-1, keepdims=True))
    assert not result.passed and "without subtracting" not in result.line, result.line


def test_a_catalogued_mistake_is_still_named_with_its_own_words_alone():
    line = checks.check_causal_mask(lambda T: np.triu(np.ones((T, T), dtype=bool))).line
    assert "That is the upper triangle" in line and "transposed" not in line, line


finite = st.floats(-50, 50, allow_nan=False, width=64)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=finite))
def test_relations_state_facts_about_any_answer(scores):
    """Whatever the numbers, a relation that is stated holds: never a crash, and 'transposed',
    'sign flipped', 'COLUMNS sum to 1' only when the answer is so."""
    want = softmax(scores)
    flipped = want.swapaxes(-1, -2) if want.ndim >= 2 else want[::-1]
    for got in (flipped, -want, softmax(scores, axis=0), want * 2):
        if got.shape != want.shape:
            continue
        text = relations.of_values(np.asarray(got, float), want)
        if "sign flipped" in text:
            assert np.allclose(got, -want)
        if "transposed" in text:
            assert np.allclose(got, want.swapaxes(-1, -2))
        if "COLUMNS sum to 1" in text:
            assert np.allclose(got.sum(axis=-2), 1)
        assert compare_values(got, want) is None or isinstance(compare_values(got, want), str)


@pytest.mark.parametrize("value, text", [
    (np.array([3.0, np.nan]), "[3 NaN]"), (np.array([2.0, 1.0]), "[2 1]"),
    (np.array([0.5, 1.0]), "[0.5 1. ]"),
])
def test_whole_floats_print_whole(value, text):
    assert show(value) == text


def test_an_answer_right_for_another_input_says_which():
    def kv_cache_bytes(config, n_tokens, bytes_per_number):  # one position too many
        return 2 * config.n_layers * config.n_heads * config.d_head * (n_tokens + 1) * bytes_per_number
    line = checks.check_kv_cache_bytes(kv_cache_bytes).line
    assert "the right answer for n_tokens + 1" in line, line


def test_a_pattern_size_that_ignores_its_dtype_says_which_dtype_it_is_right_for():
    line = checks.check_pattern_size(lambda T, dtype: T * T * 4).line
    assert "right answer for dtype = float32" in line, line


def test_an_answer_rounded_to_some_decimals_says_how_many():
    line = checks.check_cosine_similarity(
        lambda u, v: round(float(u @ v / np.linalg.norm(u) / np.linalg.norm(v)), 2)).line
    assert "rounded to 2 decimals" in line, line


@pytest.mark.parametrize("r, text", [(2.0, "twice"), (0.5, "1/2: half"), (np.sqrt(2), "√2"),
                                     (1 / np.sqrt(8), "1/√8"), (np.log10(2), "base 10 where base 2"),
                                     (np.log(2), "base e")])
def test_a_ratio_is_said_as_a_reader_knows_it(r, text):
    assert text in relations.number(r), relations.number(r)


def test_a_scale_by_the_square_root_of_the_wrong_size_is_a_root():
    text = repr(checks.check_scaled_scores(lambda q, k: q @ k.T / np.sqrt(q.shape[0])))
    assert "(= √2) × the expected one" in text, text


def test_indices_counted_from_one_are_named():
    line = checks.check_picked_keys(lambda s: np.argmax(s, axis=-1) + 1).line
    assert "every index is the right one + 1" in line and "counts from 0" in line, line


def test_one_index_too_few_is_named():
    def nearest_neighbours(vector, table, k):
        sims = table @ vector / (np.linalg.norm(table, axis=1) * np.linalg.norm(vector))
        return np.argsort(-sims)[:k - 1]
    line = checks.check_nearest_neighbours(nearest_neighbours).line
    assert "one index too few" in line, line


def test_a_number_used_squared_is_named_by_a_probe():
    line = checks.check_softmax_with_temperature(lambda s, t: softmax(s / t ** 2)).line
    assert "right answer for temperature² (temperature = 0.25, not 0.5: squared)" in line, line


def test_a_probe_is_named_only_when_it_holds_on_every_case():
    """exp(s − max) ** (1 / t) underflows at t = 100: [1, 0] there is also softmax at √t, within
    the tolerance — but not on the other cases, so no input change is named; the underflow is."""
    def softmax_with_temperature(scores, temperature):
        e = np.exp(scores - scores.max(-1, keepdims=True)) ** (1 / temperature)
        return e / e.sum(-1, keepdims=True)
    result = checks.check_softmax_with_temperature(softmax_with_temperature)
    assert "right answer for" not in repr(result) and "underflowed" in result.line, repr(result)
