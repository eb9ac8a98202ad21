"""Which input the answer is right for: the course's function run on the case's inputs, changed.

A wrong answer is often the right answer to a slightly different question: one token more
(``n_tokens + 1``), one layer (``n_layers = 1``), float32 whatever the dtype, the pattern
transposed, the mask inverted, two inputs swapped, positions 0 … T − 1 instead of the ones
given. :func:`explain` runs the right function on each such change of the case's inputs — the
changes follow from the inputs' types, not from any catalogue — and says which one gives the
learner's answer: ``"— it is the right answer for n_tokens + 1 (n_tokens = 7, not 6)"``.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterator

import numpy as np

MAX_PROBES = 40
DTYPES = ("float16", "float32", "float64")


def _whole(x) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool | np.bool_)


def _changes(names: list[str], args: tuple) -> Iterator[tuple[str, tuple]]:
    """``(what changed, the changed inputs)`` for each change the inputs' types allow."""
    def put(i, value):
        return args[:i] + (value,) + args[i + 1:]

    for i, (name, arg) in enumerate(zip(names, args, strict=False)):
        if _whole(arg):
            yield f"{name} + 1 ({name} = {arg + 1}, not {arg}: one too many)", put(i, arg + 1)
            if arg >= 1:
                yield f"{name} − 1 ({name} = {arg - 1}, not {arg}: one too few)", put(i, arg - 1)
            if arg > 1:
                yield f"{name} = 1 (one, not {arg})", put(i, 1)
        elif isinstance(arg, float | np.floating) and np.isfinite(arg) and arg > 0 and arg != 1:
            yield from _float_changes(name, float(arg), lambda value, i=i: put(i, value))
        elif isinstance(arg, str | np.dtype) and str(arg) in DTYPES:
            for other in DTYPES:
                if other != str(arg):
                    yield f"{name} = {other} (the dtype given is {arg})", put(i, other)
        elif dataclasses.is_dataclass(arg) and not isinstance(arg, type):
            for field in dataclasses.fields(arg):
                value = getattr(arg, field.name)
                if _whole(value) and value > 1:
                    for new, why in ((1, "one"), (value + 1, "one too many"), (value - 1, "one too few")):
                        try:
                            yield (f"{name}.{field.name} = {new} ({why}, not {value})",
                                   put(i, dataclasses.replace(arg, **{field.name: new})))
                        except (TypeError, ValueError):
                            break
        elif isinstance(arg, np.ndarray):
            if arg.dtype == bool:
                yield f"{name} inverted (~{name}: True and False swapped)", put(i, ~arg)
            if arg.ndim == 2 and arg.shape[0] == arg.shape[1] > 1:
                yield f"{name} transposed ({name}.T)", put(i, arg.T)
            if arg.ndim == 1 and arg.dtype.kind in "iu" and not np.array_equal(arg, np.arange(len(arg))):
                yield (f"{name} = 0 … {len(arg) - 1} (np.arange), not the {name} given",
                       put(i, np.arange(len(arg))))
    pairs = [(i, j) for i in range(len(args)) for j in range(i + 1, len(args))]
    for i, j in pairs:
        a, b = args[i], args[j]
        same = (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape[-1:] == b.shape[-1:]
                and a.dtype == b.dtype and not np.array_equal(a, b)) or (_whole(a) and _whole(b) and a != b)
        if same and i < len(names) and j < len(names):
            swapped = list(args)
            swapped[i], swapped[j] = b, a
            yield f"{names[i]} and {names[j]} swapped", tuple(swapped)


def _float_changes(name: str, x: float, put: Callable) -> Iterator[tuple[str, tuple]]:
    """A positive number used as another: squared, its root, its inverse, ignored (1), cut to an int."""
    yield f"{name}² ({name} = {x * x:g}, not {x:g}: squared)", put(x * x)
    yield f"√{name} ({name} = {np.sqrt(x):.6g}, not {x:g}: its square root)", put(float(np.sqrt(x)))
    yield f"1 / {name} ({name} = {1 / x:.6g}, not {x:g}: inverted — multiplied where it divides)", put(1 / x)
    yield f"{name} = 1 (the {name} {x:g} ignored)", put(1.0)
    if x != int(x) and int(x) >= 1:
        yield f"int({name}) ({name} = {int(x)}, not {x:g}: cut to an integer)", put(float(int(x)))


def _wrong_parts(got, right, compare: Callable) -> list | None:
    """The keys of a dict answer that differ from the right one (``None`` for other answers)."""
    if not (isinstance(got, dict) and isinstance(right, dict)):
        return None
    return [k for k in right if k in got and not _same(got[k], right[k])]


def _same(a, b) -> bool:
    """Two parts of a dict answer are equal (numbers to within float rounding)."""
    try:
        return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-9, atol=0))
    except (TypeError, ValueError):
        return a == b


def _key(what: str) -> str:
    """What a change is, whatever the values: ``temperature²`` of ``temperature² (temperature = …)``."""
    return what.split(" (", 1)[0]


def _gives(got, right, other, parts, compare) -> bool:
    """``other`` is the learner's answer: all of it, or (a dict) the parts they got wrong."""
    if parts:
        return isinstance(other, dict) and all(k in other and _same(got[k], other[k]) for k in parts)
    return parts is None and compare(got, other) is None


def _holds_elsewhere(key: str, others, reference: Callable, names: list[str], compare: Callable) -> bool:
    """The change ``key`` gives the learner's answer on every other case it applies to."""
    for got, right, args in others:
        parts = _wrong_parts(got, right, compare)
        if parts == []:
            continue  # a dict right on this case: no part to explain
        changed = next((c for what, c in _changes(names, args) if _key(what) == key), None)
        if changed is None:
            continue  # the change does not apply to this case's inputs: no evidence either way
        try:
            other = reference(*changed)
        except Exception:  # noqa: BLE001 — the learner answered where this change raises: not theirs
            return False
        if not _gives(got, right, other, parts, compare):
            return False
    return True


def explain(got, right, reference: Callable, names: list[str], args: tuple, compare: Callable,
            others=()) -> str:
    """``" — it is the right answer for …"`` when some change of ``args`` makes ``reference`` give
    ``got`` (for a dict, the keys that differ) — and the same change gives the learner's answer on
    every one of ``others`` (``(answer, right answer, inputs)`` of the other cases that answered) —
    else ``""``. Never raises."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parts, found = _wrong_parts(got, right, compare), []
            for n, (what, changed) in enumerate(_changes(names, args)):
                if n >= MAX_PROBES or len(found) == 2:
                    break
                try:
                    other = reference(*changed)
                except Exception:  # noqa: BLE001, S112 — a change the function cannot take says nothing
                    continue
                right_too = parts is None and compare(right, other) is None
                if not right_too and _gives(got, right, other, parts, compare) \
                        and _holds_elsewhere(_key(what), others, reference, names, compare):
                    found.append(what)
    except Exception:  # noqa: BLE001 — an explanation that fails is no explanation, never a crash
        return ""
    if not found:
        return ""
    if parts:  # several inputs may give it: each is said, none is picked
        return f" — {', '.join(map(repr, parts))}: the right values for {' or for '.join(found)}"
    return f" — it is the right answer for {' or for '.join(found)}"
