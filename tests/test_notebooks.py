"""The course's notebooks: generated from solutions/, in sync, and their checks say the right thing.

Strict nbval (run by `make test` on notebooks/ and solutions/) proves the stored outputs are what
the notebooks produce today; these tests prove notebooks/ is what the generator makes of
solutions/, and that solutions pass their checks while student copies start unimplemented.
"""

import json

import nbformat
import pytest

from attnlab.authoring import out_of_sync, strip_hidden_tests, strip_solutions, student_copy
from attnlab.paths import NOTEBOOKS_DIR, SOLUTIONS_DIR

SOLUTIONS = sorted(SOLUTIONS_DIR.glob("*.ipynb"))


def check_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def output_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        parts.append(out.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def test_there_are_notebooks_to_test():
    assert (SOLUTIONS_DIR / "00_start_here.ipynb").exists()
    assert len(SOLUTIONS) >= 1


def test_notebooks_are_generated_from_solutions():
    assert out_of_sync() == []


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solutions_pass_every_check_and_students_start_unimplemented(path):
    solution = nbformat.read(path, as_version=4)
    student = nbformat.read(NOTEBOOKS_DIR / path.name, as_version=4)
    assert check_cells(solution), f"{path.name} has no checked exercise"
    for cell in check_cells(solution):
        text = output_text(cell)
        assert text.startswith("✅"), f"{path.name} {cell.metadata.nbgrader.grade_id}: {text!r}"
    for cell in check_cells(student):
        text = output_text(cell)
        assert text.startswith("⏳"), f"{path.name} {cell.metadata.nbgrader.grade_id}: {text!r}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_every_exercise_is_followed_by_its_check(path):
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        if cell.metadata.get("nbgrader", {}).get("solution") and cell.cell_type == "code":
            following = cells[i + 1].metadata.get("nbgrader", {}) if i + 1 < len(cells) else {}
            assert following.get("grade"), f"{path.name}: exercise cell {i} has no check after it"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_notebooks_are_stored_clean(path):
    for nb_path in (path, NOTEBOOKS_DIR / path.name):
        nb = json.loads(nb_path.read_text())
        assert nb["metadata"]["kernelspec"]["name"] == "python3"
        for cell in nb["cells"]:
            assert "execution" not in cell.get("metadata", {}), f"{nb_path.name}: timestamps"
            for out in cell.get("outputs", []):
                assert out["output_type"] != "error", f"{nb_path.name} stores an error"
                assert "Traceback" not in str(out.get("text", "")), f"{nb_path.name}"


def test_strip_solutions_keeps_indentation_and_hides_tests():
    source = (
        "def f(x):\n"
        "    ### BEGIN SOLUTION\n"
        "    return x + 1\n"
        "    ### END SOLUTION\n"
        "\n"
        "check(f)\n"
        "### BEGIN HIDDEN TESTS\n"
        "assert check(f)\n"
        "### END HIDDEN TESTS\n"
    )
    stripped = strip_hidden_tests(strip_solutions(source))
    assert stripped == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\ncheck(f)"
    )
    assert strip_solutions("### BEGIN SOLUTION\nA mask.\n### END SOLUTION", "markdown") == (
        "YOUR ANSWER HERE"
    )


def test_student_copy_has_no_solution_left():
    for path in SOLUTIONS:
        student = student_copy(nbformat.read(path, as_version=4))
        text = "\n".join(c.source for c in student.cells)
        assert "### BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
