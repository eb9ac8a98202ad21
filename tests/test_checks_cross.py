"""Lesson 07's checks pass the reference answers and fail plausible wrong ones with a useful line."""

import math

import numpy as np
import pytest

from attnlab.attention import scaled_dot_product_attention
from attnlab.checks import check_cross_attention, check_decoder_masks, check_pattern_shapes


def stub(*args):
    raise NotImplementedError()


# --- reference answers, written the way a learner would ---------------------------------------------


def row_softmax(scores, axis=-1):
    e = np.exp(scores - scores.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def cross_attention(x, context, W_Q, W_K, W_V, keys_from=None, values_from=None, axis=-1, scale=None,
                    mask=None):
    q = x @ W_Q
    k = (context if keys_from is None else keys_from(x, context)) @ W_K
    v = (context if values_from is None else values_from(x, context)) @ W_V
    scores = q @ k.T / math.sqrt(q.shape[-1] if scale is None else scale(q, x))
    if mask is not None:
        scores = np.where(mask(*scores.shape), scores, -np.inf)
    return row_softmax(scores, axis=axis) @ v


def pattern_shapes(n_source, n_target, n_heads):
    return {"encoder": (n_heads, n_source, n_source), "decoder": (n_heads, n_target, n_target),
            "cross": (n_heads, n_target, n_source)}


def decoder_masks(n_target, n_source):
    return np.tril(np.ones((n_target, n_target), dtype=bool)), np.ones((n_target, n_source), dtype=bool)


def with_shape(key, make):
    return lambda S, T, H: {**pattern_shapes(S, T, H), key: make(S, T, H)}


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_cross_attention, cross_attention),
    (check_cross_attention, lambda x, c, Q, K, V: scaled_dot_product_attention(x @ Q, c @ K, c @ V)[0]),
    (check_pattern_shapes, pattern_shapes),
    (check_pattern_shapes, lambda S, T, H: {k: list(v) for k, v in pattern_shapes(S, T, H).items()}),
    (check_pattern_shapes, lambda S, T, H: {k: np.array(v) for k, v in pattern_shapes(S, T, H).items()}),
    (check_decoder_masks, decoder_masks),
    (check_decoder_masks, lambda T, S: [np.arange(T)[None, :] <= np.arange(T)[:, None],
                                        np.full((T, S), True)]),
]


# --- plausible wrong answers --------------------------------------------------------------------------


def causal(T, S):
    return np.tril(np.ones((T, S), dtype=bool))


@pytest.mark.parametrize("wrong, says", [
    # self-attention by mistake: keys and values from x
    (lambda *a: cross_attention(*a, keys_from=lambda x, c: x, values_from=lambda x, c: x),
     "That is SELF-attention"),
    # keys from x, values from context: fails even when the lengths agree
    (lambda x, c, *w: cross_attention(x, c, *w, keys_from=lambda x, c: x) if len(x) == len(c)
     else cross_attention(x, c, *w), "The keys must come from context, not from x"),
    (lambda x, c, *w: cross_attention(x, c, *w, values_from=lambda x, c: x) if len(x) == len(c)
     else cross_attention(x, c, *w), "The values must come from context, not from x"),
    (lambda *a: cross_attention(*a, mask=causal), "what a causal mask gives — cross-attention has none"),
    (lambda *a: cross_attention(*a, axis=0), "softmax over the wrong axis"),
    (lambda *a: cross_attention(*a, scale=lambda q, x: 1), "divide the scores by √d_head"),
    (lambda *a: cross_attention(*a, scale=lambda q, x: x.shape[-1]), "That scales by √d_model"),
    (lambda x, c, Q, K, V: cross_attention(x, c, Q, K, K), "case 1 of 6 (3 queries, 3 context tokens (same "
                                                           "length, another text)): every entry differs"),
    (lambda x, c, Q, K, V: scaled_dot_product_attention(x @ Q, c @ K, c @ V), "return only the output"),
    (lambda x, c, Q, K, V: "not an array", "expected an array of numbers"),
    (lambda x, c, Q, K, V: None, "did you forget to `return`"),
    (lambda x, c, Q, K, V: x @ Q @ (c @ K).T, "case 1 of 6"),  # the scores, not the output
])
def test_cross_attention_catches(wrong, says):
    result = check_cross_attention(wrong)
    assert not result.passed
    assert result.line.startswith("❌") and says in repr(result), repr(result)


