"""The README's example check lines are what lesson 03's check really prints."""

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
