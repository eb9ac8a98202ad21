"""A CSV that Canvas's gradebook import accepts (``attnlab-grade --canvas FILE``).

The columns are those of Canvas's own gradebook export — ``Student, ID, SIS User ID, SIS Login ID,
Section`` — then one column per lesson in the gradebook (points after any late penalty), and, like
Canvas's export, a ``Points Possible`` row first. Canvas matches a row by ``ID`` (its user id) or
``SIS User ID``/``SIS Login ID``, so give the roster those columns (``id`` = the Canvas user id, as in
Canvas's download names ``smithdave_12345_…``); ``Student`` is "Last, First" as Canvas writes it.
A lesson column whose name Canvas does not know becomes a new assignment on import.
"""

from __future__ import annotations

from pathlib import Path

from attnlab.course import safecsv
from attnlab.course.classbook import ClassBook, lesson_exercises
from attnlab.course.roster import Student
from attnlab.course.submission import NOT_GRADED

HEAD = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def last_first(name: str) -> str:
    """ "Dave Smith" -> "Smith, Dave" (a name that has a comma already stays as it is)."""
    parts = name.split()
    if "," in name or len(parts) < 2:
        return name
    return f"{parts[-1]}, {' '.join(parts[:-1])}"


def write_csv(book: ClassBook, students: dict[str, Student], out: Path) -> None:
    """Every student in the gradebook or the roster, a column per graded lesson."""
    lessons = book.lessons()
    by = {lesson: {r.student: r for r in book.records(lesson)} for lesson in lessons}
    everyone = sorted(set(students) | {s for rows in by.values() for s in rows})
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = safecsv.writer(f)
        writer.writerow(HEAD + lessons)
        writer.writerow(["    Points Possible", "", "", "", ""]
                        + [f"{sum(ex.points for ex in lesson_exercises(lesson)):g}" for lesson in lessons])
        for sid in everyone:
            who = students.get(sid, Student(sid))
            named = [rows[sid].name for rows in by.values() if sid in rows and rows[sid].name]
            name = who.name or (named[0] if named else sid)
            scores = ["" if sid not in by[lesson] or by[lesson][sid].status == NOT_GRADED  # no score, not 0
                      else f"{by[lesson][sid].total:g}" for lesson in lessons]
            writer.writerow([last_first(name), sid, who.sis_user_id, who.sis_login_id, who.section, *scores])
