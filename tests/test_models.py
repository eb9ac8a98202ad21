"""The course's trained models: they load offline, and what the lessons say about them is measured here.

Quality is recomputed from the checkpoints on held-out data (a seed the training run did not use),
never read from the JSON alone; the JSON's own figures are checked against a recomputation too.
"""

import numpy as np
import pytest
import torch

from attnlab.models import corpus, probes, training
from attnlab.models import trained as models
from attnlab.models.trained import load_tiny_gpt, load_translator

FRESH_SEED = 123  # held-out rows the training run never measured on
ROW = training.GPT_CONFIG["context_length"] + 1  # a row: the words read plus the last one predicted


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """One torch thread, as the models were trained: on a busy 2-core machine a second thread only waits."""
    saved = torch.get_num_threads()
    torch.set_num_threads(training.THREADS)
    yield
    torch.set_num_threads(saved)


@pytest.fixture(scope="module")
def gpt():
    return load_tiny_gpt(masked=True)


@pytest.fixture(scope="module")
def leaky():
    return load_tiny_gpt(masked=False)


@pytest.fixture(scope="module")
def translator():
    return load_translator()


@pytest.fixture(scope="module")
def rows():
    return corpus.lm_sequences(300, ROW, seed=FRESH_SEED, split="heldout")


@pytest.fixture(scope="module")
def train_rows():
    return models.load_tiny_gpt().rows("train")  # as trained


@pytest.mark.parametrize("name", models.NAMES)
def test_checkpoints_are_small_safetensors_with_their_config(name):
    weights = models.DATA_DIR / f"{name}.safetensors"
    assert weights.stat().st_size < 1_000_000
    model, info = models.read(name)
    assert info["name"] == name and info["weights_bytes"] == weights.stat().st_size
    assert not model.training and not any(p.requires_grad for p in model.parameters())
    assert info["training"]["seconds"] < 60  # as measured when the checkpoint was made


