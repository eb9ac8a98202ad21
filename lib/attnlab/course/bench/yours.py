"""Section 9: your code, a real model — MiniLM on the learner's functions (collected from
``solutions/``) against transformers, and lesson 10's training run (the solution's own ``GPT`` and
``train``, as a learner who solved the lesson would run them)."""

from __future__ import annotations

from attnlab.course.bench.core import ms

LESSON = "10_your_own_gpt"


def _bert_difference(model, text: str) -> float | str:
    """max |Δ| of hidden states and attention between ``model`` and transformers' BertModel."""
    try:
        import numpy as np
        import torch
        import transformers
    except ImportError:
        return "transformers not installed"
    from attnlab.models.pretrained import model_folder

    bert = transformers.BertModel.from_pretrained(str(model_folder()), local_files_only=True,
                                                  attn_implementation="eager").eval()
    with torch.no_grad():
        o = bert(torch.tensor([model.token_ids(text)]), output_attentions=True, output_hidden_states=True)
    hidden = np.abs(model.hidden_states(text) - torch.stack(o.hidden_states)[:, 0].numpy()).max()
    attention = np.abs(model.attention(text) - torch.stack(o.attentions)[:, 0].numpy()).max()
    return float(max(hidden, attention))


def _lesson_functions(names: tuple[str, ...]) -> dict:
    """The solution's own definitions of ``names`` from ``solutions/10_your_own_gpt.ipynb``."""
    from attnlab.paths import SOLUTIONS_DIR
    from attnlab.yours.collect import definitions, read_lesson

    nb, why = read_lesson(SOLUTIONS_DIR / f"{LESSON}.ipynb")
    if nb is None:
        raise FileNotFoundError(why)
    namespace, _ = definitions(nb, LESSON)
    return {name: namespace[name] for name in names}


def bench_yours(repeats: int = 5) -> dict:
    """Time ``Yours.minilm()`` per 20-token sentence and measure it against transformers; run
    lesson 10's training and measure its accuracy and adjective head."""
    import numpy as np

    from attnlab.measure import compare_times
    from attnlab.models import probes
    from attnlab.models.pretrained import BENCH_SENTENCE
    from attnlab.models.trained import load_tiny_gpt
    from attnlab.paths import SOLUTIONS_DIR
    from attnlab.yours import collect
    from attnlab.yours.own_gpt import as_course_model, train_your_gpt

    mine = collect(SOLUTIONS_DIR).minilm()
    seconds = compare_times({"yours": lambda: mine._forward(BENCH_SENTENCE)}, repeats=repeats)["yours"]
    out = {"minilm": {"tokens": len(mine.tokens(BENCH_SENTENCE)), "seconds": seconds,
                      "max_diff": _bert_difference(mine, BENCH_SENTENCE)}}
    fns = _lesson_functions(("GPT", "train"))
    run = train_your_gpt(fns["GPT"], fns["train"])
    gpt = load_tiny_gpt()
    heldout = gpt.rows("heldout")
    heads = probes.noun_adjective_attention(as_course_model(run.model), heldout, gpt.vocab)
    out["training"] = {"yours": run.yours, "seconds": run.seconds,
                       "accuracy": probes.next_word_accuracy(run.model, heldout),
                       "course_accuracy": gpt.info["quality"]["heldout_accuracy"],
                       "head": heads["best"], "head_weight": float(np.max(heads["weight"]))}
    return out


def goal_rows_yours(y: dict) -> list[tuple]:
    if not y:
        return []
    m, t = y["minilm"], y["training"]
    diff = m["max_diff"]
    gap = abs(t["accuracy"] - t["course_accuracy"])
    return [
        (f"`Yours.minilm()` (the solutions' functions), {m['tokens']}-token sentence", "< 1 s",
         f"{ms(m['seconds'])} ms", m["seconds"] < 1.0),
        ("`Yours.minilm()` vs transformers' BertModel, max |Δ|", "≤ 1e-5",
         f"{diff:.1e}" if isinstance(diff, float) else diff,
         diff <= 1e-5 if isinstance(diff, float) else None),
        ("lesson 10: training your GPT (500 steps, 1 thread)", "< 60 s", f"{t['seconds']:.1f} s",
         t["yours"] and t["seconds"] < 60),
        ("lesson 10: held-out accuracy vs the course's tiny GPT", "within 0.02",
         f"{t['accuracy']:.4f} vs {t['course_accuracy']:.4f}", gap <= 0.02),
        ("lesson 10: the trained GPT's adjective→noun head", "≥ 0.9", f"{t['head_weight']:.3f}",
         t["head_weight"] >= 0.9),
    ]


def yours_section(y: dict) -> list[str]:
    if not y:
        return []
    m, t = y["minilm"], y["training"]
    layer, head = t["head"]
    diff = f"**{m['max_diff']:.1e}**" if isinstance(m["max_diff"], float) else m["max_diff"]
    return [
        "## 11. Your code, a real model",
        "",
        "`attnlab.yours.collect('solutions').minilm()`: all-MiniLM-L6-v2 with the learner's "
        "`scaled_scores`, `stable_softmax`, `weighted_sum` and `multi_head` in every head — one uncached "
        f"forward pass of {m['tokens']} tokens, median **{ms(m['seconds'])} ms**; max |Δ| against "
        f"transformers' BertModel (hidden states and attention): {diff}.",
        "",
        "Lesson 10's training run, the solution's own `GPT` and `train` (500 steps, seeded, 1 thread): "
        f"**{t['seconds']:.1f} s**; held-out next-word accuracy **{t['accuracy']:.4f}** (the course's "
        f"tiny GPT: {t['course_accuracy']:.4f}); its adjective→noun head is layer {layer}, head {head}, "
        f"with **{t['head_weight']:.3f}** of a noun's attention on its adjectives.",
        "",
    ]
