"""What the class got wrong, counted from what the checks found (the class report's numbers).

Every graded row keeps, per exercise, its check's :class:`~attnlab.checks.diagnosis.Diagnosis`: the
verdict, the failing case and the catalogued mistake the answer is — data, never a sentence read
back. From those, :func:`exercise_stats` counts per exercise who passed, who did not attempt it
(the stub left, the function gone) apart from who answered wrong, each catalogued mistake by name,
and the case most hit; :func:`student_rows` gives each student's mark per exercise;
:func:`hardest` and :func:`progress` look across lessons.

A gradebook from before diagnoses were kept still reads: its verdicts come from the scores (passed
or not), with "not attempted" told by the stub's line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from attnlab.checks.diagnosis import Diagnosis
from attnlab.course.classbook import ClassBook, Record, lesson_exercises, max_points
from attnlab.course.submission import NOT_GRADED, UNSCORED, Exercise

NOT_ATTEMPTED = "not attempted"
WRONG = "wrong"
UNNAMED = "another wrong answer"  # a wrong answer no catalogued mistake gives


def outcome(record: Record, ex: Exercise) -> Diagnosis:
    """What the check of ``ex`` found in ``record`` (``missing`` for work not handed in)."""
    if record.status == "missing":
        return Diagnosis("missing")
    if record.status in UNSCORED:  # not graded, or stopped at the judging limit: no verdict
        return Diagnosis(NOT_GRADED)
    kept = record.diagnoses.get(ex.grade_id)
    if kept is not None:
        return kept
    if record.diagnoses:  # graded with diagnoses, none for this one: its check never ran (or was refused)
        return Diagnosis("did not run")
    line = record.line(ex)  # an older gradebook: the score, and the stub's own words
    if record.scores.get(ex.grade_id, 0.0) >= ex.points and not line.startswith("❌"):
        return Diagnosis("pass")
    return Diagnosis(NOT_ATTEMPTED if "not implemented yet" in line else WRONG)


def mark(found: Diagnosis) -> str:
    """One student's exercise in a table cell: ``pass``, the mistake's name, or the verdict."""
    if found.verdict == WRONG and not found.mistake:
        return f"wrong at case {found.case}" if found.case else WRONG
    return found.way


@dataclass
class ExerciseStats:
    lesson: str
    grade_id: str
    function: str
    points: float
    handed_in: int = 0  # submissions with a verdict (missing and not-graded rows left out)
    passed: int = 0
    verdicts: Counter = field(default_factory=Counter)  # "wrong", "not attempted", "raised", …
    errors: Counter = field(default_factory=Counter)  # "raised NameError", "timeout", … -> learners
    mistakes: Counter = field(default_factory=Counter)  # a catalogued mistake's name -> learners
    cases: Counter = field(default_factory=Counter)  # "case 3 (huge scores …)" -> learners it failed
    who: dict[str, list[str]] = field(default_factory=dict)  # a mistake or verdict -> the students

    @property
    def pass_rate(self) -> float:
        return self.passed / self.handed_in if self.handed_in else 0.0

    @property
    def not_attempted(self) -> int:
        return self.verdicts[NOT_ATTEMPTED]

    @property
    def attempted(self) -> int:
        return self.handed_in - self.not_attempted

    @property
    def case_most_hit(self) -> tuple[str, int]:
        return self.cases.most_common(1)[0] if self.cases else ("", 0)

    @property
    def top_mistake(self) -> tuple[str, int]:
        return self.mistakes.most_common(1)[0] if self.mistakes else ("", 0)

    def failing(self) -> list[tuple[str, int]]:
        """Each way of not passing, most common first: the named mistakes, then other wrong
        answers, the errors and timeouts, and not attempting it."""
        ways = list(self.mistakes.most_common())
        unnamed = self.verdicts[WRONG] - sum(self.mistakes.values())
        if unnamed:
            ways.append((UNNAMED, unnamed))
        ways += list(self.errors.most_common())
        if self.not_attempted:
            ways.append((NOT_ATTEMPTED, self.not_attempted))
        return ways


def exercise_stats(records: list[Record], lesson: str) -> list[ExerciseStats]:
    """Per exercise of ``lesson``: passes, verdicts, mistakes by name, cases, from ``records``."""
    stats = []
    for ex in lesson_exercises(lesson):
        s = ExerciseStats(lesson, ex.grade_id, ex.function, ex.points)
        for r in records:
            found = outcome(r, ex)
            if found.verdict in ("missing", NOT_GRADED):
                continue
            s.handed_in += 1
            s.verdicts[found.verdict] += 1
            if found.verdict == "pass":
                s.passed += 1
                continue
            if found.case:
                s.cases[f"case {found.case} ({found.label})"] += 1
            if found.verdict == WRONG and found.mistake:
                s.mistakes[found.mistake] += 1
            elif found.verdict not in (WRONG, NOT_ATTEMPTED):
                s.errors[found.way] += 1
            way = UNNAMED if found.verdict == WRONG and not found.mistake else found.way
            s.who.setdefault(way, []).append(r.name or r.student)
        stats.append(s)
    return stats


def student_rows(records: list[Record], lesson: str) -> list[tuple[Record, list[Diagnosis]]]:
    """Each student's record with the finding of each exercise, in the lesson's order."""
    exs = lesson_exercises(lesson)
    return [(r, [outcome(r, ex) for ex in exs]) for r in records]


def hardest(book: ClassBook, top: int = 10) -> list[ExerciseStats]:
    """The exercises of every graded lesson that the fewest of those who handed in passed."""
    every = [s for lesson in book.lessons() for s in exercise_stats(book.records(lesson), lesson)
             if s.handed_in]
    return sorted(every, key=lambda s: (s.pass_rate, -s.handed_in, s.lesson, s.grade_id))[:top]


def progress(book: ClassBook) -> tuple[list[str], dict[str, dict[str, Record]]]:
    """(the lessons graded, student -> lesson -> their record): each student's term so far."""
    lessons = book.lessons()
    found: dict[str, dict[str, Record]] = {}
    for lesson in lessons:
        for r in book.records(lesson):
            found.setdefault(r.student, {})[lesson] = r
    return lessons, found


def share(record: Record | None) -> float | None:
    """A lesson's points after penalties as a share of its maximum (``None``: no score)."""
    if record is None or record.status == "missing" or record.status in UNSCORED:
        return None
    top = max_points(record.lesson)
    return record.total / top if top else None
