"""The study guide the course grew from, answered by the course: questions, flashcards, lessons.

``data/study_guide.json`` holds the seed study guide's 20 questions and 19 flashcard terms in their
exact wording, each with the course's own short answer (or definition) and the lesson that
demonstrates it::

    {"questions":  [{"question": ..., "answer": ..., "lesson": "03_softmax"}, ...],
     "flashcards": [{"term": ..., "definition": ..., "lesson": "04_masking"}, ...]}

Every lesson ends with ``show_questions("NN_name")``: its questions, answers folded away, as
static Markdown (the same text on every run, readable without a kernel). ``13_review`` asks them
all, with the flashcard and quiz widgets of :mod:`attnlab.views.widgets`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from attnlab.errors import AttnlabError
from attnlab.paths import DATA_DIR

STUDY_GUIDE = DATA_DIR / "study_guide.json"

LESSONS = (
    "00_start_here", "01_embeddings", "02_dot_product_relevance", "03_softmax", "04_masking",
    "05_value_map", "06_multi_head", "07_cross_attention", "08_gpt3_parameters", "09_tiny_gpt",
    "10_your_own_gpt", "11_attention_at_scale", "12_todays_llms", "13_review",
)

# What the seed's flashcard app shows in place of a definition it does not give.
PLACEHOLDER = "Signup and view all the flashcards"


@dataclass(frozen=True)
class Question:
    question: str
    answer: str
    lesson: str


@dataclass(frozen=True)
class Flashcard:
    term: str
    definition: str
    lesson: str


@dataclass(frozen=True)
class StudyGuide:
    questions: tuple[Question, ...]
    flashcards: tuple[Flashcard, ...]
    beyond_seed: tuple[Question, ...] = ()  # the course's own questions, past the seed's 20


def check_lesson(lesson: str) -> str:
    """``lesson`` if it is one of the course's lesson names, else an ``AttnlabError`` listing them."""
    if lesson not in LESSONS:
        raise AttnlabError(f"lesson must be one of {', '.join(LESSONS)}; got {lesson!r}")
    return lesson


def _entries(data: dict, key: str, fields: tuple[str, ...]) -> list[dict]:
    """The list ``data[key]``, each entry a dict of non-empty strings with exactly ``fields``."""
    entries = data.get(key)
    if not isinstance(entries, list) or not entries:
        raise AttnlabError(f"study guide: {key!r} must be a non-empty list")
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != set(fields):
            raise AttnlabError(f"study guide: {key}[{i}] must have exactly the keys {fields}, got {entry!r}")
        for name in fields:
            if not isinstance(entry[name], str) or not entry[name].strip():
                raise AttnlabError(f"study guide: {key}[{i}].{name} must be a non-empty string")
        check_lesson(entry["lesson"])
    return entries


def _check_answer(prompt: str, answer: str, where: str) -> None:
    """An answer says something: not the seed's placeholder, not the prompt repeated."""
    if answer.strip() == PLACEHOLDER or answer.strip().lower() == prompt.strip().lower():
        raise AttnlabError(f"study guide: {where} has no real answer: {answer!r}")


def parse(data: dict) -> StudyGuide:
    """Validate the JSON structure (an ``AttnlabError`` says what is wrong) and build the guide."""
    if not isinstance(data, dict):
        raise AttnlabError(f"study guide must be a JSON object, got {type(data).__name__}")
    questions = tuple(Question(**e) for e in _entries(data, "questions", ("question", "answer", "lesson")))
    cards = tuple(Flashcard(**e) for e in _entries(data, "flashcards", ("term", "definition", "lesson")))
    for i, q in enumerate(questions):
        _check_answer(q.question, q.answer, f"questions[{i}]")
    for i, c in enumerate(cards):
        _check_answer(c.term, c.definition, f"flashcards[{i}]")
    beyond = tuple(Question(**e) for e in (_entries(data, "beyond_seed", ("question", "answer", "lesson"))
                                           if "beyond_seed" in data else ()))
    for i, q in enumerate(beyond):
        _check_answer(q.question, q.answer, f"beyond_seed[{i}]")
    for kind, texts in (("question", [q.question for q in questions + beyond]),
                        ("term", [c.term for c in cards])):
        repeated = sorted({t for t in texts if texts.count(t) > 1})
        if repeated:
            raise AttnlabError(f"study guide: {kind}s appear more than once: {repeated}")
    return StudyGuide(questions, cards, beyond)


@cache
def load(path: Path | str = STUDY_GUIDE) -> StudyGuide:
    """The study guide in ``path`` (default ``data/study_guide.json``), validated; cached."""
    return parse(json.loads(Path(path).read_text(encoding="utf-8")))


