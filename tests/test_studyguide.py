"""The study guide: every seed question and flashcard term answered by the course, at a real lesson."""

import json
import re

import nbformat
import pytest

from attnlab.paths import ROOT, SOLUTIONS_DIR
from attnlab.views import studyguide
from attnlab.views.studyguide import (
    LESSONS,
    PLACEHOLDER,
    QuestionList,
    flashcards_for,
    load,
    parse,
    questions_for,
    questions_markdown,
    terms_markdown,
)

SEED_DIR = ROOT.parent / "shared" / "seed"
SEED = SEED_DIR / "000_3c0e8e2700812322.txt"


def parse_seed(text: str) -> tuple[list[str], list[str], dict[str, str]]:
    """The seed's questions, flashcard terms and the definitions it gives (terms → text).

    In the seed each question and term appears twice in a row; an answer or definition, when there
    is one, is the single line after the pair. Questions sit between "Questions and Answers" and
    "Flashcards", terms between "Flashcards" and "Study Notes".
    """
    lines = [line.strip() for line in text.splitlines()]
    q_start, f_start = lines.index("Questions and Answers"), lines.index("Flashcards")
    notes = lines.index("Study Notes")
    section = {"questions": lines[q_start + 1:f_start], "flashcards": lines[f_start + 1:notes]}
    found = {}
    for name, block in section.items():
        items, given, i = [], {}, 0
        while i < len(block):
            if i + 1 < len(block) and block[i] == block[i + 1] and block[i]:
                items.append(block[i])
                i += 2
            else:
                given[items[-1]] = block[i]
                i += 1
        found[name] = (items, given)
    return found["questions"][0], found["flashcards"][0], found["flashcards"][1]


@pytest.fixture(scope="module")
def seed():
    if not SEED_DIR.is_dir():
        pytest.skip(f"the seed study guide's folder {SEED_DIR} is not on this machine (outside the repo)")
    return parse_seed(SEED.read_text(encoding="utf-8"))


def test_the_seed_parses_into_20_questions_and_19_terms(seed):
    questions, terms, given = seed
    assert len(questions) == 20 and len(set(questions)) == 20
    assert len(terms) == 19 and len(set(terms)) == 19
    # The seed defines 3 of its terms; the other 16 show the flashcard app's placeholder.
    assert sum(text != PLACEHOLDER for text in given.values()) == 3


def test_every_seed_question_is_answered_exactly_once(seed):
    questions, _, _ = seed
    guide = load()
    assert [q.question for q in guide.questions] == questions  # exact text, the seed's order


def test_every_seed_term_is_defined_exactly_once(seed):
    _, terms, _ = seed
    assert [c.term for c in load().flashcards] == terms


def test_answers_are_real_and_point_at_a_course_lesson():
    guide = load()
    for prompt, answer, lesson in ([(q.question, q.answer, q.lesson) for q in guide.questions]
                                   + [(c.term, c.definition, c.lesson) for c in guide.flashcards]):
        assert lesson in LESSONS, (prompt, lesson)
        assert answer.strip() and answer != PLACEHOLDER, prompt
        assert answer.strip().lower() != prompt.strip().lower(), prompt
        assert len(answer.split()) >= 8, f"too short to teach anything: {prompt!r} -> {answer!r}"
        assert len(answer.split()) <= 90, f"not short: {prompt!r} ({len(answer.split())} words)"


def test_the_course_corrects_the_seed_where_it_is_loose():
    """GPT-3's attention-head parameters, counted: 96 layers x 96 heads x (W_Q, W_K, value-down,
    value-up), each 12,288 x 128; the answer states the exact count and its ~1/3 share of 175 B."""
    exact = 96 * 96 * 4 * 12_288 * 128
    assert exact == 57_982_058_496
    assert round(exact / 1e9) == 58 and round(175e9 / exact) == 3
    answer = next(q.answer for q in load().questions if "GPT-3" in q.question)
    assert f"{exact:,}" in answer and "58 billion" in answer and "96 layers" in answer
    pattern = next(c.definition for c in load().flashcards if c.term == "Attention Patterns")
    assert "row" in pattern and "sums to 1" in pattern  # the course's convention: row = query


def test_the_stated_sizes_match_the_parameter_module_when_it_exists():
    from attnlab import params
    counts = params.count_parameters(params.PRESETS["gpt3-175b"], convention="3b1b")
    answer = next(q.answer for q in load().questions if "GPT-3" in q.question)
    assert f"{counts['attention']:,}" in answer


def test_every_lesson_name_is_a_course_lesson_and_most_lessons_have_questions():
    covered = {q.lesson for q in load().questions} | {c.lesson for c in load().flashcards}
    assert covered <= set(LESSONS)
    assert len(covered) >= 11, sorted(set(LESSONS) - covered)


