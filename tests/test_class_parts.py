"""The parts of attnlab-grade's class options, each alone: late rules, LMS names, the roster."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from attnlab.course import intake, late, roster


@pytest.mark.parametrize(("rule", "late_s", "off"), [
    ("10%/day", 1.0, 0.3),  # a second late is a started day
    ("10%/day", 26 * 3600, 0.6),
    ("10%/day", 0.0, 0.0),
    ("50%", 3 * 86400, 1.5),  # once, however late
    ("100%", 1.0, 2.0),  # never more than was earned
    ("5%/hour", 90 * 60, 0.3),
])
def test_penalty_rules(rule, late_s, off):
    assert late.Penalty.parse(rule).points_off(late_s, max_points=3, earned=2) == pytest.approx(off)


@pytest.mark.parametrize("bad", ["10", "10%/week", "150%", "ten%", "-5%"])
def test_a_rule_that_cannot_be_read_says_so(bad):
    with pytest.raises(ValueError, match="--late-penalty"):
        late.Penalty.parse(bad)


def test_times_as_nbgrader_writes_them_and_as_people_type_them():
    assert late.parse_time("2026-12-01 10:00:00.123456 UTC") == datetime(2026, 12, 1, 10, 0, 0, 123456, UTC)
    assert late.parse_time("2026-12-01 11:00 +01:00") == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert late.parse_time("2026-12-01T10:00") == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="cannot read the time"):
        late.parse_time("next tuesday-ish 99")


def test_nbgraders_duedate_and_timestamp_make_a_submission_late(tmp_path):
    with sqlite3.connect(tmp_path / "gradebook.db") as con:
        con.execute("CREATE TABLE assignment (name TEXT, duedate DATETIME)")
        con.execute("INSERT INTO assignment VALUES ('03_softmax', '2026-12-01 10:00:00.000000')")
    folder = tmp_path / "submitted" / "carol" / "03_softmax"
    folder.mkdir(parents=True)
    (folder / "03_softmax.ipynb").write_text("{}")
    (folder / "timestamp.txt").write_text("2026-12-02 10:30:00.000000 UTC")
    deadline = late.nbgrader_duedate(tmp_path / "submitted", "03_softmax")
    assert deadline == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    when, seconds = late.lateness(folder / "03_softmax.ipynb", deadline, False, None)
    assert when.startswith("2026-12-02T10:30") and seconds == 24.5 * 3600
    assert late.nbgrader_duedate(tmp_path / "submitted", "04_masking") is None
    assert late.lateness(folder / "03_softmax.ipynb", None, False, None)[1] == 0  # no deadline: on time


def test_a_canvas_late_mark_without_a_time_is_one_period():
    rule = late.Penalty.parse("10%/day")
    assert late.lateness(late.Path("/nowhere.ipynb"), None, True, rule)[1] == 86400
    assert late.lateness(late.Path("/nowhere.ipynb"), None, False, rule)[1] == 0


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}")
    return path


def test_lms_names_map_to_roster_ids(tmp_path):
    who = {"12345": roster.Student("12345", "Dana Carter"), "erin": roster.Student("erin", "Erin Example"),
           "dave": roster.Student("dave", "Dave Smith")}
    _touch(tmp_path / "carterdana_12345_100_03_softmax.ipynb")
    _touch(tmp_path / "carterdana_LATE_12345_200_03_softmax-1.ipynb")  # resubmitted, late: this counts
    _touch(tmp_path / "Example, Erin - 03_softmax.ipynb")
    _touch(tmp_path / "Dave Smith_4242_assignsubmission_file_" / "03_softmax.ipynb")
    _touch(tmp_path / "Zed Unknown - 03_softmax.ipynb")
    (tmp_path / "notes.txt").write_text("not a submission")
    found = intake.find(tmp_path, "03_softmax", who).found
    assert set(found) == {"12345", "erin", "dave", "Zed Unknown"}
    assert found["12345"].path.name.startswith("carterdana_LATE_") and found["12345"].late_by_lms
    assert found["12345"].name == "Dana Carter"  # the roster's name over Canvas's login
    assert found["dave"].path.parent.name.startswith("Dave Smith_4242")


def test_a_missing_student_keeps_the_folders_layout(tmp_path):
    _touch(tmp_path / "alice" / "03_softmax" / "03_softmax.ipynb")
    students = {"alice": roster.Student("alice"), "erin": roster.Student("erin")}
    found = intake.find(tmp_path, "03_softmax", students).found
    assert found["erin"].path == tmp_path / "erin" / "03_softmax" / "03_softmax.ipynb"
    flat = tmp_path / "flat"
    _touch(flat / "alice.ipynb")
    missing = intake.find(flat, "03_softmax", {"erin": roster.Student("erin")}).found["erin"]
    assert missing.path == flat / "erin.ipynb"


def test_rosters_plain_or_csv(tmp_path):
    (tmp_path / "plain.txt").write_text("alice\nbob\n\n")
    assert list(roster.read_roster(tmp_path / "plain.txt")) == ["alice", "bob"]
    (tmp_path / "r.csv").write_text("\ufeffid,name,section\nalice,Alice Adams,A\n,Nobody,B\n")
    r = roster.read_roster(tmp_path / "r.csv")
    assert list(r) == ["alice"] and r["alice"].section == "A" and r["alice"].sis_user_id == ""
    (tmp_path / "bad.csv").write_text("student,name\nalice,Alice\n")
    with pytest.raises(ValueError, match="'id' column"):
        roster.read_roster(tmp_path / "bad.csv")
