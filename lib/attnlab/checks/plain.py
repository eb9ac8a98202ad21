"""Answers as plain data: what a learner's function returned, made safe to compare and to send.

A check never compares the learner's own objects: an answer whose ``__eq__`` always says True, an
array subclass that lies about its values, or a number that is really something else would fool
any comparison. :func:`plain` turns an answer into plain data first — ``None``, ``bool``, ``int``,
``float``, ``complex``, ``str``, tuples, lists, dicts, real NumPy arrays and scalars, torch tensors
— and anything else into an :class:`Opaque` stand-in that shows the learner's type name and text
but equals nothing. Attributes, methods and the learner's classes never survive.

The same tree travels from a grading sandbox to the grader as JSON (:mod:`attnlab.course.wire`).
"""

from __future__ import annotations

import functools
import math
import sys
from typing import Any

import numpy as np

MAX_DEPTH = 24  # nesting of lists, tuples and dicts in one answer
MAX_ITEMS = 200_000  # values in one answer (array elements count once per array)
MAX_BYTES = 64 * 2**20  # bytes of array data in one answer
NUMBER_KINDS = "biufc"  # bool, signed, unsigned, float, complex: arrays sent as raw bytes
_TYPE_NAME = type.__dict__["__name__"]  # the real name, whatever a metaclass says


class AnswerTooLarge(ValueError):
    """An answer beyond :data:`MAX_DEPTH`, :data:`MAX_ITEMS` or :data:`MAX_BYTES`."""


