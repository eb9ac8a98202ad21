"""Reviewing the study guide: a flashcard deck with spaced repetition, and a self-marked quiz.

Plain classes — the flashcard and quiz widgets in :mod:`attnlab.views.widgets` only show their state and
call their methods, so every rule here is tested without a browser.

Spaced repetition, Leitner-style: each card sits in a box, 0 to ``LEARNED``. "I knew it" moves it
up one box and sends it further back in the queue (``GAPS[box]`` cards later); "again" sends it
back to box 0 and only ``GAPS[0]`` cards later, so a card you miss comes back soon and a card you
know comes back rarely.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from attnlab.errors import AttnlabError
from attnlab.views.studyguide import Flashcard, Question, flashcards_for, questions_for

GAPS = (2, 4, 8, 16)  # how many cards later a card in box 0, 1, 2, 3 comes back
LEARNED = 3  # a card in this box (or higher) counts as learned


class Deck:
    """Flashcards in review order: ``current`` is the card shown; ``flipped`` says which side."""

    def __init__(self, cards: list[Flashcard] | None = None, seed: int = 0):
        self.cards = list(flashcards_for() if cards is None else cards)
        if not self.cards:
            raise AttnlabError("a deck needs at least one flashcard")
        self.queue = list(range(len(self.cards)))  # indices into cards, front = shown now
        self.box = [0] * len(self.cards)
        self.flipped = False
        self.reviews = 0
        self._rng = random.Random(seed)

    @property
    def current(self) -> Flashcard:
        return self.cards[self.queue[0]]

    @property
    def side(self) -> str:
        """What the card shows now: its term, or (flipped) its definition."""
        return self.current.definition if self.flipped else self.current.term

    def flip(self) -> None:
        self.flipped = not self.flipped

    def _move_current(self, gap: int) -> None:
        card = self.queue.pop(0)
        self.queue.insert(min(gap, len(self.queue)), card)
        self.flipped = False

    def next(self) -> None:
        """Skip this card for now: it goes to the back of the queue, its box unchanged."""
        self._move_current(len(self.queue))

    def knew_it(self) -> None:
        """Up one box; comes back ``GAPS[box]`` cards later."""
        i = self.queue[0]
        self.box[i] = min(self.box[i] + 1, len(GAPS) - 1)
        self.reviews += 1
        self._move_current(GAPS[self.box[i]])

    def again(self) -> None:
        """Back to box 0; comes back soon (``GAPS[0]`` cards later)."""
        self.box[self.queue[0]] = 0
        self.reviews += 1
        self._move_current(GAPS[0])

    def shuffle(self) -> None:
        """A new random order (the deck's own seeded generator: reproducible)."""
        self._rng.shuffle(self.queue)
        self.flipped = False

    @property
    def learned(self) -> int:
        return sum(b >= LEARNED for b in self.box)

    def progress(self) -> str:
        return f"{self.learned} of {len(self.cards)} learned · {self.reviews} reviews"


_WORD = re.compile(r"[a-z][a-z0-9_']+")
_COMMON = set("""a an and are as at be by each every for from has have in into is it its of on one or
so that the their them then they this to was what when where which while with without""".split())


def key_words(text: str) -> set[str]:
    """The words of ``text`` that carry meaning: lower case, no common little words, no plural -s."""
    words = {w.rstrip("s") if len(w) > 4 else w for w in _WORD.findall(text.lower())}
    return {w for w in words if w not in _COMMON and len(w) > 2}


def overlap(answer: str, reference: str) -> tuple[list[str], list[str]]:
    """Which of the reference's key words the learner's answer used, and which it did not."""
    ref = key_words(reference)
    used = key_words(answer) & ref
    return sorted(used), sorted(ref - used)


@dataclass
class Quiz:
    """Questions one at a time: the learner answers, sees the course's answer and its lesson,
    then marks it "got it" or "revisit"."""

    questions: list[Question] = field(default_factory=questions_for)
    index: int = 0
    answer: str | None = None  # the learner's answer to the current question, once submitted
    marks: dict[int, bool] = field(default_factory=dict)

    def __post_init__(self):
        self.questions = list(self.questions)
        if not self.questions:
            raise AttnlabError("a quiz needs at least one question")

    @property
    def current(self) -> Question:
        return self.questions[self.index]

    @property
    def revealed(self) -> bool:
        return self.answer is not None

    def submit(self, answer: str) -> Question:
        """Record the learner's answer (it must say something) and reveal the course's."""
        if not isinstance(answer, str) or not answer.strip():
            raise AttnlabError("write an answer first: the course's answer shows after yours")
        self.answer = answer.strip()
        return self.current

    def mark(self, got_it: bool) -> None:
        """Mark the revealed question, then move on to the next one (round and round)."""
        if not self.revealed:
            raise AttnlabError("answer the question before marking it")
        self.marks[self.index] = bool(got_it)
        self.index = (self.index + 1) % len(self.questions)
        self.answer = None

    def to_revisit(self) -> list[str]:
        """The lessons of the questions marked "revisit", in course order, each once."""
        return sorted({self.questions[i].lesson for i, ok in self.marks.items() if not ok})

    def score(self) -> str:
        got = sum(self.marks.values())
        return f"{got} of {len(self.marks)} answered right · {len(self.questions)} questions"
