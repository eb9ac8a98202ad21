"""What a wrong answer's numbers show, in words: the properties of the right answer that it breaks.

A catalogue names the slips someone foresaw; these name what any wrong answer *is*, whatever slip
made it — facts read off the answer and the right one, never guesses: only whole numbers where
the answer has fractions; the right answer transposed, reversed, reordered, negated, its
logarithm, its square; a constant ratio (with its unit when it is one: ``2**20``, a MiB); rows of
weights that do not sum to 1, columns that do, weight on a key the right answer gives exactly 0 (a
later key: the future), negative weights; a mask inverted, transposed, all False, True above the
diagonal; the parts of a tuple or dict right but in another order.

Each ``of_*`` returns ``""`` or the clauses to append to a measurement (``" — every entry is …"``).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
from collections.abc import Callable, Sequence

import numpy as np

SEP = " — "
_QUIET = contextvars.ContextVar("relations_quiet", default=False)


@contextlib.contextmanager
def quiet():
    """No clauses but a constant ratio inside this block: a line that names a catalogued mistake
    says what it is in the catalogue's words, and stays short."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def _close(a, b, rtol=1e-5, atol=1e-8) -> bool:
    with np.errstate(all="ignore"):
        return a.shape == b.shape and bool(np.isclose(a, b, rtol=rtol, atol=atol).all())


def _clauses(*found: str) -> str:
    return "".join(SEP + c for c in found if c)


# --- shapes ------------------------------------------------------------------------------------------


def of_shapes(got: tuple, want: tuple) -> str:
    """The relation between two shapes: axes swapped, an axis of size 1 lost or added."""
    if _QUIET.get():
        return ""
    if len(got) == len(want) >= 2 and got[:-2] + got[-1:] + got[-2:-1] == want:
        return SEP + "its last two axes are the right ones swapped (a transpose, or the other axis summed)"
    if len(got) + 1 == len(want) and 1 in want and got == tuple(n for n in want if n != 1):
        return SEP + "an axis of size 1 is gone: keepdims=True keeps it"
    if len(got) == len(want) + 1 and 1 in got and tuple(n for n in got if n != 1) == want:
        return SEP + "it has an extra axis of size 1"
    return ""


# --- numbers -----------------------------------------------------------------------------------------


def _whole(got, want) -> str:
    finite = np.isfinite(got).all() and np.isfinite(want).all()
    if finite and np.all(got == np.round(got)) and not np.all(want == np.round(want)):
        return ("your numbers are all whole where the answer has fractions: integer (floor) division //, "
                "int() or round() cut them off")
    return ""


def _rounded(got, want) -> str:
    """``got`` is ``want`` rounded to 1 … 4 decimals (0 decimals: :func:`_whole`)."""
    if np.all(got == np.round(got)):  # whole numbers (0 and 1: an underflow) are said elsewhere
        return ""
    for k in range(1, 5):
        rounded = np.round(want, k)
        coarser = _close(got, np.round(want, k - 1), 0, 1e-12)
        if not coarser and not _close(rounded, want, 1e-9, 0) and _close(got, rounded, 0, 1e-12):
            return (f"your numbers are the right ones rounded to {k} decimal{'s' if k > 1 else ''} "
                    f"(round(…, {k})): keep the full precision")
    return ""


def _same_as(got, want, rtol, atol) -> str:
    """The first simple transformation of the right answer that ``got`` is."""
    with np.errstate(all="ignore"):
        known: list[tuple[str, Callable[[], np.ndarray]]] = [
            ("it is the right answer transposed (rows and columns swapped)",
             lambda: np.swapaxes(want, -1, -2) if want.ndim >= 2 else want),
            ("it holds the right entries in reverse order",
             lambda: np.flip(want, axis=-1) if want.ndim else want),
            ("it is the right answer with its sign flipped", lambda: -want),
            ("it is the logarithm of the right answer (log where none belongs)", lambda: np.log(want)),
            ("it is exp of the right answer", lambda: np.exp(want)),
            ("it is 1 minus the right answer", lambda: 1 - want),
            ("it is the square of the right answer", lambda: want ** 2),
            ("it is the square root of the right answer (a square root where none belongs)",
             lambda: np.sqrt(want)),
        ]
        for says, transform in known:
            other = transform()
            differs = np.isfinite(other).all() and not _close(other, want, rtol, atol)
            if differs and _close(got, other, rtol, atol):
                return says
        if want.size > 1 and _close(np.sort(got, axis=None), np.sort(want, axis=None), rtol, atol):
            return "it holds the right numbers, in another order"
    return ""


def ratio(got, want) -> float | None:
    """``r`` if ``got == r * want`` everywhere (r ≠ 1, the expected answer not all zero), else None."""
    finite = np.isfinite(got) & np.isfinite(want)
    nonzero = finite & (np.abs(want) > 1e-12)
    if not finite.all() or not nonzero.any():
        return None
    r = float(np.median(got[nonzero] / want[nonzero]))
    if np.isclose(r, 1.0) or r == 0 or not np.allclose(got, r * want, rtol=1e-6, atol=1e-9):
        return None
    return r


