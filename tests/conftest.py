"""Every test and every notebook kernel nbval starts sees a machine without a fetched GPT-2
(``attnlab.models.hub.IGNORE``): stored outputs are the same whatever a developer fetched. The tests
of the GPT-2 path lay out their own checkpoints and lift it (``gpt2_checkpoints.pretend_fetched``)."""

import os

import pytest

os.environ.setdefault("ATTNLAB_IGNORE_FETCHED", "1")

# Tests marked slow here rather than in their files (which their owners keep): each runs a real
# class, training or make. `make check` leaves out every slow test; `make test` runs them all.
# (file, a fragment of the test's id or the name of a fixture it uses) -> what it costs.
# docs/authoring.md ("Tests: fast and slow") lists them with the tests marked in their own files.
SLOW = {
    ("test_check_table.py", "check_train"): "trains the solution's GPT (20-50 s)",
    ("test_checks_own_gpt.py", "test_train_"): "trains GPTs to name a training slip (about 30 s)",
    ("test_check_table.py", "check_greedy_generate"): "generates with the solution's GPT (about 20 s)",
    ("test_bench.py", "test_quick_bench"): "a quick make bench (about 50 s)",
    ("test_grading.py", "gradebook"): "grades a class of submissions in the sandbox once (about 25 s)",
    ("test_class.py", "graded"): "grades a class folder in the sandbox once (about 25 s)",
    ("test_make_lab.py", "make_lab"): "runs make lab against the venv (about 10 s)",
    ("test_site.py", "built"): "builds the whole site with Sphinx (about 20 s)",
}


# The files that take longest under `make test`, heaviest first (seconds on one worker, a fresh clone,
# 2026-12-03 at load 2–5; the unlisted ones take under 20 s each). The run starts with them, so its end
# is the short files and the lessons filling both workers, not one worker left with a 3-minute file
# (make test passes --no-loadscope-reorder: xdist's own order puts the files with most tests first).
HEAVIEST_FIRST = (
    "test_instructors_doc.py",  # 213: docs/instructors.md walked command by command
    "test_authoring_recipe.py",  # 168: the recipe, make lesson, nbgrader and attnlab-grade on a copy
    "test_grading_hostile.py",  # ~150: the hostile corpus in the sandbox
    "test_nbgrader.py",  # 90: generate_assignment of every lesson, two autogrades
    "test_grading_limits.py",  # 70
    "test_grading.py",  # ~60: every lesson's solution through the sandbox
    "test_llama.py",  # 56: transformers loads SmolLM2's GGUF
    "test_wheel.py",  # ~50: a wheel in a fresh venv, lessons 00-03 under nbval
    "test_first_hour.py",  # ~75 (2026-12-04, load 2-4): make lab, lessons 00, 03, 06, 12 in Chromium
    "test_jupyterhub.py",  # 42
    "test_intake_cli.py", "test_browser.py", "test_bench.py", "test_fetch.py", "test_site.py",  # 30 each
    "test_feedback_pages.py", "test_class.py", "test_models.py", "test_fresh_mistakes_2.py",
    "test_grading_outputs.py", "test_positional.py", "test_similarity.py", "test_solutions_kernels.py",
)


def heaviest_first(item) -> int:
    file = item.nodeid.split("::")[0].rsplit("/", 1)[-1]
    return HEAVIEST_FIRST.index(file) if file in HEAVIEST_FIRST else len(HEAVIEST_FIRST)


def pytest_collection_modifyitems(items):
    items.sort(key=heaviest_first)  # stable: every file keeps its own order
    for item in items:
        file = item.nodeid.split("::")[0].rsplit("/", 1)[-1]
        names = set(getattr(item, "fixturenames", ())) | {item.nodeid}
        if any(f == file and any(part in n for n in names) for f, part in SLOW):
            item.add_marker(pytest.mark.slow)
