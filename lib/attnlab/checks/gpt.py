"""Checks for ``09_tiny_gpt``: one block's residual update, the whole forward pass, the next-word
probabilities read off the stream, greedy generation.

The learner writes each from the model's own pieces; expected answers come from the model itself
(``Block.forward``, ``TinyGPT.forward``, ``TinyGPT.generate``) and :func:`attnlab.models.residual.logit_lens`.
The modules handed to the learner refuse the one call that *is* the answer (``block(x)``,
``model(idx)``, ``model.generate``), with a message saying which pieces to use instead.
Cases are built on first use, and torch is imported only then: every lesson imports
:mod:`attnlab.checks`, and most of them never need torch.
"""

from __future__ import annotations

import functools

import numpy as np

import attnlab.checks.gpt_block as gpt_block
from attnlab.checks.core import Case, CheckResult, run_check
from attnlab.checks.gpt_parts import (  # noqa: F401 (random_gpt, pieces_only: the tests' and lesson's names)
    _as_numpy,
    _is_tensor,
    _Refused,
    _with_mistakes,
    compare_ids,
    compare_tensors,
    gpt_logits,
    pieces_only,
    pre_ln_block,
    random_gpt,
)
from attnlab.checks.mistakes import Expected, Mistake, recognising
from attnlab.checks.slips import unambiguous

SENTENCE = "a tiny fluffy blue creature squeaks ."


_BLOCK_PIECES = ("forward", "block(x)", "block.ln_1, block.attn, block.ln_2 and block.mlp")
_MODEL_PIECES = ("forward", "model(idx)",
                 "model.tok_emb, model.pos_emb, model.blocks, model.ln_f and model.unembed")


@functools.cache
def _models() -> dict:
    import torch

    from attnlab.models import residual
    from attnlab.models.trained import load_tiny_gpt

    gpt = load_tiny_gpt().model
    ids = torch.tensor([load_tiny_gpt().encode(SENTENCE)])  # (1, 7)
    return {"gpt": gpt, "ids": ids, "stream": residual.trace(gpt, ids).stream, "random": random_gpt()}


# --- one block --------------------------------------------------------------------------------------

_PRE_LN = ("pre-LayerNorm: x = x + block.attn(block.ln_1(x)), THEN x = x + block.mlp(block.ln_2(x)) — "
           "each part reads a normalised copy and ADDS its change to x; x itself is never normalised.")


BLOCK_MISTAKES = [
    Mistake("That stops after the attention: the block's MLP adds its change too — "
            "x + block.mlp(block.ln_2(x)).", lambda b, x: x + b.attn(b.ln_1(x))),
    Mistake("That replaces the stream instead of adding to it: each part's change is ADDED to x "
            "(the residual connection), x = x + block.attn(block.ln_1(x)).",
            lambda b, x: b.mlp(b.ln_2(b.attn(b.ln_1(x))))),
    Mistake("That is post-LayerNorm (the 2017 transformer, BERT): here each part reads a normalised copy, "
            "block.ln_1(x), and its change is added to x itself, never normalised.",
            lambda b, x: b.ln_2(b.ln_1(x + b.attn(x)) + b.mlp(b.ln_1(x + b.attn(x))))),
    Mistake("The MLP reads the stream BEFORE the attention's change was added: give it ln_2 of the new x.",
            lambda b, x: x + b.attn(b.ln_1(x)) + b.mlp(b.ln_2(x))),
    Mistake("That skips the LayerNorms: each part reads block.ln_1(x), block.ln_2(x), not x itself.",
            lambda b, x: (x + b.attn(x)) + b.mlp(x + b.attn(x))),
]


