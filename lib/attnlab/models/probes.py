"""Measuring what the tiny models learned — numbers, not claims.

- :func:`next_word_accuracy` and the baselines :func:`unigram_accuracy` / :func:`bigram_accuracy`:
  does the language model use more than word frequencies, more than the previous word?
- :func:`prefix_accuracy`: the accuracy when each prediction may read only the words before it — the
  situation of generation. Equal to :func:`next_word_accuracy` for a causal model; for the "leaky"
  model trained without a mask, the gap is the cheating it learned.
- :func:`noun_adjective_attention`: per head, the mean attention weight from each noun to its own
  adjectives, against the weight a uniform pattern over the visible positions would give them.
- :func:`alignment_accuracy`: whether the translator's cross-attention, when it writes a target
  word, looks at that word's source word.

Token rows are NumPy int arrays ``(N, T + 1)``: the model reads ``rows[:, :-1]`` and should predict
``rows[:, 1:]``.
"""

from __future__ import annotations

import numpy as np
import torch

from attnlab.errors import AttnlabError
from attnlab.models import corpus


def _as_rows(rows) -> np.ndarray:
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.shape[1] < 2 or not np.issubdtype(rows.dtype, np.integer):
        raise AttnlabError(f"rows must be integer token ids (N, T + 1) with T ≥ 1, but got {rows.dtype} "
                         f"{rows.shape}")
    return rows


@torch.no_grad()
def predictions(model, rows) -> np.ndarray:
    """The model's most likely next word at every position: ``(N, T)``."""
    rows = _as_rows(rows)
    return model(torch.from_numpy(rows[:, :-1])).argmax(-1).numpy()


@torch.no_grad()
def mean_loss(model, rows) -> float:
    """Mean cross-entropy (nats per word) of the next-word predictions on ``rows``."""
    rows = torch.from_numpy(_as_rows(rows))
    logits = model(rows[:, :-1])  # (N, T, V)
    return float(torch.nn.functional.cross_entropy(logits.flatten(0, 1), rows[:, 1:].flatten()))


def next_word_accuracy(model, rows) -> float:
    """Fraction of positions whose next word is the model's top guess (reading the whole row at
    once: a model without a causal mask can peek at the answer)."""
    rows = _as_rows(rows)
    return float((predictions(model, rows) == rows[:, 1:]).mean())


@torch.no_grad()
def prefix_accuracy(model, rows) -> float:
    """Like :func:`next_word_accuracy`, but the guess at position t is made from ``rows[:, :t+1]``
    only — nothing after it exists, as when the model generates text."""
    rows = _as_rows(rows)
    x = torch.from_numpy(rows)
    hits = [(model(x[:, :t + 1])[:, -1].argmax(-1) == x[:, t + 1]).numpy() for t in range(rows.shape[1] - 1)]
    return float(np.mean(hits))


def unigram_accuracy(train_rows, rows) -> float:
    """Accuracy of always guessing the most frequent word of the training rows."""
    train_rows, rows = _as_rows(train_rows), _as_rows(rows)
    top = np.bincount(train_rows.ravel()).argmax()
    return float((rows[:, 1:] == top).mean())


def bigram_table(train_rows, vocab_size: int) -> np.ndarray:
    """``(V,)``: for each word, the word that most often follows it in the training rows."""
    train_rows = _as_rows(train_rows)
    counts = np.zeros((vocab_size, vocab_size), dtype=np.int64)
    np.add.at(counts, (train_rows[:, :-1].ravel(), train_rows[:, 1:].ravel()), 1)
    return counts.argmax(axis=1)


def bigram_accuracy(train_rows, rows, vocab_size: int) -> float:
    """Accuracy of guessing, from the previous word only, its most frequent successor."""
    rows = _as_rows(rows)
    return float((bigram_table(train_rows, vocab_size)[rows[:, :-1]] == rows[:, 1:]).mean())