def test_a_missing_checkpoint_says_how_to_make_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="make models"):
        models.read("tiny_gpt", data_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown model"):
        models.read("gpt5")


def test_the_json_figures_are_the_checkpoints_own(gpt, train_rows):
    heldout = corpus.lm_sequences(training.GPT_TRAINING["n_heldout"], ROW, seed=1, split="heldout")
    quality = training.gpt_quality(gpt.model, train_rows, heldout, gpt.vocab)
    for key in ("heldout_loss", "heldout_accuracy", "bigram_accuracy", "grammar_floor_loss"):
        assert quality[key] == pytest.approx(gpt.info["quality"][key], abs=2e-4), key
    assert quality["noun_adjective_head"] == gpt.info["quality"]["noun_adjective_head"]


def test_tiny_gpt_beats_the_baselines_and_nearly_reaches_the_grammar(gpt, rows, train_rows):
    accuracy = probes.next_word_accuracy(gpt.model, rows)
    unigram = probes.unigram_accuracy(train_rows, rows)
    bigram = probes.bigram_accuracy(train_rows, rows, len(gpt.vocab))
    oracle = probes.grammar_oracle(rows, gpt.vocab)
    assert accuracy > bigram + 0.08 > unigram + 0.08
    assert accuracy > oracle["accuracy"] - 0.03
    assert probes.mean_loss(gpt.model, rows) < oracle["loss"] + 0.05
    guesses = probes.predictions(gpt.model, rows)
    verbs = probes.accuracy_by_role(guesses, rows, gpt.vocab)["verb"]  # needs the size adjective
    bigram_verbs = probes.accuracy_by_role(probes.bigram_table(train_rows, len(gpt.vocab))[rows[:, :-1]],
                                           rows, gpt.vocab)["verb"]
    assert verbs > 0.97 and bigram_verbs < 0.6
    assert probes.prefix_accuracy(gpt.model, rows[:50]) == pytest.approx(
        probes.next_word_accuracy(gpt.model, rows[:50]))  # causal: the future changes nothing


def test_a_head_links_nouns_to_their_adjectives(gpt, rows):
    heads = probes.noun_adjective_attention(gpt.model, rows, gpt.vocab)
    layer, head = heads["best"]
    assert heads["n_nouns"] > 1000
    assert heads["weight"][layer, head] > 0.8 and heads["ratio"][layer, head] > 3  # uniform: ~0.2
    assert np.median(heads["ratio"]) < 1.5  # one specialist, not every head
    assert heads["by_role"]["size"][layer, head] > 0.8  # the adjective that decides the verb
    assert (layer, head) == (gpt.info["quality"]["noun_adjective_head"]["layer"],
                             gpt.info["quality"]["noun_adjective_head"]["head"])


def test_the_leaky_model_cheats_in_training_and_fails_at_generation(gpt, leaky, rows):
    floor = probes.grammar_oracle(rows, leaky.vocab)["loss"]
    assert leaky.info["training"]["final_train_loss"] < floor - 1.0  # below what the grammar allows
    assert probes.mean_loss(leaky.model, rows) < floor - 1.0
    assert probes.next_word_accuracy(leaky.model, rows) > 0.9  # it reads the answer...
    honest = probes.prefix_accuracy(gpt.model, rows[:100])
    assert probes.prefix_accuracy(leaky.model, rows[:100]) < honest - 0.1  # ...which is gone when it writes
    assert probes.sampled_grammaticality(leaky.model, leaky.vocab, seed=1) < 0.3
    assert probes.sampled_grammaticality(gpt.model, gpt.vocab, seed=1) > 0.9


def test_the_translators_cross_attention_finds_each_source_word(translator):
    pairs = corpus.translation_pairs(400, seed=FRESH_SEED, split="heldout")
    vocabs = translator.source_vocab, translator.target_vocab
    align = probes.alignment_accuracy(translator.model, pairs, *vocabs)
    assert align["n_words"] > 1500
    assert align["head_average"].max() >= 0.9  # the goal
    assert probes.exact_translations(translator.model, pairs, *vocabs) > 0.95


def test_lesson_helpers(gpt, leaky, translator):
    text = "a tiny fluffy blue creature squeaks ."
    assert gpt.decode(gpt.encode(text)) == text
    assert gpt.roles(text)[4] == "noun" and gpt.adjective_links(text) == [(4, [1, 2, 3])]
    pattern = gpt.attention(text)
    assert pattern.shape == (2, 4, 7, 7)
    np.testing.assert_allclose(pattern.sum(-1), 1, rtol=1e-5)
    assert np.all(np.triu(pattern, 1) == 0)
    probs = gpt.next_word_probabilities("a huge fluffy creature")
    assert next(iter(probs)) == "roars" and sum(probs.values()) == pytest.approx(1, abs=1e-5)
    assert gpt.continue_text("a tiny", 5) == gpt.continue_text("a tiny", 5)
    assert leaky.masked is False and not np.all(np.triu(leaky.attention(text), 1) == 0)
    with pytest.raises(ValueError, match="unknown word"):
        gpt.attention("a tiny unicorn")
    with pytest.raises(ValueError, match="reads 1 to 32"):
        gpt.attention("a tiny cat squeaks . " * 7)

    sentence = "a tiny fluffy blue creature squeaks"
    assert translator.translate(sentence) == " ".join(corpus.translate(sentence).target)
    cross = translator.cross_attention(sentence)
    assert cross["source"] == sentence.split() and len(cross["target"]) == 6
    assert cross["patterns"].shape == (1, 2, 6, 6)
    aligned = cross["patterns"].mean(axis=1)[0].argmax(-1)
    assert tuple(aligned) == corpus.translate(sentence).alignment


@pytest.mark.slow
def test_retrained_models_reach_the_same_quality(tmp_path):
    assert training.main(["--only", "tiny_gpt", "--only", "translator", "--out", str(tmp_path)]) == 0
    for name, keys in [("tiny_gpt", ["heldout_loss", "heldout_accuracy"]),
                       ("translator", ["heldout_exact_translations"])]:
        _, fresh = models.read(name, data_dir=tmp_path)
        _, shipped = models.read(name)
        for key in keys:
            assert fresh["quality"][key] == pytest.approx(shipped["quality"][key], abs=0.02), (name, key)
    fresh = models.read("tiny_gpt", data_dir=tmp_path)[1]["quality"]["noun_adjective_head"]
    assert fresh["ratio"] > 3
    fresh = models.read("translator", data_dir=tmp_path)[1]["quality"]
    assert max(fresh["alignment_accuracy_head_average"]) >= 0.9
