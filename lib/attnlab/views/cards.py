"""The study guide as widgets: flashcards (flip, "I knew it" / "again") and the quiz.

The logic lives in :mod:`attnlab.views.review` (Deck, Quiz); these views only draw it."""

from __future__ import annotations

import ipywidgets as W

from attnlab.views.live import Live, button
from attnlab.views.review import Deck, Quiz, overlap
from attnlab.views.studyguide import (
    flashcards_for,
    lesson_title,
    questions_for,
    questions_markdown,
    terms_markdown,
)


def card_view(deck: Deck) -> str:
    """The card as the learner sees it: term (front) or definition (back), and where to read more."""
    card, back = deck.current, deck.flipped
    body = (f"{card.definition}<br><small>shown in lesson {lesson_title(card.lesson)}</small>"
            if back else f"<b>{card.term}</b>")
    style = "border:1px solid #1f77b4;border-radius:8px;padding:16px;min-height:80px;width:420px;"
    style += "background:#eef5fb" if back else "background:white;font-size:1.3em"
    return (f'<div class="attnlab-card" data-side="{"back" if back else "front"}" style="{style}">'
            f"{body}</div>")


def quiz_view(quiz: Quiz) -> str:
    """The question; once answered, the learner's answer beside the course's and the lesson."""
    q = quiz.current
    html = f'<p class="attnlab-question"><b>{quiz.index + 1}/{len(quiz.questions)}. {q.question}</b></p>'
    if quiz.revealed:
        used, missed = overlap(quiz.answer, q.answer)
        html += (f'<div class="attnlab-answer"><p><b>The course:</b> {q.answer}</p>'
                 f"<p>Revisit: <b>{lesson_title(q.lesson)}</b> ({q.lesson}.ipynb)</p>"
                 f"<p><small>Key words you used: {', '.join(used) or '—'}; also in the course's answer: "
                 f"{', '.join(missed[:8]) or '—'}</small></p></div>")
    return html


class Flashcards(Live):
    name = "flashcards"

    def __init__(self, lesson: str | None, seed: int):
        self.seed, self.lesson = seed, lesson
        self.deck = Deck(flashcards_for(lesson), seed=seed)
        self.card, self.progress = W.HTML(), W.HTML()
        self.card.add_class("attnlab-card-view")
        buttons = [button("flip", self.deck.flip, "attnlab-flip"),
                   button("next", self.deck.next, "attnlab-next"),
                   button("shuffle", self.deck.shuffle, "attnlab-shuffle"),
                   button("I knew it", self.deck.knew_it, "attnlab-knew"),
                   button("again", self.deck.again, "attnlab-again")]
        for b in buttons:
            b.on_click(lambda _: self._redraw())
        super().__init__([self.card, W.HBox(buttons), self.progress])
        self.add_class("attnlab-flashcards")
        self._redraw()

    def _redraw(self):
        self.card.value, self.progress.value = card_view(self.deck), self.deck.progress()

    def static(self):
        from IPython.display import Markdown

        return Markdown(terms_markdown(self.lesson))


def flashcards(lesson: str | None = None, seed: int = 0) -> Flashcards:
    """The study guide's flashcards (one lesson's, or all): flip, next, shuffle, and "I knew it" /
    "again", which decide when a card comes back (:class:`attnlab.views.review.Deck`)."""
    return Flashcards(lesson, seed)


class QuizWidget(Live):
    name = "quiz"

    def __init__(self, lesson: str | None):
        self.quiz = Quiz(questions_for(lesson))
        self.lesson = lesson
        self.question, self.message, self.score = W.HTML(), W.HTML(), W.HTML()
        self.question.add_class("attnlab-quiz-question")
        self.answer = W.Textarea(placeholder="your answer, in a sentence or two",
                                 layout=W.Layout(width="520px", height="70px"))
        self.show = button("show the course's answer", self._submit, "attnlab-show")
        self.marks = W.HBox([button("got it", lambda: self._mark(True), "attnlab-got"),
                             button("revisit", lambda: self._mark(False), "attnlab-revisit")])
        super().__init__([self.question, self.answer, self.show, self.marks, self.message, self.score])
        self.add_class("attnlab-quiz")
        self._redraw()

    def _submit(self):
        try:
            self.quiz.submit(self.answer.value)
            self.message.value = ""
        except ValueError as exc:
            self.message.value = f"<i>{exc}</i>"
        self._redraw()

    def _mark(self, got_it: bool):
        try:
            self.quiz.mark(got_it)
            self.answer.value = ""
            self.message.value = ""
        except ValueError as exc:
            self.message.value = f"<i>{exc}</i>"
        self._redraw()

    def _redraw(self):
        self.question.value = quiz_view(self.quiz)
        self.marks.layout.display = None if self.quiz.revealed else "none"
        revisit = ", ".join(self.quiz.to_revisit())
        self.score.value = f"<small>{self.quiz.score()}{' · revisit: ' + revisit if revisit else ''}</small>"

    def static(self):
        from IPython.display import Markdown

        return Markdown(questions_markdown(self.lesson))


def quiz(lesson: str | None = None) -> QuizWidget:
    """The study guide's questions (one lesson's, or all), one at a time: write your answer, then
    see the course's answer and the lesson to revisit; mark it "got it" or "revisit"."""
    return QuizWidget(lesson)

