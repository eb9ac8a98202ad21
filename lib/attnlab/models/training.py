"""Training the course's tiny models (``make models``, ``attnlab-models``); lessons load them with
:mod:`attnlab.models.trained`.

``make models`` retrains all three — deterministically (fixed seeds, one thread, deterministic
algorithms), each in well under a minute on 2 CPU cores — and writes ``data/<name>.safetensors``
and ``data/<name>.json`` through :func:`attnlab.models.trained.save`.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from attnlab.models import corpus, probes
from attnlab.models.gpt import GPTConfig, TinyGPT
from attnlab.models.trained import NAMES, corpus_rows, save
from attnlab.models.translator import Translator, TranslatorConfig
from attnlab.paths import DATA_DIR

THREADS = 1
GPT_CONFIG = dict(context_length=32, d_model=32, n_heads=4, n_layers=2)
GPT_TRAINING = dict(steps=500, batch_size=32, lr=1e-2, n_train=6000, n_heldout=200)
TRANSLATOR_CONFIG = dict(context_length=8, d_model=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=1)
TRANSLATOR_TRAINING = dict(steps=800, batch_size=64, lr=3e-3, n_train=20000, n_heldout=500)


# --- training --------------------------------------------------------------------------------------


class deterministic:
    """Context: ``threads`` threads, deterministic algorithms, seeded torch — restored on exit."""

    def __init__(self, seed: int, threads: int = THREADS):
        self.seed, self.threads = seed, threads

    def __enter__(self):
        self.saved = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
        torch.set_num_threads(self.threads)
        torch.use_deterministic_algorithms(True)
        torch.manual_seed(self.seed)

    def __exit__(self, *exc):
        torch.set_num_threads(self.saved[0])
        torch.use_deterministic_algorithms(self.saved[1])


def round4(x):
    """A number or array, rounded to 4 decimals, as JSON can store it."""
    return np.round(np.asarray(x, dtype=float), 4).tolist()


def token_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of logits ``(B, T, V)`` against the ids ``(B, T)`` that should come."""
    return torch.nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())


def training_record(figures: dict, batch_size: int, seed: int, threads: int, start: float) -> dict:
    """The training figures of :func:`fit`, with the run's settings and its total time."""
    return {**figures, "batch_size": batch_size, "seed": seed, "threads": threads, "torch": torch.__version__,
            "seconds_with_data_and_measures": round(time.perf_counter() - start, 2)}


