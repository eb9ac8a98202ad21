"""The first property every check tests: the learner's function leaves its inputs as it found them.

A function that subtracts the maximum in place (``scores -= m``) or writes ``-inf`` into the
scores it was given returns the right numbers — and changes the caller's array, so the next cell
that reads ``scores`` reads something else. :func:`snapshot` keeps a copy of every NumPy array and
torch tensor among a call's arguments (inside lists, tuples and dicts too; a torch module is left
alone: training changes a model, as it should), and :func:`what_changed` names the first argument
that differs after the call, with the first entry that moved.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable

import numpy as np

_NOT_KEPT = object()  # an argument that is not data (a function, a model, a config)
MAX_DEPTH = 8


def _tensor_type():
    torch = sys.modules.get("torch")
    return getattr(torch, "Tensor", None)


def _keep(value, depth: int = 0):
    """A copy of ``value``'s arrays and tensors (and the lists, tuples and dicts around them)."""
    tensor = _tensor_type()
    if isinstance(value, np.ndarray):
        return value.copy()
    if tensor is not None and isinstance(value, tensor):
        return value.detach().clone()
    if depth < MAX_DEPTH and type(value) in (list, tuple):
        return type(value)(_keep(item, depth + 1) for item in value)
    if depth < MAX_DEPTH and type(value) is dict:
        return {key: _keep(item, depth + 1) for key, item in value.items()}
    return _NOT_KEPT


def names(fn: Callable, args: tuple, kwargs: dict) -> list[tuple[str, object]]:
    """``(name, value)`` of each argument as ``fn`` calls it (``argument 2`` if the names are unknown)."""
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except (TypeError, ValueError):
        return [(f"argument {i + 1}", a) for i, a in enumerate(args)] + list(kwargs.items())
    named = []
    for name, value in bound.arguments.items():
        kind = inspect.signature(fn).parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            named += [(f"argument {i + 1}", v) for i, v in enumerate(value, start=len(named))]
        elif kind is inspect.Parameter.VAR_KEYWORD:
            named += list(value.items())
        else:
            named.append((name, value))
    return named


def snapshot(fn: Callable, args: tuple, kwargs: dict) -> list[tuple[str, object, object]]:
    """``(name, argument, copy)`` for every argument that holds data; call before ``fn`` runs."""
    try:
        kept = [(name, value, _keep(value)) for name, value in names(fn, args, kwargs)]
    except Exception:  # noqa: BLE001 — an argument that cannot be copied is not watched
        return []
    return [entry for entry in kept if entry[2] is not _NOT_KEPT]


def _number(x) -> str:
    value = float(x)
    if np.isnan(value):
        return "NaN"
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else f"{value:.6g}"


def _differs(now, kept, depth: int = 0) -> str | None:
    """How ``now`` differs from the ``kept`` copy, or ``None`` if it is the same."""
    if kept is _NOT_KEPT:
        return None
    if isinstance(kept, list | tuple | dict):
        if type(now) is not type(kept) or len(now) != len(kept):
            if not hasattr(now, "__len__"):
                return "(it was replaced)"
            return f"(it had {len(kept)} items, now {len(now)})"
        for key in (kept if isinstance(kept, dict) else range(len(kept))):
            if isinstance(kept, dict) and key not in now:
                return f"(its key {key!r} is gone)"
            inner = _differs(now[key], kept[key], depth + 1)
            if inner is not None:
                return f"[{key!r}] {inner}"
        return None
    a, b = np.asarray(now.detach() if hasattr(now, "detach") else now), np.asarray(kept)
    if a.shape != b.shape:
        return f"(its shape was {b.shape}, now {a.shape})"
    same = (a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind in "fc" else (a == b)
    if same.all():
        return None
    first = tuple(int(i) for i in np.argwhere(~same)[0])
    where = "[" + ", ".join(map(str, first)) + "]"
    return f"(entry {where} was {_number(b[first])}, is now {_number(a[first])})"


def what_changed(kept: list[tuple[str, object, object]]) -> str | None:
    """``"`scores` (entry [0, 1] was 2, is now 0)"`` for the first argument the call changed, else
    ``None``."""
    for name, value, copy in kept:
        try:
            differs = _differs(value, copy)
        except Exception:  # noqa: BLE001 — an argument that cannot be compared is not judged
            differs = None
        if differs is not None:
            return f"`{name}` {differs}"
    return None
