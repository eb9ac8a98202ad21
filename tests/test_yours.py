"""attnlab.yours: the learner's functions gathered from their lessons, and the real models run on them.

Every path of ``collect``: all of the learner's (solutions/), none (the untouched notebooks/), one
wrong, one raising, one endless, a notebook that is not JSON or not a notebook; live functions
beside saved ones; MiniLM on the learner's functions against transformers; the tiny GPT's and the
translator's outputs against the course's models; the first difference and the function named.
"""

import json
import shutil

import numpy as np
import pytest

from attnlab.paths import NOTEBOOKS_DIR, SOLUTIONS_DIR
from attnlab.yours import EXERCISES, Step, Steps, collect
from attnlab.yours.compare import first_difference, run_minilm

GLOBAL_MAX = "def stable_softmax(scores):\n    e = np.exp(scores - scores.max())\n    return e / e.sum()\n"


@pytest.fixture(scope="module")
def solved():
    return collect(SOLUTIONS_DIR)


def lessons_with(tmp_path, edits: dict) -> object:
    """A copy of solutions/ in which ``edits`` ({(lesson, exercise): source}) replace solution cells."""
    folder = tmp_path / "lessons"
    shutil.copytree(SOLUTIONS_DIR, folder)
    for (lesson, exercise), source in edits.items():
        path = folder / f"{lesson}.ipynb"
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == exercise:
                cell["source"] = source
        path.write_text(json.dumps(nb))
    return folder


# --- collect ---------------------------------------------------------------------------------------


def test_from_solutions_every_function_is_the_learners(solved):
    assert set(solved.functions) == set(EXERCISES) and not solved.failing and not solved.missing
    report = solved.report().splitlines()
    assert report[0] == "Your functions in the real models: 10 of 10." and len(report) == 11
    assert all(line.startswith("✅") and ".ipynb" in line for line in report[1:])


def test_from_the_untouched_notebooks_none_and_it_says_so():
    yours = collect(NOTEBOOKS_DIR)
    assert not yours.functions and not yours.failing and set(yours.missing) == set(EXERCISES)
    assert yours.report().startswith("Your functions in the real models: none yet of 10")
    assert all("the course's stands in" in yours.line(n) for n in EXERCISES)
    assert yours.compare("minilm").line.startswith("⏳")


def test_one_wrong_one_raising_one_endless_each_named_the_course_stands_in(tmp_path):
    folder = lessons_with(tmp_path, {
        ("03_softmax", "stable_softmax"): GLOBAL_MAX,
        ("05_value_map", "weighted_sum"): "def weighted_sum(pattern, values):\n    raise KeyError('oops')\n",
        ("02_dot_product_relevance", "scaled_scores"):
            "def scaled_scores(q, k):\n    while True:\n        pass\n",
    })
    yours = collect(folder, names=["scaled_scores", "stable_softmax", "weighted_sum", "multi_head"])
    assert set(yours.failing) == {"stable_softmax", "weighted_sum", "scaled_scores"}
    assert "one softmax per row" in yours.failing["stable_softmax"]
    assert "raised KeyError" in yours.failing["weighted_sum"]
    assert "still running" in yours.failing["scaled_scores"]
    assert list(yours.functions) == ["multi_head"]
    assert "the course's stands in — yours is wrong" in yours.line("stable_softmax")
    # the default model uses only what passed: it equals the course's
    assert yours.compare("minilm").first is None
    # asked to, it runs the wrong one and names it, and a raising or endless one is one line
    wrong = yours.compare("minilm", include_failing=["stable_softmax"])
    assert wrong.culprit == "stable_softmax" and wrong.first.layer == 0 and wrong.first.head == 0
    assert "your `stable_softmax` (lesson 03)" in wrong.line
    assert "weighted_sum" in yours.compare("minilm", include_failing=["weighted_sum"]).line
    assert "ran too long" in yours.compare("minilm", include_failing=["scaled_scores"]).line
    with pytest.raises(ValueError, match="not failing"):
        yours.steps(include_failing=["multi_head"])


@pytest.mark.parametrize("text, words", [
    ("{not json", "not a valid notebook"),
    ("[1, 2, 3]", "not a"),
    (b"\xff\xfe\x00", "not a valid notebook"),
])
def test_a_notebook_that_is_not_a_lesson_is_one_line(tmp_path, text, words):
    folder = lessons_with(tmp_path, {})
    path = folder / "03_softmax.ipynb"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    yours = collect(folder, names=["stable_softmax", "causal_mask"])
    assert yours.missing == ["stable_softmax"] and list(yours.functions) == ["causal_mask"]
    assert any(words in note and "03_softmax.ipynb" in note for note in yours.notes), yours.notes
    assert "Traceback" not in yours.report()


