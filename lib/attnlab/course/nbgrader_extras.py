"""nbgrader, the course's way: an export with a column per exercise, and feedback pages that name
each check and wrap long lines.

In ``nbgrader_config.py`` (docs/instructors.md shows the whole file)::

    from attnlab.course.nbgrader_extras import use_course_feedback
    use_course_feedback(c)
    c.ExportApp.plugin_class = "attnlab.course.nbgrader_extras.PerExerciseExport"

``nbgrader export`` then writes, besides nbgrader's columns (its ``score`` is after nbgrader's late
penalty), the points of every graded cell (``03_softmax:check_stable_softmax``…) — a written answer's
(``03_softmax:softmax_in_words``) as the formgrader graded it, blank while it waits for a grader
(nbgrader's own ``score`` counts it 0 until then). The feedback
template (``etc/nbgrader/attnlab_feedback``) extends nbgrader's own: the contents list each check by
its exercise (``stable_softmax``, not "Test cell" three times) and output lines wrap instead of being
cut off in a box that does not scroll.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from attnlab.paths import ROOT

TEMPLATES = ROOT / "etc" / "nbgrader"


def use_course_feedback(c) -> None:
    """Point nbgrader's ``generate_feedback`` at the course's template (and nbgrader's, under it)."""
    import nbgrader

    nbgrader_templates = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader" / "templates"
    c.HTMLExporter.template_name = "attnlab_feedback"
    c.HTMLExporter.extra_template_basedirs = [str(TEMPLATES), str(nbgrader_templates)]
    # The course's template extends 'feedback/index.html.j2': nbconvert finds it below a Jupyter
    # data folder (this process only), the way nbgrader's own extends nbconvert's classic template.
    paths = os.environ.get("JUPYTER_PATH", "").split(os.pathsep)
    if str(nbgrader_templates) not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([p for p in paths if p] + [str(nbgrader_templates)])


def _plugin_base():
    from nbgrader.plugins import ExportPlugin

    return ExportPlugin


class PerExerciseExport(_plugin_base()):
    """nbgrader's export with a column per graded cell of each assignment."""

    def export(self, gradebook) -> None:
        from nbgrader.api import MissingEntry

        dest = self.to or "grades.csv"
        wanted = {str(a) for a in self.assignment}
        assignments = [a for a in gradebook.assignments if not wanted or a.name in wanted]
        cells = {a.name: [(nb.name, cell.name) for nb in a.notebooks for cell in nb.grade_cells]
                 for a in assignments}
        head = ["assignment", "duedate", "timestamp", "student_id", "raw_score", "late_submission_penalty",
                "score", "max_score", *sorted({f"{n}:{c}" for a in cells.values() for n, c in a})]
        rows = []
        for a in assignments:
            for student in gradebook.students:
                row = {"assignment": a.name, "duedate": a.duedate or "", "student_id": student.id,
                       "max_score": a.max_score}
                try:
                    sub = gradebook.find_submission(a.name, student.id)
                except MissingEntry:
                    row.update(timestamp="", raw_score=0.0, late_submission_penalty=0.0, score=0.0)
                else:
                    penalty = sub.late_submission_penalty or 0.0
                    row.update(timestamp=sub.timestamp or "", raw_score=sub.score,
                               late_submission_penalty=penalty, score=sub.score - penalty)
                    for nb_name, cell in cells[a.name]:
                        grade = gradebook.find_grade(cell, nb_name, a.name, student.id)
                        # a written answer the formgrader has not graded yet: blank, never 0
                        row[f"{nb_name}:{cell}"] = "" if grade.needs_manual_grade else grade.score
                rows.append(row)
        self.log.info("Exporting grades, a column per graded cell, to %s", dest)
        temporary = f"{dest}.{os.getpid()}.tmp"
        with open(temporary, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, head, restval="")
            writer.writeheader()
            writer.writerows(rows)
        os.replace(temporary, dest)
