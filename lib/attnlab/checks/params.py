"""Checks for ``08_gpt3_parameters``: one block's weights, 3Blue1Brown's table, the exact count.

Every expected answer comes from :mod:`attnlab.params`, whose counts are tested against torch
models built on the meta device; each exercise's usual mistakes are catalogued below
(:mod:`attnlab.checks.mistakes`) and named when a learner makes one.
"""

from __future__ import annotations

from fractions import Fraction

import attnlab.checks.relations as relations
from attnlab.checks.compare import compare_exact, compare_exactly, show
from attnlab.checks.core import CheckResult, run_check
from attnlab.checks.mistakes import Mistake, cases, recognising
from attnlab.checks.slips import Slip, added, catalogue, unambiguous, without_repeats
from attnlab.params import PRESETS, ModelConfig, block_parameters, count_parameters, weight_matrices


def compare_counts(got, expected: dict) -> str | None:
    """``None`` if the dict ``got`` has every key of ``expected`` with the same count, else the first
    key that is missing or differs (extra keys are allowed)."""
    if not isinstance(got, dict):
        keys = ", ".join(map(repr, expected))
        return f"expected a dict with the keys {keys}, got {type(got).__name__} {show(got)}"
    missing = [key for key in expected if key not in got]
    if missing:
        return f"the dict lacks the key(s) {', '.join(map(repr, missing))}"
    swapped = relations.parts_in_another_order([got[k] for k in expected], list(expected.values()),
                                               list(expected), compare_exactly)
    if swapped:
        return swapped
    for key, want in expected.items():
        problem = compare_exactly(got[key], want)
        if problem is not None:
            return f"{key!r}: {problem}"
    return None


# --- one block ---------------------------------------------------------------------------------------


def _block(d_model, n_heads, d_head, d_mlp) -> dict[str, int]:
    config = ModelConfig(1, 1, d_model, n_heads, 1, d_head=d_head, d_mlp=d_mlp)
    counts = block_parameters(config, "3b1b")
    return {"attention": counts["attention"], "mlp": counts["mlp"]}


BLOCK_MISTAKES = [
    Mistake("attention: that is 4 · d_model² — count with n_heads × d_head, which need not equal d_model.",
            lambda C, H, D, M: {"attention": 4 * C * C, "mlp": 2 * C * M}),
    Mistake("attention: that counts 3 matrices per head — value-up (d_head × d_model) is the fourth.",
            lambda C, H, D, M: {"attention": 3 * C * H * D, "mlp": 2 * C * M}),
    Mistake("attention: that is one head — multiply by n_heads.",
            lambda C, H, D, M: {"attention": 4 * C * D, "mlp": 2 * C * M}),
    Mistake("mlp: that assumes d_mlp = 4 · d_model — use the d_mlp given.",
            lambda C, H, D, M: {"attention": 4 * C * H * D, "mlp": 8 * C * C}),
    Mistake("mlp: that is one of its two matrices — up (d_model × d_mlp) AND down (d_mlp × d_model).",
            lambda C, H, D, M: {"attention": 4 * C * H * D, "mlp": C * M}),
    Mistake("That adds the biases: the chapter's tally counts the weight matrices only.",
            lambda C, H, D, M: {"attention": 4 * C * H * D + 3 * H * D + C, "mlp": 2 * C * M + M + C}),
    Mistake("attention: that is d_head × d_head per matrix — each head's maps are d_model × d_head.",
            lambda C, H, D, M: {"attention": 4 * H * D * D, "mlp": 2 * C * M}),
]