@pytest.mark.parametrize("wrong, says", [
    (with_shape("cross", lambda S, T, H: (H, S, T)), "'cross': expected shape (2, 7, 6), got (2, 6, 7)"),
    (with_shape("cross", lambda S, T, H: (T, S)), "case 1 of 4"),  # the head axis forgotten
    (with_shape("decoder", lambda S, T, H: (H, T, S)), "got (2, 7, 6) — the decoder's self-attention"),
    (with_shape("encoder", lambda S, T, H: (H, T, T)), "the encoder's self-attention: the source looks at"),
    (with_shape("cross", lambda S, T, H: (T, H, S)), "got (7, 2, 6) — cross-attention: queries (rows)"),
    (with_shape("cross", lambda S, T, H: (H, T / 1, S)), "whole numbers such as (2, 7, 6)"),  # floats
    (with_shape("cross", lambda S, T, H: "(H, T, S)"), "expected a shape"),
    (lambda S, T, H: [(H, S, S), (H, T, T), (H, T, S)], "expected a dict"),
    (lambda S, T, H: {"self": (H, T, T), "cross": (H, T, S)}, "expected the keys"),
    (lambda S, T, H: None, "did you forget to `return`"),
])
def test_pattern_shapes_catches(wrong, says):
    result = check_pattern_shapes(wrong)
    assert not result.passed
    assert result.line.startswith("❌") and says in repr(result), repr(result)


@pytest.mark.parametrize("wrong, says", [
    (lambda T, S: (decoder_masks(T, S)[0], causal(T, S)), "cross_mask: 14 of 24 entries differ, the first at "
                                                          "query 0, key 1: got False, expected True"),
    (lambda T, S: (decoder_masks(T, S)[0], causal(T, S)), "— cross-attention needs no mask"),
    (lambda T, S: (np.ones((T, T), dtype=bool), decoder_masks(T, S)[1]), "self_mask: 6 of 16 entries differ"),
    (lambda T, S: (np.ones((T, T), dtype=bool), decoder_masks(T, S)[1]), "— the decoder's self-attention is"),
    (lambda T, S: (decoder_masks(T, S)[0], np.ones((S, T), dtype=bool)), "cross_mask: expected shape (4, 6)"),
    (lambda T, S: (np.tril(np.ones((T, T))), np.ones((T, S))), "expected a bool array"),
    (lambda T, S: (decoder_masks(T, S)[0], None), "cross_mask: got None in the pair"),
    (lambda T, S: decoder_masks(T, S)[0], "expected a pair"),
    (lambda T, S: (*decoder_masks(T, S), None), "expected a pair"),
    (lambda T, S: (np.triu(np.ones((T, T), dtype=bool)), decoder_masks(T, S)[1]), "case 1 of 4 (4 target"),
])
def test_decoder_masks_catches(wrong, says):
    result = check_decoder_masks(wrong)
    assert not result.passed
    assert result.line.startswith("❌") and says in repr(result), repr(result)


@pytest.mark.parametrize("check", [check_cross_attention, check_pattern_shapes, check_decoder_masks])
def test_a_non_function_or_a_crash_gives_one_line(check):
    assert check("cross_attention").line.startswith("❌ ")

    def crashes(*args):
        raise ValueError("shapes (2, 4) and (5, 3) not aligned")

    line = check(crashes).line
    assert line.startswith("❌") and "your code raised ValueError: shapes (2, 4)" in line


@pytest.mark.parametrize("wrong, yours", [  # a wrong shape is written back in the exercise's arguments
    (lambda S, T, H: {**pattern_shapes(S, T, H), "cross": (H, S, T)},
     "yours is (n_heads, n_source, n_target), rows and columns swapped"),
    (lambda S, T, H: {**pattern_shapes(S, T, H), "decoder": (H, T + 1, T + 1)},
     "yours is (n_heads, n_target + 1, n_target + 1)"),
    (lambda S, T, H: {**pattern_shapes(S, T, H), "cross": (H, S, S)},
     "yours is (n_heads, n_source, n_source)"),
])
def test_a_wrong_pattern_shape_is_written_in_the_arguments(wrong, yours):
    line = check_pattern_shapes(wrong).line
    assert yours in line, line