def number(r: float) -> str:
    """A ratio as a reader recognises it: ``0.25 (= 1/4)``, ``2 (twice)``, ``1.41421 (= √2)``,
    ``0.30103 (= log10(2): …)``, ``9.53674e-07 (= 1/1048576, 2**20: a MiB in bytes)``."""
    text = f"{r:.6g}"
    known = _constant(r)
    if known:
        return f"{text} ({known})"
    if abs(r) < 1 and r != 0:
        inverse = 1 / r
        whole = bool(np.isclose(inverse, round(inverse)))
        shown = f"{round(inverse)}{_unit(round(inverse))}" if whole else _root(inverse) or f"{inverse:.6g}"
        text += f" (= 1/{shown}{': half' if whole and round(inverse) == 2 else ''})"
    elif abs(r) >= 1000 and np.isclose(r, round(r)) and _unit(round(r)):
        text += f" (= {round(r)}{_unit(round(r))})"
    elif np.isclose(r, 2):
        text += " (twice)"
    elif _root(r):
        text += f" (= {_root(r)})"
    return text


_LOGS = {"2": np.log(2), "e": 1.0, "10": np.log(10)}


def _constant(r: float) -> str:
    """A ratio that is one logarithm over another: ``log10(2) = ln 2 / ln 10: a logarithm in base 10
    where base 2 belongs`` (the ratio of log_b x to log_a x is ln a / ln b, whatever x)."""
    for a, ln_a in _LOGS.items():
        for b, ln_b in _LOGS.items():
            if a != b and np.isclose(r, ln_a / ln_b, rtol=1e-6):
                ratio_text = f"ln {a}" if b == "e" else (f"1 / ln {b}" if a == "e" else f"ln {a} / ln {b}")
                base = "e (np.log, the natural log)" if b == "e" else b
                return f"= {ratio_text}: a logarithm in base {base} where base {a} belongs"
    return ""


def _root(r: float) -> str:
    """``√8`` for 2.82843: a square root of a whole number that is not itself whole, else ``""``."""
    square = r * r
    n = round(square)
    if r > 0 and 1 < n <= 100_000 and np.isclose(square, n, rtol=1e-9) and round(r) ** 2 != n:
        return f"√{n}"
    return ""


def _unit(n: int) -> str:
    """``", 2**20: a MiB in bytes"`` for a power of 1024, ``", 10**6: bytes to MB"`` for 1000**k."""
    for k, name in ((1, "KiB"), (2, "MiB"), (3, "GiB")):
        if n == 1024 ** k:
            return f", 2**{10 * k}: a {name} in bytes"
    for k, name in ((1, "kB"), (2, "MB"), (3, "GB")):
        if n == 1000 ** k:
            return f", 10**{3 * k}: bytes to {name}"
    return ""


def _offset(got, want) -> str:
    d = got - want
    if np.isfinite(d).all() and d.size > 1 and np.allclose(d, d.flat[0], rtol=1e-6, atol=1e-9):
        return f"every entry is the right one {'+' if d.flat[0] > 0 else '−'} {abs(float(d.flat[0])):.6g}"
    return ""


# --- weights: rows of a pattern, a distribution --------------------------------------------------------


def _is_distribution(want) -> bool:
    return (want.ndim >= 1 and want.size > 1 and bool((want >= 0).all())
            and _close(want.sum(axis=-1), np.ones(want.shape[:-1])))


def _at(index) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def _weights(got, want) -> list[str]:
    """What ``got`` breaks of a pattern's properties (each row sums to 1; weights ≥ 0; exactly 0 where
    the right answer is), when the right answer is rows of weights."""
    if not _is_distribution(want) or not np.isfinite(got).all():
        return []
    found = []
    inside = (want > 1e-12) & (want < 1 - 1e-12)
    if inside.any() and np.isin(got, (0.0, 1.0)).all():
        found.append("its weights are exactly 0 and 1 where the right ones lie between: the small weights "
                     "underflowed to 0 (exp of a number below about −745 is 0 in float64)")
    if (got < -1e-12).any():
        found.append(f"it has negative weights (the first at {_at(np.argwhere(got < -1e-12)[0])}): "
                     "weights come from exp, never below 0")
    rows = got.sum(axis=-1)
    if not _close(rows, np.ones_like(rows), atol=1e-6):
        columns = got.sum(axis=-2) if got.ndim >= 2 else None
        if columns is not None and _close(columns, np.ones_like(columns), atol=1e-6):
            found.append("its COLUMNS sum to 1, not its rows: normalised over the wrong axis (axis -2, "
                         "the queries, instead of -1, the keys)")
        elif got.ndim >= 2 and np.isclose(got.sum(), 1):
            found.append("its entries sum to 1 all together, not row by row: one softmax over the "
                         "whole grid instead of one per row (axis -1)")
        else:
            if rows.ndim == 0:
                found.append(f"its weights sum to {float(rows):.4g}, not 1")
            else:
                first = np.argwhere(~np.isclose(rows, 1, atol=1e-6))[0]
                total = float(rows[tuple(first)])
                found.append(f"its rows do not sum to 1 (row {_at(first)} sums to {total:.4g})")
    zero = want == 0
    leak = zero & (np.abs(got) > 1e-12)
    if leak.any():
        first = tuple(np.argwhere(leak)[0])
        later = len(first) >= 2 and first[-1] > first[-2]
        found.append(f"it gives weight {float(got[first]):.3g} at {_at(first)}, where the weight must be "
                     "exactly 0" + (" (a later key: the future)" if later else ""))
    return found