def questions_for(lesson: str | None = None) -> list[Question]:
    """The questions ``lesson`` demonstrates, in the guide's order (``None``: all of them)."""
    questions = load().questions
    if lesson is None:
        return list(questions)
    check_lesson(lesson)
    return [q for q in questions if q.lesson == lesson]


def beyond_seed_for(lesson: str | None = None) -> list[Question]:
    """The course's own questions past the seed's 20 that ``lesson`` demonstrates (``None``: all)."""
    beyond = load().beyond_seed
    return list(beyond) if lesson is None else [q for q in beyond if q.lesson == check_lesson(lesson)]


def flashcards_for(lesson: str | None = None) -> list[Flashcard]:
    """The flashcards ``lesson`` demonstrates, in the guide's order (``None``: all of them)."""
    cards = load().flashcards
    if lesson is None:
        return list(cards)
    check_lesson(lesson)
    return [c for c in cards if c.lesson == lesson]


def lesson_title(lesson: str) -> str:
    """``"03_softmax"`` -> ``"03 · softmax"``: how the guide names a lesson to a reader."""
    number, _, name = check_lesson(lesson).partition("_")
    return f"{number} · {name.replace('_', ' ')}"


def _folded(summary: str, body: str) -> str:
    """A Markdown block whose ``body`` is hidden until the reader opens it (GitHub, nbviewer, Lab)."""
    return f"<details><summary>{summary}</summary>\n\n{body}\n\n</details>"


def questions_markdown(lesson: str | None = None) -> str:
    """The lesson's questions and key terms as Markdown, answers folded (``None``: the whole guide,
    grouped by lesson, each group linking to its notebook)."""
    if lesson is None:
        parts = ["## The study guide, lesson by lesson"]
        for name in LESSONS:
            if questions_for(name) or beyond_seed_for(name) or flashcards_for(name):
                parts.append(f"### [{lesson_title(name)}]({name}.ipynb)")
                parts.append(_lesson_body(name))
        return "\n\n".join(parts)
    return "## Study-guide questions for this lesson\n\n" + _lesson_body(lesson)


def _lesson_body(lesson: str) -> str:
    parts = []
    for i, q in enumerate(questions_for(lesson), 1):
        parts.append(f"**{i}. {q.question}**\n\n" + _folded("the course's answer", q.answer))
    for i, q in enumerate(beyond_seed_for(lesson), len(parts) + 1):
        parts.append(f"**{i}. {q.question}** *(beyond the seed's study guide)*\n\n"
                     + _folded("the course's answer", q.answer))
    cards = flashcards_for(lesson)
    if cards:
        parts.append("**Key terms:** " + ", ".join(c.term for c in cards))
        definitions = "\n".join(f"- **{c.term}**: {c.definition}" for c in cards)
        parts.append(_folded("their definitions", definitions))
    if not parts:
        parts.append("*(The study guide has no question for this lesson.)*")
    return "\n\n".join(parts)


def terms_markdown(lesson: str | None = None) -> str:
    """The flashcard terms (one lesson's, or all) as Markdown, their definitions folded in a table."""
    cards = flashcards_for(lesson)
    rows = "\n".join(f"| {c.term} | {c.definition} | {c.lesson} |" for c in cards)
    return ("**Flashcard terms:** " + " · ".join(c.term for c in cards) + "\n\n"
            + _folded("their definitions", "| term | definition | lesson |\n|---|---|---|\n" + rows))


class QuestionList:
    """Shows as Markdown in a notebook (``text/markdown``) and as plain text elsewhere."""

    def __init__(self, lesson: str | None = None):
        self.lesson = lesson
        self.markdown = questions_markdown(lesson)

    def _repr_markdown_(self) -> str:
        return self.markdown

    def __repr__(self) -> str:
        questions = questions_for(self.lesson)
        lines = [f"{i}. {q.question}" for i, q in enumerate(questions, 1)]
        lines += [f"{i}. {q.question} (beyond the seed's study guide)"
                  for i, q in enumerate(beyond_seed_for(self.lesson), len(lines) + 1)]
        cards = flashcards_for(self.lesson)
        if cards:
            lines.append("Key terms: " + ", ".join(c.term for c in cards))
        return "\n".join(lines) or "(no study-guide questions)"


def show_questions(lesson: str | None = None) -> None:
    """Display ``lesson``'s study-guide questions, answers folded: a lesson's last code cell.

    The output is static Markdown — the same on every run, so strict nbval compares it, and it
    reads the same on GitHub or nbviewer without a kernel. ``None`` shows the whole guide.
    """
    from IPython.display import display

    display(QuestionList(lesson))
