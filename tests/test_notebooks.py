"""The course's notebooks: generated from solutions/, in sync, and their checks say the right thing.

Strict nbval (run by `make test` on notebooks/ and solutions/) proves the stored outputs are what
the notebooks produce today; these tests prove notebooks/ is what the generator makes of
solutions/, and that solutions pass their checks while student copies start unimplemented.
"""

import json
import shutil

import nbformat
import pytest

from attnlab.course.authoring import build, out_of_sync, strip_hidden_tests, strip_solutions, student_copy
from attnlab.course.outputs import WIDGET_VIEW, keep_unchanged
from attnlab.paths import NOTEBOOKS_DIR, SOLUTIONS_DIR

SOLUTIONS = sorted(SOLUTIONS_DIR.glob("*.ipynb"))


def check_cells(nb):
    """The cells that grade code (a written answer's cell is graded too, by hand: not a check)."""
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
            and not c.metadata.nbgrader.get("solution")]


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


# --- regenerating without churn ---------------------------------------------------------------------

CHURN_LESSON = "06_multi_head"  # widgets (the head gallery), a timing, MiniLM: everything that churned


@pytest.mark.slow
def test_regenerating_an_unchanged_lesson_reproduces_both_files_byte_for_byte(tmp_path):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    name = f"{CHURN_LESSON}.ipynb"
    # all lessons: its "Your code, a real model" section reads the saved lessons beside it
    shutil.copytree(SOLUTIONS_DIR, solutions)
    shutil.copytree(NOTEBOOKS_DIR, notebooks)
    build(CHURN_LESSON, solutions=solutions, notebooks=notebooks)
    for committed, rebuilt in ((SOLUTIONS_DIR / name, solutions / name),
                               (NOTEBOOKS_DIR / name, notebooks / name)):
        assert rebuilt.read_bytes() == committed.read_bytes(), f"regenerating {committed} changed it"


@pytest.mark.parametrize("path", SOLUTIONS + sorted(NOTEBOOKS_DIR.glob("*.ipynb")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_widget_state_is_stored_and_no_notebook_is_large(path):
    text = path.read_text()
    assert len(text.encode()) < 500_000, f"{path.name} is {len(text.encode()) / 1e3:.0f} kB"
    nb = json.loads(text)
    assert "widgets" not in nb["metadata"]
    assert WIDGET_VIEW not in text


def test_unchanged_outputs_are_kept_and_changed_ones_replaced():
    def cell(source, text):
        c = nbformat.v4.new_code_cell(source)
        c.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        return c

    stored = nbformat.v4.new_notebook(cells=[cell("a", "took 0x7f12ab34cd s"), cell("b", "1\n"),
                                             cell("# NBVAL_IGNORE_OUTPUT\nc", "12 ms")])
    fresh = nbformat.from_dict(stored)
    fresh.cells[0].outputs[0].text = "took 0x7fffffff00 s"  # equal under the sanitizer: kept
    fresh.cells[1].outputs[0].text = "2\n"  # a real change: replaced
    fresh.cells[2].outputs[0].text = "15 ms"  # nbval ignores it: kept
    kept = keep_unchanged(fresh, stored)
    assert [c.outputs[0].text for c in kept.cells] == ["took 0x7f12ab34cd s", "2\n", "12 ms"]


def test_a_picture_is_kept_until_its_cell_changes():
    """nbval does not compare images, so a new PNG alone is no change; an edited cell stores the new one."""
    def picture(source, png):
        c = nbformat.v4.new_code_cell(source, id="picture")
        data = {"image/png": png, "text/plain": "<Figure>"}
        c.outputs = [nbformat.v4.new_output("display_data", data=data)]
        return nbformat.v4.new_notebook(cells=[c])

    assert keep_unchanged(picture("plot()", "BBB"), picture("plot()", "AAA")).cells[0].outputs[0].data[
        "image/png"] == "AAA"
    assert keep_unchanged(picture("plot(x)", "BBB"), picture("plot()", "AAA")).cells[0].outputs[0].data[
        "image/png"] == "BBB"
