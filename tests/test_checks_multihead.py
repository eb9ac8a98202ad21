"""Lesson 06's checks pass the reference answers and fail plausible wrong ones with a useful line."""

import math

import numpy as np
import pytest

from attnlab.checks import check_head_entropy, check_multi_head, check_stack_value_ups


def stub(*args):
    raise NotImplementedError()


# --- reference answers, written the way a learner would ---------------------------------------------


def row_softmax(scores):
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def multi_head(x, W_Q, W_K, W_V_down, W_V_up, scale=None, combine=sum):
    changes = []
    for h in range(len(W_Q)):
        q, k, v = x @ W_Q[h], x @ W_K[h], x @ W_V_down[h]
        d = q.shape[-1] if scale is None else scale(x, q)
        pattern = row_softmax(q @ k.T / math.sqrt(d))
        changes.append(pattern @ v @ W_V_up[h])
    return combine(changes)


def head_entropy(pattern):
    logs = np.log2(pattern, where=pattern > 0, out=np.zeros_like(pattern))
    return float(np.mean(-np.sum(pattern * logs, axis=-1)))


REFERENCE_ANSWERS = [  # (check, a right answer): tests/test_check_table.py runs them
    (check_multi_head, multi_head),
    (check_stack_value_ups, lambda W: np.concatenate(list(W), axis=0)),
    (check_stack_value_ups, lambda W: W.reshape(-1, W.shape[-1])),
    (check_head_entropy, head_entropy),
]


# --- plausible wrong answers --------------------------------------------------------------------------


@pytest.mark.parametrize("check, wrong, says", [
    (check_multi_head, lambda *a: multi_head(*a, combine=lambda c: sum(c) / len(c)), "case 2 of 5 (3 heads"),
    (check_multi_head, lambda *a: multi_head(*a, combine=np.stack), "got shape (1, 3, 4)"),
    (check_multi_head, lambda *a: multi_head(*a, scale=lambda x, q: x.shape[-1]), "case 1 of 5 (one head"),
    (check_multi_head, lambda *a: multi_head(*a, scale=lambda x, q: 1), "case 1 of 5"),
    (check_multi_head, lambda x, Q, K, Vd, Vu: multi_head(x, Q[:1], K[:1], Vd[:1], Vu[:1]), "case 2 of 5"),
    (check_stack_value_ups, lambda W: np.concatenate(list(W), axis=1), "got shape (3, 8)"),
    (check_stack_value_ups, lambda W: W.transpose(1, 0, 2).reshape(-1, W.shape[-1]), "case 1 of 4"),
    (check_head_entropy, lambda p: head_entropy(p) * math.log(2),
     "That is in nats (np.log): the entropy in BITS uses np.log2"),
    (check_head_entropy, lambda p: float(np.mean(-np.sum(p * np.log2(p), axis=-1))), "case 2 of 5 (each"),
    (check_head_entropy, lambda p: head_entropy(p) * len(p), "case 1 of 5"),
])
def test_plausible_wrong_answers_fail_with_a_useful_line(check, wrong, says):
    result = check(wrong)
    assert not result.passed
    assert result.line.startswith("❌") and says in result.line, result.line
