"""CSV that a spreadsheet opens as text, never as a formula: defusedcsv's rule, by hand.

A cell a student can influence (a file name, a login, a note) that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is read by Excel, LibreOffice and Google Sheets as a formula; such
a cell gets a leading ``'`` (OWASP's advice, as ``defusedcsv`` does). Numbers stay numbers. Every
cell is capped at :data:`MAX_CELL` characters, far below Python's ``csv`` field limit (128 kB), so
any CSV reader reads the file.
"""

from __future__ import annotations

import csv
import re

MAX_CELL = 20_000
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def cell(value) -> str:
    """``value`` as a safe CSV cell."""
    text = "" if value is None else str(value)
    if len(text) > MAX_CELL:
        text = text[:MAX_CELL - 1] + "…"
    if text.startswith(_FORMULA) and not _NUMBER.match(text):
        text = "'" + text
    return text


class Writer:
    """``csv.writer`` whose every cell goes through :func:`cell`."""

    def __init__(self, f, **kwargs):
        self._writer = csv.writer(f, **kwargs)

    def writerow(self, row) -> None:
        self._writer.writerow([cell(v) for v in row])


def writer(f, **kwargs) -> Writer:
    return Writer(f, **kwargs)
