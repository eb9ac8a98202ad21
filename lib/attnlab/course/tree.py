"""The plain-data format: an answer as a tree of JSON types, the form it crosses a sandbox's edge in.

Inside a grading sandbox the runner makes a learner's answer plain data
(:func:`attnlab.checks.plain.plain`, the same function a notebook's check uses) and
:func:`to_tree` writes those plain objects as a tree — JSON types, with NumPy arrays inside
``{"$": "ndarray", "array": …}`` (:mod:`attnlab.course.wire` sends them as bytes). Back in the
grader, :func:`from_tree` reads a tree that anything in the sandbox may have forged: only plain
objects come out, a malformed tree raises ``ValueError`` and an oversized one
:class:`~attnlab.checks.plain.AnswerTooLarge`. Since both sides start from the same plain objects,
a verdict judged from a tree is the verdict the notebook gives.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from attnlab.checks.plain import (
    NUMBER_KINDS,
    AnswerTooLarge,
    Budget,
    Opaque,
    opaque,
    opaque_of,
    plain,
    type_name,
)

__all__ = ["AnswerTooLarge", "NUMBER_KINDS", "from_tree", "malformed", "to_tree"]


def _encode(x) -> Any:
    """The tree of a value that is already plain data."""
    if x is None or type(x) in (bool, int, str):
        return x
    if type(x) is float:
        return x if math.isfinite(x) else {"$": "float", "repr": repr(x)}
    if type(x) is complex:
        return {"$": "complex", "re": _encode(x.real), "im": _encode(x.imag)}
    if isinstance(x, np.generic):
        return {"$": "scalar", "value": _encode(np.asarray(x))}
    if isinstance(x, np.ndarray):
        if x.dtype.kind in NUMBER_KINDS and x.dtype.fields is None:
            return {"$": "ndarray", "array": x}
        return {"$": "objects", "shape": list(x.shape), "items": [_encode(i) for i in x.reshape(-1).tolist()]}
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        return {"$": "tensor", "array": x.numpy()}
    if type(x) is tuple:
        return {"$": "tuple", "items": [_encode(i) for i in x]}
    if type(x) is list:
        return [_encode(i) for i in x]
    if type(x) is dict:
        return {"$": "dict", "items": [[_encode(k), _encode(v)] for k, v in x.items()]}
    if isinstance(x, Opaque):
        return {"$": "opaque", "type": type_name(x), "repr": x.text}
    raise TypeError(f"not plain data: {type_name(x)}")


def to_tree(x) -> Any:
    """The tree of an answer (made plain data first); raises :class:`AnswerTooLarge` beyond the limits."""
    return _encode(plain(x))


# --- back from a tree: only plain objects come out ----------------------------------------------------


def malformed(what: str):
    raise ValueError(f"malformed answer: {what}")


def _array(node: dict, budget: Budget) -> np.ndarray:
    arr = node.get("array")
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in NUMBER_KINDS or arr.dtype.fields:
        malformed("an array that is not numbers")
    budget.spend(1, arr.nbytes)
    return np.array(arr, copy=True, subok=False)


def _from(node, budget: Budget, depth: int):
    Budget.check_depth(depth)
    budget.spend()
    if node is None or type(node) in (bool, int, str, float):
        return node
    if type(node) is list:
        return [_from(i, budget, depth + 1) for i in node]
    if type(node) is not dict or not isinstance(node.get("$"), str):
        malformed(f"unexpected {type_name(node)}")
    kind = node["$"]
    if kind == "float":
        text = node.get("repr")
        return float(text) if text in ("nan", "inf", "-inf") else malformed("a float")
    if kind == "complex":
        real, imag = _from(node.get("re"), budget, depth), _from(node.get("im"), budget, depth)
        return complex(float(real), float(imag))
    if kind == "ndarray":
        return _array(node, budget)
    if kind == "scalar":
        arr = _from(node.get("value"), budget, depth)
        return arr[()] if isinstance(arr, np.ndarray) and arr.ndim == 0 else malformed("a scalar")
    if kind == "tensor":
        arr = _array(node, budget)
        torch = sys.modules.get("torch")
        return torch.from_numpy(arr) if torch is not None else arr
    if kind == "objects":
        return _objects(node, budget, depth)
    if kind == "tuple":
        items = node.get("items")
        if type(items) is not list:
            malformed("a tuple")
        return tuple(_from(i, budget, depth + 1) for i in items)
    if kind == "dict":
        return _dict(node, budget, depth)
    if kind == "opaque":
        return opaque(node.get("type", "object"), node.get("repr", ""))
    malformed(f"unknown kind {kind[:40]!r}")


def _objects(node: dict, budget: Budget, depth: int) -> np.ndarray:
    shape, items = node.get("shape"), node.get("items")
    sizes_ok = type(shape) is list and all(type(n) is int and n >= 0 for n in shape)
    if not sizes_ok or type(items) is not list:
        malformed("an array of objects")
    if math.prod(shape) != len(items):
        malformed("an array of objects whose shape does not fit its items")
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = _from(item, budget, depth + 1)
    return out.reshape(shape)


def _dict(node: dict, budget: Budget, depth: int) -> dict:
    items = node.get("items")
    if type(items) is not list or not all(type(p) is list and len(p) == 2 for p in items):
        malformed("a dict")
    out = {}
    for k, v in items:
        key = _from(k, budget, depth + 1)
        try:
            hash(key)
        except TypeError:
            key = opaque_of(key)
        out[key] = _from(v, budget, depth + 1)
    return out


def from_tree(node) -> Any:
    """The answer a tree stands for: plain objects only. ``ValueError`` if the tree is malformed."""
    return _from(node, Budget(), 0)
