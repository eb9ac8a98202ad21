"""The rules a lesson is graded with: stored with it, kept by a regrade, changed only when told;
extensions; ``--out`` that never replaces another lesson's files."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from attnlab.course import classroom, rules


def _args(tmp_path: Path, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--roster", type=Path)
    parser.add_argument("--out", type=Path)
    classroom.add_arguments(parser)
    args = parser.parse_args(list(argv))
    args.submissions = tmp_path / "submitted"
    return args


def _class(tmp_path: Path, lesson: str = "03_softmax") -> classroom.Class:
    return classroom.Class(SimpleNamespace(name=lesson), None, tmp_path / "gradebook.sqlite")


def test_a_regrade_keeps_the_stored_rules_unless_told_otherwise(tmp_path):
    said = []
    first = _class(tmp_path).keep_rules(_args(tmp_path, "--deadline", "2026-12-04 23:59",
                                              "--late-penalty", "10%/day", "--partial"), said.append)
    assert first.late_penalty == "10%/day" and first.partial and not said
    again = _class(tmp_path).keep_rules(_args(tmp_path, "--student", "frank"), said.append)
    assert again == first
    assert "late penalty 10%/day" in said[0] and "deadline 2026-12-04T23:59:00+00:00" in said[0]
    told = _args(tmp_path, "--late-penalty", "none", "--no-partial")
    changed = _class(tmp_path).keep_rules(told, said.append)
    assert changed.late_penalty == "" and not changed.partial and changed.deadline == first.deadline
    assert _class(tmp_path).keep_rules(_args(tmp_path), said.append).late_penalty == ""  # stays removed
    other = _class(tmp_path, "09_tiny_gpt").keep_rules(_args(tmp_path), said.append)
    assert other == rules.Rules()  # another lesson has rules of its own


def test_extensions_from_the_roster_and_from_a_file(tmp_path):
    (tmp_path / "roster.csv").write_text("id,name,extension\nfrank,Frank F,2d\ngina,Gina G,\nhal,Hal H,"
                                         "2026-12-10 12:00\n")
    (tmp_path / "ext.csv").write_text("student,extension\ngina,36h\n")
    given = _args(tmp_path, "--roster", str(tmp_path / "roster.csv"),
                  "--extensions", str(tmp_path / "ext.csv"),
                  "--deadline", "2026-12-04 00:00", "--late-penalty", "10%/day")
    kept = _class(tmp_path).keep_rules(given, print)
    assert kept.deadline_for("frank") == datetime(2026, 12, 6, tzinfo=UTC)
    assert kept.deadline_for("gina") == datetime(2026, 12, 5, 12, tzinfo=UTC)
    assert kept.deadline_for("hal") == datetime(2026, 12, 10, 12, tzinfo=UTC)
    assert kept.deadline_for("ivy") == datetime(2026, 12, 4, tzinfo=UTC)
    on_time = rules.lateness(kept, "frank", "2026-12-05T20:00:00+00:00", False, 3, 3)
    late = rules.lateness(kept, "ivy", "2026-12-05T20:00:00+00:00", False, 3, 3)
    assert on_time.points_off == 0 and late.points_off == pytest.approx(0.6)
    by_canvas = rules.lateness(kept, "frank", "", True, 3, 3)  # Canvas's LATE mark: still late
    assert by_canvas.late_s == 86400 and by_canvas.points_off == pytest.approx(0.3)


def test_an_extension_that_cannot_be_read_is_refused(tmp_path):
    (tmp_path / "ext.csv").write_text("student,extension\nfrank,a fortnight\n")
    with pytest.raises(ValueError, match="frank"):
        _class(tmp_path).keep_rules(_args(tmp_path, "--extensions", str(tmp_path / "ext.csv")), print)


def test_out_keeps_every_lesson_in_one_gradebook_and_never_takes_another_lessons_file(tmp_path):
    out, db = classroom.resolve_out(tmp_path / "partial" / "03_softmax.csv", "03_softmax")
    assert db == tmp_path / "partial" / "gradebook.sqlite"
    for bad in ("all-lessons.csv", "gradebook.sqlite", "grades.txt"):
        with pytest.raises(ValueError, match="--out"):
            classroom.resolve_out(tmp_path / bad, "03_softmax")
    (tmp_path / "partial").mkdir()
    _class(tmp_path / "partial").keep_rules(_args(tmp_path, "--out", str(out)), print)
    with pytest.raises(ValueError, match="03_softmax's gradebook CSV"):
        _class(tmp_path / "partial", "09_tiny_gpt").keep_rules(_args(tmp_path, "--out", str(out)), print)
