"""Exercise checks: each ``check_<exercise>(learner_function)`` returns a one-line
:class:`~attnlab.checks.core.CheckResult`. Lesson modules live beside this file."""

from attnlab.checks.core import Case, CheckResult, run_check
from attnlab.checks.start import check_dot

__all__ = ["Case", "CheckResult", "run_check", "check_dot"]
