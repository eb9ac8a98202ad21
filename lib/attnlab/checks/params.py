"""Checks for ``08_gpt3_parameters``: one block's weights, 3Blue1Brown's table, the exact count.

Every expected answer comes from :mod:`attnlab.params`, whose counts are tested against torch
models built on the meta device.
"""

from __future__ import annotations

from attnlab.checks.core import Case, CheckResult, compare_exact, run_check, show
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
    for key, want in expected.items():
        problem = compare_exact(got[key], want)
        if problem is not None:
            return f"{key!r}: {problem}"
    return None


# --- one block ---------------------------------------------------------------------------------------


def _block(d_model, n_heads, d_head, d_mlp) -> dict[str, int]:
    config = ModelConfig(1, 1, d_model, n_heads, 1, d_head=d_head, d_mlp=d_mlp)
    counts = block_parameters(config, "3b1b")
    return {"attention": counts["attention"], "mlp": counts["mlp"]}


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
BLOCK_CASES = [Case(label, args, expected=_block(*args), hint=hint) for label, args, hint in _BLOCKS]


def check_block_parameters(fn) -> CheckResult:
    """Check ``block_parameters(d_model, n_heads, d_head, d_mlp) -> {"attention": int, "mlp": int}``
    (weight matrices only, 3Blue1Brown's tally)."""
    return run_check("block_parameters", fn, BLOCK_CASES, compare=compare_counts)


# --- the chapter's table -------------------------------------------------------------------------------

_TABLE_HINT = ("every row is summed over all layers (and the four head rows over all heads); the "
               "unembedding is its own d_model × vocabulary matrix in this table.")
_MODELS = [
    ("GPT-3 175B", PRESETS["gpt3-175b"], _TABLE_HINT),
    ("GPT-2 small", PRESETS["gpt2-small"], ""),
    ("GPT-3 13B (n_heads × d_head ≠ d_model)", PRESETS["gpt3-13b"],
     "the head rows use d_head, the MLP rows d_mlp: not d_model alone."),
    ("a tiny model: vocab 7, d_model 4, 2 heads of 3, 2 layers, d_mlp 5",
     ModelConfig(7, 3, 4, 2, 2, d_head=3, d_mlp=5), "use config.d_head and config.d_mlp as given."),
    ("one layer, one head, untied", ModelConfig(5, 2, 2, 1, 1, tie_weights=False), ""),
]
TABLE_CASES = [Case(label, (config,), expected=weight_matrices(config), hint=hint)
               for label, config, hint in _MODELS]


def check_weight_matrices(fn) -> CheckResult:
    """Check ``fill_in_the_table(config) -> dict``: 3Blue1Brown's rows (embedding, query, key,
    value_down, value_up, up_projection, down_projection, unembedding) for a whole model."""
    return run_check("fill_in_the_table", fn, TABLE_CASES, compare=compare_counts)


# --- the exact count -----------------------------------------------------------------------------------

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
EXACT_CASES = [Case(label, (config,), expected=count_parameters(config, "exact")["total"], hint=hint)
               for label, config, hint in _EXACT]


def check_exact_parameters(fn) -> CheckResult:
    """Check ``exact_parameters(config) -> int``: every parameter of a GPT-2-style model."""
    return run_check("exact_parameters", fn, EXACT_CASES, compare=compare_exact)
