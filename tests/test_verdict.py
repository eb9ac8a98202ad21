"""Readable lines: a word beside every sign, whole numbers as whole numbers, NaN as NaN, and one line of
at most 300 characters with what it left out on a second line."""

import numpy as np
import pytest

from attnlab.checks import verdict
from attnlab.checks.core import Case, CheckResult, compare_arrays, compare_exact, run_check, show


def test_every_verdict_carries_a_word_beside_its_sign():
    assert CheckResult("dot", True, "all 5 cases pass.", 5, 5).line == "✅ pass · dot: all 5 cases pass."
    assert CheckResult("dot", False, "case 1 of 5 (x): no.", 0, 5).line.startswith("❌ not yet · dot: ")
    assert CheckResult("dot", False, "not implemented yet", 0, 0).line.startswith("⏳ to do · dot: ")


@pytest.mark.parametrize("line, text", [
    ("✅ pass · dot: all 5 cases pass.", "dot: all 5 cases pass."),
    ("❌ not yet · dot: case 1 of 5 (x): no.", "dot: case 1 of 5 (x): no."),
    ("⏳ to do · dot: not implemented yet", "dot: not implemented yet"),
    ("❌ dot: an old line", "dot: an old line"),
    ("no sign at all", "no sign at all"),
])
def test_text_of_takes_off_the_sign_and_the_word(line, text):
    assert verdict.text_of(line) == text


def test_whole_numbers_print_whole_and_nan_prints_nan():
    assert show(np.array([2, 1])) == "[2 1]"
    assert show(np.int64(3)) == "3" and show(float("nan")) == "NaN"
    assert "NaN" in show(np.array([1.0, np.nan])) and "nan" not in show(np.array([1.0, np.nan]))
    assert compare_exact(np.array([1, 2]), np.array([2, 1])) == "expected [2 1], got [1 2]"
    assert compare_arrays(np.array([1, 2]), np.array([2, 1])) == "expected [2 1], got [1 2]"


def test_a_long_answer_is_one_line_of_300_with_the_rest_below():
    listing = {f"blocks.{i}.attn.weight": (64, 64) for i in range(40)}  # a state_dict's keys, say
    result = run_check("GPT", lambda: listing, [Case("the checkpoint", expected=np.zeros(2))],
                       compare=lambda got, want: f"expected {show(want)}, got {got!r}")
    assert not result.passed and len(result.line) <= verdict.LIMIT and "\n" not in result.line
    assert result.line.startswith("❌ not yet · GPT: case 1 of 1") and " … " in result.line
    assert "blocks.39.attn.weight" in result.detail and repr(result) == result.line + "\n  " + result.detail


def test_a_hint_that_does_not_fit_goes_below_and_the_diagnosis_stays():
    message = "case 2 of 5 (scores): " + "every entry differs. " * 8 + "Hint: " + "look here " * 10
    first, rest = verdict.lines(False, "f: " + message)
    assert len(first) <= verdict.LIMIT and "Hint" not in first and rest.startswith("Hint: look here")


def test_the_case_label_goes_below_before_the_diagnosis_is_cut():
    says = "That zeroes after softmax: mask the scores before softmax. " * 3
    first, rest = verdict.lines(False, f"f: case 3 of 6 ({'a long label ' * 10}): got NaN. {says}")
    assert first.startswith("❌ not yet · f: case 3 of 6: got NaN.") and says.strip() in first
    assert "a long label" in rest and len(first) <= verdict.LIMIT


def test_a_line_that_fits_is_left_alone():
    assert verdict.lines(True, "dot: all 5 cases pass.") == ("✅ pass · dot: all 5 cases pass.", "")
