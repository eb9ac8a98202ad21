"""Properties every check tests whatever its catalogue holds (issue 21): a function that returns the
right answer but changes its caller's array in place fails, and the line names the argument."""

import numpy as np
import pytest

from attnlab.checks import check_block_update, check_masked_pattern, check_stable_softmax
from attnlab.checks.calling import Outcome, call, changed_argument
from attnlab.checks.core import Case


def stable_softmax_in_place(scores):
    scores -= np.max(scores, axis=-1, keepdims=True)  # the caller's scores change
    e = np.exp(scores)
    return e / np.sum(e, axis=-1, keepdims=True)


def masked_pattern_in_place(scores, mask):
    scores[~np.broadcast_to(mask, scores.shape)] = -np.inf  # writes into the caller's scores
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def block_update_in_place(m, denom, numer, scores, v_block):
    m_new = np.maximum(m, np.max(scores, axis=-1, keepdims=True))  # (bq, 1)
    scale = np.exp(m - m_new)
    p = np.exp(scores - m_new)  # (bq, bk)
    denom *= scale  # the caller's running sum changes
    denom += np.sum(p, axis=-1, keepdims=True)
    numer = numer * scale + p @ v_block
    return m_new, denom, numer


@pytest.mark.parametrize("check, fn, argument", [
    (check_stable_softmax, stable_softmax_in_place, "scores"),
    (check_masked_pattern, masked_pattern_in_place, "scores"),
    (check_block_update, block_update_in_place, "denom"),
])
def test_an_in_place_update_fails_and_names_its_argument(check, fn, argument):
    result = check(fn)
    assert not result.passed, result.line
    assert f"changed its argument `{argument}` in place" in result.line
    assert "Hint:" not in result.line  # the property's own advice, no unrelated case hint
    assert "\n" not in result.line


def test_the_same_functions_without_the_in_place_step_pass():
    def stable_softmax(scores):
        e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
        return e / np.sum(e, axis=-1, keepdims=True)

    assert check_stable_softmax(stable_softmax).passed


def test_changed_argument_reads_keywords_tuples_and_nan():
    def bump(x, state=None):
        state[0][...] = 0
        return x

    case = Case("c", args=(np.array([np.nan, 1.0]),), kwargs={"state": (np.ones(2),)})
    assert call(bump, case) == Outcome("changed input", error="state")
    untouched = Case("c", args=(np.array([np.nan, 1.0]),))
    assert changed_argument(lambda x: x, untouched, (np.array([np.nan, 1.0]),), {}) == ""


def test_a_changed_input_travels_the_grader_wire():
    outcome = Outcome("changed input", error="scores")
    assert Outcome.from_wire(outcome.wire()) == outcome
