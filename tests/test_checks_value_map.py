"""Lesson 05's checks pass the reference answers and fail plausible wrong ones with a useful line."""

import numpy as np
import pytest

from attnlab.checks import check_update, check_value_map_counts, check_weighted_sum
from attnlab.checks.relations import number

HALF = number(0.5)  # how a ratio of 1/2 reads (attnlab.checks.relations)


def stub(*args):
    raise NotImplementedError()


# --- reference answers, written the way a learner would ---------------------------------------------


def weighted_sum_loop(pattern, values):
    out = np.zeros((pattern.shape[0], values.shape[1]))
    for i in range(pattern.shape[0]):
        for j in range(pattern.shape[1]):
            out[i] += pattern[i, j] * values[j]
    return out


def update(E, pattern, W_down, W_up):
    values = E @ W_down  # (T, d_head)
    return E + (pattern @ values) @ W_up


def update_up_first(E, pattern, W_down, W_up):  # the same map, in the other order
    return E + pattern @ (E @ W_down @ W_up)


def value_map_counts(d_model, d_head, n_heads, n_layers):
    return {"full": n_heads * n_layers * d_model**2, "factored": n_heads * n_layers * 2 * d_model * d_head}


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_weighted_sum, lambda p, v: p @ v),
    (check_weighted_sum, weighted_sum_loop),
    (check_update, update),
    (check_update, update_up_first),
    (check_value_map_counts, value_map_counts),
]


# --- plausible wrong answers --------------------------------------------------------------------------


@pytest.mark.parametrize("check, wrong, says", [
    (check_weighted_sum, lambda p, v: p.T @ v, "case 1 of 5 (a causal pattern (4, 4))"),
    (check_weighted_sum, lambda p, v: (p.T @ v if p.shape[0] == p.shape[1] else p @ v),
     "That uses the pattern transposed"),
    (check_weighted_sum, lambda p, v: (p * v.T).T, "case 1 of 5 (a causal"),
    (check_weighted_sum, lambda p, v: v.sum(axis=0, keepdims=True) * p.sum(axis=1, keepdims=True) / len(v),
     "case 1 of 5"),
    (check_update, lambda E, p, d, u: p @ (E @ d) @ u, "case 1 of 5"),  # ΔE only
    (check_update, lambda E, p, d, u: E + p.T @ (E @ d) @ u, "That uses the pattern transposed"),
    (check_update, lambda E, p, d, u: E + p @ (E @ d), "your code raised ValueError"),  # forgot value-up
    (check_update, lambda E, p, d, u: p @ (E @ d) @ u, "That is only the change ΔE"),
    (check_value_map_counts, lambda c, d, h, L: {"full": h * L * c * c, "factored": h * L * c * d},
     f"'factored': expected 16,384, got 8,192 ({HALF} × the expected value). factored: that counts "
     "value-down only"),
    (check_value_map_counts, lambda c, d, h, L: {"full": h * c * c, "factored": h * 2 * c * d},
     "case 1 of 5 (4 heads, 2 layers: d_model 64, d_head 16): 'full': expected 32,768, got 16,384 "
     f"({HALF} × the expected value). That counts one layer"),
    (check_value_map_counts, lambda c, d, h, L: h * L * 2 * c * d, "expected a dict with the keys 'full'"),
])
def test_plausible_wrong_answers_fail_with_a_useful_line(check, wrong, says):
    result = check(wrong)
    assert not result.passed
    assert result.line.startswith("❌") and says in result.line, result.line
