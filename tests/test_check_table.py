"""Every exercise check, from one table: each passes its right answers, says "not implemented" for
the stub, has a check cell in a lesson and a test module of its own (docs/authoring.md's recipe).

Each ``tests/test_checks_<topic>.py`` declares ``REFERENCE_ANSWERS``: ``(check, a right answer)``
pairs, beside the plausible wrong answers it tests.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

import attnlab.checks
from attnlab.checks import reference_calls
from attnlab.checks.calling import call
from attnlab.checks.exercises import EXERCISES
from attnlab.paths import SOLUTIONS_DIR
from attnlab.yours.collect import definitions

COURSE_ANSWER = "this answer comes from the course's own"

TESTS = Path(__file__).parent
TOPICS = sorted(p.stem for p in TESTS.glob("test_checks_*.py"))
TABLE = [(topic, check, answer) for topic in TOPICS
         for check, answer in importlib.import_module(topic).REFERENCE_ANSWERS]
EXPORTED = sorted(name for name in attnlab.checks.__all__ if name.startswith("check_"))
LESSON_SOURCES = {p.stem: p.read_text() for p in sorted(SOLUTIONS_DIR.glob("*.ipynb"))}


def stub(*args, **kwargs):
    raise NotImplementedError()


@pytest.mark.parametrize("topic, check, answer", TABLE,
                         ids=[f"{t}:{c.__name__}:{i}" for i, (t, c, _) in enumerate(TABLE)])
def test_a_right_answer_passes(topic, check, answer, monkeypatch):
    result = check(answer)
    if not result.passed and COURSE_ANSWER in result.line:
        # The course's own function as the answer: the right numbers, but not a learner's work
        # (attnlab.checks.reference_calls). With that rule off, it must pass.
        monkeypatch.setattr(reference_calls.Watch, "call", lambda self, fn, case, t: call(fn, case, t))
        result = check(answer)
    assert result.passed and result.line.startswith("✅"), result.line


@pytest.mark.parametrize("name", sorted({c.__name__ for _, c, _ in TABLE}))
def test_every_check_has_a_right_answer_of_a_learners_own(name):
    """At least one right answer per check that is not the course's function."""
    lines = [check(answer).line for _, check, answer in TABLE if check.__name__ == name]
    assert any(line.startswith("✅") for line in lines), lines


@pytest.mark.parametrize("name", EXPORTED)
def test_the_stub_says_not_implemented(name):
    result = getattr(attnlab.checks, name)(stub)
    assert not result.passed and result.line.startswith("⏳"), result.line


@cache
def solution_functions(lesson: str) -> dict:
    """The definitions of a lesson's solution notebook (its imports, functions and classes)."""
    namespace, problems = definitions(nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4), lesson)
    assert not problems, problems
    return namespace


@pytest.mark.parametrize("name", EXPORTED)
def test_every_check_has_a_right_answer(name):
    """A right answer in the table, or else the lesson's own solution (a new exercise needs no row
    here to be tested: its solution is one right answer)."""
    if name in {check.__name__ for _, check, _ in TABLE}:
        return
    (ex,) = [ex for ex in EXERCISES if ex.check == name]
    result = getattr(attnlab.checks, name)(solution_functions(ex.lesson)[ex.name])
    assert result.passed, (f"{name}: {ex.lesson}'s solution fails its check ({result.line}); "
                           "add (check, right answer) to REFERENCE_ANSWERS in tests/test_checks_<topic>.py")


@pytest.mark.parametrize("name", EXPORTED)
def test_every_check_has_a_check_cell_in_a_lesson(name):
    cell = re.compile(rf"\b{name}\(")
    assert any(cell.search(text) for text in LESSON_SOURCES.values()), f"no lesson calls {name}(…)"


def test_every_check_in_the_table_is_exported():
    assert {check.__name__ for _, check, _ in TABLE} <= set(EXPORTED)