def grammar_oracle(rows, vocab: corpus.Vocab) -> dict[str, float]:
    """The best possible next-word predictor that reads only the past: the grammar's own
    probabilities (:func:`attnlab.models.corpus.next_word_distribution`). Returns its mean ``loss`` (the
    floor no honest model can beat on average) and the ``accuracy`` of its top guess (ties go to the
    word first in the vocabulary)."""
    rows = _as_rows(rows)
    losses, hits = [], []
    for row in rows:
        words = vocab.tokens(row)
        for t in range(1, len(words)):
            probs = corpus.next_word_distribution(words[:t])
            losses.append(-np.log(probs.get(words[t], 0.0)))
            hits.append(min(probs, key=lambda w: (-probs[w], vocab.index[w])) == words[t])
    return {"loss": float(np.mean(losses)), "accuracy": float(np.mean(hits))}


def accuracy_by_role(guesses, rows, vocab: corpus.Vocab) -> dict[str, float]:
    """Accuracy of ``guesses`` ``(N, T)`` split by the role of the word to be predicted."""
    rows = _as_rows(rows)
    targets = rows[:, 1:]
    role = np.array([corpus.ROLE_OF[w] for w in vocab.words])[targets]  # (N, T)
    hit = np.asarray(guesses) == targets
    present = [r for r in dict.fromkeys(corpus.ROLE_OF.values()) if (role == r).any()]
    return {r: float(hit[role == r].mean()) for r in present}


def grammatical_fraction(words) -> float:
    """Fraction of the complete sentences in a stream of words that follow the grammar (0 if none)."""
    found = corpus.split_sentences(words)
    return float(np.mean([corpus.is_grammatical(s) for s in found])) if found else 0.0


@torch.no_grad()
def sampled_grammaticality(model, vocab: corpus.Vocab, n: int = 20, n_words: int = 30,
                           seed: int = 0) -> float:
    """Let the model write ``n`` texts of ``n_words`` words (sampling, temperature 1, from a period)
    and return the fraction of the complete sentences it wrote that are grammatical."""
    start = torch.full((n, 1), vocab.index[corpus.END], dtype=torch.long)
    out = model.generate(start, n_words, greedy=False, generator=torch.Generator().manual_seed(seed))
    return float(np.mean([grammatical_fraction(vocab.tokens(row[1:])) for row in out]))


def adjective_mask(rows, vocab: corpus.Vocab) -> np.ndarray:
    """Bool ``(N, T, T)``: ``[n, i, j]`` True where word i of row n is a noun and word j one of its
    adjectives (on ``rows[:, :-1]``, the words the model reads)."""
    rows = _as_rows(rows)[:, :-1]
    mask = np.zeros((*rows.shape, rows.shape[1]), dtype=bool)
    for n, row in enumerate(rows):
        for noun, adjectives in corpus.adjective_links(vocab.tokens(row)):
            mask[n, noun, adjectives] = True
    return mask


@torch.no_grad()
def noun_adjective_attention(model, rows, vocab: corpus.Vocab) -> dict:
    """How much each head's nouns attend to their own adjectives.

    Returns ``weight`` ``(n_layers, n_heads)``: the mean, over every noun in ``rows``, of the total
    attention weight the noun puts on its adjectives; ``baseline``: the same mean if every noun spread
    its attention uniformly over the positions it may see (its adjectives get
    n_adjectives / (position + 1)); ``ratio`` = weight / baseline; ``best`` = (layer, head) of the
    largest weight; ``by_role``: {"size"/"texture"/"color": ``(n_layers, n_heads)``}, the part of
    ``weight`` that lands on adjectives of that kind; ``n_nouns``.
    """
    rows = _as_rows(rows)
    mask = adjective_mask(rows, vocab)  # (N, T, T)
    _, patterns = model(torch.from_numpy(rows[:, :-1]), need_weights=True)
    pattern = torch.stack(patterns, dim=1).double().numpy()  # (N, L, H, T, T)
    nouns = mask.any(-1)  # (N, T)
    weight = np.einsum("nlhij,nij->lh", pattern, mask) / nouns.sum()  # (L, H)
    visible = np.arange(1, rows.shape[1])  # query i sees i + 1 positions
    baseline = float((mask.sum(-1) / visible)[nouns].mean())
    best = np.unravel_index(weight.argmax(), weight.shape)
    key_role = np.array([corpus.ROLE_OF[w] for w in vocab.words])[rows[:, :-1]]  # (N, T)
    by_role = {role: np.einsum("nlhij,nij->lh", pattern, mask & (key_role == role)[:, None, :]) / nouns.sum()
               for role in corpus.ADJECTIVE_ROLES}
    return {"weight": weight, "baseline": baseline, "ratio": weight / baseline, "by_role": by_role,
            "best": (int(best[0]), int(best[1])), "n_nouns": int(nouns.sum())}


