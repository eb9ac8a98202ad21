"""Every student found, and nobody else's file counted for them (issue 20, item 6): the parts.

The submissions folder as a messy class leaves it — non-Latin names, a macOS download's decomposed
"Zoë", logins and e-mails for names, links to a classmate's file or to the solutions, a pipe, a
folder named like a notebook, two files for one student, a Canvas name whose id and login point at
different students — read by :func:`attnlab.course.intake.find` (tests/test_intake_cli.py grades
the same kind of class through the real command line).
"""

from __future__ import annotations

import os
import unicodedata

import pytest

from attnlab.course import intake, roster

LESSON = "03_softmax"
ROSTER = """id,name,login,email
1001,王伟,wwang,wang.wei@uni.example
1002,李娜,lna,li.na@uni.example
1003,Иван Петров,iivanov,ivan.petrov@uni.example
1004,Zoë Li,zli,zoe.li@uni.example
1005,Zoé Li,zli2,zoe.li2@uni.example
1006,Bob Brown,bbrown,bob@uni.example
1007,Mallory Moss,mmoss,mallory@uni.example
1008,Gina Green,ggreen,gina@uni.example
"""


def _touch(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def students(tmp_path):
    (tmp_path / "roster.csv").write_text(ROSTER)
    return roster.read_roster(tmp_path / "roster.csv")


def test_names_are_matched_after_nfc_and_casefold_never_slugged(tmp_path, students):
    folder = tmp_path / "in"
    _touch(folder / f"王伟 - {LESSON}.ipynb")
    _touch(folder / f"李娜 - {LESSON}.ipynb")
    _touch(folder / f"иван петров - {LESSON}.ipynb")  # lower case: case folded
    _touch(folder / f"{unicodedata.normalize('NFD', 'Zoë Li')} - {LESSON}.ipynb")  # as macOS writes it
    _touch(folder / f"Zoé Li - {LESSON}.ipynb")
    got = intake.find(folder, LESSON, students)
    files = {sid: one.path.name for sid, one in got.found.items() if one.path.exists()}
    assert set(files) == {"1001", "1002", "1003", "1004", "1005"}
    assert files["1005"].startswith("Zoé") and unicodedata.normalize("NFC", files["1004"]).startswith("Zoë")
    assert not any("fits" in w or "no student" in w for w in got.warnings), got.warnings


def test_a_roster_matches_on_id_login_email_and_the_lessons_name_after_it(tmp_path, students):
    folder = tmp_path / "in"
    _touch(folder / "iivanov.ipynb")  # a login
    _touch(folder / "li.na@uni.example.ipynb")  # an e-mail
    _touch(folder / "1001.ipynb")  # an id
    _touch(folder / f"bbrown_{LESSON}.ipynb")  # a login, then the lesson's name
    _touch(folder / "mallory" / LESSON / f"{LESSON}.ipynb")  # nbgrader's folder: the e-mail's local part
    found = intake.find(folder, LESSON, students).found
    handed_in = {sid for sid, one in found.items() if one.path.exists()}
    assert handed_in == {"1003", "1002", "1001", "1006", "1007"}


def test_links_folders_and_special_files_are_refused_with_a_note(tmp_path, students):
    folder = tmp_path / "in"
    bob = _touch(folder / "bbrown.ipynb", '{"cells": []}')
    secret = _touch(tmp_path / "solutions" / f"{LESSON}.ipynb", "the answers")
    (folder / "mmoss.ipynb").symlink_to(bob)  # a classmate's file
    (folder / "ggreen.ipynb").symlink_to(secret)  # the solutions
    os.mkfifo(folder / "zli.ipynb")  # a pipe: reading it would hang the grader
    (folder / "lna.ipynb").mkdir()  # a folder named like a notebook
    (folder / "wwang" / LESSON).mkdir(parents=True)  # nbgrader's layout, the lesson folder a link
    (folder / "wwang" / LESSON / f"{LESSON}.ipynb").symlink_to(secret)
    got = intake.find(folder, LESSON, students)
    staged = got.stage(tmp_path / "staged")
    refused = {sid: one.refused for sid, one in got.found.items() if one.refused}
    assert set(refused) == {"1007", "1008", "1004", "1002", "1001"}, refused
    assert "symbolic link" in refused["1007"] and "symbolic link" in refused["1008"]
    assert "special file" in refused["1004"] and "folder" in refused["1002"]
    assert staged["1006"].read_text() == '{"cells": []}'  # Bob's own copy
    for sid in refused:
        assert not staged[sid].exists()  # nothing of a refused file is ever read
    assert all("the answers" not in p.read_text() for p in (tmp_path / "staged").iterdir())
    assert sum("refused" in w for w in got.warnings) == 5


def test_a_link_anywhere_below_the_folder_is_refused_when_the_file_is_opened(tmp_path, students):
    folder = tmp_path / "in"
    real = _touch(tmp_path / "elsewhere" / LESSON / f"{LESSON}.ipynb")
    (folder / "wwang").mkdir(parents=True)
    (folder / "wwang" / LESSON).symlink_to(real.parent)  # the lesson folder is a link
    got = intake.find(folder, LESSON, students)
    got.stage(tmp_path / "staged")
    assert "symbolic link" in got.found["1001"].refused


def test_two_files_a_stray_file_and_a_missing_student_are_each_warned(tmp_path, students):
    folder = tmp_path / "in"
    os.utime(_touch(folder / f"Bob Brown - {LESSON}.ipynb"), (1e9, 1e9))  # the older file
    _touch(folder / "bbrown.ipynb")
    _touch(folder / "stranger.ipynb")
    _touch(folder / "notes.txt")
    got = intake.find(folder, LESSON, students)
    text = "\n".join(got.warnings)
    assert "1006: 2 files" in text and "; bbrown.ipynb is graded" in text
    assert "stranger.ipynb: no student on the roster fits it — graded as 'stranger'" in text
    assert "1008 (Gina Green): no file handed in" in text
    assert "notes.txt: not a notebook" in text
    assert got.found["stranger"].path.name == "stranger.ipynb"


def test_a_canvas_name_whose_id_and_login_disagree_is_credited_to_neither(tmp_path, students):
    folder = tmp_path / "in"
    _touch(folder / f"mmoss_1006_900_{LESSON}.ipynb")  # Mallory's login with Bob's id
    got = intake.find(folder, LESSON, students)
    assert not got.found["1006"].path.exists() and not got.found["1007"].path.exists()
    assert any("credited to neither" in w for w in got.warnings)


def test_a_canvas_file_carrying_a_classmates_id_never_replaces_theirs_silently(tmp_path, students):
    folder = tmp_path / "in"
    _touch(folder / f"brownbob_1006_100_{LESSON}.ipynb")
    _touch(folder / f"brownbob_1006_999_{LESSON}.ipynb")  # a higher submission number
    got = intake.find(folder, LESSON, students)
    assert got.found["1006"].path.name == f"brownbob_1006_999_{LESSON}.ipynb"
    dropped = f"brownbob_1006_100_{LESSON}.ipynb"
    assert any(w.startswith("1006: 2 files") and dropped in w for w in got.warnings)


def test_a_name_that_fits_two_students_is_credited_to_neither(tmp_path):
    (tmp_path / "r.csv").write_text("id,name\n1,Li Wei\n2,Li Wei\n")
    _touch(tmp_path / "in" / f"Li Wei - {LESSON}.ipynb")
    got = intake.find(tmp_path / "in", LESSON, roster.read_roster(tmp_path / "r.csv"))
    assert not any(one.path.exists() for one in got.found.values())
    assert any("fits 2 students" in w for w in got.warnings)


def test_without_a_roster_each_file_is_its_own_student_and_case_never_splits_one(tmp_path):
    _touch(tmp_path / "王伟.ipynb")
    _touch(tmp_path / "李娜.ipynb")
    _touch(tmp_path / "Bob.ipynb")
    _touch(tmp_path / "bob.ipynb")
    got = intake.find(tmp_path, LESSON, {})
    assert set(got.found) == {"王伟", "李娜", "Bob"}
    assert any("2 files" in w for w in got.warnings)


@pytest.mark.parametrize("ids", [
    ["bob", "bob.graded", "Bob", "BOB"],
    ["王伟", "李娜", "Иван Петров", "Zoë Li", "Zoé Li", unicodedata.normalize("NFD", "Zoë Li") + " "],
    ["a/b", "a-b", "a b", "..", ".", "con", "CON", "=1+2", "'=1+2"],
])
def test_evidence_and_feedback_file_names_cannot_collide(ids):
    names = [roster.file_name(s) for s in ids]
    assert len({n.casefold() for n in names}) == len(ids)  # distinct even on a case-insensitive disk
    for name in names:
        assert "/" not in name and name not in (".", "..") and not name.startswith(".")


def test_every_id_and_warning_made_from_a_file_name_is_printable_text(tmp_path):
    """Bytes that are not UTF-8 (sqlite and the CSVs cannot hold them), a terminal's escape
    sequence, a right-to-left override: each student is found, under an id any output can hold."""
    folder = os.fsencode(tmp_path)
    for name in (b"\xff\xfe", b"\xfe\xff", b"esc\x1b[2J", "mal\u202elory".encode(), "Zoë 王伟".encode()):
        with open(folder + b"/" + name + b".ipynb", "wb"):
            pass
    got = intake.find(tmp_path, LESSON, {})
    assert set(got.found) == {r"\xff\xfe", r"\xfe\xff", r"esc\x1b[2J", r"mal\u202elory", "Zoë 王伟"}
    for sid, one in got.found.items():
        assert sid.isprintable() and one.path.exists()  # the id is text; the path is the file itself
        sid.encode("utf-8")
    for warning in got.warnings:
        assert warning.isprintable()


def test_a_roster_that_lists_an_id_twice_or_has_no_id_says_so(tmp_path):
    (tmp_path / "twice.csv").write_text("id,name\nbob,Bob\nBOB,Bob Again\n")
    with pytest.raises(ValueError, match="twice"):
        roster.read_roster(tmp_path / "twice.csv")
    (tmp_path / "canvas.csv").write_text("Student,ID,SIS User ID,SIS Login ID,Section\n"
                                         '    Points Possible,,,,\n"Brown, Bob",1006,S6,bbrown,A\n')
    canvas = roster.read_roster(tmp_path / "canvas.csv")  # Canvas's own export is a roster too
    assert list(canvas) == ["1006"] and canvas["1006"].sis_login_id == "bbrown"
    _touch(tmp_path / "in" / f"Bob Brown - {LESSON}.ipynb")
    assert intake.find(tmp_path / "in", LESSON, canvas).found["1006"].path.exists()
