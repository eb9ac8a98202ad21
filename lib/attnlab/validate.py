"""Input checks shared by the whole library.

Every public function of attnlab checks what it is given and, when something is off, raises an
:class:`~attnlab.errors.AttnlabError` (a ``ValueError``) that names the argument, what it got
and what it needed — so a learner reads "q has shape (4, 8) but k has shape (4, 16): their last
axes (d_k) must match", not a broadcasting error from deep inside NumPy.
"""

from __future__ import annotations

import numpy as np

from attnlab.errors import AttnlabError


def as_float_array(x, name: str, min_ndim: int = 0) -> np.ndarray:
    """Return ``x`` as a floating-point NumPy array, or raise an ``AttnlabError`` naming ``name``.

    Integers become float64; bool, complex, strings and objects are refused. NaN and +inf are
    refused too (a NaN in attention always means a bug upstream); -inf is allowed, it is how
    masked scores are written.
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise AttnlabError(f"{name} could not be turned into an array: {exc}") from None
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise AttnlabError(f"{name} must hold real numbers, but its dtype is {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise AttnlabError(f"{name} must hold real numbers, but its dtype is {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if arr.ndim < min_ndim:
        raise AttnlabError(
            f"{name} must have at least {min_ndim} dimensions, but has shape {arr.shape}"
        )
    if np.isnan(arr).any():
        raise AttnlabError(f"{name} contains NaN")
    if np.isposinf(arr).any():
        raise AttnlabError(f"{name} contains +inf")
    return arr


def as_bool_array(mask, name: str) -> np.ndarray:
    """Return ``mask`` as a bool array; refuse 0/1 floats so True/False can never be mixed up."""
    arr = np.asarray(mask)
    if arr.dtype != bool:
        raise AttnlabError(
            f"{name} must be a bool array (True = may attend), but its dtype is {arr.dtype}; "
            f"build it with causal_mask(...) or a comparison such as {name} != 0"
        )
    return arr


def positive_int(n, name: str) -> int:
    """Return ``n`` as an int ≥ 1, or raise an ``AttnlabError`` naming ``name``."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise AttnlabError(f"{name} must be a whole number, but got {n!r}")
    if n < 1:
        raise AttnlabError(f"{name} must be at least 1, but got {n}")
    return int(n)


def index(i, name: str, n: int) -> int:
    """Return ``i`` as an int from 0 to ``n - 1``, or raise an ``AttnlabError`` naming ``name``."""
    if isinstance(i, bool) or not isinstance(i, int | np.integer) or not 0 <= i < n:
        raise AttnlabError(f"{name} must be a whole number from 0 to {n - 1}, but got {i!r}")
    return int(i)


def positive_float(x, name: str) -> float:
    """Return ``x`` as a finite float > 0, or raise an ``AttnlabError`` naming ``name``."""
    if isinstance(x, bool) or not isinstance(x, int | float | np.integer | np.floating):
        raise AttnlabError(f"{name} must be a number, but got {x!r}")
    if not np.isfinite(x) or x <= 0:
        raise AttnlabError(f"{name} must be a finite number greater than 0, but got {x}")
    return float(x)


def broadcast_shape(shapes: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    """Broadcast the named shapes together, or raise a ``ValueError`` listing all of them."""
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise AttnlabError(f"these shapes do not broadcast together: {listed}") from None


def default_d_head(d_model, n_heads) -> int:
    """``d_model // n_heads``: each head's width when the heads split d_model evenly. ``ValueError``
    when they do not (then give d_head explicitly)."""
    d_model, n_heads = positive_int(d_model, "d_model"), positive_int(n_heads, "n_heads")
    if d_model % n_heads:
        raise AttnlabError(f"d_model={d_model} is not divisible by n_heads={n_heads}: give d_head explicitly")
    return d_model // n_heads
