"""Similar work, flagged for the instructor to look at: identical files, near-identical code, pastes
of the course's own source.

* **Identical files**: the same SHA-256 (the grader's copy of what each student handed in).
* **Near-identical code**: each student's exercise cells of the lesson, the starter code removed,
  compared pairwise by `copydetect <https://github.com/blingenf/copydetect>`_'s winnowing — names,
  strings and comments filtered out first (renaming variables or adding comments changes nothing),
  the starter's fingerprints discarded as boilerplate (a signature and a docstring everyone has
  are no match). A pair is listed with each side's similarity (the share of its code found in the
  other) and the lines that match.
* **Course source**: the same comparison against the lesson's solutions (``solutions/<lesson>.ipynb``)
  and the library functions its checks make answers from (``attnlab.course.answers.references``).

Short exercises converge — two honest students may write the same one-line softmax — so a high
similarity is a reason to look, never a verdict; the report says so.
"""

from __future__ import annotations

import importlib
import inspect
import io
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from functools import cache
from itertools import combinations
from pathlib import Path

import nbformat

from attnlab.course.classbook import Record, lesson_exercises
from attnlab.course.feedback import learner_code
from attnlab.paths import SOLUTIONS_DIR

# copydetect's noise threshold (k-gram length, its default) and winnowing window: 1 keeps every k-gram.
# copydetect hashes with Python's hash(), salted per process — a wider window would pick other
# fingerprints on every run; with all of them kept the similarity is the same on every run.
K, WINDOW = 25, 1
FLAG = 0.8  # a pair is flagged when either side has this share of its code in the other
PASTE = 0.6  # an exercise's code is flagged when this share of it is in a piece of course source
MIN_TOKENS = 40  # code shorter than this (filtered characters) is too little to compare
MAX_CHARS = 200_000  # a student's exercise code beyond this is cut (a 1 MB cell is no code to compare)
_STUB = re.compile(r"^\s*(# YOUR CODE HERE|raise NotImplementedError\(\)|### (BEGIN|END) SOLUTION)\s*$")


@dataclass
class Match:
    a: str  # a student id
    b: str  # another student id, or the course source's name
    similarity_a: float  # the share of a's code found in b
    similarity_b: float
    lines_a: list[str]  # a's lines that match (their code, as handed in)
    lines_b: list[str]

    @property
    def similarity(self) -> float:
        return max(self.similarity_a, self.similarity_b)

    @property
    def flagged(self) -> bool:
        return self.similarity >= FLAG


@dataclass
class Similar:
    identical: list[list[str]]  # groups of students whose files are byte-identical
    pairs: list[Match]  # every pair of students over half similar, most similar first
    pastes: list[Match]  # a student's code against the course's source (b: that source's name)


@cache
def _starters(lesson: str) -> dict[str, str]:
    """grade_id -> the starter code a student copy gives for that exercise."""
    from attnlab.course.authoring import student_copy

    nb = student_copy(nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4))
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nb.cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


def without_starter(code: str, starter: str) -> str:
    """The learner's code with the starter's own lines (and the stub's) left out."""
    given = {line.strip() for line in starter.splitlines() if line.strip()}
    kept = [line for line in code.splitlines() if line.strip() not in given and not _STUB.match(line)]
    return "\n".join(kept)


def exercise_code(path: Path | None, lesson: str) -> dict[str, str]:
    """grade_id -> a student's code for that exercise, without the starter code ("" for none)."""
    if path is None or not Path(path).is_file():
        return {}
    starters = _starters(lesson)
    return {ex.grade_id: without_starter(learner_code(path, ex.grade_id, ex.function),
                                         starters.get(ex.grade_id, ""))[:MAX_CHARS]
            for ex in lesson_exercises(lesson)}


