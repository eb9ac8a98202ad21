"""Lesson 08's checks pass the reference answers and fail plausible wrong ones with a useful line."""

from fractions import Fraction

import pytest

import attnlab.checks.params as params
from attnlab.checks import check_block_parameters, check_exact_parameters, check_weight_matrices
from attnlab.params import count_parameters


def stub(*args):
    raise NotImplementedError()


# --- reference answers, written the way a learner would ---------------------------------------------


def block_parameters(d_model, n_heads, d_head, d_mlp):
    return {"attention": n_heads * 4 * d_model * d_head, "mlp": 2 * d_model * d_mlp}


def fill_in_the_table(config):
    per_matrix = config.n_layers * config.n_heads * config.d_model * config.d_head
    mlp = config.n_layers * config.d_model * config.d_mlp
    return {"embedding": config.vocab_size * config.d_model, "query": per_matrix, "key": per_matrix,
            "value_down": per_matrix, "value_up": per_matrix, "up_projection": mlp, "down_projection": mlp,
            "unembedding": config.d_model * config.vocab_size}


def exact_parameters(config, tied=None, bias=None):
    C, A, M, L = config.d_model, config.n_heads * config.d_head, config.d_mlp, config.n_layers
    b = config.bias if bias is None else bias
    tied = config.tie_weights if tied is None else tied
    ln = 2 * C if b else C
    block = (C * 3 * A + A * C + 2 * C * M) + b * (3 * A + C + M + C) + 2 * ln
    unembedding = 0 if tied else C * config.vocab_size
    return config.vocab_size * C + config.context_length * C + L * block + ln + unembedding


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_block_parameters, block_parameters),
    (check_weight_matrices, fill_in_the_table),
    (check_exact_parameters, exact_parameters),
    (check_exact_parameters, lambda c: count_parameters(c, "exact")["total"]),
]


# --- plausible wrong answers --------------------------------------------------------------------------


def three_matrices_per_head(d_model, n_heads, d_head, d_mlp):  # forgot value-up
    return {"attention": n_heads * 3 * d_model * d_head, "mlp": 2 * d_model * d_mlp}