def test_referenced_lessons_exist_in_solutions():
    referenced = {q.lesson for q in load().questions} | {c.lesson for c in load().flashcards}
    missing = sorted(name for name in referenced if not (SOLUTIONS_DIR / f"{name}.ipynb").exists())
    assert not missing, f"the study guide sends learners to lessons that do not exist: {missing}"


@pytest.mark.parametrize("path", sorted(SOLUTIONS_DIR.glob("*.ipynb")), ids=lambda p: p.stem)
def test_each_lesson_ends_with_its_own_questions(path):
    code_cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert code_cells and f'show_questions("{path.stem}")' in code_cells[-1].source


def test_questions_for_filters_by_lesson_and_rejects_unknown_names():
    assert [q.lesson for q in questions_for("03_softmax")] == ["03_softmax"]
    assert len(questions_for()) == 20 and len(flashcards_for()) == 19
    assert sum(len(questions_for(n)) for n in LESSONS) == 20
    with pytest.raises(ValueError, match="lesson must be one of"):
        questions_for("03_softmx")
    with pytest.raises(ValueError, match="lesson must be one of"):
        studyguide.show_questions("3")


def test_markdown_folds_the_answers_and_is_deterministic():
    text = questions_markdown("04_masking")
    assert text == questions_markdown("04_masking")
    assert "Explain the purpose of masking" in text
    assert text.count("<details>") == text.count("</details>") == 3  # two answers, one set of terms
    answer = questions_for("04_masking")[0].answer
    assert re.search(r"<details><summary>[^<]+</summary>\n\n" + re.escape(answer), text)
    whole = questions_markdown()
    assert all(q.question in whole for q in questions_for()) and "(13_review.ipynb)" in whole
    terms = terms_markdown("02_dot_product_relevance")
    assert terms.count("<details>") == 1 and terms.count("| 02_dot_product_relevance |") == 4
    assert terms.index("<details>") < terms.index(flashcards_for("02_dot_product_relevance")[0].definition)
    plain = repr(QuestionList("04_masking"))
    assert plain.startswith("1. ") and "<details>" not in plain


@pytest.mark.parametrize("broken, message", [
    ({"questions": []}, "non-empty list"),
    ({"questions": [{"question": "Q?", "answer": "A", "lesson": "99_none"}], "flashcards": [
        {"term": "T", "definition": "D", "lesson": "03_softmax"}]}, "lesson must be one of"),
    ({"questions": [{"question": "Q?", "answer": "q?", "lesson": "03_softmax"}], "flashcards": [
        {"term": "T", "definition": "D", "lesson": "03_softmax"}]}, "no real answer"),
    ({"questions": [{"question": "Q?", "answer": "A", "lesson": "03_softmax"}], "flashcards": [
        {"term": "T", "definition": PLACEHOLDER, "lesson": "03_softmax"}]}, "no real answer"),
    ({"questions": [{"question": "Q?", "answer": "A", "lesson": "03_softmax"}], "flashcards": [
        {"term": "T", "lesson": "03_softmax"}]}, "exactly the keys"),
    ({"questions": [{"question": "Q?", "answer": "A", "lesson": "03_softmax"}] * 2, "flashcards": [
        {"term": "T", "definition": "D", "lesson": "03_softmax"}]}, "more than once"),
])
def test_parse_rejects_a_broken_guide_with_a_clear_message(broken, message):
    with pytest.raises(ValueError, match=message):
        parse(json.loads(json.dumps(broken)))


def test_questions_beyond_the_seed_are_marked_and_kept_apart_from_its_20():
    guide = load()
    assert len(guide.questions) == 20 and len(guide.beyond_seed) >= 4
    assert not {q.question for q in guide.beyond_seed} & {q.question for q in guide.questions}
    body = questions_markdown("12_todays_llms")
    assert body.count("*(beyond the seed's study guide)*") == len(
        [q for q in guide.beyond_seed if q.lesson == "12_todays_llms"])
    assert "*(beyond the seed's study guide)*" not in questions_markdown("03_softmax")


@pytest.mark.parametrize("lesson", sorted({q.lesson for q in load().beyond_seed}))
def test_every_question_beyond_the_seed_is_in_the_whole_guide_and_the_plain_text(lesson):
    """Lesson 12 has no seed question and no flashcard, only its own four: the site's whole guide
    left it out, and its plain text said "(no study-guide questions)"."""
    beyond = [q for q in load().beyond_seed if q.lesson == lesson]
    whole, plain = questions_markdown(), repr(QuestionList(lesson))
    assert f"({lesson}.ipynb)" in whole
    for q in beyond:
        assert q.question in whole and f"{q.question} (beyond the seed's study guide)" in plain
    assert plain.count("(beyond the seed's study guide)") == len(beyond)
