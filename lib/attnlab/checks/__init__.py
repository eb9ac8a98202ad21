"""Exercise checks: each ``check_<exercise>(learner_function)`` returns a one-line
:class:`~attnlab.checks.core.CheckResult`. Lesson modules live beside this file.

Which checks there are comes from the course's one table of exercises
(:data:`attnlab.checks.exercises.EXERCISES`); each is imported the first time a lesson asks for it
(``from attnlab.checks import check_stable_softmax`` loads only lesson 03's checks), so importing
this package costs next to nothing.
"""

from importlib import import_module

import attnlab.checks.reference_calls as _reference_calls
from attnlab.checks.core import Case, CheckResult, run_check
from attnlab.checks.exercises import checks as _checks
from attnlab.checks.lazy import pristine as _pristine

_MODULE_OF = _checks()
__all__ = ["Case", "CheckResult", "run_check", *_MODULE_OF]


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'attnlab.checks' has no attribute {name!r}")
    with _pristine():  # what a check module computes as it loads is the course's, not a learner's
        value = getattr(import_module(module), name)
    _reference_calls.watch_loaded()  # the course functions this check's module brought: watched from now on
    globals()[name] = value  # found once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
