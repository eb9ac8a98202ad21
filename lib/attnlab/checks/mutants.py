"""Which one-edit change of the course's code gives the learner's answers — on every case.

A wrong answer the catalogue does not list is most often the course's code with one thing changed.
:func:`explain` takes the case's right function (the reference) and the course's functions it calls,
changes each by one edit at a time (:mod:`attnlab.checks.mutations`: ``min`` for ``max``, another
axis, ``+`` for ``-``, a name for another, a call or an operand left out, one off …), runs it on
every case the learner answered, and names the first edit that gives the learner's answer on ALL
of them: ``"— your answers are exactly the course's `softmax` with one edit: `np.exp(z - z_max)` →
`np.exp2(z - z_max)` (exp2 where exp belongs)"``. Nothing here knows an exercise; an edit that
agrees on one case by chance is not named, because it must agree on every case.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import functools
import inspect
import sys
import textwrap
import types
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from attnlab.checks import mutations

SAYS = " — your answers are exactly the course's"
MAX_TARGETS = 4  # the reference and the course's functions it calls, at most
SKIP_MODULES = ("attnlab.validate", "attnlab.errors", "attnlab.checks.plain", "attnlab.checks.mutants")


def _own(fn) -> bool:
    """A plain function of the course's (not a validator): one whose code may be changed."""
    module = getattr(fn, "__module__", "") or ""
    return (isinstance(fn, types.FunctionType) and module.startswith("attnlab")
            and not module.startswith(SKIP_MODULES))


def _called(fn: types.FunctionType) -> list[types.FunctionType]:
    """The course's functions ``fn`` calls by a global name (its lambdas' and comprehensions' too)."""
    names, stack = [], [fn.__code__]
    while stack:
        code = stack.pop()
        names += code.co_names
        stack += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    found = [fn.__globals__.get(n) for n in dict.fromkeys(names)]
    return [f for f in found if _own(f) and f is not fn]


def targets(reference: Callable) -> list[types.FunctionType]:
    """The functions whose code an edit may change: the reference, then what it calls, breadth first."""
    if isinstance(reference, functools.partial):
        reference = reference.func
    if not _own(reference):
        return []
    out, queue = [], [reference]
    while queue and len(out) < MAX_TARGETS:
        fn = queue.pop(0)
        if fn not in out:
            out.append(fn)
            queue += _called(fn)
    return out


@functools.lru_cache(maxsize=64)
def edited(fn: types.FunctionType) -> tuple[tuple[str, types.CodeType], ...]:
    """``(what the edit says, the function's code so changed)`` for every edit that compiles."""
    if fn.__code__.co_freevars or fn.__name__ == "<lambda>":
        return ()
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return ()
    fn_def = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == fn.__name__), None)
    if fn_def is None:
        return ()
    fn_def.decorator_list = []
    out = []
    for says, changed in mutations.edits(fn_def):
        try:
            module = compile(ast.Module([changed], []), fn.__code__.co_filename, "exec")
        except (SyntaxError, ValueError, TypeError):
            continue
        inner = next((c for c in module.co_consts if isinstance(c, types.CodeType)
                      and c.co_name == fn.__name__), None)
        if inner is not None and not inner.co_freevars:
            out.append((says, inner))
    return tuple(out)


@contextlib.contextmanager
def bounded_memory(extra: int = 2 << 30):
    """An edit that builds something huge raises MemoryError instead of taking the machine: the
    address space may grow by ``extra`` bytes inside the block (Linux; elsewhere no bound)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as statm:
            used = int(statm.read().split()[0]) * resource.getpagesize()
        bound = used + extra if hard == resource.RLIM_INFINITY else min(used + extra, hard)
        resource.setrlimit(resource.RLIMIT_AS, (bound, hard))
    except (ImportError, OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextlib.contextmanager
def swapped(fn: types.FunctionType, code: types.CodeType):
    """``fn`` runs ``code`` inside the block (every caller of ``fn`` sees it), then its own again."""
    own = fn.__code__
    fn.__code__ = code
    try:
        yield
    finally:
        fn.__code__ = own


def _matches(reference, answers: Sequence[tuple[Any, tuple, Any]], compare: Callable) -> bool:
    for got, args, _right in answers:
        try:
            other = reference(*copy.deepcopy(args))
        except Exception:  # noqa: BLE001 — an edit that raises where the learner answered is not theirs
            return False
        if compare(got, other) is not None:
            return False
    return True


def _no_grad():
    """torch's ``no_grad`` when torch is loaded (a model's reference builds no graph), else nothing."""
    torch = sys.modules.get("torch")
    return torch.no_grad() if torch is not None else contextlib.nullcontext()


def _finite(got) -> bool:
    try:
        return bool(np.isfinite(np.asarray(got, dtype=float)).all())
    except (TypeError, ValueError):
        return True  # not numbers (a dict, ids …): nothing to be NaN


def explain(reference: Callable, answers: Sequence[tuple[Any, tuple, Any]], compare: Callable) -> str:
    """``" — your answers are exactly the course's `f` with one edit: …"`` when one edit of the
    reference (or of a course function it calls) gives the learner's answer on every case of
    ``answers`` (``(answer, the case's inputs, the right answer)``, the failing case first), else ``""``;
    at least one answer must be finite and wrong (evidence, not NaN alone). Never raises."""
    if not any(_finite(got) and compare(got, right) is not None for got, _args, right in answers):
        return ""  # NaN where the right answer has none says little: two slips give it alike
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings(), bounded_memory(), _no_grad():
            warnings.simplefilter("ignore")
            for fn in targets(reference):
                for says, code in edited(fn):
                    with swapped(fn, code):
                        found = _matches(reference, answers, compare)
                    if found:  # the first edit that gives them all: another that does says nothing more
                        return f"{SAYS} `{fn.__name__}` with one edit: {says}"
    except Exception:  # noqa: BLE001 — no explanation, never a crash
        return ""
    return ""
