"""Every catalogued mistake of every check gets its own line.

Each lesson's check module keeps ``CATALOGUES = {exercise: (check, [Mistake, ...])}``. Here every
mistake's wrong code is handed to its check as a learner's answer: the check must fail it, name
that mistake, and name no other mistake of the same exercise.
"""

import importlib
import pkgutil

import pytest

import attnlab.checks

MODULES = [importlib.import_module(f"attnlab.checks.{m.name}")
           for m in pkgutil.iter_modules(attnlab.checks.__path__)]
CATALOGUES = {name: entry for module in MODULES for name, entry in getattr(module, "CATALOGUES", {}).items()}
MISTAKES = [(name, i) for name, (_, catalogue) in CATALOGUES.items() for i in range(len(catalogue))]


def test_the_lessons_keep_catalogues():
    assert len(CATALOGUES) >= 20, sorted(CATALOGUES)
    assert all(len(catalogue) >= 2 for _, catalogue in CATALOGUES.values()), {
        name: len(c) for name, (_, c) in CATALOGUES.items()}


@pytest.mark.parametrize("name, i", MISTAKES, ids=[f"{n}-{i}" for n, i in MISTAKES])
def test_each_catalogued_mistake_gets_its_own_line(name, i):
    check, catalogue = CATALOGUES[name]
    mistake = catalogue[i]
    line = check(mistake.wrong).line
    assert line.startswith(f"❌ not yet · {name}: case "), line
    assert mistake.says in line, line
    others = [other.says for other in catalogue if other.says != mistake.says and other.says in line]
    assert not others, f"{line} also names {others}"
    assert "\n" not in line
    found = check(mistake.wrong).diagnosis  # the same finding as data, for the class report
    assert (found.verdict, found.mistake) == ("wrong", mistake.name), found


def test_the_sayings_of_an_exercise_differ():
    for name, (_, catalogue) in CATALOGUES.items():
        sayings = [m.says for m in catalogue]
        assert len(set(sayings)) == len(sayings), name
        assert all(not a.startswith(b) for a in sayings for b in sayings if a != b), name
        names = [m.name for m in catalogue]  # the class report counts mistakes by these
        assert len(set(names)) == len(names), (name, names)
