"""The synthetic corpora: deterministic, grammatical, split cleanly, and the rules they promise hold."""

import collections
import random

import numpy as np
import pytest

from attnlab.models import corpus
from attnlab.models.corpus import (
    END,
    KINDS,
    SIZES,
    TARGET_WORDS,
    adjective_links,
    grammar_vocab,
    is_grammatical,
    lm_sequences,
    next_word_distribution,
    roles,
    sentences,
    source_vocab,
    target_vocab,
    tokenize,
    translate,
    translation_pairs,
)


def test_generators_are_deterministic_and_seeded():
    assert sentences(50, seed=3) == sentences(50, seed=3)
    assert sentences(50, seed=3) != sentences(50, seed=4)
    np.testing.assert_array_equal(lm_sequences(5, 33, seed=1), lm_sequences(5, 33, seed=1))
    assert translation_pairs(20, seed=2) == translation_pairs(20, seed=2)


def test_every_sentence_follows_both_rules():
    for s in sentences(2000, seed=0) + sentences(500, seed=0, split="heldout"):
        assert is_grammatical(s.words), s.text
        noun = s.words[s.roles.index("noun")]
        kind = next(k for k in KINDS.values() if noun in k.nouns)
        if "texture" in s.roles:  # rule 1: the texture belongs to the noun's kind
            assert s.words[s.roles.index("texture")] in kind.textures
        assert s.words[-1] == kind.verbs[SIZES[s.words[1]]]  # rule 2: the verb agrees with the size


def test_train_and_heldout_never_overlap():
    train = {s.text for s in sentences(5000, seed=0)}
    heldout = {s.text for s in sentences(1000, seed=0, split="heldout")}
    assert train and heldout and not train & heldout
    rng = random.Random(0)
    share = np.mean([corpus.sample_sentence(rng).split == "heldout" for _ in range(4000)])
    assert 0.15 < share < 0.25  # one in five


@pytest.mark.parametrize("text", [
    "a tiny fluffy blue creature roars",  # the verb of the wrong size
    "a tiny rusty creature squeaks",  # a machine's texture on an animal
    "a fluffy creature squeaks",  # no size
    "a tiny blue fluffy creature squeaks",  # color before texture
    "a tiny creature",  # no verb
    "tiny a creature squeaks",
])
def test_ungrammatical_sentences_are_recognised(text):
    assert not is_grammatical(tokenize(text))


def test_grammatical_examples():
    assert is_grammatical(tokenize("a tiny fluffy blue creature squeaks ."))
    assert is_grammatical(tokenize("the huge river crashes"))


def test_next_word_distribution_is_a_distribution_that_matches_the_sampler():
    stream = [w for s in sentences(3000, seed=5) for w in (*s.words, END)]
    counts = collections.defaultdict(collections.Counter)
    for t in range(1, len(stream)):
        probs = next_word_distribution(stream[:t][-8:])  # the current sentence is at most 7 words
        assert abs(sum(probs.values()) - 1) < 1e-12
        assert probs.get(stream[t], 0) > 0, stream[max(0, t - 7):t + 1]
        last = stream[t - 1]
        if corpus.ROLE_OF[last] == "size":
            counts["after size"][corpus.ROLE_OF[stream[t]]] += 1
    after = counts["after size"]
    n = sum(after.values())
    expected = next_word_distribution(["a", "tiny"])
    for role in ("texture", "color", "noun"):
        p = sum(v for w, v in expected.items() if corpus.ROLE_OF[w] == role)
        assert abs(after[role] / n - p) < 0.03, (role, after[role] / n, p)
    with pytest.raises(ValueError, match="not the beginning of a sentence"):
        next_word_distribution(["a", "fluffy"])


def test_vocab_round_trip_and_errors():
    vocab = grammar_vocab()
    ids = vocab.encode("A tiny fluffy blue creature squeaks.")
    assert vocab.decode(ids) == "a tiny fluffy blue creature squeaks ."
    assert vocab.words[0] == END and len(vocab) == len(corpus.ROLE_OF)
    with pytest.raises(ValueError, match=r"unknown word\(s\) \['unicorn'\]"):
        vocab.encode("a tiny unicorn")
    with pytest.raises(ValueError, match="outside this vocabulary"):
        vocab.decode([len(vocab)])
    with pytest.raises(ValueError, match="unique"):
        corpus.Vocab(["a", "a"])


def test_roles_and_adjective_links():
    text = "a tiny fluffy blue creature squeaks . the huge river crashes ."
    assert roles(text)[:6] == ["det", "size", "texture", "color", "noun", "verb"]
    assert adjective_links(text) == [(4, [1, 2, 3]), (9, [8])]
    with pytest.raises(ValueError, match="unknown word"):
        roles("a tiny unicorn")


def test_lm_sequences_are_packed_sentences():
    rows = lm_sequences(20, 33, seed=0)
    assert rows.shape == (20, 33) and rows.dtype == np.int64
    vocab = grammar_vocab()
    for row in rows:
        words = vocab.tokens(row)
        assert corpus.ROLE_OF[words[0]] == "det"
        assert all(is_grammatical(s) for s in corpus.split_sentences(words))


def test_translation_reorders_and_aligns():
    pair = translate("a tiny fluffy blue creature squeaks")
    assert pair.target == ("kiki", "ka", "bestu", "bleni", "fufa", "miri")
    assert pair.alignment == (5, 0, 4, 3, 2, 1)
    for p in translation_pairs(500, seed=1):
        assert sorted(p.alignment) == list(range(len(p.source)))  # one target word per source word
        assert all(TARGET_WORDS[p.source[a]] == w for a, w in zip(p.alignment, p.target, strict=True))
        src_roles, tgt_roles = roles(p.source), [roles(p.source)[a] for a in p.alignment]
        assert tgt_roles[0] == "verb" and tgt_roles[2] == "noun"  # verb first, adjectives after the noun
        adjectives = [r for r in src_roles if r in corpus.ADJECTIVE_ROLES]
        assert tgt_roles[3:] == adjectives[::-1]  # ... in mirrored order
    with pytest.raises(ValueError, match="not a sentence of the grammar"):
        translate("a tiny fluffy car beeps")


def test_the_lexicon_is_one_to_one_and_the_vocabularies_fit():
    assert len(set(TARGET_WORDS.values())) == len(TARGET_WORDS)
    assert set(TARGET_WORDS) == set(source_vocab().words)
    assert target_vocab().words[:2] == (corpus.BOS, corpus.EOS)
    assert len(target_vocab()) == len(source_vocab()) + 2
    with pytest.raises(ValueError, match="split must be"):
        sentences(3, split="test")