def test_a_missing_lesson_and_a_syntax_error_are_lines(tmp_path):
    folder = lessons_with(tmp_path, {("04_masking", "causal_mask"): "def causal_mask(T)\n    return 1\n"})
    (folder / "06_multi_head.ipynb").unlink()
    yours = collect(folder, names=["causal_mask", "multi_head"])
    assert "syntax error on line 1" in yours.failing["causal_mask"]
    assert "multi_head" in yours.missing and "not found" in yours.line("multi_head")


def test_only_definitions_run_and_nothing_is_printed(tmp_path, capsys):
    right = ("def stable_softmax(scores):\n    print('inside')\n"
             "    e = np.exp(scores - scores.max(-1, keepdims=True))\n"
             "    return e / e.sum(-1, keepdims=True)\n")
    folder = lessons_with(tmp_path, {("03_softmax", "stable_softmax"):
                                     "print('top level')\nraise SystemExit\n" + right})
    yours = collect(folder, names=["stable_softmax"])
    assert list(yours.functions) == ["stable_softmax"], yours.report()
    assert capsys.readouterr().out == ""


def test_live_functions_beat_saved_ones_and_the_report_says_where(tmp_path):
    import numpy as np

    def stable_softmax(scores):
        e = np.exp(scores - scores.max())  # the whole grid's max: wrong
        return e / e.sum()

    yours = collect(SOLUTIONS_DIR, live={"stable_softmax": stable_softmax, "attention_pattern": None},
                    lesson="03_softmax", names=["scaled_scores", "stable_softmax"])
    assert "stable_softmax" in yours.failing  # saved right, but the kernel's is what ran
    assert "02_dot_product_relevance.ipynb" in yours.line("scaled_scores")
    ok = collect(SOLUTIONS_DIR, live={}, lesson="03_softmax", names=["stable_softmax"])
    assert "not defined in this notebook" in ok.line("stable_softmax")
    with pytest.raises(ValueError, match="lesson must name"):
        collect(SOLUTIONS_DIR, live={}, lesson="99_nope")
    with pytest.raises(ValueError, match="unknown exercise"):
        collect(SOLUTIONS_DIR, names=["softmax"])


def test_a_function_right_on_the_checks_cases_but_not_the_models_is_found(solved):
    def stable_softmax(scores):  # right for rows of up to 8 keys — the model's rows are longer
        e = np.exp(scores - scores.max(-1, keepdims=True))
        p = e / e.sum(-1, keepdims=True)
        return p if scores.shape[-1] <= 8 else np.roll(p, 1, axis=-1)

    result = solved.trying(stable_softmax=stable_softmax).compare("minilm")
    assert result.culprit == "stable_softmax" and result.first is not None
    with pytest.raises(ValueError, match="must be a function"):
        solved.trying(stable_softmax=3)


# --- the real models ---------------------------------------------------------------------------------


def test_minilm_on_the_learners_functions_equals_transformers(solved):
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from attnlab.models.pretrained import model_folder

    bert = transformers.BertModel.from_pretrained(str(model_folder()), local_files_only=True,
                                                  attn_implementation="eager").eval()
    mine = solved.minilm()
    assert "scaled_scores, stable_softmax, weighted_sum, multi_head" in repr(mine)
    for text in ("a fluffy blue creature roamed the verdant forest", "Hi", "The cat sat. " * 12):
        with torch.no_grad():
            o = bert(torch.tensor([mine.token_ids(text)]), output_attentions=True, output_hidden_states=True)
        np.testing.assert_allclose(mine.attention(text), torch.stack(o.attentions)[:, 0], rtol=0, atol=1e-5)
        np.testing.assert_allclose(mine.hidden_states(text), torch.stack(o.hidden_states)[:, 0], rtol=0,
                                   atol=1e-5)


def test_tiny_gpt_on_the_learners_functions_writes_the_courses_sentences(solved):
    from attnlab.models.trained import load_tiny_gpt

    course, mine = load_tiny_gpt(), solved.tiny_gpt()
    for start in ("a", "the huge", "that shiny"):
        assert mine.continue_text(start, n_words=20) == course.continue_text(start, n_words=20)
        sampled = mine.continue_text(start, 10, greedy=False, seed=3)
        assert sampled == course.continue_text(start, 10, greedy=False, seed=3)
    np.testing.assert_allclose(mine.attention("a tiny fluffy blue creature squeaks ."),
                               course.attention("a tiny fluffy blue creature squeaks ."), atol=1e-5)
    p, q = mine.next_word_probabilities("a tiny"), course.next_word_probabilities("a tiny")
    assert list(p)[:5] == list(q)[:5] and abs(p["fluffy"] - q["fluffy"]) < 1e-5
    assert solved.compare("tiny_gpt").first is None


