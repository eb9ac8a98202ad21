"""Every exercise check, from one table: each passes its right answers, says "not implemented" for
the stub, has a check cell in a lesson and a test module of its own (docs/authoring.md's recipe).

Each ``tests/test_checks_<topic>.py`` declares ``REFERENCE_ANSWERS``: ``(check, a right answer)``
pairs, beside the plausible wrong answers it tests.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import attnlab.checks
from attnlab.paths import SOLUTIONS_DIR

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
def test_a_right_answer_passes(topic, check, answer):
    result = check(answer)
    assert result.passed and result.line.startswith("✅"), result.line


@pytest.mark.parametrize("name", EXPORTED)
def test_the_stub_says_not_implemented(name):
    result = getattr(attnlab.checks, name)(stub)
    assert not result.passed and result.line.startswith("⏳"), result.line


@pytest.mark.parametrize("name", EXPORTED)
def test_every_check_has_a_right_answer_in_the_table(name):
    assert name in {check.__name__ for _, check, _ in TABLE}, (
        f"{name}: add (check, right answer) to REFERENCE_ANSWERS in its tests/test_checks_<topic>.py")


@pytest.mark.parametrize("name", EXPORTED)
def test_every_check_has_a_check_cell_in_a_lesson(name):
    cell = re.compile(rf"\b{name}\(")
    assert any(cell.search(text) for text in LESSON_SOURCES.values()), f"no lesson calls {name}(…)"


def test_every_check_in_the_table_is_exported():
    assert {check.__name__ for _, check, _ in TABLE} <= set(EXPORTED)
