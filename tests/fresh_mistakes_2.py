"""A second fresh set of plausible learner mistakes, and how well the checks name them (issue 21).

The attempts (fresh_mistakes_2_numpy.py, fresh_mistakes_2_torch.py, fresh_mistakes_2_scale.py) were
written from the notebooks' exercise texts and stubs alone, before reading lib/attnlab/checks/, the
first fresh set or any catalogue. Each is run here as a learner's notebook runs it: its code is
executed in a namespace holding what the lesson's first cell imports and the learner's earlier
answers of that lesson (right ones), then `check_<exercise>(fn)` is called and its one line read.

Every attempt ends in one of:
  passed      the check passed it (right for OK rows; for a real bug: missed)
  named       flagged, and the line (before its "Hint:") holds one of the words that name the slip
  misnamed    flagged with a diagnosis (a sentence after the measurement) that does not name the slip
  hint        flagged; only the hint (perhaps the case's own) holds the slip's words
  generic     flagged, but the line names nothing the slip is
  traceback   the line or what the check printed holds a traceback
  crash       the check itself raised

    python tests/fresh_mistakes_2.py                 # the table per lesson
    python tests/fresh_mistakes_2.py --lesson 10     # one lesson
    python tests/fresh_mistakes_2.py --markdown      # + per exercise, and every line not named, for a report
"""

from __future__ import annotations

import argparse
import contextlib
import io
import linecache
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent

sys.path.insert(0, str(Path(__file__).parent))

import fresh_mistakes_2_numpy  # noqa: E402
import fresh_mistakes_2_scale  # noqa: E402
import fresh_mistakes_2_torch  # noqa: E402

CHECKS = {  # exercise (the stub's name) -> the check the notebook calls on it
    "cosine_similarity": "check_cosine_similarity", "nearest_neighbours": "check_nearest_neighbours",
    "spread": "check_spread", "score_grid": "check_score_grid", "picked_keys": "check_picked_keys",
    "scaled_scores": "check_scaled_scores", "stable_softmax": "check_stable_softmax",
    "softmax_with_temperature": "check_softmax_with_temperature",
    "attention_pattern": "check_attention_pattern",
    "causal_mask": "check_causal_mask", "masked_pattern": "check_masked_pattern",
    "pattern_size": "check_pattern_size", "weighted_sum": "check_weighted_sum", "update": "check_update",
    "value_map_counts": "check_value_map_counts", "multi_head": "check_multi_head",
    "stack_value_ups": "check_stack_value_ups", "head_entropy": "check_head_entropy",
    "cross_attention": "check_cross_attention", "pattern_shapes": "check_pattern_shapes",
    "decoder_masks": "check_decoder_masks", "block_parameters": "check_block_parameters",
    "fill_in_the_table": "check_weight_matrices", "exact_parameters": "check_exact_parameters",
    "residual_block": "check_residual_block", "gpt_forward": "check_gpt_forward",
    "next_word_probabilities": "check_next_word_probabilities", "greedy_generate": "check_greedy_generate",
    "MultiHeadAttention": "check_multi_head_attention", "Block": "check_block", "GPT": "check_gpt",
    "train": "check_train", "online_max_and_sum": "check_online_max_and_sum",
    "block_update": "check_block_update", "kv_cache_bytes": "check_kv_cache_bytes",
    "cache_step": "check_cache_step", "rope": "check_rope", "repeat_kv": "check_repeat_kv",
    "sliding_window_mask": "check_sliding_window_mask",
}

NUMPY = "import math\nimport numpy as np\n"
TORCH = NUMPY + "import torch\nimport torch.nn.functional as F\nfrom torch import nn\nfrom tqdm import tqdm\n"
PRELUDES = {  # what each lesson's first cell imports, plus the learner's earlier (right) answers
    "01": NUMPY + """
def cosine_similarity(u, v):
    return u @ v / (np.linalg.norm(u) * np.linalg.norm(v))
""",
    "02": NUMPY,
    "03": NUMPY + """
from attnlab import softmax

def stable_softmax(scores):
    e = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
""",
    "04": NUMPY + "from attnlab import softmax\n",
    "05": NUMPY + """
def weighted_sum(pattern, values):
    return pattern @ values
""",
    "06": NUMPY + "from attnlab import causal_mask, scaled_dot_product_attention\n",
    "07": NUMPY + "from attnlab import scaled_dot_product_attention\n",
    "08": NUMPY,
    "09": TORCH,
    "10": TORCH + "from attnlab import MLP, init_gpt2_\n" + fresh_mistakes_2_torch.RIGHT_10,
    "11": NUMPY + "from attnlab import causal_mask, scaled_dot_product_attention\n",
    "12": NUMPY + "from attnlab import causal_mask, scaled_dot_product_attention\n",
}

OUTCOMES = ("passed", "named", "misnamed", "hint", "generic", "traceback", "crash")