def test_a_wrong_mask_is_named_with_the_first_token_it_changes(solved):
    leaky = solved.trying(causal_mask=lambda T: np.ones((T, T), dtype=bool)).compare("tiny_gpt")
    assert leaky.culprit == "causal_mask" and leaky.first.layer == 0 and leaky.first.token == 0
    assert "`causal_mask` (lesson 04)" in leaky.line and leaky.share_equal < 1


def test_translator_on_the_learners_cross_attention_translates_as_the_course(solved):
    from attnlab.models import corpus
    from attnlab.models.trained import load_translator

    course, mine = load_translator(), solved.translator()
    for pair in corpus.translation_pairs(15, seed=1, split="heldout"):
        assert mine.translate(" ".join(pair.source)) == course.translate(" ".join(pair.source))
    wrong = solved.trying(cross_attention=lambda x, context, W_Q, W_K, W_V: (x @ W_Q) * 0).translator()
    text = "a tiny fluffy blue creature squeaks"
    assert wrong.translate(text) != course.translate(text)


# --- the steps a runner calls (the interface a GPT-2 runner plugs into) ---------------------------


def test_steps_heads_is_the_references_multi_head_attention_with_biases_and_masks():
    from attnlab.attention import causal_mask
    from attnlab.multihead import multi_head_attention

    rng = np.random.default_rng(0)
    H, C, D, T = 3, 12, 4, 6
    x = rng.normal(size=(T, C))
    W_Q, W_K, W_V = rng.normal(size=(3, H, C, D))
    W_U = rng.normal(size=(H, D, C))
    for causal in (False, True):
        change, patterns = Steps().heads(x, W_Q, W_K, W_V, W_U, causal=causal)
        expected, ref_patterns = multi_head_attention(x, W_Q, W_K, W_V, W_U,
                                                      mask=causal_mask(T) if causal else None)
        np.testing.assert_allclose(change, expected, atol=1e-10)
        np.testing.assert_allclose(patterns, ref_patterns, atol=1e-12)
    b = rng.normal(size=(3, H, D))
    plain, _ = Steps().heads(x, W_Q, W_K, W_V, W_U, *b)
    shifted, _ = Steps().heads(np.c_[x, np.ones(T)], *(np.concatenate([w, bb[:, None]], 1) for w, bb in
                                                       zip((W_Q, W_K, W_V), b, strict=True)),
                               np.concatenate([W_U, np.zeros((H, D, 1))], 2))
    np.testing.assert_allclose(plain, shifted[:, :-1], atol=1e-10)


def test_a_multi_head_without_the_shared_attention_is_not_used_where_a_mask_is_needed(solved):
    def multi_head(x, W_Q, W_K, W_V_down, W_V_up):  # attends without scaled_dot_product_attention
        total = 0
        for h in range(len(W_Q)):
            s = (x @ W_Q[h]) @ (x @ W_K[h]).T / np.sqrt(W_Q.shape[-1])
            p = np.exp(s - s.max(-1, keepdims=True))
            total = total + (p / p.sum(-1, keepdims=True)) @ (x @ W_V_down[h]) @ W_V_up[h]
        return total

    steps = solved.trying(multi_head=multi_head).steps()
    assert steps.multi_head_usable(causal=False) and not steps.multi_head_usable(causal=True)
    assert first_difference(run_minilm(Steps(), "a blue owl"), run_minilm(steps, "a blue owl")) is None
    assert solved.trying(multi_head=multi_head).compare("tiny_gpt").first is None


def test_a_step_of_the_course_is_never_wrapped():
    step = Steps()["stable_softmax"]
    assert not step.yours and step.lesson == "03_softmax"
    mine = Step("stable_softmax", lambda s: 1 / 0, whose="yours", origin="a test")
    with pytest.raises(Exception, match="your `stable_softmax` \\(lesson 03\\) raised ZeroDivisionError"):
        Steps({"stable_softmax": mine}).attend(np.ones((2, 2)), np.ones((2, 2)), np.ones((2, 2)))


def test_a_first_cell_with_the_install_magic_still_gives_its_imports():
    """Every lesson's first cell holds `%pip install …` (course.prelude): not Python, yet its imports
    are what the learner's functions use."""
    from attnlab.yours.collect import definitions

    first = ('import importlib.util\n\nif importlib.util.find_spec("nothing_of_that_name") is None:\n'
             '    %pip install --quiet "x @ git+https://example.invalid/x"\n    !echo never run\n\n'
             'import math\n')
    nb = {"cells": [{"cell_type": "code", "source": first, "metadata": {}},
                    {"cell_type": "code", "source": "def f(x):\n    return math.sqrt(x)\n", "metadata": {}}]}
    namespace, problems = definitions(nb, "00_start_here")
    assert problems == {} and namespace["f"](4.0) == 2.0
