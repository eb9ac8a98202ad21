"""The held-out class of tests/test_term.py: 9 students over lessons 03 and 04, written by hand.

Each student's exercise bodies (what replaces the stub) are here, so every score, mistake and
similarity the test expects can be followed back to a line. Honest students write their own
code (three styles); the catalogued mistakes are slips the checks name; one student pastes the
course's library source, one renames another's code, one hands in a byte-identical copy.
"""

from __future__ import annotations

import re

HONEST = {
    "a": {  # ana's style
        "stable_softmax": "m = scores.max(axis=-1, keepdims=True)\nex = np.exp(scores - m)\n"
                          "return ex / ex.sum(axis=-1, keepdims=True)",
        "softmax_with_temperature": "return stable_softmax(scores / temperature)",
        "attention_pattern": "d = q.shape[-1]\nreturn stable_softmax(q @ k.T / np.sqrt(d))",
        "causal_mask": "return np.tril(np.ones((T, T), dtype=bool))",
        "masked_pattern": "s = np.where(mask, scores, -np.inf)\ns = s - s.max(axis=-1, keepdims=True)\n"
                          "w = np.exp(s)\nreturn w / w.sum(axis=-1, keepdims=True)",
        "pattern_size": "return context_length ** 2 * np.dtype(dtype).itemsize",
    },
    "b": {  # ben's style
        "stable_softmax": "z = np.exp(scores - np.amax(scores, -1, keepdims=True))\n"
                          "total = np.sum(z, -1, keepdims=True)\nreturn z / total",
        "softmax_with_temperature": "scaled = np.asarray(scores) / float(temperature)\n"
                                    "return stable_softmax(scaled)",
        "attention_pattern": "s = np.matmul(q, k.T) / math.sqrt(k.shape[1])\nreturn stable_softmax(s)",
        "causal_mask": "i = np.arange(T)\nreturn i[:, None] >= i[None, :]",
        "masked_pattern": "kept = np.where(mask, scores, float('-inf'))\n"
                          "top = np.amax(kept, -1, keepdims=True)\nz = np.exp(kept - top)\n"
                          "return z / np.sum(z, -1, keepdims=True)",
        "pattern_size": "size = np.dtype(dtype).itemsize\nreturn int(context_length * context_length * size)",
    },
    "c": {  # eli's style
        "stable_softmax": "out = np.asarray(scores, dtype=float)\nout = out - out.max(axis=-1)[..., None]\n"
                          "out = np.exp(out)\nout /= out.sum(axis=-1)[..., None]\nreturn out",
        "softmax_with_temperature": "return stable_softmax(np.divide(scores, temperature))",
        "attention_pattern": "scores = (q @ k.transpose()) * (1.0 / q.shape[-1] ** 0.5)\n"
                             "return stable_softmax(scores)",
        "causal_mask": "out = np.zeros((T, T), dtype=bool)\nfor i in range(T):\n    out[i, : i + 1] = True\n"
                       "return out",
        "masked_pattern": "x = np.array(scores, dtype=float)\nx[~np.broadcast_to(mask, x.shape)] = -np.inf\n"
                          "x = np.exp(x - x.max(axis=-1)[..., None])\nreturn x / x.sum(axis=-1)[..., None]",
        "pattern_size": "per_number = np.zeros(1, dtype=dtype).nbytes\n"
                        "return context_length * context_length * per_number",
    },
}

# the catalogued slips (their checks name them; the test reads the names from the catalogues)
SLIPS = {
    "softmax_with_temperature": "return stable_softmax(scores * temperature)",
    "attention_pattern": "return stable_softmax(q @ k.T)",
    "masked_pattern": "e = np.exp(scores - scores.max(axis=-1, keepdims=True))\n"
                      "w = e / e.sum(axis=-1, keepdims=True)\nreturn w * mask",
    "causal_mask": "return np.triu(np.ones((T, T), dtype=bool))",
}

# hana renames ben's names and adds nothing else: the same code to a winnowing detector (whole
# words only: ben's ``itemsize`` stays an attribute)
_RENAMES = {"z": "ez", "total": "denominator", "kept": "masked_scores", "top": "row_max", "size": "nbytes",
            "scaled": "divided"}
RENAMED_B = {name: re.sub(r"\b(" + "|".join(_RENAMES) + r")\b", lambda m: _RENAMES[m.group(1)], body)
             for name, body in HONEST["b"].items()}

# two more students' own short answers (too short for the detector to compare, as short code is)
OWN = {
    "chloe": {"stable_softmax": "e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))\n"
                                "return e / e.sum(axis=-1, keepdims=True)",
              "pattern_size": "return np.dtype(dtype).itemsize * context_length * context_length"},
    "ivan": {"causal_mask": "return np.tri(T, dtype=bool)",
             "masked_pattern": "big = np.max(np.where(mask, scores, -np.inf), axis=-1, keepdims=True)\n"
                               "w = np.where(mask, np.exp(np.minimum(scores - big, 0)), 0.0)\n"
                               "return w / np.sum(w, axis=-1, keepdims=True)",
             "pattern_size": "return context_length * context_length * np.empty(0, dtype).itemsize"},
}

# ivan pastes the course library's softmax body into stable_softmax
PASTE = ("x = np.asarray(scores, dtype=float)\nt = 1.0\naxis = -1\nz = x / t\n"
         "z_max = np.max(z, axis=axis, keepdims=True)\n"
         "if np.isneginf(z_max).any():\n    raise ValueError('all -inf')\n"
         "e = np.exp(z - z_max)\nreturn e / np.sum(e, axis=axis, keepdims=True)")


def notebook(lesson: str, bodies: dict[str, str]):
    """The lesson's student copy with each exercise named in ``bodies`` written (the rest left as
    the stub: not attempted)."""
    import nbformat
    from submissions import STUB, course_student_copy, grade_id

    nb = nbformat.from_dict(course_student_copy(lesson))
    for cell in nb.cells:
        body = bodies.get(grade_id(cell))
        if body is not None:
            cell.source = STUB.sub(lambda m, body=body: "\n".join(
                m.group("indent") + line for line in body.splitlines()), cell.source)
    return nb