def fit(model: torch.nn.Module, batch_loss: Callable[[int], torch.Tensor], steps: int, lr: float) -> dict:
    """Train with AdamW (linear warm-up over 5 % of the steps, cosine decay to 10 %).

    ``batch_loss(step)`` draws a batch and returns its loss. Returns the training figures: seconds,
    the loss every 20 steps, the mean loss of the last 50 steps.
    """
    opt = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=0.01)
    warmup = max(1, steps // 20)

    def schedule(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return 0.1 + 0.45 * (1 + math.cos(math.pi * (step - warmup) / (steps - warmup)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    model.train()
    losses = []
    start = time.perf_counter()
    for step in range(steps):
        loss = batch_loss(step)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
    seconds = time.perf_counter() - start
    model.eval()
    return {"seconds": round(seconds, 2), "steps": steps, "lr": lr,
            "loss_curve": [[s, round(losses[s], 4)] for s in [*range(0, steps - 1, 20), steps - 1]],
            "final_train_loss": round(float(np.mean(losses[-50:])), 4)}


def row_batches(model: torch.nn.Module, rows: np.ndarray, batch_size: int,
                seed: int) -> Callable[[int], torch.Tensor]:
    """:func:`fit`'s ``batch_loss`` for a language model on ``rows`` of ids ``(N, T + 1)``: each step
    draws ``batch_size`` rows (a generator seeded with ``seed``) and returns the next-word loss."""
    data, gen = torch.from_numpy(rows), torch.Generator().manual_seed(seed)

    def batch_loss(step: int) -> torch.Tensor:
        batch = data[torch.randint(0, len(data), (batch_size,), generator=gen)]  # (B, T + 1)
        return token_loss(model(batch[:, :-1]), batch[:, 1:])  # (B, T, V) vs (B, T)

    return batch_loss


def train_gpt(masked: bool = True, seed: int = 0, threads: int = THREADS) -> tuple[TinyGPT, dict]:
    """Train the tiny GPT on the grammar (``masked=False``: the leaky model). Returns the model (eval
    mode) and its info: config, vocabulary, training figures and measured quality."""
    start = time.perf_counter()
    vocab, t = corpus.grammar_vocab(), GPT_TRAINING
    rows = {"seed": seed, "train_rows": t["n_train"], "heldout_rows": t["n_heldout"],
            "row_length": GPT_CONFIG["context_length"] + 1}
    train, heldout = corpus_rows(rows, "train"), corpus_rows(rows, "heldout")
    config = GPTConfig(vocab_size=len(vocab), causal=masked, **GPT_CONFIG)
    with deterministic(seed, threads):
        model = TinyGPT(config)
        training = fit(model, row_batches(model, train, t["batch_size"], seed), t["steps"], t["lr"])
        quality = gpt_quality(model, train, heldout, vocab)
    name = "tiny_gpt" if masked else "leaky_gpt"
    info = {"name": name, "config": config.to_dict(), "vocab": list(vocab.words),
            "corpus": rows,
            "training": training_record(training, t["batch_size"], seed, threads, start),
            "quality": quality}
    return model, info


def gpt_quality(model: TinyGPT, train: np.ndarray, heldout: np.ndarray, vocab: corpus.Vocab) -> dict:
    """The tiny GPT's measured quality on held-out rows (see :mod:`attnlab.models.probes`)."""
    guesses = probes.predictions(model, heldout)
    heads = probes.noun_adjective_attention(model, heldout, vocab)
    layer, head = heads["best"]
    r = round4
    oracle = probes.grammar_oracle(heldout, vocab)
    return {
        "grammar_floor_loss": r(oracle["loss"]),
        "grammar_oracle_accuracy": r(oracle["accuracy"]),
        "heldout_loss": r(probes.mean_loss(model, heldout)),
        "heldout_accuracy": r((guesses == heldout[:, 1:]).mean()),
        "heldout_prefix_accuracy": r(probes.prefix_accuracy(model, heldout)),
        "unigram_accuracy": r(probes.unigram_accuracy(train, heldout)),
        "bigram_accuracy": r(probes.bigram_accuracy(train, heldout, len(vocab))),
        "accuracy_by_role": {k: r(v) for k, v in probes.accuracy_by_role(guesses, heldout, vocab).items()},
        "bigram_accuracy_by_role": {
            k: r(v) for k, v in probes.accuracy_by_role(
                probes.bigram_table(train, len(vocab))[heldout[:, :-1]], heldout, vocab).items()},
        "sampled_grammatical_fraction": r(probes.sampled_grammaticality(model, vocab)),
        "noun_adjective_head": {"layer": layer, "head": head, "weight": r(heads["weight"][layer, head]),
                                "uniform_baseline": r(heads["baseline"]),
                                "ratio": r(heads["ratio"][layer, head]), "n_nouns": heads["n_nouns"],
                                "weight_by_adjective": {
                                    role: r(w[layer, head]) for role, w in heads["by_role"].items()}},
        "noun_adjective_weight_per_head": r(heads["weight"]),
    }


def train_translator(seed: int = 0, threads: int = THREADS) -> tuple[Translator, dict]:
    """Train the encoder–decoder on the translation task. Returns the model and its info."""
    start = time.perf_counter()
    src_vocab, tgt_vocab, t = corpus.source_vocab(), corpus.target_vocab(), TRANSLATOR_TRAINING
    train = corpus.translation_pairs(t["n_train"], seed=seed, split="train")
    heldout = corpus.translation_pairs(t["n_heldout"], seed=seed + 1, split="heldout")
    groups = [tuple(map(torch.from_numpy, g[:3])) for g in probes.pair_batches(train, src_vocab, tgt_vocab)]
    sizes = torch.tensor([len(g[0]) for g in groups], dtype=torch.float)
    config = TranslatorConfig(len(src_vocab), len(tgt_vocab), **TRANSLATOR_CONFIG)
    with deterministic(seed, threads):
        model = Translator(config)
        gen = torch.Generator().manual_seed(seed)

        def batch_loss(step: int) -> torch.Tensor:
            src, tgt_in, tgt_out = groups[int(torch.multinomial(sizes, 1, generator=gen))]  # one length
            pick = torch.randint(0, len(src), (t["batch_size"],), generator=gen)
            return token_loss(model(src[pick], tgt_in[pick]), tgt_out[pick])  # (B, T, V_tgt) vs (B, T)

        training = fit(model, batch_loss, t["steps"], t["lr"])
        align = probes.alignment_accuracy(model, heldout, src_vocab, tgt_vocab)
        exact = probes.exact_translations(model, heldout, src_vocab, tgt_vocab)
    best = np.unravel_index(align["per_head"].argmax(), align["per_head"].shape)
    quality = {"heldout_exact_translations": round4(exact),
               "alignment_accuracy_head_average": round4(align["head_average"]),
               "alignment_accuracy_per_head": round4(align["per_head"]),
               "aligned_weight_head_average": round4(align["weight"]),
               "best_head": {"layer": int(best[0]), "head": int(best[1])},
               "n_aligned_words": align["n_words"]}
    info = {"name": "translator", "config": config.to_dict(), "source_vocab": list(src_vocab.words),
            "target_vocab": list(tgt_vocab.words), "target_order": list(corpus.TARGET_ORDER),
            "corpus": {"seed": seed, "train_pairs": t["n_train"], "heldout_pairs": t["n_heldout"]},
            "training": training_record(training, t["batch_size"], seed, threads, start),
            "quality": quality}
    return model, info


# --- the command ----------------------------------------------------------------------------------

TRAINERS = {"tiny_gpt": functools.partial(train_gpt, True),
            "leaky_gpt": functools.partial(train_gpt, False),
            "translator": train_translator}


def main(argv=None) -> int:
    """``attnlab-models [--only NAME ...] [--out DIR]``: train and save the course's models."""
    parser = argparse.ArgumentParser(prog="attnlab-models", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", choices=NAMES, help="train only this model (repeatable)")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help="checkpoint folder (default data/)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=THREADS, help=f"torch threads (default {THREADS})")
    args = parser.parse_args(argv)
    for name in args.only or NAMES:
        model, info = TRAINERS[name](seed=args.seed, threads=args.threads)
        weights, _ = save(model, info, args.out)
        training = info["training"]
        print(f"{name}: trained in {training['seconds']} s, final train loss {training['final_train_loss']}, "
              f"{weights.stat().st_size / 1024:.0f} KiB -> {weights}")
        print("  " + json.dumps(info["quality"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
