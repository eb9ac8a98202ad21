"""Lesson 09's optional GPT-2 section: it skips without GPT-2 (the stored outputs say so), and with a
GPT-2 present — here a random checkpoint of GPT-2's layout, where attnlab-fetch would put it — its
cells run and print what they promise. Lesson 08's GPT-2 count ties to a real checkpoint's floats."""

import matplotlib
import nbformat
import pytest
from gpt2_checkpoints import pretend_fetched

from attnlab.paths import SOLUTIONS_DIR

matplotlib.use("Agg")
SECTION = [f"gpt2-0{i}" for i in (1, 3, 5, 7)]


def cells(lesson, ids):
    nb = nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4)
    by_id = {c.id: c for c in nb.cells}
    return [by_id[i] for i in ids]


def stored_text(cell):
    return "".join(out.get("text", "") for out in cell.outputs)


def test_without_gpt2_every_cell_says_it_skipped():
    first, *rest = cells("09_tiny_gpt", SECTION)
    assert "GPT-2 is not on this machine" in stored_text(first) and "attnlab-fetch gpt2" in stored_text(first)
    for cell in rest:
        assert stored_text(cell) == "skipped: no GPT-2\n"
        assert cell.source.startswith("if gpt2 is None:")


def test_the_section_runs_on_a_gpt2(monkeypatch, tmp_path, capsys):
    import matplotlib.pyplot as plt

    from attnlab.views.plotting import plot_pattern

    pretend_fetched(monkeypatch, tmp_path, names=("gpt2",), n_layer=2, n_head=3, n_embd=24,
                    n_positions=128, vocab_size=400)
    namespace = {"plt": plt, "plot_pattern": plot_pattern}
    monkeypatch.setattr(plt, "show", lambda: None)
    for cell in cells("09_tiny_gpt", SECTION):
        exec(compile(cell.source, cell.id, "exec"), namespace)
    printed = capsys.readouterr().out
    assert "skipped" not in printed and "2 layers, 3 heads" in printed
    assert "previous_token heads (a uniform head would score" in printed
    assert printed.count("   layer ") == 6  # the three best of each kind
    assert printed.count("first copy") == 3 and "without the 5 best induction heads" in printed
    assert namespace["found"]["ids"].size == 81 and namespace["found"]["ids"][0] == namespace["gpt2"].vocab[
        "<|endoftext|>"]


def test_lesson_08_counts_gpt2_small_from_its_config():
    (cell,) = cells("08_gpt3_parameters", ["gpt2-config"])
    line = "parameters from config.json: 124,439,808; the same as the preset's count: True"
    assert line in stored_text(cell)
    assert "124" not in cell.source  # computed, not typed


@pytest.mark.parametrize("lesson", ["08_gpt3_parameters", "09_tiny_gpt"])
def test_student_copies_have_the_cells_too(lesson):
    from attnlab.paths import NOTEBOOKS_DIR

    ids = {c.id for c in nbformat.read(NOTEBOOKS_DIR / f"{lesson}.ipynb", as_version=4).cells}
    wanted = ({"gpt2-config-md", "gpt2-config"} if lesson.startswith("08")
              else {*SECTION, "gpt2-00", "self-test"})
    assert wanted <= ids
