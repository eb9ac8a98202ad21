"""Comparing an answer with the right one, and saying in words how they differ.

Every check compares the learner's answer (plain data, :mod:`attnlab.checks.plain`) with the
course's: :func:`compare_arrays` and :func:`compare_exact` say *that* they differ (shape, NaN,
values); :func:`compare_values`, :func:`compare_exactly` and :func:`compare_indices` say *where*
and *how* — the first differing entry, the share that differs, and the properties of the answer
that broke (:mod:`attnlab.checks.relations`: whole numbers where fractions belong, the transpose,
the reverse order, rows that do not sum to 1, weight on the future, a constant ratio …). Each
returns ``None`` when the answer is right, else the learner-facing reason.

The answer's *type* is part of the answer: a list where the exercise asks for a NumPy array (or
a tuple) is refused with the reason, however right its numbers.
"""

from __future__ import annotations

import numpy as np

import attnlab.checks.relations as relations

# NumPy's comparisons as they were when the course loaded: a learner's `np.allclose = lambda *a: True`
# in the notebook does not reach the checks.
_allclose, _array_equal, _isnan = np.allclose, np.array_equal, np.isnan
NO_RETURN = "got None — did you forget to `return` the result?"
SHOW_LIMIT = 80  # characters of one value in a message; the line itself stays within verdict.LIMIT


def show(x) -> str:
    """A short, deterministic text form of a value, for messages: whole numbers (token ids, indices,
    counts) as whole numbers, NaN as ``NaN``, at most :data:`SHOW_LIMIT` characters."""
    if isinstance(x, np.generic) or (isinstance(x, np.ndarray) and x.ndim == 0):
        x = x.item()
    if isinstance(x, np.ndarray | list | tuple) and _ndim(x) > 0:
        try:
            arr = np.asarray(x)
            if arr.dtype.kind not in "biuf":
                arr = arr.astype(float)
        except (TypeError, ValueError):
            return _short(repr(x))
        finite = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
        whole = arr.dtype.kind == "f" and finite.size and bool((finite == np.round(finite)).all()) \
            and bool((np.abs(finite) < 1e15).all())
        shown = {"float_kind": lambda v: "NaN" if v != v else (f"{v:.0f}" if np.isfinite(v) else str(v))}
        with np.printoptions(nanstr="NaN"):  # floats that are whole print whole: [3 NaN], not [ 3. NaN]
            text = np.array2string(arr, precision=4, suppress_small=True, threshold=12, edgeitems=2,
                                   formatter=shown if whole else None)
        return _short(" ".join(text.split()))
    if isinstance(x, float | np.floating):
        return "NaN" if x != x else f"{float(x):.6g}"
    return _short(repr(x))


def _short(text: str) -> str:
    return text if len(text) <= SHOW_LIMIT else text[: SHOW_LIMIT - 2] + " …"


def _ndim(x) -> int:
    try:
        return np.asarray(x, dtype=object).ndim
    except ValueError:  # arrays of different shapes nested in a list: not even an object array
        return 1


def _items(x) -> str:
    """``a tuple of 2 items with shapes (1, 3, 4), (1, 3, 3)`` — for answers NumPy cannot stack."""
    if not isinstance(x, list | tuple) or not all(hasattr(item, "shape") for item in x):
        return f"a ragged {type(x).__name__} (rows of different lengths): {show(x)}"
    shapes = ", ".join(str(np.shape(item)) if hasattr(item, "shape") else type(item).__name__ for item in x)
    return (f"a {type(x).__name__} of {len(x)} items with shapes {shapes} — return just the array "
            "that was asked for")


def wrong_container(got, expected) -> str | None:
    """The reason a grid of numbers in lists (or tuples) is not the NumPy array asked for, or a list
    not the tuple asked for; ``None`` otherwise (a pair of numbers as a tuple, a 1-D list of
    indices, arrays side by side — each said elsewhere — pass here)."""
    if isinstance(expected, np.ndarray) and expected.ndim >= 2 and isinstance(got, list | tuple):
        try:
            laid_out = np.asarray(got).shape == expected.shape
        except (TypeError, ValueError):
            laid_out = False
        if laid_out:
            return (f"expected a NumPy array, got a {type(got).__name__} {show(got)}: return an "
                    "np.ndarray (np.array(…), or build it with NumPy) — a list has no .shape or dtype, "
                    "and @, & or ~ do not work on it")
    if isinstance(expected, tuple) and isinstance(got, list):
        return f"expected a tuple, got a list {show(got)}: return a tuple, (…) not […]"
    return None


