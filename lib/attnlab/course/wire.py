"""The grader's wire: what crosses a grading sandbox's edge, as one line of JSON per message.

A learner's answer is made plain data inside the sandbox (:func:`attnlab.course.tree.to_tree`)
and sent as JSON — arrays as their bytes (numbers and bools only), never a pickle. Everything that
comes back is untrusted: :func:`loads` refuses a malformed, deep or oversized line with
``ValueError``, and bounds how many distinct type names one line may carry (a name beyond
:data:`MAX_TYPE_NAMES` reads as ``object``), so nothing a submission sends can grow the grader.
:func:`outcome_to_wire` and :func:`outcome_from_wire` carry one call's
:class:`~attnlab.checks.calling.Outcome`.
"""

from __future__ import annotations

import base64
import json
import math
import re

import numpy as np

from attnlab.checks.calling import CheckTimeout, Outcome, first_line, time_limit
from attnlab.checks.plain import MAX_BYTES, AnswerTooLarge, type_name
from attnlab.course.tree import NUMBER_KINDS, from_tree, malformed, to_tree

MAX_TYPE_NAMES = 64  # distinct learner type names one message may name


def _encode_arrays(obj):
    if isinstance(obj, np.ndarray):
        return {"dtype": obj.dtype.str, "shape": list(obj.shape),
                "data": base64.b64encode(obj.tobytes()).decode("ascii")}
    raise TypeError(f"not plain: {type_name(obj)}")


def dumps(tree) -> str:
    """One line of JSON for a plain tree (arrays as base64 bytes)."""
    return json.dumps(tree, default=_encode_arrays, ensure_ascii=True, allow_nan=False)


def _decode_array(node: dict) -> dict:
    spec = node["array"]
    try:
        dtype = np.dtype(spec["dtype"])
        shape = tuple(spec["shape"])
        data = base64.b64decode(spec["data"], validate=True)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed answer: an array ({exc})") from None
    whole = all(type(n) is int and n >= 0 for n in shape)
    if dtype.kind not in NUMBER_KINDS or dtype.fields or not whole:
        malformed("an array that is not numbers")
    if math.prod(shape) * dtype.itemsize != len(data) or len(data) > MAX_BYTES:
        malformed("an array whose bytes do not fit its shape")
    return {**node, "array": np.frombuffer(data, dtype=dtype).reshape(shape)}


# In JSON text: an escaped backslash, a surrogate pair's escapes (one character), a lone surrogate's.
_ESCAPES = re.compile(r"(\\\\)|(\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                      r"|\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def whole_text(json_text: str) -> str:
    """``json_text`` with each lone surrogate's escape (``\\udcff``: no character, and no UTF-8
    file, CSV or page can hold it) written as U+FFFD: every string it parses to is text."""
    if "\\u" not in json_text:
        return json_text
    return _ESCAPES.sub(lambda m: m.group(1) or m.group(2) or "\\ufffd", json_text)


def _no_constant(name: str):
    raise ValueError(f"malformed message: a bare {name} (the runner sends none)")


def loads(text: str):
    """The plain tree in one line of JSON from :func:`dumps`; ``ValueError`` if it is not one."""
    names: set[str] = set()

    def hook(node: dict) -> dict:
        kind = node.get("$")
        if kind in ("ndarray", "tensor") and isinstance(node.get("array"), dict):
            return _decode_array(node)
        if kind == "opaque":
            name = node.get("type")
            if not isinstance(name, str) or (name not in names and len(names) >= MAX_TYPE_NAMES):
                return {**node, "type": "object"}
            names.add(name)
        return node

    try:
        return json.loads(whole_text(text), object_hook=hook, parse_constant=_no_constant)
    except RecursionError:
        raise AnswerTooLarge("the answer is nested too deeply") from None


def outcome_to_wire(outcome: Outcome, time_limit_s: float) -> dict:
    """An outcome as plain JSON-able data (the answer through :func:`to_tree`, under the
    time limit: a learner's object may take forever to read)."""
    if outcome.kind != "value":
        return {"kind": outcome.kind, "error": outcome.error}
    try:
        with time_limit(time_limit_s):
            tree = to_tree(outcome.value)
    except CheckTimeout:
        return {"kind": "unreadable", "error": f"reading your answer took longer than {time_limit_s:g} s"}
    except AnswerTooLarge as exc:
        return {"kind": "unreadable", "error": str(exc)}
    except BaseException as exc:  # noqa: BLE001 — a learner's object may raise anything
        return {"kind": "unreadable", "error": f"your answer could not be read: {first_line(exc)}"}
    return {"kind": "value", "value": tree}


def outcome_from_wire(data) -> Outcome:
    """The outcome a sandbox sent (untrusted): a malformed one becomes ``unreadable``."""
    if not isinstance(data, dict) or data.get("kind") not in Outcome.KINDS:
        return Outcome("unreadable", error="the answer that came back is malformed")
    error = data.get("error", "")
    error = error[:500] if isinstance(error, str) else ""
    if data["kind"] != "value":
        return Outcome(data["kind"], error=error)
    try:
        return Outcome("value", from_tree(data.get("value")))
    except ValueError as exc:
        return Outcome("unreadable", error=str(exc))
