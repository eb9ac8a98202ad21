"""The LMS files, read back with each platform's own import rules.

Canvas's rules are those of its public importer (``GradebookImporter``): a header whose first cell
holds "Student" and second "ID", SIS columns after it and "Section" as the last student column; a
row whose first cell holds "Points Possible" gives each column's points; ``ID`` is read with Ruby's
``to_i`` (so "alice" is user 0, nobody) and a row not found by ``ID`` is looked up by SIS User ID,
then SIS Login ID, then by name; a column named "Title (123)" fills assignment 123, any other column
matches an assignment by title or makes a new one; a blank cell (or "-") changes nothing.
Moodle maps one column to a user field (username, e-mail, ID number) and each lesson column to a
grade item; a blank cell is "no grade". Blackboard's upload matches rows by ``Username`` and a column
by its ``|id``; Gradescope's score upload matches by e-mail or SID.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
from argparse import Namespace
from pathlib import Path

import pytest

from attnlab.course import lms, rules
from attnlab.course.classbook import ClassBook, max_points
from attnlab.course.classroom import _SCHEMA as SUBMISSIONS
from attnlab.course.gradebook import _SCHEMA as ROWS

A, B = "03_softmax", "09_tiny_gpt"
ROSTER = """id,name,sis_user_id,sis_login_id,section,email,canvas_id
alice,Alice Adams,S001,aadams,A,alice@uni.example,1001
12345,Dana Carter,S003,dcarter,B,dana@uni.example,
bob,"Brown, Bob",S002,bbrown,A,bob@uni.example,1002
gina,Gina Green,S007,ggreen,A,gina@uni.example,1007
"""


def _book(tmp_path: Path) -> Path:
    """A gradebook: alice full marks in both; Dana late (10%/day, 26 h: 2 days); bob wrong in A and
    missing in B; gina missing in A and not graded in B (the grader failed)."""
    db = tmp_path / "gradebook.sqlite"
    con = sqlite3.connect(db)
    con.execute(ROWS)
    con.execute(SUBMISSIONS)
    top = {A: max_points(A), B: max_points(B)}
    rows = [(A, "alice", "graded", top[A]), (A, "12345", "graded", top[A]), (A, "bob", "graded", 1.0),
            (A, "gina", "missing", 0.0), (B, "alice", "graded", top[B]), (B, "bob", "missing", 0.0),
            (B, "gina", "not graded", 0.0)]
    for lesson, sid, status, points in rows:
        con.execute("INSERT INTO rows (lesson, student, digest, status, scores, notes, seconds, peak_mb, "
                    "graded_at) VALUES (?, ?, 'x', ?, ?, '[]', 1.0, 300, '2026-12-05T10:00:00')",
                    (lesson, sid, status, json.dumps({"all": points})))
    con.execute("INSERT INTO submissions VALUES (?, '12345', 'Dana Carter', 'f', 'x', 'v', "
                "'2026-12-05T01:59:00+00:00', 0, 0, 'now', 0)", (A,))
    rules.store(con, A, rules.Rules(deadline="2026-12-04T00:00:00+00:00", late_penalty="10%/day"))
    con.commit()
    con.close()
    return db


def _files(tmp_path: Path, missing_as_zero: bool = False, ids: str | None = None) -> dict[str, list]:
    (tmp_path / "roster.csv").write_text(ROSTER)
    if ids is not None:
        (tmp_path / "ids.csv").write_text(ids)
    args = Namespace(roster=tmp_path / "roster.csv", missing_as_zero=missing_as_zero,
                     assignment_ids=tmp_path / "ids.csv" if ids is not None else None,
                     **{p: tmp_path / f"{p}.csv" for p in lms.PLATFORMS})
    book = ClassBook.open(_book(tmp_path))
    try:
        lms.write_all(book, A, args, say=lambda *_: None)
    finally:
        book.close()
    out = {}
    for p in lms.PLATFORMS:
        with open(tmp_path / f"{p}.csv", newline="", encoding="utf-8") as f:
            out[p] = list(csv.reader(f))
    return out


# --- Canvas's importer, its rules as its public code has them -------------------------------------


def canvas_import(table: list[list[str]], users: list[dict], assignments: dict[int, str]):
    """What Canvas's gradebook import does with ``table``: {(user id, assignment): grade} and the
    titles of the assignments it would create."""
    head = table[0]
    assert len(head) > 3 and "Student" in head[0] and "ID" in head[1], "Invalid header row"
    columns = 3
    if re.search(r"SIS\s+User\s+ID", head[2]) and re.search(r"SIS\s+Login\s+ID", head[3]):
        columns += 2
    assert "Section" in head[columns - 1], "Invalid header row: the last student column is not Section"
    found, created, points = {}, [], {}
    targets = []
    for title in head[columns:]:
        m = re.match(r"^(.*) \((\d+)\)$", title)
        if m and int(m[2]) in assignments:
            targets.append(int(m[2]))
        elif title in assignments.values():
            targets.append(next(k for k, v in assignments.items() if v == title))
        else:
            created.append(title)
            targets.append(title)
    for row in table[1:]:
        if "Points Possible" in row[0]:
            points = dict(zip(targets, row[columns:], strict=True))
            continue
        by_id = {u["id"]: u for u in users}
        digits = re.match(r"^\s*\d+", row[1])
        user = by_id.get(int(digits[0]) if digits else 0)  # Ruby's to_i: "alice" is 0
        user = user or next((u for u in users if row[2] and u["sis_user_id"] == row[2]), None)
        user = user or next((u for u in users if row[3] and u["sis_login_id"] == row[3]), None)
        user = user or next((u for u in users if row[0] in (u["name"], u["sortable_name"])), None)
        assert user is not None, f"Canvas would make a new user for {row}"
        for target, grade in zip(targets, row[columns:], strict=True):
            if grade.strip() not in ("", "-"):  # blank: no change
                found[(user["id"], target)] = grade
    return found, created, points


_PEOPLE = [(1001, "Alice Adams", "S001", "aadams"), (12345, "Dana Carter", "S003", "dcarter"),
           (1002, "Bob Brown", "S002", "bbrown"), (1007, "Gina Green", "S007", "ggreen")]
CANVAS_USERS = [dict(id=i, name=n, sortable_name=", ".join(reversed(n.split())), sis_user_id=s,
                     sis_login_id=login) for i, n, s, login in _PEOPLE]


def test_canvas_reads_every_row_into_the_existing_assignments_and_leaves_missing_work_alone(tmp_path):
    table = _files(tmp_path, ids=f"lesson,canvas\n{A},4567\n{B},4568\n")["canvas"]
    assert table[0] == [*lms.CANVAS_HEAD, f"{A} (4567)", f"{B} (4568)"]
    assert all(not r[1] or r[1].isdigit() for r in table[2:])  # ID: Canvas's numeric user id, or blank
    grades, created, points = canvas_import(table, CANVAS_USERS, {4567: A, 4568: B})
    assert created == [] and points == {4567: f"{max_points(A):g}", 4568: f"{max_points(B):g}"}
    late = max_points(A) * (1 - 0.2)  # 26 h late, 10%/day: 2 started days
    assert grades[(12345, 4567)] == f"{late:g}"  # the total after the penalty
    assert grades[(1001, 4567)] == f"{max_points(A):g}" and grades[(1002, 4567)] == "1"
    assert (1007, 4567) not in grades and (1002, 4568) not in grades  # missing: blank, no change
    assert (1007, 4568) not in grades  # not graded (the grader failed): never a score


def test_canvas_without_ids_matches_by_title_and_missing_as_zero_writes_zero(tmp_path):
    table = _files(tmp_path, missing_as_zero=True)["canvas"]
    grades, created, _ = canvas_import(table, CANVAS_USERS, {77: A})
    assert created == [B]  # no id given and no such title: Canvas makes a new assignment (documented)
    assert grades[(1007, 77)] == "0" and grades[(1002, B)] == "0"
    assert (1007, B) not in grades  # not graded stays blank even so


def test_a_hub_username_never_goes_into_canvas_id(tmp_path):
    table = _files(tmp_path)["canvas"]
    rows = {r[2]: r for r in table[2:]}
    assert rows["S001"][1] == "1001" and rows["S003"][1] == "12345"
    assert rows["S002"][0] == "Brown, Bob"  # "Last, First" as the roster already wrote it


def test_moodle_blackboard_and_gradescope_have_their_formats_columns(tmp_path):
    files = _files(tmp_path, ids=f"lesson,blackboard\n{A},_123_1\n")
    moodle = files["moodle"]
    assert moodle[0] == lms.MOODLE_HEAD + [A, B]
    by_user = {r[0]: r for r in moodle[1:]}
    assert by_user["aadams"][1] == "alice@uni.example" and by_user["aadams"][2] == "S001"
    assert by_user["ggreen"][5] == "" and by_user["dcarter"][5] == f"{max_points(A) * 0.8:g}"
    board = files["blackboard"]
    assert board[0][:4] == lms.BLACKBOARD_HEAD
    assert board[0][4] == f"{A} [Total Pts: {max_points(A):g} Score] |_123_1"
    assert board[0][5] == f"{B} [Total Pts: {max_points(B):g} Score]"  # no id: a new column
    assert {r[2] for r in board[1:]} == {"aadams", "dcarter", "bbrown", "ggreen"}  # Username
    scope = files["gradescope"]
    assert scope[0] == lms.GRADESCOPE_HEAD
    dana = next(r for r in scope[1:] if r[3] == "dana@uni.example")
    assert dana[4] == f"{max_points(A) * 0.8:g}" and dana[7] == "25:59:00" and dana[6] == "Graded"
    gina = next(r for r in scope[1:] if r[3] == "gina@uni.example")
    assert gina[4] == "" and gina[6] == "Missing"


def test_an_assignment_id_that_is_not_a_number_is_refused(tmp_path):
    (tmp_path / "ids.csv").write_text(f"lesson,canvas\n{A},softmax\n")
    with pytest.raises(ValueError, match="not a number"):
        lms.read_assignment_ids(tmp_path / "ids.csv")


def test_a_changed_rule_reaches_every_output_at_once(tmp_path):
    db = _book(tmp_path)
    with sqlite3.connect(db) as con:
        rules.store(con, A, rules.Rules(deadline="2026-12-04T00:00:00+00:00", late_penalty="50%"))
    book = ClassBook.open(db)
    dana = {r.student: r for r in book.records(A)}["12345"]
    book.close()
    assert dana.points_off == pytest.approx(max_points(A) / 2)
    assert dana.late_s == pytest.approx(26 * 3600 - 60)
