"""The check machinery: friendly one-liners, never a crash, and it notices wrong answers."""

import time

import numpy as np
import pytest

from attnlab.checks import Case, check_dot, check_softmax_with_temperature, check_stable_softmax, run_check
from attnlab.checks.core import compare_arrays, compare_exact, show


def reference_dot(u, v):
    return float(np.dot(u, v))


def test_a_correct_answer_passes():
    result = check_dot(reference_dot)
    assert result.passed and bool(result)
    assert repr(result) == "✅ pass · dot: all 5 cases pass. Well done!"


def test_the_stub_says_not_implemented():
    def dot(u, v):
        # YOUR CODE HERE
        raise NotImplementedError()

    result = check_dot(dot)
    assert not result.passed
    assert repr(result).startswith("⏳ to do · dot: not implemented yet")


@pytest.mark.parametrize(
    "wrong, says",
    [
        (lambda u, v: u * v, "expected a single number, got an array of shape (3,)"),
        (lambda u, v: float(np.sum(u + v)), "expected 12, got 11"),
        (lambda u, v: None, "got None — did you forget to `return` the result?"),
        (lambda u, v: u[5], "your code raised IndexError: index 5 is out of bounds"),
        (lambda u, v: float("nan"), "the answer contains NaN"),
        (lambda u, v: "12", "expected an array of numbers, got str '12'"),
        (lambda u, v: abs(float(np.dot(u, v))), "case 4 of 5 (opposite directions"),
    ],
)
def test_plausible_mistakes_fail_with_a_specific_line(wrong, says):
    result = check_dot(wrong)
    assert not result.passed
    assert says in result.line
    assert result.line.startswith("❌ not yet · dot: case ")
    assert "\n" not in result.line and "Traceback" not in result.line


def test_an_endless_loop_is_stopped_by_the_time_limit():
    def forever(u, v):
        while True:
            pass

    start = time.perf_counter()
    result = run_check("dot", forever, [Case("any", (1, 2), expected=2)], time_limit_s=0.3)
    assert time.perf_counter() - start < 5
    assert "still running after 0.3 s" in result.line


def test_the_learners_code_cannot_change_the_cases():
    def mutating(u, v):
        u[:] = 0
        return 0.0

    case = Case("u·v", (np.ones(2), np.ones(2)), expected=2.0)
    run_check("dot", mutating, [case])
    np.testing.assert_array_equal(case.args[0], np.ones(2))


def test_not_a_function():
    assert "expected a function, got int 3" in check_dot(3).line


def test_compare_helpers():
    assert compare_arrays([1.0, 2.0], np.array([1.0, 2.0])) is None
    assert "expected shape (2,)" in compare_arrays([[1.0, 2.0]], np.array([1.0, 2.0]))
    assert compare_exact(3, 3) is None
    assert compare_exact(np.array([True]), np.array([False])) is not None


def test_compare_arrays_explains_a_tuple_instead_of_blaming_the_learner():
    expected = np.zeros((1, 3, 4))
    pair = (np.zeros((1, 3, 4)), np.zeros((1, 3, 3)))  # (output, pattern): np.asarray raises on it
    message = compare_arrays(pair, expected)
    assert "got a tuple of 2 items with shapes (1, 3, 4), (1, 3, 3)" in message
    assert "got a list of 2 items" in compare_arrays(list(pair), expected)
    assert show(list(pair))  # never raises


# --- an exercise built on an earlier one: one mistake is marked once -------------------------------

NAIVE_SOFTMAX = """
def stable_softmax(scores):
    return np.exp(scores) / np.exp(scores).sum()  # no max subtracted, sums the whole grid
"""
STUB_SOFTMAX = """
def stable_softmax(scores):
    # YOUR CODE HERE
    raise NotImplementedError()
"""
TEMPERATURE = """
def softmax_with_temperature(scores, temperature):
    return stable_softmax(scores / temperature)
"""
NO_DIVISION = """
def softmax_with_temperature(scores, temperature):
    return stable_softmax(scores)
"""


def notebook(*cells: str) -> dict:
    """The learner's namespace after running ``cells``, as a kernel would hold it."""
    namespace = {"np": np}
    for cell in cells:
        exec(cell, namespace)
    return namespace


@pytest.mark.parametrize("helper", [NAIVE_SOFTMAX, STUB_SOFTMAX], ids=["wrong", "not-implemented"])
def test_an_exercise_is_not_failed_again_for_the_helper_it_calls(helper):
    ns = notebook(helper, TEMPERATURE)
    mine = ns["stable_softmax"]
    assert not check_stable_softmax(mine)
    result = check_softmax_with_temperature(ns["softmax_with_temperature"])
    assert result.passed, result.line
    assert "once the course's `stable_softmax` stands in for yours" in result.line
    assert "your `stable_softmax` is what goes wrong here" in result.line
    assert ns["stable_softmax"] is mine  # the learner's namespace is given back as it was


def test_a_mistake_of_its_own_still_fails_with_its_own_line():
    for helper in (NAIVE_SOFTMAX, "from attnlab.attention import softmax as stable_softmax"):
        result = check_softmax_with_temperature(notebook(helper, NO_DIVISION)["softmax_with_temperature"])
        assert not result.passed
        assert "case 2 of 6 (temperature 0.5 sharpens)" in result.line


def test_the_helper_is_given_back_even_when_the_exercise_loops_forever():
    ns = notebook(NAIVE_SOFTMAX, "def f(x):\n    while stable_softmax(x) is not None:\n        pass\n")
    mine = ns["stable_softmax"]
    result = run_check("f", ns["f"], [Case("x", (np.zeros(2),), expected=0.0)], time_limit_s=0.2,
                       helpers={"stable_softmax": lambda x: x})
    assert "still running after 0.2 s" in result.line
    assert ns["stable_softmax"] is mine


def test_a_message_that_ends_in_a_question_gets_no_extra_full_stop():
    """"… the result?." read as a typo: a problem ending in ? or ! keeps its own mark."""
    from attnlab.checks.core import with_hint

    asks = Case("a case", (1,), expected=1, hint="look again")
    assert with_hint("did you return the result?", asks) == "did you return the result? Hint: look again"
    assert with_hint("wrong shape.", asks) == "wrong shape. Hint: look again"
    assert with_hint("it never ends?", Case("c", (1,), expected=1)) == "it never ends?"