_BLOCKS = [
    ("GPT-3: d_model 12288, 96 heads of 128, d_mlp 49152", (12288, 96, 128, 49152),
     "each head has 4 matrices of d_model × d_head: query, key, value-down, value-up."),
    ("GPT-2 small: 768, 12 heads of 64, d_mlp 3072", (768, 12, 64, 3072),
     "the MLP has two matrices: up (d_model × d_mlp) and down (d_mlp × d_model)."),
    ("n_heads × d_head ≠ d_model: 2048, 24 heads of 128", (2048, 24, 128, 8192),
     "count with n_heads and d_head, not with d_model² per matrix."),
    ("a tiny block: 4, 2 heads of 3, d_mlp 5", (4, 2, 3, 5), "d_mlp is given: do not assume 4 × d_model."),
    ("one head as wide as the model: 6, 1 head of 6, d_mlp 1", (6, 1, 6, 1), ""),
]
BLOCK_CASES = cases(_block, BLOCK_MISTAKES, _BLOCKS, compare=compare_counts)


def check_block_parameters(fn) -> CheckResult:
    """Check ``block_parameters(d_model, n_heads, d_head, d_mlp) -> {"attention": int, "mlp": int}``
    (weight matrices only, 3Blue1Brown's tally)."""
    return run_check("block_parameters", fn, BLOCK_CASES, compare=recognising(compare_counts))


# --- the chapter's table -------------------------------------------------------------------------------

_TABLE_HINT = ("every row is summed over all layers (and the four head rows over all heads); the "
               "unembedding is its own d_model × vocabulary matrix in this table.")
def _table_with(**changes):
    """weight_matrices, with some rows made the way a mistake makes them."""
    def table(config):
        rows = weight_matrices(config)
        return {**rows, **{key: make(config, rows) for key, make in changes.items()}}
    return table


