"""The class report's numbers (attnlab.course.diagnosis) from what the checks found, as data.

Records are made here with the findings a check gives (its Diagnosis), so each count can be
followed by hand; the whole path through ``attnlab-grade`` is tests/test_class.py's and
tests/test_term.py's.
"""

from __future__ import annotations

from attnlab.checks import check_softmax_with_temperature
from attnlab.checks.diagnosis import Diagnosis, name_of
from attnlab.checks.softmax import TEMPERATURE_MISTAKES
from attnlab.course import diagnosis
from attnlab.course.classbook import Record, lesson_exercises

LESSON = "03_softmax"
EXS = lesson_exercises(LESSON)
FIRST = EXS[0].grade_id


def _record(student: str, found: dict[str, Diagnosis] | None, status: str = "graded",
            notes: tuple[str, ...] = ()) -> Record:
    found = found or {}
    scores = {ex.grade_id: ex.points if found.get(ex.grade_id, Diagnosis("pass")).verdict == "pass" else 0.0
              for ex in EXS}
    return Record(LESSON, student, status, scores, list(notes), diagnoses=found)


def test_a_check_names_the_catalogued_mistake_in_its_finding():
    slip = TEMPERATURE_MISTAKES[0]  # multiplies by the temperature
    found = check_softmax_with_temperature(slip.wrong).diagnosis
    assert found.verdict == "wrong" and found.mistake == slip.name and found.case >= 1 and found.label
    assert check_softmax_with_temperature(lambda s, t: (_ for _ in ()).throw(NotImplementedError())
                                          ).diagnosis == Diagnosis("not attempted")


def test_mistakes_are_counted_by_name_and_not_attempted_apart_from_wrong():
    slip = name_of(TEMPERATURE_MISTAKES[0].says)
    records = [
        _record("a", None),
        _record("b", {FIRST: Diagnosis("wrong", 2, "two rows", slip)}),
        _record("c", {FIRST: Diagnosis("wrong", 2, "two rows", slip)}),
        _record("d", {FIRST: Diagnosis("wrong", 1, "one row")}),
        _record("e", {FIRST: Diagnosis("not attempted")}),
        _record("f", {FIRST: Diagnosis("raised", 1, "one row", error="NameError")}),
        _record("g", None, status="missing"),
    ]
    s = diagnosis.exercise_stats(records, LESSON)[0]
    assert (s.handed_in, s.passed, s.attempted, s.not_attempted) == (6, 1, 5, 1)
    assert s.top_mistake == (slip, 2) and s.case_most_hit == ("case 2 (two rows)", 2)
    assert s.failing() == [(slip, 2), (diagnosis.UNNAMED, 1), ("raised NameError", 1), ("not attempted", 1)]
    assert s.who[slip] == ["b", "c"] and s.who[diagnosis.UNNAMED] == ["d"]
    marks = {r.student: diagnosis.mark(found[0]) for r, found in diagnosis.student_rows(records, LESSON)}
    assert marks == {"a": "pass", "b": slip, "c": slip, "d": "wrong at case 1", "e": "not attempted",
                     "f": "raised NameError", "g": "missing"}


def test_a_gradebook_from_before_diagnoses_still_tells_the_stub_from_a_wrong_answer():
    stub = _record("old", None, notes=(f"{FIRST}: ❌ {FIRST}: not implemented yet — replace …",))
    stub.scores[FIRST] = 0.0
    wrong = _record("older", None, notes=(f"{FIRST}: ❌ {FIRST}: case 1 of 8 (x): expected …",))
    wrong.scores[FIRST] = 0.0
    assert diagnosis.outcome(stub, EXS[0]).verdict == "not attempted"
    assert diagnosis.outcome(wrong, EXS[0]).verdict == "wrong"


def test_a_mistakes_name_is_the_first_clause_of_what_it_says():
    assert name_of("That skips the scale: divide the scores by √d_k.") == "That skips the scale"
    assert name_of("That is in bits — bytes are 8 bits.") == "That is in bits"
    about = "mlp: that is one of its two matrices"
    assert name_of(f"{about} — up AND down.") == about
    assert len(name_of("That " + "very " * 40 + "long: x")) <= 90
