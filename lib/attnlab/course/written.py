"""Written questions: a lesson's questions answered in words and graded by hand, declared once.

``solutions/written.toml`` declares each (its lesson, grade id, the study guide's question word for
word, and the rubric: what earns each point). From that declaration alone come:

- the lesson's cells (:func:`attnlab.course.declared.apply`): a locked question cell and, after
  it, nbgrader's *manually graded answer* — a Markdown cell with ``grade``, ``solution``, the
  rubric's points, the grade id; the student copy holds nbgrader's ``YOUR ANSWER HERE`` there;
- what ``attnlab-grade`` reads of a submission (:func:`answers_of`): the text in the cell with that
  grade id, whatever its metadata now says — a submission's metadata never decides its points,
  which come only from a grader (:mod:`attnlab.course.manual`), never above the declared maximum;
- the grader's rubric page (:func:`rubric_markdown`) and the columns of every gradebook.

The rubric is for graders: ``solutions/`` is not in the package a learner installs (only
``attnlab``'s code and data are), and nothing here is written into a student copy.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from attnlab.paths import SOLUTIONS_DIR

WRITTEN = SOLUTIONS_DIR / "written.toml"
STUB = "YOUR ANSWER HERE"  # nbgrader's text stub (ClearSolutions.text_stub): what the student copy holds
MAX_ANSWER = 4000  # characters of an answer kept in the gradebook (a few sentences are ~400)
NOT_ANSWERED = "not answered"
TO_GRADE = "not yet graded"
_ID = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


class WrittenError(ValueError):
    """``solutions/written.toml`` says something the course cannot use: one line naming it."""


@dataclass(frozen=True)
class Item:
    """One rubric line: what earns ``points``."""

    points: float
    earns: str


@dataclass(frozen=True)
class Question:
    """One written question (see the module's docstring)."""

    lesson: str
    id: str  # the answer cell's nbgrader grade id
    guide: str  # the study guide's question, word for word
    answer: str  # the study guide's answer: the model answer graders see
    rubric: tuple[Item, ...]
    after: str = ""  # the cell it follows (default: the lesson's last cell)

    @property
    def points(self) -> float:
        return sum(item.points for item in self.rubric)

    @property
    def question_id(self) -> str:
        return f"{self.id}-question"

    @property
    def prompt(self) -> str:
        """The question cell a learner reads."""
        return (f"### In your own words ({self.points:g} points, graded by hand)\n\n**{self.guide}**\n\n"
                "Answer in two to four sentences in the cell below (double-click it to write). A grader "
                "reads it; the study guide's folded answer above is the course's words, not yours.")

    def meta(self) -> dict:
        """nbgrader's metadata of a manually graded answer cell."""
        points = int(self.points) if float(self.points).is_integer() else self.points
        return {"grade": True, "grade_id": self.id, "locked": False, "points": points, "schema_version": 3,
                "solution": True, "task": False}


def _guide() -> dict[str, str]:
    """The study guide's questions (the seed's and the course's own) -> their answers."""
    from attnlab.views.studyguide import load as study_guide

    found = study_guide()
    return {q.question: q.answer for q in (*found.questions, *found.beyond_seed)}


def _item(raw, where: str) -> Item:
    if not isinstance(raw, dict) or set(raw) != {"points", "earns"}:
        raise WrittenError(f"{where}: a rubric line is {{ points = N, earns = \"...\" }}, got {raw!r}")
    points, earns = raw["points"], raw["earns"]
    if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
        raise WrittenError(f"{where}: rubric points must be a number above 0, got {points!r}")
    if not isinstance(earns, str) or not earns.strip():
        raise WrittenError(f"{where}: each rubric line says what earns its points")
    return Item(float(points), earns.strip())


def _question(raw, n: int, guide: dict[str, str], lessons: list[str]) -> Question:
    where = f"{WRITTEN.name}, question {n}"
    if not isinstance(raw, dict):
        raise WrittenError(f"{where}: not a table")
    unknown = set(raw) - {"lesson", "id", "guide", "rubric", "after"}
    if unknown:
        raise WrittenError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    lesson, qid, text = raw.get("lesson"), raw.get("id"), raw.get("guide")
    if lesson not in lessons:
        raise WrittenError(f"{where}: lesson {lesson!r} is not one of solutions/ ({', '.join(lessons)})")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise WrittenError(f"{where}: id {qid!r} must be a grade id of a-z, 0-9 and _ "
                           "(e.g. softmax_in_words)")
    if text not in guide:
        raise WrittenError(f"{where} ({qid}): {text!r} is not a question of the study guide, word for word")
    rubric = raw.get("rubric")
    if not isinstance(rubric, list) or not rubric:
        raise WrittenError(f"{where} ({qid}): give a rubric, one line per point or group of points")
    return Question(lesson, qid, text, guide[text], tuple(_item(r, f"{where} ({qid})") for r in rubric),
                    str(raw.get("after", "")))


@cache
def load(path: Path = WRITTEN) -> tuple[Question, ...]:
    """Every written question, in the file's order (none if there is no file); ``WrittenError``
    for a declaration the course cannot use."""
    if not path.is_file():
        return ()
    from attnlab.checks.exercises import by_name
    from attnlab.paths import lessons

    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WrittenError(f"{path.name}: {exc}") from None
    guide, known = _guide(), lessons()
    found = [_question(q, n, guide, known) for n, q in enumerate(raw.get("question", []), 1)]
    taken = set(by_name()) | {f"check_{name}" for name in by_name()}
    seen: set[str] = set()
    for q in found:
        if q.id in seen or q.id in taken:
            raise WrittenError(f"{path.name}: id {q.id!r} is used twice (grade ids are unique in the course)")
        seen.add(q.id)
    return tuple(found)


def of_lesson(lesson: str) -> list[Question]:
    return [q for q in load() if q.lesson == lesson]


def _text(cell) -> str:
    text = cell.get("source", "") if isinstance(cell, dict) else ""
    return "".join(map(str, text)) if isinstance(text, list) else str(text)


def _grade_id(cell) -> object:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg.get("grade_id") if isinstance(nbg, dict) else None


def is_answered(text: str | None) -> bool:
    """Whether ``text`` is an answer: not nothing, not the stub left as it was."""
    left = re.sub(r"\s+", " ", (text or "").replace(STUB, "")).strip()
    return bool(left)


def answers_of(cells: list, lesson: str) -> dict[str, str]:
    """Question id -> the text of its answer cell in a submission ("" when not answered: the cell
    deleted, emptied or left as the stub). The first cell with the grade id counts, whatever its
    type or other metadata; at most :data:`MAX_ANSWER` characters are kept."""
    found: dict[str, str] = {}
    for q in of_lesson(lesson):
        text = next((_text(c) for c in cells if _grade_id(c) == q.id), "")
        found[q.id] = text.strip()[:MAX_ANSWER] if is_answered(text) else ""
    return found


def like_the_guide(text: str, q: Question) -> float:
    """How much of the study guide's answer ``text`` repeats, 0 … 1 (difflib over words): a grader
    sees it beside the answer, so a pasted model answer is noticed."""
    words = re.findall(r"\w+", text.lower())
    model = re.findall(r"\w+", q.answer.lower())
    if not words or not model:
        return 0.0
    return difflib.SequenceMatcher(None, words, model, autojunk=False).ratio()


def rubric_markdown(lesson: str) -> str:
    """The graders' page for a lesson: each question, its points, its rubric and the model answer."""
    lines = [f"# {lesson}: written answers, graded by hand", "",
             "Enter each student's points in the form beside this page (one row per student and question); "
             "a blank is 'not yet graded', never 0.", ""]
    for q in of_lesson(lesson):
        lines += [f"## {q.id} ({q.points:g} points)", "", f"**{q.guide}**", "", "Rubric:", ""]
        lines += [f"- **{item.points:g}** — {item.earns}" for item in q.rubric]
        lines += ["", f"Model answer (the study guide's): {q.answer}", ""]
    return "\n".join(lines)