_HEAD_ROWS = ("query", "key", "value_down", "value_up")
TABLE_MISTAKES = [
    Mistake("The rows are one layer's: every row but the embeddings is summed over all n_layers layers.",
            _table_with(**{k: (lambda c, r, k=k: r[k] // c.n_layers)
                           for k in (*_HEAD_ROWS, "up_projection", "down_projection")})),
    Mistake("The head rows are one head's: sum them over all n_heads heads (of every layer).",
            _table_with(**{k: (lambda c, r, k=k: r[k] // c.n_heads) for k in _HEAD_ROWS})),
    Mistake("unembedding: the chapter's table counts it as its own d_model × vocabulary matrix, tied or not.",
            _table_with(unembedding=lambda c, r: 0)),
    Mistake("The head rows use d_model × d_model: each head's maps are d_model × d_head.",
            _table_with(**{k: (lambda c, r: c.n_layers * c.n_heads * c.d_model ** 2) for k in _HEAD_ROWS})),
    Mistake("The MLP rows assume d_mlp = 4 · d_model: use config.d_mlp.",
            _table_with(up_projection=lambda c, r: c.n_layers * 4 * c.d_model ** 2,
                        down_projection=lambda c, r: c.n_layers * 4 * c.d_model ** 2)),
]

_ONCE, _MLP_ROWS = ("embedding", "unembedding"), ("up_projection", "down_projection")
_FACTORS = [  # what a row is multiplied by, the words for it, the rows it may happen to
    (lambda c: Fraction(1, c.n_layers), "one layer's: sum it over all n_layers layers",
     (*_HEAD_ROWS, *_MLP_ROWS)),
    (lambda c: Fraction(1, c.n_heads), "one head's: sum it over all n_heads heads", _HEAD_ROWS),
    (lambda c: c.n_layers, "counted in every layer: it is one matrix for the whole model", _ONCE),
    (lambda c: Fraction(c.d_model, c.d_head),
     "d_model × d_model per head: each head's map is d_model × d_head", _HEAD_ROWS),
    (lambda c: Fraction(4 * c.d_model, c.d_mlp), "sized by 4 × d_model: use config.d_mlp", _MLP_ROWS),
    (lambda c: Fraction(c.context_length, c.vocab_size),
     "sized by context_length: it has a row per vocabulary word, vocab_size × d_model", _ONCE),
    (lambda c: 0, "left out (0)", (*_ONCE, *_HEAD_ROWS, *_MLP_ROWS)),
]
_GROUPS = [(key,) for key in (*_ONCE, *_HEAD_ROWS, *_MLP_ROWS)] + [_HEAD_ROWS, _MLP_ROWS, _ONCE]


def _scaled(rows, factor):
    def change(args, right):
        f = Fraction(factor(args[0]))
        return {**right, **{key: int(right[key] * f) for key in rows}}
    return change


TABLE_SLIPS = [Slip(f"{', '.join(rows)}: {words}", _scaled(rows, factor))
               for rows in _GROUPS for factor, words, where in _FACTORS if set(rows) <= set(where)]

_MODELS = [
    ("GPT-3 175B", PRESETS["gpt3-175b"], _TABLE_HINT),
    ("GPT-2 small", PRESETS["gpt2-small"], ""),
    ("GPT-2 medium (24 layers, 16 heads: layers and heads apart)", PRESETS["gpt2-medium"], ""),
    ("GPT-3 13B (n_heads × d_head ≠ d_model)", PRESETS["gpt3-13b"],
     "the head rows use d_head, the MLP rows d_mlp: not d_model alone."),
    ("a tiny model: vocab 7, d_model 4, 2 heads of 3, 2 layers, d_mlp 5",
     ModelConfig(7, 3, 4, 2, 2, d_head=3, d_mlp=5), "use config.d_head and config.d_mlp as given."),
    ("one layer, one head, untied", ModelConfig(5, 2, 2, 1, 1, tie_weights=False), ""),
]
TABLE_ALL = without_repeats(TABLE_MISTAKES + catalogue(weight_matrices, TABLE_SLIPS),
                            [(config,) for _, config, _ in _MODELS], weight_matrices)
TABLE_CASES = cases(weight_matrices, TABLE_ALL,
                    [(label, (config,), hint) for label, config, hint in _MODELS], compare=compare_counts)


def check_weight_matrices(fn) -> CheckResult:
    """Check ``fill_in_the_table(config) -> dict``: 3Blue1Brown's rows (embedding, query, key,
    value_down, value_up, up_projection, down_projection, unembedding) for a whole model."""
    return run_check("fill_in_the_table", fn, TABLE_CASES, compare=unambiguous(recognising(compare_counts)))


# --- the exact count -----------------------------------------------------------------------------------

def _exact(config) -> int:
    return count_parameters(config, "exact")["total"]


def _final_layernorm(config) -> int:
    return config.d_model * (1 + int(config.bias))


def _biases(c) -> int:
    """Every bias vector of the model (LayerNorm shifts apart), as if ``bias`` were True."""
    return c.n_layers * (3 * c.attention_width + 2 * c.d_model + c.d_mlp)


def _shifts(c) -> int:
    """Every LayerNorm's shift (two per block and the final one), as if ``bias`` were True."""
    return (2 * c.n_layers + 1) * c.d_model


def _block_exact(c) -> int:
    return block_parameters(c, "exact")["total"]


EXACT_SLIPS = [  # what a learner's count adds (+) or leaves out (-), each as a function of the config
    added("That leaves out the position embeddings: context_length × d_model learned numbers",
          lambda c: -c.context_length * c.d_model),
    added("That leaves out the final LayerNorm, after the last block (d_model scales, and shifts with "
          "biases)",
          lambda c: -_final_layernorm(c)),
    added("That counts one LayerNorm per block: there are two (before attention and before the MLP)",
          lambda c: -c.n_layers * _final_layernorm(c)),
    added("That counts the tied unembedding again: it IS the token embedding, so it adds 0",
          lambda c: c.vocab_size * c.d_model * c.tie_weights),
    added("That leaves out the untied unembedding: with tie_weights=False it is its own d_model × vocab_size "
          "matrix", lambda c: -c.vocab_size * c.d_model * (not c.tie_weights)),
    added("That leaves out the token embedding (vocab_size × d_model)", lambda c: -c.vocab_size * c.d_model),
    added("That counts biases although bias=False: then there are none, and each LayerNorm has only its "
          "d_model scales", lambda c: (not c.bias) * (_biases(c) + _shifts(c))),
    added("That counts the bias vectors although bias=False: then there are none",
          lambda c: (not c.bias) * _biases(c)),
    added("That counts LayerNorm shifts although bias=False: each LayerNorm then has only its d_model scales",
          lambda c: (not c.bias) * _shifts(c)),
    added("That leaves out every bias vector although bias=True", lambda c: -c.bias * _biases(c)),
    added("That leaves out the LayerNorms' shifts: with biases each LayerNorm has d_model scales AND "
          "d_model shifts", lambda c: -c.bias * _shifts(c)),
    added("That leaves out the query, key and value biases (3 × n_heads × d_head per block)",
          lambda c: -c.bias * c.n_layers * 3 * c.attention_width),
    added("That sizes the query, key and value biases by d_model: they have n_heads × d_head entries each",
          lambda c: c.bias * c.n_layers * 3 * (c.d_model - c.attention_width)),
    added("That leaves out one d_model-sized bias per block: the attention's output bias or the MLP's "
          "down bias", lambda c: -c.bias * c.n_layers * c.d_model),
    added("That leaves out the MLP's up bias (d_mlp per block)", lambda c: -c.bias * c.n_layers * c.d_mlp),
    added("That sizes the MLP by 4 × d_model: use config.d_mlp",
          lambda c: c.n_layers * (2 * c.d_model + c.bias) * (4 * c.d_model - c.d_mlp)),
    added("That sizes the attention's maps d_model × d_model: they map d_model to n_heads × d_head",
          lambda c: c.n_layers * (4 * c.d_model + 3 * c.bias) * (c.d_model - c.attention_width)),
    added("That leaves out the attention's output map (n_heads × d_head × d_model per block)",
          lambda c: -c.n_layers * c.attention_width * c.d_model),
    added("That counts one block: multiply a block's count by n_layers",
          lambda c: -(c.n_layers - 1) * _block_exact(c)),
]
EXACT_MISTAKES = [
    *catalogue(_exact, EXACT_SLIPS, pairs=True),
    Mistake("That is the chapter's weight-matrix tally: the exact count adds positions, biases and "
            "LayerNorms (and a tied unembedding adds 0).", lambda c: count_parameters(c, "3b1b")["total"]),
]

_EXACT = [
    ("GPT-2 small", PRESETS["gpt2-small"],
     "add what the tally leaves out: positions (context_length × d_model), every bias, two LayerNorms "
     "per block plus a final one (scale and shift, d_model each) — and a tied unembedding adds 0."),
    ("GPT-3 13B (n_heads × d_head ≠ d_model)", PRESETS["gpt3-13b"],
     "the query/key/value biases have n_heads × d_head entries each, the output bias d_model."),
    ("a tiny model without biases", ModelConfig(7, 3, 4, 2, 2, d_head=3, d_mlp=5, bias=False),
     "bias=False: no bias vectors at all, and each LayerNorm has only its d_model scales."),
    ("a tiny model, untied", ModelConfig(7, 3, 4, 2, 2, d_head=3, d_mlp=5, tie_weights=False),
     "tie_weights=False: the unembedding is its own d_model × vocab_size matrix."),
    ("GPT-3 175B", PRESETS["gpt3-175b"], ""),
]
EXACT_CASES = cases(_exact, EXACT_MISTAKES, [(label, (config,), hint) for label, config, hint in _EXACT],
                    compare=compare_exact)


def check_exact_parameters(fn) -> CheckResult:
    """Check ``exact_parameters(config) -> int``: every parameter of a GPT-2-style model."""
    return run_check("exact_parameters", fn, EXACT_CASES, compare=unambiguous(recognising(compare_exactly)))


CATALOGUES = {"block_parameters": (check_block_parameters, BLOCK_MISTAKES),
              "fill_in_the_table": (check_weight_matrices, TABLE_MISTAKES),
              "exact_parameters": (check_exact_parameters,  # the single slips (pairs are their sums)
                                   EXACT_MISTAKES[:len(EXACT_SLIPS)] + EXACT_MISTAKES[-1:])}