# --- the translator -------------------------------------------------------------------------------


def pair_batches(pairs, src_vocab: corpus.Vocab, tgt_vocab: corpus.Vocab):
    """Group pairs by sentence length (no padding needed): yields ``(src (N, S), tgt_in (N, S+1),
    tgt_out (N, S+1), alignment (N, S))`` int64 arrays, ``tgt_in = <s> + target``,
    ``tgt_out = target + </s>``."""
    by_length: dict[int, list] = {}
    for p in pairs:
        by_length.setdefault(len(p.source), []).append(p)
    bos, eos = tgt_vocab.index[corpus.BOS], tgt_vocab.index[corpus.EOS]
    for length in sorted(by_length):
        group = by_length[length]
        src = np.array([src_vocab.encode(p.source) for p in group])
        tgt = np.array([tgt_vocab.encode(p.target) for p in group])
        n = len(group)
        yield (src, np.hstack([np.full((n, 1), bos), tgt]), np.hstack([tgt, np.full((n, 1), eos)]),
               np.array([p.alignment for p in group]))


@torch.no_grad()
def alignment_accuracy(model, pairs, src_vocab: corpus.Vocab, tgt_vocab: corpus.Vocab) -> dict:
    """Does cross-attention look at the right source word while the decoder writes each target word?

    For every target word (not ``</s>``), read the cross-attention row of the decoder position that
    predicts it (its input is the previous word). A row is *aligned* when its largest weight falls on
    the source word the target word translates. Returns ``per_head`` ``(n_layers, n_heads)`` and
    ``head_average`` ``(n_layers,)`` (argmax of the heads' mean pattern) accuracies, ``weight``
    ``(n_layers,)`` the mean head-averaged weight on the aligned word, and ``n_words``.
    """
    hits_head, hits_avg, weight, n_words = 0, 0, 0, 0
    for src, tgt_in, _, align in pair_batches(pairs, src_vocab, tgt_vocab):
        _, patterns = model(torch.from_numpy(src), torch.from_numpy(tgt_in), need_weights=True)
        cross = torch.stack(patterns["cross"], dim=1).double().numpy()
        cross = cross[:, :, :, :-1]  # (N, L, H, S, S): the rows that write the S words, not </s>
        truth = align[:, None, None, :]  # (N, 1, 1, S)
        hits_head = hits_head + (cross.argmax(-1) == truth).sum(axis=(0, 3))  # (L, H)
        mean = cross.mean(axis=2)  # (N, L, S, S)
        hits_avg = hits_avg + (mean.argmax(-1) == align[:, None]).sum(axis=(0, 2))  # (L,)
        picked = np.take_along_axis(mean, np.broadcast_to(align[:, None, :, None], (*mean.shape[:3], 1)), -1)
        weight = weight + picked.sum(axis=(0, 2, 3))  # (L,)
        n_words += align.size
    return {"per_head": hits_head / n_words, "head_average": hits_avg / n_words,
            "weight": weight / n_words, "n_words": n_words}


@torch.no_grad()
def exact_translations(model, pairs, src_vocab: corpus.Vocab, tgt_vocab: corpus.Vocab) -> float:
    """Fraction of sentences the model translates exactly (greedy decoding, up to and with ``</s>``)."""
    bos, eos = tgt_vocab.index[corpus.BOS], tgt_vocab.index[corpus.EOS]
    hits = total = 0
    for src, _, tgt_out, _ in pair_batches(pairs, src_vocab, tgt_vocab):
        out = model.translate(torch.from_numpy(src), bos=bos, eos=eos, max_len=tgt_out.shape[1]).numpy()
        if out.shape == tgt_out.shape:  # else every row stopped too early: all wrong
            hits += int((out == tgt_out).all(axis=1).sum())
        total += len(src)
    return hits / total