@functools.cache
def _block_cases() -> list[Case]:
    import torch

    m = _models()
    gpt, stream, rnd = m["gpt"], torch.from_numpy(m["stream"]), m["random"]
    x_rand = torch.randn(2, 5, 12, generator=torch.Generator().manual_seed(1))
    cases = [
        ("the tiny GPT's block 0, on the embeddings of one sentence", gpt.blocks[0], stream[:, 0], _PRE_LN),
        ("its block 1, on block 0's output", gpt.blocks[1], stream[:, 2], _PRE_LN),
        ("a block with large random weights, a batch of 2", rnd.blocks[0], x_rand,
         "the MLP reads the stream AFTER the attention's change was added: ln_2 of the new x."),
        ("one position", rnd.blocks[1], x_rand[:1, :1], _PRE_LN),
    ]
    wirings = gpt_block.variants()
    says = [mistake.says for mistake in BLOCK_MISTAKES] + [f"{clauses}." for _, clauses in wirings]
    answers = []
    with torch.no_grad():
        for _, b, x, _ in cases:
            call = gpt_block.memoised(b)
            answers.append([b(x).double().numpy()]
                           + [_as_numpy(mistake.wrong)(b, x) for mistake in BLOCK_MISTAKES]
                           + [gpt_block.run(steps, call, x).double().numpy() for steps, _ in wirings])
    kept = [k - 1 for k in gpt_block.distinct(answers)[1:]]  # the right answer first: a no-op knob goes
    built = []
    for (label, b, x, hint), (right, *found) in zip(cases, answers, strict=True):
        same = [k for k in kept if _close(found[k], right)]
        seen = tuple((found[k], says[k]) for k in kept if k not in same)
        args = (pieces_only(b, *_BLOCK_PIECES), x)
        built.append(Case(label, args, hint=hint,
                          expected=Expected(right, seen, hint, tuple(says[k] for k in same),
                                            reference=pre_ln_block, args=args)))
    return built


def _close(a, b) -> bool:
    """compare_tensors' tolerance, without its words (a wiring against the right answer)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True))


def check_residual_block(fn) -> CheckResult:
    """Check ``residual_block(block, x)``: x ``(B, T, C)`` → the stream after the block's attention and
    MLP have added their changes (pre-LayerNorm, as :class:`attnlab.models.layers.Block`)."""
    return run_check("residual_block", fn, _block_cases(), compare=unambiguous(recognising(compare_tensors)))


# --- the whole forward pass ---------------------------------------------------------------------

_FLOW = ("token embeddings + position embeddings (positions 0 … T−1) → every block in turn → "
         "model.ln_f → model.unembed: one score per vocabulary word (logits, before any softmax).")


def _stream(model, idx, positions=True, blocks=None, ln_each=False):
    """The stream before ln_f, wired with the knobs the usual slips turn: the positions (True: 0 … T−1,
    False: none, or the ids ``positions(idx)``), which blocks run in what order, ln_f after each."""
    import torch

    at = positions(idx) if callable(positions) else torch.arange(idx.shape[1])
    x = model.tok_emb(idx) + (model.pos_emb(at) if positions is not False else 0)  # (B, T, C)
    for block in (model.blocks if blocks is None else blocks(model.blocks)):
        x = block.attn(block.ln_1(x)) + x
        x = block.mlp(block.ln_2(x)) + x
        x = model.ln_f(x) if ln_each else x
    return x  # (B, T, C)


def _arange(*ends):
    import torch

    return torch.arange(*ends)


FORWARD_MISTAKES = [
    Mistake("That leaves out the position embeddings: add model.pos_emb(torch.arange(T)) to the token "
            "embeddings — without them the model cannot tell word order.",
            lambda m, idx: m.unembed(m.ln_f(_stream(m, idx, positions=False)))),
    Mistake("That skips model.ln_f, the final LayerNorm before the unembedding.",
            lambda m, idx: m.unembed(_stream(m, idx))),
    Mistake("Those are probabilities: gpt_forward returns the logits, before any softmax.",
            lambda m, idx: m.unembed(m.ln_f(_stream(m, idx))).softmax(dim=-1)),
    Mistake("That scores with the token embedding: use model.unembed — only some models tie the two "
            "matrices, and this one does not.", lambda m, idx: m.ln_f(_stream(m, idx)) @ m.tok_emb.weight.T),
    Mistake("That is the last position only: return the logits of every position, (B, T, V).",
            lambda m, idx: m.unembed(m.ln_f(_stream(m, idx)))[:, -1]),
    Mistake("The positions come from the batch size, idx.shape[0]: they are 0 … T−1, "
            "torch.arange(idx.shape[1]).",
            lambda m, idx: m.unembed(m.ln_f(_stream(m, idx, positions=lambda i: _arange(i.shape[0]))))),
    Mistake("The positions start at 1: they are 0 … T−1, torch.arange(T).",
            lambda m, idx: m.unembed(m.ln_f(_stream(m, idx,
                                                    positions=lambda i: _arange(1, 1 + i.shape[1]))))),
    Mistake("That runs only the first block: x goes through every block of model.blocks in turn.",
            lambda m, idx: m.unembed(m.ln_f(_stream(m, idx, blocks=lambda b: b[:1])))),
    Mistake("Every block reads the embeddings: chain them — each block reads the previous block's output.",
            lambda m, idx: m.unembed(m.ln_f(_stream(m, idx, blocks=lambda b: b[-1:])))),
    Mistake("The blocks run in reverse order: model.blocks[0] comes first.",
            lambda m, idx: m.unembed(m.ln_f(_stream(m, idx, blocks=lambda b: b[::-1])))),
    Mistake("model.ln_f runs after every block: it runs once, after the last block, before the unembedding.",
            lambda m, idx: m.unembed(_stream(m, idx, ln_each=True))),
]


@functools.cache
def _forward_cases() -> list[Case]:
    import torch

    m = _models()
    gpt, rnd = m["gpt"], m["random"]
    rows = torch.from_numpy(np.arange(3 * 32).reshape(3, 32) % gpt.config.vocab_size)  # (3, 32)
    small = torch.tensor([[1, 5, 9, 2, 0], [3, 3, 10, 7, 4]])  # (2, 5)
    cases = [
        ("the tiny GPT on one sentence", gpt, m["ids"], _FLOW),
        ("one token", gpt, m["ids"][:, :1], _FLOW),
        ("a batch of 3 rows of 32 words (the whole context)", gpt, rows, _FLOW),
        ("a random GPT with 3 layers and an untied unembedding", rnd, small,
         "use model.unembed, not the token embedding: only some models share (tie) the two matrices."),
    ]
    with torch.no_grad():
        return [_with_mistakes(label, (pieces_only(model, *_MODEL_PIECES), idx), model(idx).double().numpy(),
                               FORWARD_MISTAKES, hint, compare_tensors, reference=gpt_logits)
                for label, model, idx, hint in cases]


def _residual_block(block, x):  # (B, T, C) -> (B, T, C): the block's own forward pass
    return block(x)


def check_gpt_forward(fn) -> CheckResult:
    """Check ``gpt_forward(model, idx)``: token ids ``(B, T)`` → logits ``(B, T, V)``, equal to the
    model's own forward pass."""
    return run_check("gpt_forward", fn, _forward_cases(), compare=recognising(compare_tensors),
                     helpers={"residual_block": _residual_block})


