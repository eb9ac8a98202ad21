"""One pytest run proves the stored outputs on two kernel sets (docs/authoring.md, "Outputs on any CPU").

With ``ATTNLAB_SOLUTIONS_KERNELS`` set (``make test`` sets it to the Makefile's ``OTHER_KERNELS``,
e.g. ``ATEN_CPU_CAPABILITY=default MKL_CBWR=COMPATIBLE``), the kernel nbval starts for a notebook in
a folder named ``solutions`` gets those variables in its environment; every other notebook's kernel
(``notebooks/``) keeps this CPU's own. So ``tests``, ``notebooks`` and ``solutions`` share one pytest
start and one collection per worker, and the workers balance the lessons with the tests, instead of a
second pytest pass over ``solutions/`` alone.

nbval starts a notebook's kernel in the setup of its first cell (the file's collector), from
``os.environ`` at that moment; the variables are set for that setup only and put back after it.
"""

from __future__ import annotations

import os

import pytest

KERNEL_ENV = "ATTNLAB_SOLUTIONS_KERNELS"


def solutions_kernel_env() -> dict[str, str]:
    """``ATTNLAB_SOLUTIONS_KERNELS``'s ``NAME=value`` words (empty when unset)."""
    words = os.environ.get(KERNEL_ENV, "").split()
    bad = [w for w in words if "=" not in w or not w.split("=", 1)[0]]
    if bad:
        raise pytest.UsageError(f"{KERNEL_ENV} holds NAME=value words, not {' '.join(bad)!r}")
    return dict(w.split("=", 1) for w in words)


def pytest_configure(config):
    solutions_kernel_env()  # a malformed value stops the run before anything runs


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    in_solutions = item.path.suffix == ".ipynb" and item.path.parent.name == "solutions"
    extra = solutions_kernel_env() if in_solutions else {}
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