@dataclass(frozen=True)
class Attempt:
    lesson: str
    exercise: str
    label: str
    keys: tuple[str, ...]  # any one of them in the line names the slip (lower case)
    real: bool  # a real bug (False: another valid answer, which must pass)
    code: str

    @property
    def name(self) -> str:
        return f"{self.lesson} {self.exercise}: {self.label}"

    @property
    def in_issue(self) -> bool:
        """One of the bugs issue 21 itself lists (so not unseen by the checks' engineer)."""
        return self.label.endswith("(issue 21)")


@dataclass(frozen=True)
class Verdict:
    attempt: Attempt
    outcome: str
    line: str
    seconds: float

    @property
    def right(self) -> bool:
        """What the set asks of the checks: a real bug flagged and named, another valid answer passed."""
        return self.outcome == ("named" if self.attempt.real else "passed")


def bug(lesson, exercise, label, keys, code):
    """A row of a later set: a real bug, `keys` the "|"-separated words a line naming it would hold."""
    return (lesson, exercise, label, keys, True, dedent(code))


def ok(lesson, exercise, label, code):
    """A row of a later set: another valid answer, which must pass."""
    return (lesson, exercise, label, "", False, dedent(code))


def repeated(attempts: list[Attempt], earlier: list[Attempt]) -> list[str]:
    """The names of `attempts` whose exercise and code (whitespace aside) an `earlier` set holds."""
    def key(a):
        return a.exercise, "".join(a.code.split())

    seen = {key(a) for a in earlier}
    return [a.name for a in attempts if key(a) in seen]


def attempts(rows=None) -> list[Attempt]:
    """This set's attempts, or another set's `rows` (tuples as in fresh_mistakes_2_numpy.ATTEMPTS)."""
    if rows is None:
        rows = fresh_mistakes_2_numpy.ATTEMPTS + fresh_mistakes_2_torch.ATTEMPTS
        rows += fresh_mistakes_2_scale.ATTEMPTS
    out = [Attempt(lesson, exercise, label, tuple(k for k in keys.split("|") if k), real, code)
           for lesson, exercise, label, keys, real, code in rows]
    assert all(a.exercise in CHECKS and a.lesson in PRELUDES for a in out)
    assert all(a.keys for a in out if a.real), [a.name for a in out if a.real and not a.keys]
    return sorted(out, key=lambda a: (a.lesson, list(CHECKS).index(a.exercise), not a.real))


def learner_object(attempt: Attempt, number: int):
    """Run the lesson's prelude and the attempt's cell as a notebook would; return what the check gets."""
    namespace = {"__name__": "__main__"}
    for i, source in enumerate((PRELUDES[attempt.lesson], attempt.code)):
        filename = f"<fresh2-{number}-{i}>"  # linecache lets inspect.getsource read the cell, as in Jupyter
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
        exec(compile(source, filename, "exec"), namespace)
    return namespace[attempt.exercise]


def parts(text: str, exercise: str) -> tuple[str, str]:
    """(what the check says about this answer, its hint): the mark, the exercise's name and the case left out.

    "❌ name: case 2 of 5 (a grid (2, 3)): every entry differs …. That is …. Hint: …" gives
    ("every entry differs …. That is ….", "…"): the case's description and the exercise's name hold
    words such as "residual" or "temperature" that would otherwise seem to name a slip. `text` is the
    result's message (the same without the mark and the name) or its line.
    """
    said, _, hint = text.partition(" Hint:")
    head = said.find(f"{exercise}: ")
    if 0 <= head < 40:  # "❌ name: …", "❌ not yet · name: …"
        said = said[head + len(exercise) + 2:]
    case = re.match(r"case \d+ of \d+ ?", said)
    if case:
        said = said[case.end():]
        if said.startswith("("):  # the case's description, which may hold parentheses itself
            said = said[closing(said) + 1:]
        said = said.lstrip(": ")
    recipe = re.search(r"by up to \S+: ", said)  # "… differ … by up to 1.88: token + position embeddings → …"
    if recipe:  # the exercise's recipe, the same for every wrong answer: a hint
        said, hint = said[: recipe.end() - 2], said[recipe.end():] + " " + hint
    return said, hint


def closing(text: str) -> int:
    """The index of the parenthesis that closes text[0]."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index
    return len(text)


def diagnosis(said: str) -> str:
    """What follows the measurement ("every entry differs …: got X, expected Y."): a named slip, if any."""
    if said.startswith("your code raised"):
        return ""
    sentence = re.search(r"\.\s+(?!(?i:nan|inf)\b)(?=[A-Za-z`'])", said)  # not "[2. 1.]", "[3. NaN]"
    clause = re.search(r"\s[—–]\s(?=[A-Za-z`'(])", said)  # "… expected Y — your answers are exactly …"
    found = min((m for m in (sentence, clause) if m), key=lambda m: m.start(), default=None)
    return said[found.end():].strip() if found else ""


def classify(attempt: Attempt, passed: bool, text: str, printed: str) -> str:
    """`text`: the result's message (or line); `printed`: what the check wrote and its full str()."""
    if "Traceback (most recent call last)" in text + printed:
        return "traceback"
    if passed:
        return "passed"
    said, hint = parts(text, attempt.exercise)
    if attempt.real and any(k.lower() in said.lower() for k in attempt.keys):
        return "named"
    if diagnosis(said):
        return "misnamed"
    if attempt.real and any(k.lower() in hint.lower() for k in attempt.keys):
        return "hint"
    return "generic"


