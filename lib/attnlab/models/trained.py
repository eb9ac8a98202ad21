"""The course's own trained models: trained here in seconds, stored in ``data/``, loaded by lessons.

No package ships GPT-2's weights here, so the course trains three tiny transformers from
:mod:`attnlab.models.layers` on the synthetic corpora of :mod:`attnlab.models.corpus`:

- ``tiny_gpt`` — a decoder-only language model on the little grammar, with the causal mask;
- ``leaky_gpt`` — the same model trained **without** the causal mask (lesson 04): every position
  can see the word it must predict, so its training loss falls suspiciously low — and it cannot
  write, because when it generates, the next word does not exist yet;
- ``translator`` — an encoder–decoder whose cross-attention learns which source word to translate
  next (lesson 07).

``make models`` (or ``attnlab-models``) retrains all three — deterministically (fixed seeds, one thread,
deterministic algorithms), each in well under a minute on 2 CPU cores — and writes
``data/<name>.safetensors`` (weights) and ``data/<name>.json`` (config, vocabulary, training figures
and the measured quality, see :mod:`attnlab.models.probes`). Lessons call :func:`load_tiny_gpt` and
:func:`load_translator`.
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
from safetensors.torch import load_model, save_model

from attnlab.models import corpus, probes
from attnlab.models.gpt import GPTConfig, TinyGPT
from attnlab.models.translator import Translator, TranslatorConfig
from attnlab.paths import DATA_DIR

THREADS = 1
GPT_CONFIG = dict(context_length=32, d_model=32, n_heads=4, n_layers=2)
GPT_TRAINING = dict(steps=500, batch_size=32, lr=1e-2, n_train=6000, n_heldout=200)
TRANSLATOR_CONFIG = dict(context_length=8, d_model=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=1)
TRANSLATOR_TRAINING = dict(steps=800, batch_size=64, lr=3e-3, n_train=20000, n_heldout=500)
NAMES = ("tiny_gpt", "leaky_gpt", "translator")


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


def corpus_rows(rows: dict, split: str) -> np.ndarray:
    """A tiny GPT's training (``"train"``) or held-out (``"heldout"``) rows of token ids
    ``(n, row_length)``, made again from its checkpoint's ``corpus`` record (seed, sizes)."""
    if split not in ("train", "heldout"):
        raise ValueError(f"split must be 'train' or 'heldout', but got {split!r}")
    seed = rows["seed"] + (split == "heldout")  # the held-out rows come from the next seed
    return corpus.lm_sequences(rows[f"{split}_rows"], rows["row_length"], seed=seed, split=split)


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
        data, gen = torch.from_numpy(train), torch.Generator().manual_seed(seed)

        def batch_loss(step: int) -> torch.Tensor:
            rows = data[torch.randint(0, len(data), (t["batch_size"],), generator=gen)]  # (B, T + 1)
            return token_loss(model(rows[:, :-1]), rows[:, 1:])  # (B, T, V) vs (B, T)

        training = fit(model, batch_loss, t["steps"], t["lr"])
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


# --- saving and loading ----------------------------------------------------------------------------