def of_values(got: np.ndarray, want: np.ndarray, rtol: float = 1e-5, atol: float = 1e-8) -> str:
    """Clauses for two float arrays of one shape that differ: what the answer is, and what it breaks
    (``""`` if nothing is found — or if reading the relation fails: it never stops a check)."""
    try:
        with np.errstate(all="ignore"):
            return _of_values(got, want, rtol, atol)
    except Exception:  # noqa: BLE001
        return ""


def _of_values(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> str:
    r = ratio(got, want)
    scalar = want.size == 1
    rounded = "" if _QUIET.get() else _rounded(got, want)
    if rounded:
        return _clauses(rounded)
    if r is not None:
        first = (f" ({number(r)} × the expected value)" if scalar
                 else f"{SEP}every entry is {number(r)} × the expected one")
    elif _QUIET.get():
        return ""
    else:
        one_hot = _is_distribution(want) and bool(np.isin(got, (0.0, 1.0)).all())  # said by _weights
        found = (("" if one_hot else _whole(got, want)) or _same_as(got, want, rtol, atol)
                 or _offset(got, want))
        first = _clauses(found)
    return first + ("" if _QUIET.get() else _clauses(*_weights(got, want)))


def of_indices(got: np.ndarray, want: np.ndarray) -> str:
    """Clauses for two index lists that differ: reversed, reordered, shifted by one place."""
    if _QUIET.get() or got.ndim != 1 or want.ndim != 1:
        return ""
    n = want.size
    if got.size == n - 1 and np.array_equal(got, want[:-1]):
        first = f"the first {n - 1} of the right {n} indices" if n > 1 else f"no index where {n} is asked"
        return SEP + f"{first}: one index too few"
    if got.size == n + 1 and np.array_equal(got[:-1], want):
        return SEP + f"the right {n} indices and one more: one index too many"
    if got.shape != want.shape or got.size < 1:
        return ""
    for step, says in ((1, "one too high (counted from 1): Python counts from 0"),
                       (-1, "one too low")):
        if np.array_equal(got, want + step):
            return SEP + f"every index is the right one {'+' if step > 0 else '−'} 1, {says}"
    if got.size > 1 and np.array_equal(got, want[::-1]):
        return SEP + "the right indices in reverse order (the best must come first)"
    if got.size > 1 and np.array_equal(np.sort(got), np.sort(want)):
        return SEP + "the right indices in another order"
    if got.size > 1 and np.array_equal(got[:-1], want[1:]):
        return SEP + "the right list shifted by one place: its first index left out"
    return ""


def of_masks(got: np.ndarray, want: np.ndarray) -> str:
    """Clauses for two bool masks that differ: inverted, all False / True, transposed, the future."""
    if _QUIET.get():
        return ""
    if np.array_equal(got, ~want):
        return SEP + "every entry is inverted: True must mean 'may attend'"
    if not got.any():
        return SEP + "it is all False: no query may attend any key"
    if got.all() and not want.all():
        return SEP + "it is all True: every query may attend every key"
    if got.ndim == 2 and got.shape[0] == got.shape[1] and np.array_equal(got, want.T):
        return SEP + "it is the right mask transposed (the upper triangle for the lower)"
    if got.ndim == 2 and not np.triu(want, 1).any() and np.triu(got, 1).any():
        i, j = (int(n) for n in np.argwhere(np.triu(got, 1))[0])
        return SEP + f"it is True above the diagonal (query {i} sees key {j}, a later key: the future)"
    return ""


# --- parts of a tuple or a dict ------------------------------------------------------------------------


def parts_in_another_order(got: Sequence, want: Sequence, names: Sequence[str],
                           compare: Callable) -> str | None:
    """``"the parts are right but in another order: yours are (denom, m, numer), the order asked is
    (m, denom, numer)"`` when some other order of ``got``'s parts is ``want``, else ``None``."""
    n = len(want)
    if len(got) != n or not 2 <= n <= 4:
        return None
    for order in itertools.permutations(range(n)):  # the identity first: parts in their order are right
        try:
            if all(compare(got[order[i]], want[i]) is None for i in range(n)):
                if list(order) == list(range(n)):
                    return None
                yours = [names[order.index(i)] for i in range(n)]
                return (f"the parts are right but in another order (swapped): yours are "
                        f"({', '.join(yours)}), the order asked is ({', '.join(names)})")
        except Exception:  # noqa: BLE001, S112 — parts that cannot be compared are not these
            continue
    return None
