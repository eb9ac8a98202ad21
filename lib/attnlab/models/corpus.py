"""Synthetic corpora made for the lessons: small enough to train on in seconds, built so that
attention has something to do.

**A little grammar** (the tiny GPT's corpus). Every sentence is

    determiner  size  [texture]  [color]  noun  verb  .
    "a          tiny   fluffy     blue    creature squeaks ."

with two rules that tie words across positions:

1. **texture → noun**: each kind of thing (animal, machine, plant, water) has its own textures —
   only animals are *fluffy*, only machines are *rusty* — so the texture tells which nouns may come;
2. **size → verb**: the verb agrees with the noun's kind *and its size* — a *tiny* creature
   *squeaks*, a *huge* one *roars*. To predict the word after the noun, the noun must look back at
   its size adjective, one to three words earlier: exactly the "adjectives update the noun" picture.

**A translation task** (the tiny encoder–decoder's corpus). The same sentences (without the
period) are translated word for word into an invented language whose word order differs: the verb
comes first and the adjectives follow the noun, in mirrored order —

    a tiny fluffy blue creature squeaks  →  kiki ka bestu bleni fufa miri

— so every target word has one known source word (:attr:`Pair.alignment`), but not at the same place.

Everything is deterministic: the generators take a seed, and whether a sentence is held out depends
only on its text (a checksum), so train and held-out sentences never overlap, whatever the seed.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from attnlab.errors import AttnlabError
from attnlab.validate import positive_int

# --- the grammar -------------------------------------------------------------------------------

DETERMINERS = ("a", "the", "this", "that")
SIZES = {"tiny": "small", "small": "small", "big": "big", "huge": "big"}  # size word -> size group
COLORS = ("blue", "red", "green", "yellow", "grey", "golden")


@dataclass(frozen=True)
class Kind:
    """A kind of thing: its nouns, the textures only it can have, its verb for each size group."""

    nouns: tuple[str, ...]
    textures: tuple[str, ...]
    verbs: dict[str, str]  # size group ("small"/"big") -> verb


KINDS = {
    "animal": Kind(("creature", "cat", "dog", "owl"), ("fluffy", "furry", "scaly", "feathered"),
                   {"small": "squeaks", "big": "roars"}),
    "machine": Kind(("robot", "car", "train", "drone"), ("shiny", "rusty", "dented", "polished"),
                    {"small": "beeps", "big": "rumbles"}),
    "plant": Kind(("tree", "flower", "fern", "cactus"), ("leafy", "thorny", "mossy", "prickly"),
                  {"small": "sprouts", "big": "towers"}),
    "water": Kind(("river", "lake", "wave", "pond"), ("murky", "icy", "foamy", "calm"),
                  {"small": "ripples", "big": "crashes"}),
}
P_TEXTURE = 0.6  # chance that a sentence has a texture adjective
P_COLOR = 0.6  # ... and a color adjective
END = "."
ADJECTIVE_ROLES = ("size", "texture", "color")


def _role_table() -> dict[str, str]:
    table = {END: "end"}
    table.update(dict.fromkeys(DETERMINERS, "det"))
    table.update(dict.fromkeys(SIZES, "size"))
    for kind in KINDS.values():
        table.update(dict.fromkeys(kind.textures, "texture"))
    table.update(dict.fromkeys(COLORS, "color"))
    for kind in KINDS.values():
        table.update(dict.fromkeys(kind.nouns, "noun"))
    for kind in KINDS.values():
        table.update(dict.fromkeys(kind.verbs.values(), "verb"))
    return table


ROLE_OF = _role_table()  # every word of the grammar -> its role; one role per word
KIND_OF = {w: name for name, kind in KINDS.items()  # noun, texture or verb -> its kind
           for w in (*kind.nouns, *kind.textures, *kind.verbs.values())}


@dataclass(frozen=True)
class Sentence:
    """One sentence of the grammar, without its period: ``words`` and the ``roles`` they play."""

    words: tuple[str, ...]

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(ROLE_OF[w] for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def split(self) -> str:
        return split_of(self.words)


def sample_sentence(rng: random.Random) -> Sentence:
    """Draw one sentence: kind, noun and size uniformly; a texture with probability ``P_TEXTURE``,
    a color with probability ``P_COLOR``; the verb the kind and size group demand."""
    kind = KINDS[rng.choice(sorted(KINDS))]
    size = rng.choice(sorted(SIZES))
    words = [rng.choice(DETERMINERS), size]
    if rng.random() < P_TEXTURE:
        words.append(rng.choice(kind.textures))
    if rng.random() < P_COLOR:
        words.append(rng.choice(COLORS))
    words += [rng.choice(kind.nouns), kind.verbs[SIZES[size]]]
    return Sentence(tuple(words))


def split_of(words: Sequence[str]) -> str:
    """``"heldout"`` for one sentence in five (by a checksum of its text), else ``"train"``."""
    return "heldout" if zlib.crc32(" ".join(words).encode()) % 5 == 0 else "train"


def _check_split(split: str) -> str:
    if split not in ("train", "heldout"):
        raise AttnlabError(f"split must be 'train' or 'heldout', but got {split!r}")
    return split


def sentences(n: int, seed: int = 0, split: str = "train") -> list[Sentence]:
    """``n`` sentences of the grammar from ``split``, drawn with ``random.Random(seed)``.

    Sentences repeat as often as the grammar makes them (common ones are common); a train sentence is
    never a held-out sentence.
    """
    n, split = positive_int(n, "n"), _check_split(split)
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        s = sample_sentence(rng)
        if s.split == split:
            out.append(s)
    return out


def is_grammatical(words: Sequence[str]) -> bool:
    """Whether ``words`` (one sentence, with or without the final period) follows the grammar."""
    words = tuple(words[:-1]) if words and words[-1] == END else tuple(words)
    roles = [ROLE_OF.get(w) for w in words]
    order = ["det", "size"] + [r for r in ("texture", "color") if r in roles] + ["noun", "verb"]
    if roles != order:
        return False
    kind = KIND_OF[words[roles.index("noun")]]
    size = SIZES[words[1]]
    texture_ok = "texture" not in roles or KIND_OF[words[roles.index("texture")]] == kind
    return texture_ok and words[-1] == KINDS[kind].verbs[size]


def next_word_distribution(words: Sequence[str]) -> dict[str, float]:
    """The grammar's exact probabilities for the word after ``words`` (a stream of sentences; only
    the unfinished last one matters). The best any model reading only the past can know."""
    last_end = max((i for i, w in enumerate(words) if w == END), default=-1)
    current = list(words[last_end + 1:])
    state = tuple(roles(current))
    uniform = lambda ws, p=1.0: {w: p / len(ws) for w in ws}  # noqa: E731
    if state == ():
        return uniform(DETERMINERS)
    if state == ("det",):
        return uniform(sorted(SIZES))
    all_nouns = [n for kind in KINDS.values() for n in kind.nouns]
    if state == ("det", "size"):
        textures = [t for kind in KINDS.values() for t in kind.textures]
        no_texture = 1 - P_TEXTURE
        return {**uniform(textures, P_TEXTURE), **uniform(COLORS, no_texture * P_COLOR),
                **uniform(all_nouns, no_texture * (1 - P_COLOR))}
    if state == ("det", "size", "texture"):
        return {**uniform(COLORS, P_COLOR), **uniform(KINDS[KIND_OF[current[2]]].nouns, 1 - P_COLOR)}
    if state == ("det", "size", "color"):
        return uniform(all_nouns)
    if state == ("det", "size", "texture", "color"):
        return uniform(KINDS[KIND_OF[current[2]]].nouns)
    if state[:2] == ("det", "size") and state[-1] == "noun":
        verb = KINDS[KIND_OF[current[-1]]].verbs[SIZES[current[1]]]  # the kind's verb for this size
        if is_grammatical([*current, verb]):
            return {verb: 1.0}
    if state[-1] == "verb" and is_grammatical(current):
        return {END: 1.0}
    raise AttnlabError(f"not the beginning of a sentence of the grammar: {' '.join(current)!r}")


def split_sentences(words: Sequence[str]) -> list[tuple[str, ...]]:
    """Cut a stream of words at each period: the complete sentences it holds (periods dropped;
    an unfinished last sentence is left out)."""
    out, current = [], []
    for w in words:
        if w == END:
            out.append(tuple(current))
            current = []
        else:
            current.append(w)
    return out


# --- words <-> ids --------------------------------------------------------------------------------


def tokenize(text: str) -> list[str]:
    """Split text into words; a period is a word of its own (``"it squeaks."`` → it, squeaks, .)."""
    if not isinstance(text, str):
        raise AttnlabError(f"text must be a string, but got {type(text).__name__}")
    return re.findall(r"[^\s.]+|\.", text.lower())


class Vocab:
    """A word-level vocabulary: word ↔ id, in a fixed order (ids are positions in ``words``)."""

    def __init__(self, words: Iterable[str]):
        self.words = tuple(words)
        self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise AttnlabError("a vocabulary's words must be unique")

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.index

    def encode(self, text: str | Sequence[str]) -> list[int]:
        """Text (or a list of words) → ids. Unknown words raise ``ValueError`` naming them."""
        words = tokenize(text) if isinstance(text, str) else list(text)
        unknown = [w for w in words if w not in self.index]
        if unknown:
            raise AttnlabError(f"unknown word(s) {unknown[:5]}: this vocabulary has {len(self)} words, "
                             f"e.g. {', '.join(self.words[:8])}")
        return [self.index[w] for w in words]

    def decode(self, ids: Iterable[int]) -> str:
        """Ids → text, words joined by spaces."""
        return " ".join(self.tokens(ids))

    def tokens(self, ids: Iterable[int]) -> list[str]:
        """Ids → the list of words."""
        ids = [int(i) for i in np.asarray(ids).ravel()]
        bad = [i for i in ids if not 0 <= i < len(self)]
        if bad:
            raise AttnlabError(f"ids {bad[:5]} are outside this vocabulary's 0 to {len(self) - 1}")
        return [self.words[i] for i in ids]


def grammar_vocab() -> Vocab:
    """The tiny GPT's vocabulary: the period, then the words grouped by role (det, size, texture,
    color, noun, verb)."""
    order = ["end", "det", "size", "texture", "color", "noun", "verb"]
    return Vocab(sorted(ROLE_OF, key=lambda w: order.index(ROLE_OF[w])))


def roles(words: Sequence[str] | str) -> list[str]:
    """The role of each word (``det``, ``size``, ``texture``, ``color``, ``noun``, ``verb``, ``end``)."""
    words = tokenize(words) if isinstance(words, str) else words
    unknown = [w for w in words if w not in ROLE_OF]
    if unknown:
        raise AttnlabError(f"unknown word(s) {unknown[:5]}: not in the grammar")
    return [ROLE_OF[w] for w in words]


def adjective_links(words: Sequence[str] | str) -> list[tuple[int, list[int]]]:
    """For each noun in ``words``: ``(noun position, positions of its adjectives)`` — the adjectives
    right before it (size, texture, color), in order. The links lesson 09 measures attention along."""
    r = roles(words)
    links = []
    for i, role in enumerate(r):
        if role == "noun":
            j = i
            while j > 0 and r[j - 1] in ADJECTIVE_ROLES:
                j -= 1
            links.append((i, list(range(j, i))))
    return links


def lm_sequences(n: int, length: int, seed: int = 0, split: str = "train") -> np.ndarray:
    """``(n, length)`` int64 ids of the tiny GPT's corpus: sentences (each ended by a period) packed
    one after another; each row starts at a sentence start and is cut at ``length`` words."""
    n, length = positive_int(n, "n"), positive_int(length, "length")
    vocab = grammar_vocab()
    pool = iter(sentences(n * (length // 5 + 1), seed=seed, split=split))  # a sentence has ≥ 5 words
    rows = []
    for _ in range(n):
        row: list[str] = []
        while len(row) < length:
            row += [*next(pool).words, END]
        rows.append(vocab.encode(row[:length]))
    return np.array(rows, dtype=np.int64)


# --- the translation task ------------------------------------------------------------------------

TARGET_WORDS = {  # source word -> its translation in the invented target language
    "a": "ka", "the": "lo", "this": "si", "that": "ta",
    "tiny": "miri", "small": "pilo", "big": "grom", "huge": "tumba",
    "blue": "bleni", "red": "roka", "green": "vedi", "yellow": "jalo", "grey": "gesa", "golden": "oria",
    "fluffy": "fufa", "furry": "peli", "scaly": "skama", "feathered": "pluma",
    "shiny": "brila", "rusty": "rusta", "dented": "kaba", "polished": "lisa",
    "leafy": "folia", "thorny": "spina", "mossy": "muska", "prickly": "pika",
    "murky": "turba", "icy": "glasi", "foamy": "spuma", "calm": "kalma",
    "creature": "bestu", "cat": "miau", "dog": "kano", "owl": "huhu",
    "robot": "robo", "car": "auta", "train": "trena", "drone": "zumo",
    "tree": "arbo", "flower": "flora", "fern": "fiko", "cactus": "kakto",
    "river": "rivo", "lake": "laga", "wave": "ondo", "pond": "pondi",
    "squeaks": "kiki", "roars": "grara", "beeps": "bipa", "rumbles": "rumba",
    "sprouts": "grena", "towers": "alta", "ripples": "rila", "crashes": "krasa",
}
TARGET_ORDER = ("verb", "det", "noun", "color", "texture", "size")  # verb first, adjectives mirrored
BOS, EOS = "<s>", "</s>"


@dataclass(frozen=True)
class Pair:
    """A source sentence, its translation, and the word alignment:
    ``target[j]`` translates ``source[alignment[j]]``."""

    source: tuple[str, ...]
    target: tuple[str, ...]
    alignment: tuple[int, ...]


def translate(words: Sequence[str] | str) -> Pair:
    """The exact translation of one grammatical sentence (the task's ground truth)."""
    words = tuple(w for w in (tokenize(words) if isinstance(words, str) else words) if w != END)
    if not is_grammatical(words):
        raise AttnlabError(f"not a sentence of the grammar: {' '.join(words)!r}")
    r = roles(words)
    alignment = tuple(r.index(role) for role in TARGET_ORDER if role in r)
    return Pair(words, tuple(TARGET_WORDS[words[i]] for i in alignment), alignment)


def translation_pairs(n: int, seed: int = 0, split: str = "train") -> list[Pair]:
    """``n`` sentence pairs from ``split`` (see :func:`sentences`)."""
    return [translate(s.words) for s in sentences(n, seed=seed, split=split)]


def source_vocab() -> Vocab:
    """The translator's source vocabulary: the grammar's words without the period."""
    return Vocab(w for w in grammar_vocab().words if w != END)


def target_vocab() -> Vocab:
    """The translator's target vocabulary: ``<s>``, ``</s>``, then the translations in source order."""
    return Vocab([BOS, EOS, *(TARGET_WORDS[w] for w in source_vocab().words)])