def save(model: torch.nn.Module, info: dict, out_dir: Path = DATA_DIR) -> tuple[Path, Path]:
    """Write ``<out_dir>/<name>.safetensors`` (weights; tied weights once) and ``<name>.json``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    weights, meta = out_dir / f"{info['name']}.safetensors", out_dir / f"{info['name']}.json"
    save_model(model, str(weights))
    weights.chmod(0o644)  # safetensors writes a private temporary file
    info = {**info, "weights_bytes": weights.stat().st_size}
    meta.write_text(json.dumps(info, indent=1) + "\n")
    return weights, meta


def read(name: str, data_dir: Path = DATA_DIR) -> tuple[torch.nn.Module, dict]:
    """Build the model ``name`` from its JSON config and load its safetensors weights (eval mode,
    frozen). A missing checkpoint raises ``FileNotFoundError`` saying to run ``make models``."""
    if name not in NAMES:
        raise ValueError(f"unknown model {name!r}: the course's models are {', '.join(NAMES)}")
    weights, meta = Path(data_dir) / f"{name}.safetensors", Path(data_dir) / f"{name}.json"
    missing = [str(p) for p in (weights, meta) if not p.exists()]
    if missing:
        raise FileNotFoundError(f"the checkpoint of {name} is missing ({', '.join(missing)}): "
                                f"run `make models` in the repository to train it (about a minute)")
    info = json.loads(meta.read_text())
    model = (Translator(TranslatorConfig(**info["config"])) if name == "translator"
             else TinyGPT(GPTConfig(**info["config"])))
    load_model(model, str(weights))
    model.eval().requires_grad_(False)
    return model, info


class TrainedGPT:
    """A trained tiny GPT with its vocabulary, for lessons.

    ``model`` (a :class:`~attnlab.models.gpt.TinyGPT`, eval mode), ``vocab``, ``info`` (the JSON: config,
    training figures, measured quality). Texts are words of the grammar, e.g.
    ``"a tiny fluffy blue creature squeaks ."``.
    """

    def __init__(self, model: TinyGPT, info: dict):
        self.model, self.info = model, info
        self.vocab = corpus.Vocab(info["vocab"])
        self.masked = model.config.causal

    def encode(self, text: str) -> list[int]:
        """Text → token ids (``ValueError`` for a word the grammar does not know)."""
        return self.vocab.encode(text)

    def rows(self, split: str) -> np.ndarray:
        """The rows this model trained on (``"train"``) or was measured on (``"heldout"``):
        token ids ``(n, context_length + 1)``, made again from the checkpoint's record."""
        return corpus_rows(self.info["corpus"], split)

    def decode(self, ids) -> str:
        """Token ids → text."""
        return self.vocab.decode(ids)

    def tokens(self, text: str) -> list[str]:
        """The words the model reads."""
        return self.vocab.tokens(self.encode(text))

    def roles(self, text: str) -> list[str]:
        """Each word's role: det, size, texture, color, noun, verb, end."""
        return corpus.roles(self.tokens(text))

    def adjective_links(self, text: str) -> list[tuple[int, list[int]]]:
        """``(noun position, its adjectives' positions)`` for each noun of the text."""
        return corpus.adjective_links(self.tokens(text))

    def _ids(self, text: str) -> torch.Tensor:
        ids = self.encode(text)
        if not 1 <= len(ids) <= self.model.config.context_length:
            raise ValueError(f"the text has {len(ids)} words; the model reads 1 to "
                             f"{self.model.config.context_length}")
        return torch.tensor([ids])

    @torch.no_grad()
    def attention(self, text: str) -> np.ndarray:
        """The attention patterns on ``text``: ``(n_layers, n_heads, T, T)``, rows sum to 1."""
        _, patterns = self.model(self._ids(text), need_weights=True)
        return torch.cat(patterns).numpy()

    @torch.no_grad()
    def next_word_probabilities(self, text: str) -> dict[str, float]:
        """The probability of each word coming next after ``text``, most likely first."""
        probs = self.model(self._ids(text))[0, -1].softmax(-1).numpy()
        return {self.vocab.words[i]: float(probs[i]) for i in np.argsort(-probs, kind="stable")}

    @torch.no_grad()
    def continue_text(self, text: str, n_words: int, greedy: bool = True, seed: int = 0) -> str:
        """``text`` followed by ``n_words`` generated words (greedy, or sampled with ``seed``)."""
        out = self.model.generate(self._ids(text), n_words, greedy=greedy,
                                  generator=torch.Generator().manual_seed(seed))
        return self.decode(out[0])


class TrainedTranslator:
    """The trained translator with its vocabularies, for lessons.

    ``model`` (a :class:`~attnlab.models.translator.Translator`), ``source_vocab``, ``target_vocab``,
    ``info``.
    """

    def __init__(self, model: Translator, info: dict):
        self.model, self.info = model, info
        self.source_vocab = corpus.Vocab(info["source_vocab"])
        self.target_vocab = corpus.Vocab(info["target_vocab"])

    def _src(self, text: str) -> torch.Tensor:
        words = [w for w in corpus.tokenize(text) if w != corpus.END]
        if not 1 <= len(words) <= self.model.config.context_length:
            raise ValueError(f"the sentence has {len(words)} words; the translator reads 1 to "
                             f"{self.model.config.context_length}")
        return torch.tensor([self.source_vocab.encode(words)])

    def translate(self, text: str) -> str:
        """Greedy translation of a source sentence (without ``</s>``)."""
        bos, eos = self.target_vocab.index[corpus.BOS], self.target_vocab.index[corpus.EOS]
        out = self.model.translate(self._src(text), bos=bos, eos=eos)[0].tolist()
        return self.target_vocab.decode(out[:out.index(eos)] if eos in out else out)

    @torch.no_grad()
    def cross_attention(self, text: str, target: str | None = None) -> dict:
        """The decoder's cross-attention while it writes ``target`` (default: its own translation).

        Returns ``{"source": words (S), "target": words (T), "patterns": (n_layers, n_heads, T, S)}``:
        row t is where the decoder looked in the source while writing target word t.
        """
        src = self._src(text)
        target = self.translate(text) if target is None else target
        words = corpus.tokenize(target)
        tgt_in = torch.tensor([self.target_vocab.encode([corpus.BOS, *words])])
        _, patterns = self.model(src, tgt_in, need_weights=True)
        cross = torch.cat(patterns["cross"]).numpy()[:, :, :len(words)]  # row t writes word t
        return {"source": self.source_vocab.tokens(src[0]), "target": words, "patterns": cross}


@functools.cache
def load_tiny_gpt(masked: bool = True) -> TrainedGPT:
    """The course's tiny GPT (cached). ``masked=False``: the leaky one, trained without a causal mask."""
    return TrainedGPT(*read("tiny_gpt" if masked else "leaky_gpt"))


@functools.cache
def load_translator() -> TrainedTranslator:
    """The course's tiny encoder–decoder translator (cached)."""
    return TrainedTranslator(*read("translator"))


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
