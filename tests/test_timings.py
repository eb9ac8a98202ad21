"""Sentences about speed are written from the measurement: each says what its own figures show, in
the library and in every stored lesson output."""

import json

import pytest

from attnlab import timings
from attnlab.paths import NOTEBOOKS_DIR, SOLUTIONS_DIR
from attnlab.timings import Ratio, Timings


def _ratio(samples_a, samples_b):
    return Timings({"a": samples_a, "b": samples_b}).ratio("a", "b")


@pytest.mark.parametrize(("a", "b", "claim"), [
    ([3.0, 2.6, 4.0], [1.0, 1.0, 1.0], "slower"),
    ([1.0, 1.0, 1.0], [3.0, 2.0, 5.0], "faster"),
    ([1.0, 1.3, 0.8], [1.0, 1.0, 1.0], "indistinguishable"),  # the rounds disagree
    ([1.05, 1.08, 1.02], [1.0, 1.0, 1.0], "indistinguishable"),  # every round within noise
])
def test_the_verdict_follows_every_round_not_the_median(a, b, claim):
    r = _ratio(a, b)
    assert r.verdict == claim and r.rounds == 3 and r.low <= r.median <= r.high
    found = timings.parse(r.sentence)
    assert len(found) == 1 and found[0]["claims"] == [claim] and timings.consistent(found[0])
    assert found[0]["median"] == round(r.median, 2) and found[0]["rounds"] == 3


def test_a_ratio_is_taken_round_by_round():
    # b's slow second round is a's slow second round too (a shared hiccup): the ratio stays 2
    r = _ratio([2.0, 20.0, 2.0], [1.0, 10.0, 1.0])
    assert (r.median, r.low, r.high) == (2.0, 2.0, 2.0)
    assert Timings({"a": [1.0, 3.0, 2.0]}).band("a") == (1.0, 3.0)
    with pytest.raises(ValueError, match="no contender named 'c'"):
        Timings({"a": [1.0]}).ratio("a", "c")


def test_a_sentence_whose_words_contradict_its_figures_is_caught():
    honest = Ratio("x", "y", 4.2, 3.9, 4.6, 5).sentence
    assert all(timings.consistent(f) for f in timings.parse(honest))
    for lie in (honest.replace("slower than", "faster than"),  # "roughly as fast" beside 4.2×
                honest.replace("was slower than y in every round", "the two cannot be told apart"),
                honest.replace("took 4.20×", "took 5.20×")):  # a median outside its own range
        assert not any(timings.consistent(f) for f in timings.parse(lie)), lie


def test_measure_times_every_contender_in_every_round():
    t = timings.measure({"a": lambda: None, "b": lambda: sum(range(100))}, repeats=3, min_sample_s=1e-4)
    assert [len(v) for v in t.samples.values()] == [3, 3] and t.ratio("b", "a").rounds == 3


def _stored_text(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text = out.get("text") or out.get("data", {}).get("text/plain", "")
            yield "".join(text) if isinstance(text, list) else text


LESSONS = sorted(SOLUTIONS_DIR.glob("*.ipynb")) + sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_stored_speed_sentence_says_what_its_figures_show(path):
    found = [f for text in _stored_text(path) for f in timings.parse(text)]
    assert all(timings.consistent(f) for f in found), [f for f in found if not timings.consistent(f)]
    if path.stem == "11_attention_at_scale":
        assert len(found) >= 8  # online vs naive ×3, the cache, loop vs batched ×2, fused ×3
