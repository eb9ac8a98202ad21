"""Calling the course's reference is not an answer (attnlab.checks.reference_calls), in a notebook.

The grader's side (0 points, the line as the note) is in tests/test_class.py.
"""

from __future__ import annotations

import functools
import sys

import numpy as np
import pytest

import attnlab.attention as course
from attnlab.attention import softmax
from attnlab.checks import check_attention_pattern, check_softmax_with_temperature, check_stable_softmax
from attnlab.checks.reference_calls import course_answers, same_answer, verdict

alias = softmax


def own_softmax(scores):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


CHEATS = {
    "the name": lambda scores: softmax(scores),
    "an alias": lambda scores: alias(scores),
    "the module": lambda scores: course.softmax(scores),
    "a partial": lambda scores: functools.partial(softmax)(scores),
    "map": lambda scores: next(map(softmax, [scores])),
    "a copy": lambda scores: softmax(scores).copy(),
    "plus zero": lambda scores: softmax(scores) + 0.0,
    "a list": lambda scores: np.array(softmax(scores).tolist()),
    "a nested helper": lambda scores: (lambda s: softmax(s))(scores),
}


@pytest.mark.parametrize("how", CHEATS)
def test_returning_the_courses_softmax_is_not_an_answer(how):
    result = check_stable_softmax(CHEATS[how])
    assert not result.passed
    assert "course's own `softmax`" in result.line and "not yours" in result.line
    assert result.line.startswith("❌")


def test_ones_own_softmax_passes_and_says_nothing_about_the_course():
    result = check_stable_softmax(own_softmax)
    assert result.passed and "course" not in result.line


def test_checking_against_the_course_belongs_in_a_scratch_cell():
    """Inside the graded function, the course's equal answer cannot be told from a copied one, so
    the line says where such a comparison belongs; in a cell of its own it costs nothing."""

    def careful(scores):
        mine = own_softmax(scores)
        assert np.allclose(mine, softmax(scores))
        return mine

    assert "scratch cell" in check_stable_softmax(careful).line
    x = np.array([1.0, 2.0])
    assert np.allclose(own_softmax(x), softmax(x))  # the scratch cell
    assert check_stable_softmax(own_softmax).passed


def test_temperature_and_pattern_one_liners_are_caught():
    assert not check_softmax_with_temperature(lambda s, t: softmax(s, temperature=t)).passed
    assert not check_softmax_with_temperature(lambda s, t: softmax(s / t)).passed
    pattern = lambda q, k: softmax(q @ k.T / np.sqrt(q.shape[-1]))  # noqa: E731
    assert "course's own `softmax`" in check_attention_pattern(pattern).line
    assert not check_attention_pattern(lambda q, k: course.attention_pattern(q, k)).passed


def test_a_later_exercise_on_a_helper_that_is_the_courses_is_not_marked_twice():
    """attention_pattern is the learner's own work; its stable_softmax is the course's — that
    costs stable_softmax's point (its own check), not attention_pattern's."""
    namespace = {"np": np, "softmax": softmax}
    exec("def stable_softmax(scores):\n    return softmax(scores)\n"  # noqa: S102
         "def attention_pattern(q, k):\n    return stable_softmax(q @ k.T / np.sqrt(q.shape[-1]))\n",
         namespace)
    assert not check_stable_softmax(namespace["stable_softmax"]).passed
    assert check_attention_pattern(namespace["attention_pattern"]).passed


def test_the_course_is_put_back_whatever_the_learners_code_does():
    code = softmax.__code__

    def breaks(scores):
        softmax(scores)
        raise KeyboardInterrupt

    assert not check_stable_softmax(breaks).passed
    assert softmax.__code__ is code and softmax(np.zeros(2)).tolist() == [0.5, 0.5]
    assert not hasattr(course, "__attnlab_course_call__")


def test_the_course_calling_itself_is_not_the_learners_call():
    """The course's attention_pattern calls its softmax; only the outer call is the learner's."""
    result = check_attention_pattern(lambda q, k: course.attention_pattern(q, k))
    assert "`attention_pattern`" in result.line and "`softmax`" not in result.line


def test_a_wrong_answer_keeps_its_own_line():
    result = check_stable_softmax(lambda s: softmax(s) * 2)
    assert not result.passed and "case 1 of" in result.line


def test_an_answer_that_cannot_be_compared_never_crashes():
    class Weird:
        def __array__(self, *a, **k):
            raise RuntimeError("no")

    assert not same_answer(Weird(), np.ones(2))
    assert same_answer((np.ones(2), 3), [np.ones(2), 3.0])
    assert not same_answer(np.ones(2), np.ones(3))


def test_names_from_a_sandbox_are_untrusted():
    assert course_answers("softmax", "stable_softmax") == []
    assert course_answers([1, None, "softmax"], "stable_softmax") == ["softmax"]
    passed = check_stable_softmax(own_softmax)
    assert verdict(passed, [], "stable_softmax") is passed
    assert not verdict(passed, ["softmax"], "stable_softmax").passed


def test_dropping_the_course_from_sys_modules_does_not_unwatch_it(monkeypatch):
    monkeypatch.delitem(sys.modules, "attnlab.attention")
    assert not check_stable_softmax(lambda scores: alias(scores)).passed
