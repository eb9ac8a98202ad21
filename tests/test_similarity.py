"""Similar work (attnlab.course.similarity) on the held-out class's own code (tests/term_class.py):
a renamed copy is flagged with its lines, honest students writing their own code are not, a paste
of the course's library source is, byte-identical files are grouped — and the numbers are the
same in every process (copydetect hashes with Python's salted hash())."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from term_class import HONEST, PASTE, RENAMED_B, SLIPS, notebook

from attnlab.course import similarity
from attnlab.course.classbook import Record

LESSON = "03_softmax"
PEOPLE = {"ana": HONEST["a"], "ben": HONEST["b"], "eli": HONEST["c"], "hana": RENAMED_B,
          "chloe": SLIPS, "ivan": {"stable_softmax": PASTE}, "fay": {}}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("similar")
    for student, bodies in PEOPLE.items():
        nbformat.write(notebook(LESSON, bodies), root / f"{student}.ipynb")
    (root / "dev.ipynb").write_bytes((root / "eli.ipynb").read_bytes())
    return root


def _records(folder: Path) -> list[Record]:
    from attnlab.course.gradebook import digest

    files = sorted(folder.glob("*.ipynb"))
    return [Record(LESSON, p.stem, "graded", {}, [], sha256=digest(p)) for p in files]


def _find(folder: Path) -> similarity.Similar:
    return similarity.find(_records(folder), LESSON, lambda r: folder / f"{r.student}.ipynb")


def test_a_renamed_copy_is_flagged_with_its_lines_and_honest_code_is_not(folder):
    found = _find(folder)
    flagged = {(m.a, m.b) for m in found.pairs if m.flagged}
    assert flagged == {("ben", "hana"), ("dev", "eli")}, [(m.a, m.b, m.similarity) for m in found.pairs]
    ben = next(m for m in found.pairs if (m.a, m.b) == ("ben", "hana"))
    assert "denominator = np.sum(ez, -1, keepdims=True)" in [line.strip() for line in ben.lines_b]
    assert not any("YOUR CODE HERE" in line or "def stable_softmax" in line for line in ben.lines_a)
    assert found.identical == [["dev", "eli"]]


def test_a_paste_of_the_course_source_is_flagged_against_it(folder):
    pastes = [(m.a, m.b) for m in _find(folder).pastes]
    assert pastes == [("ivan", "attnlab.attention.softmax (in stable_softmax)")]


def test_the_starter_code_alone_is_nothing_to_compare(folder):
    assert similarity.exercise_code(folder / "fay.ipynb", LESSON) == {
        name: "" for name in ("stable_softmax", "softmax_with_temperature", "attention_pattern")}
    assert all("fay" not in (m.a, m.b) for m in _find(folder).pairs)


def test_the_similarities_are_the_same_in_every_process(folder):
    code = ("import sys, json; sys.path.insert(0, 'tests'); from test_similarity import _find; "
            f"from pathlib import Path; f = _find(Path({str(folder)!r})); "
            "print(json.dumps([[m.a, m.b, round(m.similarity_a, 6)] for m in f.pairs + f.pastes]))")
    here = _find(folder)  # this process's hash seed is random; the other's is fixed
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout
    assert json.loads(there) == [[m.a, m.b, round(m.similarity_a, 6)] for m in here.pairs + here.pastes]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["ab\n", "\n", "xyz q\n", "  \n", "k"]), max_size=30),
       st.lists(st.tuples(st.integers(0, 200), st.integers(0, 12)), max_size=6))
def test_the_lines_a_match_touches_are_found_by_bisection_as_by_their_definition(parts, spans):
    """Each slice's lines by bisection (two hostile 200 kB copies made the pairwise scan take 4 s a
    pair): the same lines as the definition, a line touched when it overlaps the slice."""
    code = "".join(parts)
    starts_of = sorted(spans)
    slices = [[s for s, _ in starts_of], [s + n for s, n in starts_of]]
    offsets = [0]
    for line in code.splitlines(keepends=True):
        offsets.append(offsets[-1] + len(line))
    lines = code.splitlines()
    touched = {i for i in range(len(lines)) for s, n in starts_of
               if offsets[i] < s + n and offsets[i + 1] > s}
    assert similarity._lines(code, slices) == [lines[i] for i in sorted(touched) if lines[i].strip()]
