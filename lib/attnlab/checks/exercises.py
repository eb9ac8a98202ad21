"""Every graded exercise of the course, declared once.

An :class:`Exercise` says what the learner writes (its signature, which is also its nbgrader grade
id), in which lesson, which check judges it (``check_<name>`` in ``attnlab.checks.<topic>``), for
how many points, and which earlier exercises it may build on (their checks' helpers: the course's
version stands in when the learner's is what goes wrong). Everything else about an exercise is
derived from this table: ``attnlab.checks.__all__`` and what ``from attnlab.checks import …``
finds, the lesson's cells and their nbgrader metadata (:mod:`attnlab.course.authoring`), the
grader's exercise list, ``yours``' lessons, and the totals the tests expect.

A new exercise may carry its cells: ``prompt`` (the markdown above it) and ``solution`` (its code,
the answer between ``### BEGIN SOLUTION`` and ``### END SOLUTION``). The generator then writes
them into the lesson; without them the lesson's solution notebook holds the code.

This module imports nothing of the course's: reading the table costs nothing, whatever a lesson needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    """One graded exercise (see the module's docstring)."""

    lesson: str  # "03_softmax": its solution notebook
    topic: str  # its check lives in attnlab.checks.<topic>
    signature: str  # "def stable_softmax(scores)" or "class Block(nn.Module)": the cell's first line
    points: float = 1.0
    builds_on: tuple[str, ...] = ()  # earlier exercises it may call
    check_name: str = ""  # the check's name when it is not check_<name>
    prompt: str = ""  # markdown above a new exercise (the generator writes the cell)
    solution: str = ""  # the code of a new exercise, its answer inside the solution markers
    after: str = ""  # the id of the cell a new exercise follows (default: the lesson's last check cell)
    # the course's own classes a class exercise writes again ("attnlab.models.layers.Block"): left
    # out of its lesson's grading build, where a subclass of the course's would be no work at all
    counterparts: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The function (or class) the learner writes — also the exercise cell's nbgrader grade id."""
        head = self.signature.split(None, 1)[1]
        return head.split("(", 1)[0].strip().rstrip(":")

    @property
    def check_id(self) -> str:
        """The check cell's nbgrader grade id: ``check_stable_softmax``, ``check_multi_head_attention``."""
        return "check_" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", self.name).lower()

    @property
    def check(self) -> str:
        """The check's name (its check cell calls it): ``check_<name>`` unless declared otherwise."""
        return self.check_name or self.check_id

    @property
    def module(self) -> str:
        return f"attnlab.checks.{self.topic}"

    @property
    def check_source(self) -> str:
        """The check cell: the check's line for the learner, and the assert nbgrader grades (hidden
        from the student copy, so an untouched stub cannot earn the point)."""
        call = f"{self.check}({self.name})"
        return f"### BEGIN HIDDEN TESTS\nassert {call}.passed, {call}.line\n### END HIDDEN TESTS\n{call}"


def _lesson(lesson: str, topic: str, *exercises: dict) -> list[Exercise]:
    return [Exercise(lesson, topic, **ex) for ex in exercises]


def ex(signature: str, **more) -> dict:
    return {"signature": signature, **more}


EXERCISES: list[Exercise] = [
    *_lesson("00_start_here", "start", ex("def dot(u, v)")),
    *_lesson("01_embeddings", "embeddings",
             ex("def cosine_similarity(u, v)"),
             ex("def nearest_neighbours(vector, table, k)", builds_on=("cosine_similarity",)),
             ex("def spread(vectors)", builds_on=("cosine_similarity",))),
    *_lesson("02_dot_product_relevance", "relevance",
             ex("def score_grid(x, W_Q, W_K)"),
             ex("def picked_keys(scores)"),
             ex("def scaled_scores(q, k)")),
    *_lesson("03_softmax", "softmax",
             ex("def stable_softmax(scores)"),
             ex("def softmax_with_temperature(scores, temperature)", builds_on=("stable_softmax",)),
             ex("def attention_pattern(q, k)", builds_on=("stable_softmax",))),
    *_lesson("04_masking", "masking",
             ex("def causal_mask(T)"),
             ex("def masked_pattern(scores, mask)"),
             ex("def pattern_size(context_length, dtype)")),
    *_lesson("05_value_map", "value_map",
             ex("def weighted_sum(pattern, values)"),
             ex("def update(E, pattern, W_down, W_up)", builds_on=("weighted_sum",)),
             ex("def value_map_counts(d_model, d_head, n_heads, n_layers)")),
    *_lesson("06_multi_head", "multihead",
             ex("def multi_head(x, W_Q, W_K, W_V_down, W_V_up)"),
             ex("def stack_value_ups(W_V_up)"),
             ex("def head_entropy(pattern)")),
    *_lesson("07_cross_attention", "cross",
             ex("def cross_attention(x, context, W_Q, W_K, W_V)"),
             ex("def pattern_shapes(n_source, n_target, n_heads)"),
             ex("def decoder_masks(n_target, n_source)")),
    *_lesson("08_gpt3_parameters", "params",
             ex("def block_parameters(d_model, n_heads, d_head, d_mlp)"),
             ex("def fill_in_the_table(config)", check_name="check_weight_matrices"),
             ex("def exact_parameters(config)")),
    *_lesson("09_tiny_gpt", "gpt",
             ex("def residual_block(block, x)"),
             ex("def gpt_forward(model, idx)", builds_on=("residual_block",)),
             ex("def next_word_probabilities(model, x, temperature=1.0)"),
             ex("def greedy_generate(model, idx, n_new)", builds_on=("gpt_forward",))),
    *_lesson("10_your_own_gpt", "own_gpt",
             ex("class MultiHeadAttention(nn.Module)",
                counterparts=("attnlab.models.layers.MultiHeadAttention",)),
             ex("class Block(nn.Module)", counterparts=("attnlab.models.layers.Block",)),
             ex("class GPT(nn.Module)", counterparts=("attnlab.models.gpt.TinyGPT",)),
             ex("def train(model, rows, steps, batch_size=32, lr=1e-2)")),
    *_lesson("11_attention_at_scale", "scale",
             ex("def online_max_and_sum(blocks)"),
             ex("def block_update(m, denom, numer, scores, v_block)"),
             ex("def kv_cache_bytes(config, n_tokens, bytes_per_number)"),
             ex("def cache_step(q, k, v, k_cache, v_cache)")),
    *_lesson("12_todays_llms", "todays",
             ex("def rope(x, positions, base)"),
             ex("def repeat_kv(kv, n_rep)"),
             ex("def sliding_window_mask(T, window)")),
    *_lesson("13_review", "review", ex("def head_update(x, W_Q, W_K, W_V_down, W_V_up, causal=True)")),
]


def by_name() -> dict[str, Exercise]:
    """Exercise name -> its declaration."""
    return {exercise.name: exercise for exercise in EXERCISES}


def of_lesson(lesson: str) -> list[Exercise]:
    """The exercises of one lesson, in the lesson's order."""
    return [exercise for exercise in EXERCISES if exercise.lesson == lesson]


def lessons() -> list[str]:
    """The lessons that have exercises, in the table's order."""
    return list(dict.fromkeys(exercise.lesson for exercise in EXERCISES))


def checks() -> dict[str, str]:
    """Check name -> the module that defines it (what ``attnlab.checks`` exports)."""
    return {exercise.check: exercise.module for exercise in EXERCISES}

