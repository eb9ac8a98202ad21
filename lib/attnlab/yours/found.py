"""What :func:`attnlab.yours.collect` found for one exercise, and the step a real model runs it as."""

from __future__ import annotations

from dataclasses import dataclass

from attnlab.yours.steps import Step


@dataclass(frozen=True)
class Found:
    """What :func:`collect` found for one exercise: ``state`` is ``"yours"``, ``"failing"`` or
    ``"missing"``; ``line`` the check's line (or why nothing was found); ``origin`` where from."""

    name: str
    state: str
    line: str
    origin: str
    fn: object = None


def step_of(f: Found) -> Step:
    """The :class:`Step` for a found function (``whose`` ``"yours"``)."""
    return Step(f.name, f.fn, whose="yours", origin=f.origin)