class Opaque:
    """Stands for an answer that is not plain data: shows its type name and text, equals nothing."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


@functools.lru_cache(maxsize=64)  # bounded: names a learner sends are never kept beyond 64
def _opaque_type(type_name: str) -> type:
    return type(type_name, (Opaque,), {"__slots__": ()})


def opaque(type_name: str, text: str) -> Opaque:
    """An :class:`Opaque` whose type is called ``type_name`` (so messages name the learner's type)."""
    return _opaque_type(str(type_name)[:80] or "object")(str(text)[:300])


def type_name(x) -> str:
    return str(_TYPE_NAME.__get__(type(x)))


def safe_repr(x, limit: int = 300) -> str:
    """``repr(x)`` cut to ``limit`` characters; ``<unprintable T>`` if it raises."""
    try:
        text = repr(x)
        if not isinstance(text, str):
            raise TypeError
        return str.__str__(text)[:limit]
    except BaseException:  # noqa: BLE001 — a learner's __repr__ may raise anything
        return f"<unprintable {type_name(x)}>"


class _Budget:
    def __init__(self):
        self.items = 0
        self.bytes = 0

    def spend(self, items: int = 1, nbytes: int = 0) -> None:
        self.items += items
        self.bytes += nbytes
        if self.items > MAX_ITEMS or self.bytes > MAX_BYTES:
            raise AnswerTooLarge(f"the answer is too large to check (more than {MAX_ITEMS} values "
                                 f"or {MAX_BYTES // 2**20} MB)")


def _array_node(arr: np.ndarray, budget: _Budget, depth: int, tag: str = "ndarray") -> Any:
    arr = np.array(arr, copy=True, subok=False)  # a real ndarray, whatever the subclass was
    if arr.dtype.kind in NUMBER_KINDS and arr.dtype.fields is None:
        budget.spend(1, arr.nbytes)
        return {"$": tag, "array": arr}  # a fresh C-ordered copy
    if arr.dtype.kind in "OUS":
        budget.spend(arr.size)
        items = [_node(item, budget, depth + 1) for item in arr.reshape(-1).tolist()]
        return {"$": "objects", "shape": list(arr.shape), "items": items}
    return _opaque_node(arr)


def _opaque_node(x) -> dict:
    return {"$": "opaque", "type": type_name(x), "repr": safe_repr(x)}


def _tensor_node(x, budget: _Budget, depth: int):
    t = x.detach().cpu()
    try:
        arr = t.numpy()
    except (TypeError, RuntimeError):  # bfloat16 and friends have no NumPy dtype
        arr = t.float().numpy()
    return _array_node(arr, budget, depth, tag="tensor")


def _node(x, budget: _Budget, depth: int) -> Any:
    """The plain tree of one value (JSON types, plus ndarrays inside ``{"$": "ndarray"}``)."""
    if depth > MAX_DEPTH:
        raise AnswerTooLarge(f"the answer is nested more than {MAX_DEPTH} levels deep")
    budget.spend()
    if x is None or x is True or x is False:
        return x
    t = type(x)  # not x.__class__, which an object may fake
    if issubclass(t, int):
        return int.__int__(x)  # an int subclass becomes a real int (its methods are gone)
    if issubclass(t, float):
        x = float.__float__(x)
        return x if math.isfinite(x) else {"$": "float", "repr": repr(x)}
    if issubclass(t, complex):
        x = complex.__complex__(x)
        return {"$": "complex", "re": _node(x.real, budget, depth), "im": _node(x.imag, budget, depth)}
    if issubclass(t, str):
        budget.spend(len(x) // 64)
        return str.__str__(x)
    if issubclass(t, np.generic):
        node = _array_node(np.asarray(x), budget, depth)
        return {"$": "scalar", "value": node}
    if issubclass(t, np.ndarray):
        return _array_node(x, budget, depth)
    torch = sys.modules.get("torch")
    if torch is not None and issubclass(t, torch.Tensor):
        return _tensor_node(x, budget, depth)
    if issubclass(t, tuple):
        return {"$": "tuple", "items": [_node(i, budget, depth + 1) for i in tuple.__iter__(x)]}
    if issubclass(t, list):
        return [_node(i, budget, depth + 1) for i in list.__iter__(x)]
    if issubclass(t, dict):
        pairs = [[_node(k, budget, depth + 1), _node(v, budget, depth + 1)] for k, v in dict.items(x)]
        return {"$": "dict", "items": pairs}
    return _opaque_node(x)


def to_tree(x) -> Any:
    """The plain tree of an answer; raises :class:`AnswerTooLarge` beyond the limits."""
    return _node(x, _Budget(), 0)


# --- back from a tree: only plain objects come out ----------------------------------------------------


def malformed(what: str):
    raise ValueError(f"malformed answer: {what}")


def _array(node: dict, budget: _Budget) -> np.ndarray:
    arr = node.get("array")
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in NUMBER_KINDS or arr.dtype.fields:
        malformed("an array that is not numbers")
    budget.spend(1, arr.nbytes)
    return np.array(arr, copy=True, subok=False)


def _from(node, budget: _Budget, depth: int):
    if depth > MAX_DEPTH:
        raise AnswerTooLarge(f"the answer is nested more than {MAX_DEPTH} levels deep")
    budget.spend()
    if node is None or type(node) in (bool, int, str):
        return node
    if type(node) is float:
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


def _objects(node: dict, budget: _Budget, depth: int) -> np.ndarray:
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


def _dict(node: dict, budget: _Budget, depth: int) -> dict:
    items = node.get("items")
    if type(items) is not list or not all(type(p) is list and len(p) == 2 for p in items):
        malformed("a dict")
    out = {}
    for k, v in items:
        key = _from(k, budget, depth + 1)
        try:
            hash(key)
        except TypeError:
            key = opaque(type_name(key), safe_repr(key))
        out[key] = _from(v, budget, depth + 1)
    return out


def from_tree(node) -> Any:
    """The answer a tree stands for: plain objects only. ``ValueError`` if the tree is malformed."""
    return _from(node, _Budget(), 0)


def plain(x) -> Any:
    """``x`` as plain data (see the module's docstring). Raises :class:`AnswerTooLarge`."""
    return from_tree(to_tree(x))
