"""SmolLM2 on the learner's own RoPE and key/value sharing (lesson 12).

``run_on_yours(model, text, rope=…, repeat_kv=…)`` runs a Llama-family model twice — once with the
course's functions, once with the learner's in their place (:meth:`attnlab.models.llama.Llama.run`'s
``rotate`` and ``share`` hooks) — and says in one line whether they agree and, if not, the first
layer, head and token whose attention differs. A function the learner has not written yet
(``NotImplementedError``) is reported as not started; one that raises, with its error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from attnlab.checks.calling import first_line
from attnlab.checks.verdict import NO, OK, WAIT

PATTERN_TOL = 1e-4  # weights are 0 … 1; float32 with reordered sums


@dataclass(frozen=True)
class YourRun:
    """What running the model on the learner's functions showed: ``line``, ``same`` and, where they
    differ, ``first`` = (layer, head, token)."""

    line: str
    same: bool
    first: tuple[int, int, int] | None = None

    def __repr__(self) -> str:
        return self.line


def _adapt(rope, repeat_kv):
    hooks = {}
    if rope is not None:
        hooks["rotate"] = lambda x, positions, base: np.asarray(rope(x, positions, base), dtype=x.dtype)
    if repeat_kv is not None:
        hooks["share"] = lambda kv, n_rep: np.asarray(repeat_kv(kv, n_rep), dtype=kv.dtype)
    return hooks


def _piece(model, text: str, token: int) -> str:
    """The text token ``token`` covers (" fluffy", not the tokenizer's "Ġfluffy")."""
    pieces = model.pieces(text) if hasattr(model, "pieces") else []
    return pieces[token] if token < len(pieces) and pieces[token] else str(model.tokens(text)[token])


def run_on_yours(model, text: str, rope=None, repeat_kv=None) -> YourRun:
    """``model`` on ``text`` with the learner's ``rope(x, positions, base)`` and/or
    ``repeat_kv(kv, n_rep)`` in place of the course's."""
    names = " and ".join(f"`{n}`" for n, f in (("rope", rope), ("repeat_kv", repeat_kv)) if f is not None)
    ids = model.token_ids(text)
    course = model.forward(ids)
    try:
        yours = model.run(ids, **_adapt(rope, repeat_kv))
    except NotImplementedError:
        return YourRun(f"{WAIT}not started: write {names} above, then run this cell again", False)
    except Exception as error:  # noqa: BLE001 — a learner's code may raise anything
        return YourRun(f"{NO}your {names} raised {first_line(error)}", False)
    diff = np.abs(np.asarray(yours.attention, float) - np.asarray(course.attention, float))
    if not np.isfinite(diff).all() or diff.max() > PATTERN_TOL:
        bad = ~np.isfinite(diff) | (diff > PATTERN_TOL)
        layer, head, token, _ = (int(i) for i in np.argwhere(bad)[0])
        return YourRun(f"{NO}with your {names}, {model.folder.name}'s attention first differs at layer "
                       f"{layer}, head {head}, token {token} ({_piece(model, text, token)!r})", False,
                       (layer, head, token))
    same_next = int(yours.logits[-1].argmax()) == int(course.logits[-1].argmax())
    return YourRun(f"{OK}{model.folder.name} runs on your {names}: every layer's attention equals the "
                   f"course's within {PATTERN_TOL:g}" + (", and it predicts the same next token"
                                                         if same_next else ""), same_next)