# --- next-word probabilities read off the stream -----------------------------------------------------

_READ = ("model.ln_f, then model.unembed (one score per word), divide by the temperature, softmax over "
         "the LAST axis (the vocabulary).")


PROBABILITY_MISTAKES = [
    Mistake("That skips model.ln_f: the unembedding reads the stream after the final LayerNorm.",
            lambda m, x, temperature=1.0: (m.unembed(x) / temperature).softmax(dim=-1)),
    Mistake("That multiplies the logits by the temperature: DIVIDE them (a low temperature sharpens).",
            lambda m, x, temperature=1.0: (m.unembed(m.ln_f(x)) * temperature).softmax(dim=-1)),
    Mistake("Those are the logits: softmax them (over the vocabulary, the last axis) into probabilities.",
            lambda m, x, temperature=1.0: m.unembed(m.ln_f(x)) / temperature),
    Mistake("That is a softmax over the wrong axis: the probabilities of ONE position's next word sum to 1 "
            "— softmax over the last axis, the vocabulary.",
            lambda m, x, temperature=1.0: (m.unembed(m.ln_f(x)) / temperature).softmax(dim=0)),
]


@functools.cache
def _probability_cases() -> list[Case]:
    import torch

    from attnlab.models import residual

    m = _models()
    gpt, rnd, stream = m["gpt"], m["random"], torch.from_numpy(m["stream"])
    x_rand = torch.randn(2, 4, 12, generator=torch.Generator().manual_seed(2))
    cases = [
        ("the final stream of one sentence, temperature 1", gpt, stream[:, -1], 1.0, _READ),
        ("the embeddings, before any block", gpt, stream[:, 0], 1.0, _READ),
        ("one vector (C,), temperature 0.5", gpt, stream[0, -1, 3], 0.5,
         "divide the logits by the temperature (a low one sharpens)."),
        ("a batch, temperature 3", rnd, x_rand, 3.0,
         "divide the logits by the temperature (a high one flattens)."),
        ("temperature 0.01", gpt, stream[:, -1], 0.01,
         "logits / 0.01 are huge: np.exp overflows unless the maximum is subtracted first (lesson 03), "
         "or use torch's softmax."),
    ]
    compare = functools.partial(compare_tensors, atol=1e-6)
    return [_with_mistakes(label, (model, x), residual.logit_lens(model, x, temperature=t),
                           PROBABILITY_MISTAKES, hint, compare, kwargs={"temperature": t})
            for label, model, x, t, hint in cases]


