"""Similar work as the class report shows it (HTML) and keeps it (``similar.csv``): identical
files, pairs of students with each side's similarity and the matching lines, pastes of the
course's source. The finding itself is :mod:`attnlab.course.similarity`'s."""

from __future__ import annotations

import html
from pathlib import Path

from attnlab.course import safecsv
from attnlab.course.similarity import FLAG, PASTE, Match, Similar

NOTE = ("Short exercises converge: two honest students may write the same few lines. A high "
        "similarity is a reason to look at the two notebooks side by side, never a verdict; byte-identical "
        "files are the same file handed in twice.")


def _lines(lines: list[str], most: int = 12) -> str:
    shown = "\n".join(lines[:most]) + ("\n…" if len(lines) > most else "")
    return f'<pre class="code">{html.escape(shown)}</pre>'


def _match_rows(matches: list[Match], names: dict[str, str], flagged: bool = False) -> str:
    rows = []
    for m in matches:
        flag = ' class="fail"' if m.flagged or flagged else ""
        a, b = (html.escape(names.get(x, x)) for x in (m.a, m.b))
        rows.append(f"<tr{flag}><td>{a}</td><td>{b}</td>"
                    f'<td class="n">{100 * m.similarity_a:.0f}% / {100 * m.similarity_b:.0f}%</td>'
                    f"<td>{_lines(m.lines_a)}</td><td>{_lines(m.lines_b)}</td></tr>")
    return "".join(rows)


def section(found: Similar, names: dict[str, str]) -> str:
    """The report's "Similar work" section; ``names``: student id -> how the report names them."""
    def who(s):
        return html.escape(f"{names.get(s, s)} ({s})" if names.get(s) else s)

    same = "".join(f"<li><b>{', '.join(who(s) for s in group)}</b> handed in byte-identical files</li>"
                   for group in found.identical) or "<li>none</li>"
    head = ("<tr><th>student</th><th>and</th><th>similarity (each side's share found in the other)</th>"
            "<th>matching lines</th><th>theirs</th></tr>")
    pairs = (f"<table>{head}{_match_rows(found.pairs, names)}</table>" if found.pairs
             else "<p>No two students' code is half similar or more.</p>")
    pastes = (f"<table>{head}{_match_rows(found.pastes, names, flagged=True)}</table>" if found.pastes
              else "<p>No exercise's code is mostly the course's own.</p>")
    flagged = sum(m.flagged for m in found.pairs)
    return (f'<h2 id="similar">Similar work</h2><p>{html.escape(NOTE)}</p>'
            f"<h3>Identical files (same SHA-256)</h3><ul>{same}</ul>"
            f"<h3>Near-identical code ({flagged} pair(s) at {100 * FLAG:.0f}% or more, in red)</h3>"
            "<p>Each student's exercise cells of this lesson without the starter code, compared by "
            "copydetect's fingerprints (names, strings and comments left out: renaming changes nothing).</p>"
            f"{pairs}<h3>The course's own source ({100 * PASTE:.0f}% or more of an exercise)</h3>{pastes}")


def write_csv(found: Similar, out: Path) -> None:
    """``similar.csv``: one row per identical group, pair and paste."""
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = safecsv.writer(f)
        writer.writerow(["kind", "student", "other", "similarity_student", "similarity_other", "flagged",
                         "matching_lines"])
        for group in found.identical:
            for other in group[1:]:
                writer.writerow(["identical file", group[0], other, "1.00", "1.00", "yes", ""])
        for kind, matches in (("similar code", found.pairs), ("course source", found.pastes)):
            for m in matches:
                writer.writerow([kind, m.a, m.b, f"{m.similarity_a:.2f}", f"{m.similarity_b:.2f}",
                                 "yes" if m.flagged or kind == "course source" else "no",
                                 " ⏎ ".join(line.strip() for line in m.lines_a)])


def for_report(book, lesson: str, evidence: Path | None, out: Path) -> tuple[str, list[str]]:
    """(the report's section, what to say on the terminal) for ``lesson``, ``similar.csv`` written
    into ``out``; ``evidence``: the grader's copies of the files (``<student>/submitted.ipynb``)."""
    from attnlab.course.roster import file_name
    from attnlab.course.similarity import find

    records = book.records(lesson)
    names = {r.student: r.name for r in records if r.name}

    def copy(r):
        kept = Path(evidence) / file_name(r.student) / "submitted.ipynb" if evidence else None
        return kept if kept is not None and kept.is_file() else None

    found = find(records, lesson, copy)
    write_csv(found, Path(out) / "similar.csv")
    said = [f"{lesson}: identical files handed in by {', '.join(group)}" for group in found.identical]
    said += [f"{lesson}: {m.a} and {m.b}: {100 * m.similarity:.0f}% similar code"
             for m in found.pairs if m.flagged]
    said += [f"{lesson}: {m.a}'s code is {100 * m.similarity_a:.0f}% {m.b}" for m in found.pastes]
    return section(found, names), said
