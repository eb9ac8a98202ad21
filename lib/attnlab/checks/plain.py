"""Answers as plain data: what a learner's function returned, made safe to compare.

A check never compares the learner's own objects: an answer whose ``__eq__`` always says True, an
array subclass that lies about its values, or a number that is really something else would fool
any comparison. :func:`plain` turns an answer into plain data first — ``None``, ``bool``, ``int``,
``float``, ``complex``, ``str``, tuples, lists, dicts, real NumPy arrays and scalars, torch tensors
— and anything else into an :class:`Opaque` stand-in that shows the learner's type name and text
but equals nothing. Attributes, methods and the learner's classes never survive.

(How plain data travels from a grading sandbox to the grader is the grader's business:
:mod:`attnlab.course.tree`.)
"""

from __future__ import annotations

import functools
import sys
from typing import Any

import numpy as np

MAX_DEPTH = 24  # nesting of lists, tuples and dicts in one answer
MAX_ITEMS = 200_000  # values in one answer (array elements count once per array)
MAX_BYTES = 64 * 2**20  # bytes of array data in one answer
NUMBER_KINDS = "biufc"  # bool, signed, unsigned, float, complex: arrays kept as numbers
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


def opaque_of(x) -> Opaque:
    """The :class:`Opaque` that stands for ``x``."""
    return opaque(type_name(x), safe_repr(x))


class Budget:
    """How much of one answer has been read: :class:`AnswerTooLarge` beyond the limits."""

    def __init__(self):
        self.items = 0
        self.bytes = 0

    def spend(self, items: int = 1, nbytes: int = 0) -> None:
        self.items += items
        self.bytes += nbytes
        if self.items > MAX_ITEMS or self.bytes > MAX_BYTES:
            raise AnswerTooLarge(f"the answer is too large to check (more than {MAX_ITEMS} values "
                                 f"or {MAX_BYTES // 2**20} MB)")

    @staticmethod
    def check_depth(depth: int) -> None:
        if depth > MAX_DEPTH:
            raise AnswerTooLarge(f"the answer is nested more than {MAX_DEPTH} levels deep")


def is_number_array(arr: np.ndarray) -> bool:
    return arr.dtype.kind in NUMBER_KINDS and arr.dtype.fields is None


def _array(arr: np.ndarray, budget: Budget, depth: int) -> Any:
    arr = np.array(arr, copy=True, subok=False)  # a real, C-ordered ndarray, whatever the subclass was
    if is_number_array(arr):
        budget.spend(1, arr.nbytes)
        return arr
    if arr.dtype.kind in "OUS":
        budget.spend(arr.size)
        out = np.empty(arr.size, dtype=object)
        for i, item in enumerate(arr.reshape(-1).tolist()):
            out[i] = _plain(item, budget, depth + 1)
        return out.reshape(arr.shape)
    return opaque_of(arr)


def _scalar(x: np.generic, budget: Budget, depth: int) -> Any:
    arr = _array(np.asarray(x), budget, depth)
    return arr[()] if isinstance(arr, np.ndarray) else arr


def _tensor(x, budget: Budget, depth: int, torch) -> Any:
    t = x.detach().cpu()
    try:
        arr = t.numpy()
    except (TypeError, RuntimeError):  # bfloat16 and friends have no NumPy dtype
        arr = t.float().numpy()
    arr = _array(arr, budget, depth)
    return torch.from_numpy(arr) if isinstance(arr, np.ndarray) and is_number_array(arr) else arr


def _key(key) -> Any:
    try:
        hash(key)
    except TypeError:
        return opaque_of(key)
    return key


def _plain(x, budget: Budget, depth: int) -> Any:
    Budget.check_depth(depth)
    budget.spend()
    if x is None or x is True or x is False:
        return x
    t = type(x)  # not x.__class__, which an object may fake
    if issubclass(t, int):
        return int.__int__(x)  # an int subclass becomes a real int (its methods are gone)
    if issubclass(t, float):
        return float.__float__(x)
    if issubclass(t, complex):
        x = complex.__complex__(x)
        return complex(float(x.real), float(x.imag))
    if issubclass(t, str):
        budget.spend(len(x) // 64)
        return str.__str__(x)
    if issubclass(t, np.generic):
        return _scalar(x, budget, depth)
    if issubclass(t, np.ndarray):
        return _array(x, budget, depth)
    torch = sys.modules.get("torch")
    if torch is not None and issubclass(t, torch.Tensor):
        return _tensor(x, budget, depth, torch)
    if issubclass(t, tuple):
        return tuple(_plain(i, budget, depth + 1) for i in tuple.__iter__(x))
    if issubclass(t, list):
        return [_plain(i, budget, depth + 1) for i in list.__iter__(x)]
    if issubclass(t, dict):
        return {_key(_plain(k, budget, depth + 1)): _plain(v, budget, depth + 1) for k, v in dict.items(x)}
    return opaque_of(x)


def plain(x) -> Any:
    """``x`` as plain data (see the module's docstring). Raises :class:`AnswerTooLarge`."""
    return _plain(x, Budget(), 0)
