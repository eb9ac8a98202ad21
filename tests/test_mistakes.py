"""The mistake machinery: a catalogued slip is named whichever case reveals it; arrays that differ are
described by where they differ."""

import numpy as np
import pytest

from attnlab.checks.core import run_check
from attnlab.checks.mistakes import Mistake, cases, compare_values, expect, recognising, where_they_differ
from attnlab.checks.relations import number


def halve(x):
    return x / 2


def double(x):
    return x * 2


def negate(x):
    return -x


CATALOGUE = [Mistake("That is half of it.", halve), Mistake("That is twice it.", double)]
ROWS = [("zero", (np.zeros(3),), "zero stays zero"),  # no mistake shows here: both give 0
        ("ones", (np.ones(3),), "a hint for anything else")]
CASES = cases(lambda x: x, CATALOGUE, ROWS, compare=compare_values)


def check_identity(fn):
    return run_check("identity", fn, CASES, compare=recognising(compare_values))


def test_a_case_keeps_only_the_mistakes_it_can_see():
    assert CASES[0].expected.mistakes == ()
    assert [says for _, says in CASES[1].expected.mistakes] == ["That is half of it.", "That is twice it."]
    assert CASES[0].hint == "zero stays zero" and CASES[1].hint == "a hint for anything else"


def test_a_mistake_that_raises_on_a_case_is_left_out():
    boom = Mistake("never seen", lambda x: 1 / 0)
    assert expect(np.ones(2), [boom], (np.ones(2),)).mistakes == ()


@pytest.mark.parametrize("mistake", CATALOGUE)
def test_each_mistake_gets_its_own_line(mistake):
    line = check_identity(mistake.wrong).line
    assert line.startswith("❌ not yet · identity: case 2 of 2 (ones)")
    assert mistake.says in line
    assert all(other.says not in line for other in CATALOGUE if other is not mistake)
    assert "Hint:" not in line, "a named slip needs no general hint after it"


def test_an_unknown_slip_gets_the_case_hint():
    line = check_identity(negate).line
    assert "Hint: a hint for anything else" in line
    assert "half" not in line and "twice" not in line


def test_the_right_answer_passes():
    assert check_identity(lambda x: x + 0).passed


def test_a_constant_ratio_is_named():
    text = where_they_differ(np.full((2, 3), 0.25), np.ones((2, 3)))
    assert text == ("every entry differs, the first at [0, 0]: got 0.25, expected 1 — every entry is "
                    "0.25 (= 1/4) × the expected one")


def test_the_first_differing_index_and_the_share_are_named():
    got = np.arange(6.0).reshape(2, 3)
    want = got.copy()
    want[1, 2] = 7.0
    want[1, 0] = -1.0
    assert where_they_differ(got, want) == "2 of 6 entries differ, the first at [1, 0]: got 3, expected -1"


def test_numbers_that_differ_by_a_ratio():
    assert where_they_differ(6.0, 12.0) == f"expected 12, got 6 ({number(0.5)} × the expected value)"
    assert where_they_differ(24.0, 12.0) == f"expected 12, got 24 ({number(2.0)} × the expected value)"
    assert where_they_differ(36.0, 12.0) == "expected 12, got 36 (3 × the expected value)"


@pytest.mark.parametrize("got, want", [
    (np.ones(3), np.ones(4)),  # shapes differ: compare_arrays says so
    (np.array([np.nan, 1.0]), np.ones(2)),  # NaN: compare_arrays says so
    ("text", np.ones(2)),
])
def test_what_cannot_be_set_side_by_side_is_left_to_compare_arrays(got, want):
    assert where_they_differ(got, want) is None
    assert compare_values(got, want) is not None


def test_equal_arrays_pass():
    assert compare_values(np.ones(3), np.ones(3) + 1e-12) is None


def test_code_that_raises_still_gets_the_case_hint():
    line = check_identity(lambda x: x[5]).line
    assert "your code raised IndexError" in line and line.endswith("Hint: zero stays zero")
