"""The fourth fresh set of learner answers (tests/fresh_mistakes_4.py), run through the real checks.

Unseen by the checks' engineers when it landed. What must already hold: no check prints a traceback or
raises, whatever the learner wrote, and every other valid answer passes (but those in REFUSED, which
the checks wrongly refuse today: each xfails with its reason, so the refusal stays visible). How many
mistakes the checks *name* is measured, not asserted (`python tests/fresh_mistakes_4.py --markdown`;
this file's last test prints the table under `pytest -s`).
"""

import fresh_mistakes_2 as harness
import fresh_mistakes_3
import fresh_mistakes_4 as fresh
import pytest
from test_fresh_mistakes_2 import answers_in_one_line, one_thread, params  # noqa: F401 (one_thread: an autouse fixture)

ATTEMPTS = fresh.attempts()
VERDICTS = {}  # name -> verdict, as the tests above run them: the last test prints their table
# valid answers the checks refuse today, with why (see /work/notes/issue21-blind-s5.md)
REFUSED = {}


@pytest.mark.parametrize("attempt", params(ATTEMPTS, REFUSED))
def test_the_check_answers_in_one_line_and_passes_valid_answers(attempt):
    answers_in_one_line(attempt, VERDICTS)


def test_the_set_is_what_it_says():
    real = [a for a in ATTEMPTS if a.real]
    assert len(real) >= 250 and len(ATTEMPTS) - len(real) >= 60
    assert sum(a.lesson == "10" for a in real) >= 30 and sum(a.lesson == "12" for a in real) >= 20
    assert {a.exercise for a in ATTEMPTS} == set(harness.CHECKS)  # every exercise of lessons 01–12
    assert len({a.name for a in ATTEMPTS}) == len(ATTEMPTS)
    assert not any(a.in_issue for a in ATTEMPTS)  # none of issue 21's own bugs
    assert REFUSED.keys() <= {a.name for a in ATTEMPTS if not a.real}


@pytest.mark.parametrize("earlier", [harness, fresh_mistakes_3], ids=["second set", "third set"])
def test_no_attempt_repeats_an_earlier_set_word_for_word(earlier):
    assert harness.repeated(ATTEMPTS, earlier.attempts()) == []


def test_print_the_named_rate(capsys):
    """Not an assertion: the table the checks' engineer reads (pytest -s shows it)."""
    if VERDICTS:
        with capsys.disabled():
            print("\n" + "\n".join(harness.table(list(VERDICTS.values()))))
