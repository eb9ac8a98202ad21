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


def pytest_collection_modifyitems(items):
    for item in items:
        file = item.nodeid.split("::")[0].rsplit("/", 1)[-1]
        names = set(getattr(item, "fixturenames", ())) | {item.nodeid}
        if any(f == file and any(part in n for n in names) for f, part in SLOW):
            item.add_marker(pytest.mark.slow)
