"""The README's example check lines are what lesson 03's check really prints."""

import re

import numpy as np

from attnlab.checks import check_stable_softmax
from attnlab.paths import ROOT


def right(scores):
    shifted = scores - np.max(scores, axis=-1, keepdims=True)
    return np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)


def overflows(scores):  # forgets to subtract the maximum
    return np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)


def not_written(scores):
    raise NotImplementedError()


def test_the_readme_shows_the_real_check_lines():
    readme = (ROOT / "README.md").read_text()
    for answer in (right, overflows, not_written):
        line = check_stable_softmax(answer).line
        assert line in readme, f"README.md should show {line!r}"


def test_the_lesson_map_lists_every_lesson_in_order():
    from attnlab.paths import SOLUTIONS_DIR

    readme = (ROOT / "README.md").read_text()
    listed = re.findall(r"^\| \d\d \| `(\w+)` \|", readme, flags=re.MULTILINE)
    assert listed == sorted(path.stem for path in SOLUTIONS_DIR.glob("*.ipynb"))


def test_the_lesson_map_states_gpt3s_numbers_as_lesson_08_computes_them():
    from attnlab.params import PRESETS, count_parameters

    counts = count_parameters(PRESETS["gpt3-175b"], convention="3b1b")
    readme = (ROOT / "README.md").read_text()
    assert f"GPT-3's {round(counts['total'] / 1e9)} billion parameters" in readme
    assert f"{round(counts['attention'] / 1e9)} billion in attention" in readme