def square_matrices(d_model, n_heads, d_head, d_mlp):  # d_model² per matrix
    return {"attention": n_heads * 4 * d_model * d_model // n_heads, "mlp": 2 * d_model * d_mlp}


def mlp_of_four_d_model(d_model, n_heads, d_head, d_mlp):  # ignores the given d_mlp
    return {"attention": n_heads * 4 * d_model * d_head, "mlp": 2 * d_model * 4 * d_model}


def table_per_layer(config):  # forgot to multiply by the layers
    rows = fill_in_the_table(config)
    once = ("embedding", "unembedding")
    return {k: (v if k in once else v // config.n_layers) for k, v in rows.items()}


def table_with_a_typo_key(config):
    rows = fill_in_the_table(config)
    rows["value"] = rows.pop("value_down")
    return rows


@pytest.mark.parametrize("check, wrong, says", [
    (check_block_parameters, three_matrices_per_head, "case 1 of 5 (GPT-3"),
    (check_block_parameters, square_matrices, "case 3 of 5 (n_heads × d_head ≠ d_model"),
    (check_block_parameters, mlp_of_four_d_model, "case 4 of 5 (a tiny block"),
    (check_block_parameters, lambda *a: 4 * a[0] * a[2] * a[1], "expected a dict with the keys 'attention'"),
    (check_weight_matrices, table_per_layer,
     "'query': expected 14,495,514,624, got 150,994,944 (0.0104167 (= 1/96) × the expected value). "
     "The rows are one layer's"),
    (check_weight_matrices, table_with_a_typo_key, "lacks the key(s) 'value_down'"),
    (check_exact_parameters, lambda c: count_parameters(c, "3b1b")["total"], "case 1 of 5 (GPT-2 small)"),
    (check_exact_parameters, lambda c: exact_parameters(c, tied=False), "case 1 of 5 (GPT-2 small)"),
    (check_exact_parameters, lambda c: exact_parameters(c, tied=True), "case 4 of 5 (a tiny model, untied)"),
    (check_exact_parameters, lambda c: exact_parameters(c, bias=True), "case 3 of 5 (a tiny model without"),
])
def test_plausible_wrong_answers_fail_with_a_useful_line(check, wrong, says):
    result = check(wrong)
    assert not result.passed
    assert result.line.startswith("❌") and says in result.line, result.line


# --- the exact count: the slip solved for, as the right count's terms --------------------------------


def exact_with(config, minus=0, plus=0):
    return exact_parameters(config) - minus + plus


@pytest.mark.parametrize("wrong, slip", [  # each is a slip no catalogued single sentence listed before
    (lambda c: exact_with(c, minus=c.bias * c.n_layers * c.d_mlp), 14),  # no MLP up bias
    (lambda c: exact_with(c, minus=c.bias * c.n_layers * c.d_model), 13),  # no output bias
    (lambda c: exact_with(c, minus=c.n_layers * c.d_model * (1 + c.bias)), 2),  # one LN
    (lambda c: exact_with(c, plus=c.bias * c.n_layers * 3 * (c.d_model - c.n_heads * c.d_head)),
     12),  # q, k, v biases of d_model
])
def test_the_exact_counts_slip_is_solved_for_and_named(wrong, slip):
    says = params.EXACT_SLIPS[slip].says  # the slip's own sentence, not retyped here
    result = check_exact_parameters(wrong)
    assert not result.passed and says in result.line, result.line
    assert result.diagnosis.mistake, result.diagnosis


def test_two_slips_at_once_are_named_together():
    no_positions, no_up_bias = params.EXACT_SLIPS[0].says, params.EXACT_SLIPS[14].says
    result = check_exact_parameters(lambda c: exact_with(
        c, minus=c.context_length * c.d_model + c.bias * c.n_layers * c.d_mlp))
    assert no_positions in result.line and no_up_bias[1:] in result.line, result.line


def test_a_difference_no_slip_explains_names_none():
    result = check_exact_parameters(lambda c: exact_with(c, plus=7))
    assert not result.passed and not result.diagnosis.mistake, result.line
    assert "That" not in result.line.split("Hint:")[0], result.line


# --- the table: a row off by a known factor is named by that factor ----------------------------------

_HEADS = ("query", "key", "value_down", "value_up")


def table_with(config, **factors):
    rows = fill_in_the_table(config)
    return {k: (int(v * Fraction(factors[k](config))) if k in factors else v) for k, v in rows.items()}


@pytest.mark.parametrize("wrong, starts", [
    (lambda c: table_with(c, embedding=lambda c: c.n_layers), "embedding: counted in every layer"),
    (lambda c: table_with(c, value_up=lambda c: Fraction(c.d_model, c.d_head)),
     "value_up: d_model × d_model"),
    (lambda c: table_with(c, embedding=lambda c: Fraction(c.context_length, c.vocab_size)),
     "embedding: sized by context_length"),
    (lambda c: table_with(c, **{k: (lambda c: Fraction(1, c.n_layers)) for k in _HEADS}),
     "query, key, value_down, value_up: one layer's"),
])
def test_a_table_row_off_by_a_known_factor_is_named(wrong, starts):
    says = next(m.says for m in params.TABLE_ALL if m.says.startswith(starts))  # its words, not retyped
    result = check_weight_matrices(wrong)
    assert not result.passed and says in result.line, result.line


def test_block_parameters_names_the_biases():
    line = check_block_parameters(lambda C, H, D, M: {"attention": 4 * C * H * D + 3 * H * D + C,
                                                      "mlp": 2 * C * M + M + C}).line
    assert params.BLOCK_MISTAKES[-2].says in line, line