def compare_arrays(got, expected, rtol: float = 1e-5, atol: float = 1e-8) -> str | None:
    """``None`` if ``got`` matches ``expected`` (type, shape and values), else what differs."""
    if got is None:
        return NO_RETURN
    container = wrong_container(got, expected)
    if container:
        return container
    try:
        got_arr = np.asarray(got)
    except ValueError:  # ragged: arrays of different shapes side by side, e.g. (output, pattern)
        return f"expected one array of shape {np.shape(expected)}, got {_items(got)}"
    if got_arr.dtype.kind not in "biuf":
        return f"expected an array of numbers, got {type(got).__name__} {show(got)}"
    shown, shown_expected = got_arr, np.asarray(expected)  # as given: whole numbers stay whole
    got_arr = got_arr.astype(float)
    expected = np.asarray(expected, dtype=float)
    if got_arr.shape != expected.shape:
        if expected.ndim == 0:
            return f"expected a single number, got an array of shape {got_arr.shape}"
        return f"expected shape {expected.shape}, got shape {got_arr.shape}" + relations.of_shapes(
            got_arr.shape, expected.shape)
    if _isnan(got_arr).any() and not _isnan(expected).any():
        return f"the answer contains NaN: got {show(shown)}, expected {show(shown_expected)}"
    if not _allclose(got_arr, expected, rtol=rtol, atol=atol, equal_nan=True):
        return f"expected {show(shown_expected)}, got {show(shown)}"
    return None


def compare_exact(got, expected) -> str | None:
    """``None`` if ``got == expected`` (ints, strings, bools, a tuple's type), else what differs."""
    if got is None and expected is not None:
        return NO_RETURN
    container = wrong_container(got, expected)
    if container:
        return container
    if isinstance(expected, np.ndarray):
        got = np.asarray(got)
        if got.shape != expected.shape:
            return f"expected shape {expected.shape}, got shape {got.shape}"
        return None if _array_equal(got, expected) else f"expected {show(expected)}, got {show(got)}"
    return None if got == expected else f"expected {show(expected)}, got {show(got)}"


def compare_indices(got, expected) -> str | None:
    """``None`` if ``got`` holds the same whole numbers (indices) as ``expected``, in order; any
    integer array or list is accepted, floats are refused (a value where an index was wanted)."""
    if got is None:
        return NO_RETURN
    arr = np.asarray(got)
    if arr.dtype.kind not in "iu":
        return (f"expected whole numbers (indices), got dtype {arr.dtype}: np.argmax and np.argsort "
                "give indices; np.max and np.sort give the values themselves")
    problem = compare_exact(arr, np.asarray(expected))
    return None if problem is None else problem + relations.of_indices(arr, np.asarray(expected))


def compare_values(got, expected, rtol: float = 1e-5, atol: float = 1e-8) -> str | None:
    """:func:`compare_arrays`, but two arrays of the same shape that differ are described by where
    (the first differing index, how many entries differ) and how (:mod:`attnlab.checks.relations`)."""
    problem = compare_arrays(got, expected, rtol=rtol, atol=atol)
    if problem is None:
        return None
    return where_they_differ(got, expected, rtol, atol) or problem


def compare_exactly(got, expected) -> str | None:
    """:func:`compare_exact` for counts, naming a constant ratio
    (``expected 4, got 32 (8 × the expected value)``)."""
    problem = compare_exact(got, expected)
    if problem is None or isinstance(got, bool) or not isinstance(got, int | float | np.number):
        return problem
    return where_they_differ(got, expected, rtol=0.0, atol=0.0) or problem


def where_they_differ(got, expected, rtol: float = 1e-5, atol: float = 1e-8) -> str | None:
    """``"2 of 6 entries differ, the first at [0, 1]: got 0.5, expected 0.25"`` and what the answer's
    numbers show (``— every entry is 0.25 × the expected one``, ``— it is the right answer
    transposed`` …), or ``None`` if the two cannot be set side by side (other shapes, not
    numbers, a list where an array belongs, NaN where none belongs)."""
    if wrong_container(got, expected):
        return None
    try:
        if np.asarray(expected).dtype == bool and np.asarray(got).dtype == bool:
            return _where_masks_differ(np.asarray(got), np.asarray(expected))
        got_arr = np.asarray(got, dtype=float)
        want = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return None
    if got_arr.shape != want.shape or (np.isnan(got_arr) & ~np.isnan(want)).any():
        return None
    close = np.isclose(got_arr, want, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    how = relations.of_values(got_arr, want, rtol, atol)
    if want.ndim == 0 or close.size == 1:
        return f"expected {_show(want.ravel()[0])}, got {_show(got_arr.ravel()[0])}" + how
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    index = "[" + ", ".join(map(str, first)) + "]"
    n_wrong, n = int((~close).sum()), close.size
    share = "every entry differs" if n_wrong == n else f"{n_wrong} of {n} entries differ"
    return f"{share}, the first at {index}: got {show(got_arr[first])}, expected {show(want[first])}" + how


def _show(x) -> str:
    """A number for a message: whole numbers exactly, with thousands separators; others as :func:`show`."""
    value = float(x)
    if value.is_integer() and abs(value) < 2**53:
        return f"{int(value):,}"
    return show(value)


def _where_masks_differ(got: np.ndarray, want: np.ndarray) -> str | None:
    """Two bool grids: how many entries differ and the first, as (query, key) for a 2-D mask."""
    if got.shape != want.shape or np.array_equal(got, want):
        return None
    wrong = np.argwhere(got != want)
    first = tuple(int(i) for i in wrong[0])
    where = f"query {first[0]}, key {first[1]}" if len(first) == 2 else f"index {list(first)}"
    return (f"{len(wrong)} of {got.size} entries differ, the first at {where}: got {bool(got[first])}, "
            f"expected {bool(want[first])}" + relations.of_masks(got, want))
