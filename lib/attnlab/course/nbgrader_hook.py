"""An IPython extension for nbgrader's grading kernel: a check cell always calls the course's check.

nbgrader runs a submission's cells, check cells included, in one kernel with the learner's names.
A learner's own function or variable that happens to be called like a check
(``check_stable_softmax``) would replace the course's check there, and cost the points of work
that is right. Before every cell this puts the course's ``check_*`` functions back, so honest
work scores the same in nbgrader as in ``attnlab-grade``. Load it in ``nbgrader_config.py``:

    c.Execute.extra_arguments = ["--ext=attnlab.course.nbgrader_hook"]

It does not make nbgrader safe from a learner who sets out to cheat — the learner's code still
runs beside the checks there; ``attnlab-grade`` is what stops that (docs/instructors.md).
"""

from __future__ import annotations


def course_checks() -> dict:
    """The course's ``check_*`` functions, by name."""
    import attnlab.checks as checks

    return {name: getattr(checks, name) for name in checks.__all__ if name.startswith("check_")}


def load_ipython_extension(ip) -> None:
    checks = course_checks()

    def restore(*args, **kwargs) -> None:
        ip.user_ns.update(checks)

    restore()
    ip.events.register("pre_run_cell", restore)


# What an nbgrader course's nbgrader_config.py needs for its grades to match attnlab-grade's on
# honest work (docs/instructors.md shows these lines; tests/test_nbgrader.py grades with them).
NBGRADER_CONFIG = """\
c.OverwriteCells.add_missing_cells = True  # a deleted check cell is put back, not scored 0
c.Execute.extra_arguments = ["--ext=attnlab.course.nbgrader_hook"]  # check cells call the course's checks
"""