def check_next_word_probabilities(fn) -> CheckResult:
    """Check ``next_word_probabilities(model, x, temperature=1.0)``: stream vectors ``(..., C)`` →
    probabilities ``(..., V)``, ``softmax(unembed(ln_f(x)) / temperature)``."""
    return run_check("next_word_probabilities", fn, _probability_cases(),
                     compare=recognising(functools.partial(compare_tensors, atol=1e-6)))


# --- greedy generation --------------------------------------------------------------------------

_GREEDY = ("repeat n_new times: logits of the LAST position → its most likely word (argmax) → append it "
           "to idx (torch.cat along dim 1). Return all of idx, the start included.")
_GENERATE = ("generate", "model.generate", "a loop over model(idx)")


def _greedy(model, idx, n_new, position=-1, steps=None, first_words=False, over_positions=False):
    """Greedy generation with the knobs the usual slips turn: which position's logits, how many steps,
    which words the model reads, which axis the argmax runs over."""
    import torch

    ctx = model.config.context_length
    for _ in range(n_new if steps is None else steps):
        logits = model(idx[:, :ctx] if first_words else idx[:, -ctx:])  # (B, T, V)
        new = logits.argmax(dim=1)[:, -1:] if over_positions else logits[:, position].argmax(-1, keepdim=True)
        idx = torch.cat([idx, new], dim=1)  # (B, T + 1)
    return idx


GENERATE_MISTAKES = [
    Mistake("That returns only the new words: return all of idx, the start included.",
            lambda m, idx, n: _greedy(m, idx, n)[:, idx.shape[1]:]),
    Mistake("That reads the FIRST position's logits: the next word comes from the LAST position, "
            "logits[:, -1].", lambda m, idx, n: _greedy(m, idx, n, position=0)),
    Mistake("That writes one word too few: the loop runs n_new times.",
            lambda m, idx, n: _greedy(m, idx, n, steps=n - 1)),
    Mistake("That writes one word too many: the loop runs n_new times.",
            lambda m, idx, n: _greedy(m, idx, n, steps=n + 1)),
    Mistake("That feeds the model the FIRST context_length words: past the context, it reads the LAST ones, "
            "idx[:, -context_length:].", lambda m, idx, n: _greedy(m, idx, n, first_words=True)),
    Mistake("That argmax runs over the positions (dim 1 of the (B, T, V) logits): take the last position, "
            "logits[:, -1], then the argmax over the vocabulary.",
            lambda m, idx, n: _greedy(m, idx, n, over_positions=True)),
]


@functools.cache
def _generate_cases() -> list[Case]:
    import torch

    m = _models()
    gpt, rnd = m["gpt"], m["random"]
    long_start = torch.from_numpy(np.concatenate([m["ids"][0].numpy()] * 5)[None, :30])  # (1, 30)
    cases = [
        ("'a', 6 new words", gpt, m["ids"][:, :1], 6, _GREEDY),
        ("one new word", gpt, m["ids"][:, :3], 1, _GREEDY),
        ("a batch of 2 starts", rnd, torch.tensor([[1, 2, 3], [4, 5, 6]]), 4, _GREEDY),
        ("30 words, 6 new: past the context of 32", gpt, long_start, 6,
         "the model reads at most model.config.context_length words: feed it idx[:, -context_length:]."),
    ]
    with torch.no_grad():
        return [_with_mistakes(label, (pieces_only(model, *_GENERATE), idx, n),
                               model.generate(idx, n).numpy(), GENERATE_MISTAKES, hint, compare_ids,
                               reference=_greedy)
                for label, model, idx, n, hint in cases]


def _gpt_forward(model, idx):  # (B, T) -> (B, T, V): the model's own forward pass
    return model(idx)


def check_greedy_generate(fn) -> CheckResult:
    """Check ``greedy_generate(model, idx, n_new)``: ids ``(B, T)`` → ``(B, T + n_new)``, each new word
    the most likely one after the last ``context_length`` words."""
    return run_check("greedy_generate", fn, _generate_cases(), compare=recognising(compare_ids),
                     helpers={"gpt_forward": _gpt_forward})


CATALOGUES = {"residual_block": (check_residual_block, BLOCK_MISTAKES),
              "gpt_forward": (check_gpt_forward, FORWARD_MISTAKES),
              "next_word_probabilities": (check_next_word_probabilities, PROBABILITY_MISTAKES),
              "greedy_generate": (check_greedy_generate, GENERATE_MISTAKES)}