def run(attempt: Attempt, number: int = 0) -> Verdict:
    import attnlab.checks

    check = getattr(attnlab.checks, CHECKS[attempt.exercise])
    start = time.perf_counter()
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            obj = learner_object(attempt, number)
            result = check(obj)
    except Exception as error:  # noqa: BLE001 — a check that raises is what this measures
        return Verdict(attempt, "crash", f"{type(error).__name__}: {error}", time.perf_counter() - start)
    line = getattr(result, "line", None) or str(result)
    text = getattr(result, "message", None) or line  # the whole text, if the line elides it
    passed = bool(getattr(result, "passed", False))
    outcome = classify(attempt, passed, text, printed.getvalue() + str(result))
    return Verdict(attempt, outcome, line, time.perf_counter() - start)


def run_all(lesson: str | None = None, rows=None) -> list[Verdict]:
    return [run(a, i) for i, a in enumerate(attempts(rows)) if lesson in (None, a.lesson)]


def table(verdicts: list[Verdict]) -> list[str]:
    """Per lesson: the real bugs and what the checks made of them; the other valid answers passed."""
    rows = ["| lesson | real bugs | flagged | named | misnamed | hint only | generic | missed "
            "| tracebacks, crashes | named rate | named, not in issue 21 | valid answers passed "
            "| lines > 300 chars or multi-line |", "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for lesson in sorted({v.attempt.lesson for v in verdicts}) + ["all"]:
        vs = [v for v in verdicts if lesson in ("all", v.attempt.lesson)]
        bugs = Counter(v.outcome for v in vs if v.attempt.real)
        n_bugs = sum(bugs.values())
        valid = [v for v in vs if not v.attempt.real]
        rate = f"{bugs['named'] / n_bugs:.0%}" if n_bugs else "–"
        fresh = [v for v in vs if v.attempt.real and not v.attempt.in_issue]
        fresh_rate = f"{sum(v.outcome == 'named' for v in fresh) / len(fresh):.0%}" if fresh else "–"
        long = sum(len(v.line) > 300 or "\n" in v.line for v in vs)
        cells = [lesson, n_bugs, n_bugs - bugs["passed"], bugs["named"], bugs["misnamed"], bugs["hint"],
                 bugs["generic"], bugs["passed"], bugs["traceback"] + bugs["crash"], rate, fresh_rate,
                 f"{sum(v.outcome == 'passed' for v in valid)}/{len(valid)}", long]
        rows.append("| " + " | ".join(map(str, cells)) + " |")
    return rows


def by_exercise(verdicts: list[Verdict]) -> list[str]:
    """Per exercise, weakest first: how many of its real bugs are named, and what the others got."""
    rows = ["| exercise | named | misnamed | hint only | generic | missed |", "|---|---|---|---|---|---|"]
    counts = {}
    for v in verdicts:
        if v.attempt.real:
            counts.setdefault((v.attempt.lesson, v.attempt.exercise), Counter())[v.outcome] += 1
    for (lesson, exercise), c in sorted(counts.items(), key=lambda kv: kv[1]["named"] / sum(kv[1].values())):
        cells = [f"{lesson} {exercise}", f"{c['named']}/{sum(c.values())}", c["misnamed"], c["hint"],
                 c["generic"], c["passed"]]
        rows.append("| " + " | ".join(map(str, cells)) + " |")
    return rows


def not_right(verdicts: list[Verdict]) -> list[str]:
    """Every attempt the checks did not get right, with the line they printed."""
    out = []
    for v in verdicts:
        if not v.right:
            kind = "VALID ANSWER FLAGGED"
            if v.attempt.real:
                kind = "MISSED (passes)" if v.outcome == "passed" else v.outcome
            line = " ".join(v.line.split()).replace("`", "'")
            out.append(f"- **{v.attempt.name}** — {kind}: `{line}`")
    return out


def main(argv=None, rows=None, description=__doc__) -> int:
    """The script; another set passes its `rows` and docstring."""
    parser = argparse.ArgumentParser(description=description.splitlines()[0])
    parser.add_argument("--lesson", help="one lesson, e.g. 10")
    parser.add_argument("--markdown", action="store_true",
                        help="also a table per exercise and every attempt not got right")
    parser.add_argument("--lines", action="store_true", help="print every attempt's line")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    verdicts = run_all(args.lesson, rows)
    if args.lines:
        for v in verdicts:
            print(f"[{v.outcome:9}] {v.seconds:5.1f}s {v.attempt.name}\n    {v.line}")
    print("\n".join(table(verdicts)))
    if args.markdown:
        print("\n" + "\n".join(by_exercise(verdicts)))
        print("\n" + "\n".join(not_right(verdicts)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
