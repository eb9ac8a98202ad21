"""A picture says whose code drew it: with none of the learner's functions yet, the course's code
stands in, and the picture says "the course's" (issue 24: "yours: layer 0, head 2" over the course's)."""

from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

from attnlab.views.plotting import plot_comparison
from attnlab.yours.compare import Comparison

matplotlib.use("Agg")


def run():
    return SimpleNamespace(tokens=["a", "fluffy"], patterns=np.full((1, 1, 2, 2), 0.5))  # (L, H, T, T)


@pytest.mark.parametrize(("yours", "left"),
                         [([], "the course's (none of yours yet)"), (["softmax"], "yours")])
def test_the_comparisons_left_picture_names_whose_functions_ran(yours, left):
    fig = plot_comparison(Comparison("minilm", "a fluffy", yours, runs=(run(), run())))
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == [f"{left}: layer 0, head 0", "the course's: layer 0, head 0"]
