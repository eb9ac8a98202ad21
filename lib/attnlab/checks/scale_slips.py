"""Lesson 11's online softmax: the slips beyond :mod:`attnlab.checks.scale`'s catalogues, one part at a time.

A running max that is wrong says what it is (the smallest score, the last block's max, still -inf)
whatever sum was built on it: those slips are :class:`~attnlab.checks.slips.Parts` that fix only
the part they are about. The others are whole answers, each the reference with one line changed.
A sum that is NaN while the max is right gets a general clause: what makes NaN there, whatever
the slip.
"""

from __future__ import annotations

import numpy as np

from attnlab.checks.compare import compare_values
from attnlab.checks.mistakes import Mistake
from attnlab.checks.slips import Parts, parts_aware


def _online(blocks, block_sum=None, after=False, against_old=False):
    """The running max and sum, with one step written a learner's way."""
    m, s = -np.inf, 0.0
    for block in blocks:
        m_new = max(m, np.max(block))
        if block_sum is None:
            here = np.sum(np.exp(block - (m if against_old else m_new)))
        else:
            here = block_sum(block, m_new)
        s = (s + here) * np.exp(m - m_new) if after else s * np.exp(m - m_new) + here
        m = m_new
    return m, s


ONLINE_PARTS = [  # a wrong m, whatever s
    Mistake("m is the smallest score: the running max is max(m, np.max(block)), the largest so far.",
            lambda blocks: Parts((min(np.min(b) for b in blocks), None))),
    Mistake("m is the last block's max, not the running max: m_new = max(m, np.max(block)) keeps the largest "
            "so far.", lambda blocks: Parts((np.max(blocks[-1]), None))),
    Mistake("m is still -inf: it is never updated — set m = m_new after each block.",
            lambda blocks: Parts((-np.inf, None))),
]
ONLINE_MORE = [
    Mistake("That sums the block against the old max m: its terms are exp(score - m_new), with the new max.",
            lambda blocks: _online(blocks, against_old=True)),
    Mistake("That takes exp of the block's sum: add the sum of the exps, np.sum(np.exp(block - m_new)).",
            lambda blocks: _online(blocks, block_sum=lambda b, m: np.exp(np.sum(b) - m))),
    Mistake("That rescales after adding the block: rescale the sum so far by exp(m - m_new) first, then add "
            "this block's terms (already made with m_new).", lambda blocks: _online(blocks, after=True)),
    *ONLINE_PARTS,
]

_NAN = ("s is NaN, m right: m = -inf at first, so exp(m_new - m) or exp(score - m) is inf (× 0: NaN) and "
        "-inf - (-inf) is NaN; use exp(m - m_new), exp(score - m_new)")


def compare_online(got, expected) -> str | None:
    """compare_values on ``(m, s)``, with what a NaN sum says when m is right."""
    problem = compare_values(got, expected)
    if problem is None or not isinstance(got, tuple | list) or len(got) != 2:
        return problem
    try:
        m, s = (float(x) for x in got)
    except (TypeError, ValueError):
        return problem
    if np.isnan(s) and not np.isnan(expected[1]) and compare_values(m, expected[0]) is None:
        return f"{problem.rstrip('.')} — {_NAN}"
    return problem


compare_online_parts = parts_aware(compare_online, compare_values)


def _tile(m, denom, numer, scores, v, p_max=None, sums=None, normalised=False, old_m=False):
    """One tile of the online softmax (shapes (bq, 1), (bq, 1), (bq, d_v), (bq, bk), (bk, d_v)), with
    one step written a learner's way."""
    m_new = np.maximum(m, scores.max(axis=1, keepdims=True))  # (bq, 1)
    rescale = np.exp(m - m_new)
    p = np.exp(scores - (m_new if p_max is None else p_max(m, m_new)))  # (bq, bk)
    denom = denom * rescale + (p.sum(axis=1, keepdims=True) if sums is None else sums(p))
    numer = numer * rescale + p @ v
    return (m if old_m else m_new), denom, (numer / denom if normalised else numer)


BLOCK_MORE = [
    Mistake("That returns the old running max m: return m_new = np.maximum(m, the tile's row max).",
            lambda *a: _tile(*a, old_m=True)),
    Mistake("That makes p with the old max m: p = exp(scores - m_new), with the new max (the old one is -inf "
            "on the first tile).", lambda *a: _tile(*a, p_max=lambda m, m_new: m)),
    Mistake("That adds p's column sums (axis 0) to denom: each query needs its own row's sum, "
            "p.sum(axis=1, keepdims=True).",
            lambda *a: _tile(*a, sums=lambda p: p.sum(axis=0, keepdims=True))),
    Mistake("That divides numer by denom already: keep numer unnormalised and divide once, after the last "
            "tile.", lambda *a: _tile(*a, normalised=True)),
]