@cache
def course_sources(lesson: str) -> tuple[tuple[str, str], ...]:
    """(name, source) of the course code a student of ``lesson`` could paste: each exercise's
    solution, and the library functions the lesson's checks make answers from."""
    from attnlab.course.answers import references

    nb = nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4)
    starters = _starters(lesson)
    found = [(f"the solution of {c.metadata['nbgrader']['grade_id']}",
              without_starter(c.source, starters.get(c.metadata["nbgrader"]["grade_id"], "")))
             for c in nb.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")]
    for (module, qualname), owner in sorted(references().items()):
        if owner != lesson:
            continue
        try:
            obj = importlib.import_module(module)
            for part in qualname.split("."):
                obj = getattr(obj, part)
            found.append((f"{module}.{qualname}", inspect.getsource(obj)))
        except (ImportError, AttributeError, OSError, TypeError):
            continue
    return tuple(found)


def _fingerprint(code: str, boilerplate):
    from copydetect import CodeFingerprint

    return CodeFingerprint("code.py", K, WINDOW, boilerplate=boilerplate, language="python",
                           fp=io.StringIO(code))


def _lines(code: str, slices) -> list[str]:
    """The lines of ``code`` that the copied slices (character offsets) touch, in order (each slice
    found by bisection: linear in the lines and slices, however many of each)."""
    if len(slices) == 0 or len(slices[0]) == 0:
        return []
    starts = [0]
    for line in code.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    lines = code.splitlines()
    hit = set()
    for start, end in zip(slices[0], slices[1], strict=True):
        # lines i with starts[i] < end and starts[i + 1] > start
        first, last = bisect_right(starts, int(start)) - 1, bisect_left(starts, int(end))
        hit.update(range(max(first, 0), min(last, len(lines))))
    return [lines[i] for i in sorted(hit) if lines[i].strip()]


def _match(a: str, fa, b: str, fb) -> Match | None:
    from copydetect import compare_files

    overlap, (sim_a, sim_b), (slices_a, slices_b) = compare_files(fa, fb)
    if overlap == 0:
        return None
    return Match(a, b, float(sim_a), float(sim_b), _lines(fa.raw_code, slices_a),
                 _lines(fb.raw_code, slices_b))


def _boilerplate(lesson: str):
    import numpy as np

    starter = "\n".join(_starters(lesson).values())
    return np.array(sorted(_fingerprint(starter, None).hashes), dtype=np.int64)


def find(records: list[Record], lesson: str, code_path, show: float = 0.5) -> Similar:
    """Similar work among ``records`` (one lesson); ``code_path(record)`` is the grader's copy of a
    student's file (``None`` if there is none). Pairs compare each student's code for the whole
    lesson; pastes compare each exercise's code with each piece of course source."""
    groups: dict[str, list[str]] = {}
    for r in records:
        if r.sha256 and r.status != "missing":
            groups.setdefault(r.sha256, []).append(r.student)
    identical = sorted(sorted(g) for g in groups.values() if len(g) > 1)
    boiler = _boilerplate(lesson)
    codes = {r.student: exercise_code(code_path(r), lesson) for r in records}
    joined = {s: "\n".join(c for c in code.values() if c.strip()) for s, code in codes.items()}
    whole = {s: _enough(code, boiler) for s, code in joined.items()}
    whole = {s: fp for s, fp in whole.items() if fp is not None}
    pairs = [m for a, b in combinations(sorted(whole), 2)
             if (m := _match(a, whole[a], b, whole[b])) is not None and m.similarity >= show]
    pairs.sort(key=lambda m: (-m.similarity, m.a, m.b))
    sources = [(name, _fingerprint(source, boiler)) for name, source in course_sources(lesson)]
    pastes = []
    for student in sorted(codes):
        for grade_id, code in codes[student].items():
            mine = _enough(code, boiler)
            for name, fs in sources if mine is not None else []:
                m = _match(f"{student}", mine, name, fs)
                if m is not None and m.similarity_a >= PASTE:
                    pastes.append(replace(m, a=f"{student}", b=f"{name} (in {grade_id})"))
    return Similar(identical, pairs, pastes)


def _enough(code: str, boilerplate):
    """The code's fingerprint, or ``None`` for too little code to compare."""
    if not code.strip():
        return None
    fp = _fingerprint(code, boilerplate)
    return fp if fp.token_coverage >= MIN_TOKENS else None
