"""How a verdict line reads: its sign *and* a word, on one line a reader can take in.

``✅ pass · dot: all 5 cases pass.`` — ``❌ not yet · dot: case 1 of 5 …`` — ``⏳ to do · dot: not
implemented yet …``. The word says the verdict on a machine without an emoji font (where the sign
is an empty box) and to a screen reader; the sign stays first, so code that sorts lines by it still
can. :func:`text_of` takes both off again (the grader's reports group lines by what follows).

A line is at most :data:`LIMIT` characters: a longer one leaves its hint, or else its middle, to a
second line (:func:`detail`), shown below it.
"""

from __future__ import annotations

import re

PASS, NOT_YET, TO_DO = "✅ pass", "❌ not yet", "⏳ to do"
SIGNS = {"✅": PASS, "❌": NOT_YET, "⏳": TO_DO}
SEP = " · "
OK, NO, WAIT = PASS + SEP, NOT_YET + SEP, TO_DO + SEP  # a line's start: f"{OK}GPT-2 runs on your …"
LIMIT = 300
CUT = " … "
HINT = " Hint: "


def mark(passed: bool | None) -> str:
    """``✅ pass`` (True), ``❌ not yet`` (False) or ``⏳ to do`` (None: nothing to judge yet)."""
    return TO_DO if passed is None else (PASS if passed else NOT_YET)


def line(passed: bool | None, text: str) -> str:
    """The verdict line for ``text``: its mark, then the text on one line of at most :data:`LIMIT`."""
    return lines(passed, text)[0]


def lines(passed: bool | None, text: str) -> tuple[str, str]:
    """``(the verdict line, what it left out)``: see :func:`split` (the rest without the mark)."""
    first, rest = split(f"{mark(passed)}{SEP}{text}")
    return first, text_of(rest)


def one_line(text: str, limit: int = LIMIT) -> str:
    """``text`` on one line of at most ``limit`` characters (see :func:`split`)."""
    return split(text, limit)[0]


def detail(text: str, limit: int = LIMIT) -> str:
    """What :func:`one_line` left out of ``text`` (to show below it), or ``""`` when it all fits."""
    return split(text, limit)[1]


def split(text: str, limit: int = LIMIT) -> tuple[str, str]:
    """``(line, rest)``: ``text`` on one line of at most ``limit`` characters, and what it left out.

    A text too long loses its closing hint first (the hint becomes ``rest``: what is wrong matters
    more), then its case's label (``case 2 of 5: …``), then its middle at words — the start names
    the exercise and the case, the end says what went wrong — and ``rest`` is the whole text."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text, ""
    whole = text
    if HINT in text:
        short, hint = text.split(HINT, 1)
        if len(short) <= limit:
            return short, HINT.strip() + " " + hint
        text = short
    case = re.search(r"case \d+ of \d+ \(", text)
    label_end = _closing(text, case.end() - 1) if case else -1
    if case and label_end > 0:  # the case's label goes below before anything the learner must read
        short = text[: case.end() - 2] + text[label_end + 1:]
        if len(short) <= limit:
            return short, whole
        text = short
    room = limit - len(CUT)  # too long even so: the middle goes too
    label = text.find("): ") + 3  # "… case 2 of 5 (a masked score): " — where the case is said
    keep = label if 3 < label <= room // 2 else room // 3
    head, tail = text[:keep], text[-(room - keep):]
    head = head if keep == label or " " not in head[keep // 2:] else head.rsplit(" ", 1)[0] + " "
    tail = tail.split(" ", 1)[1] if " " in tail[: len(tail) // 2] else tail
    return head.rstrip() + CUT + tail, whole


def _closing(text: str, start: int) -> int:
    """The index of the ``)`` that closes ``text[start]`` (a case's label may hold parentheses itself:
    ``case 2 of 9 (a grid (2, 3): one softmax per row): …``) when ``": "`` follows it, else -1."""
    depth = 0
    for index in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[index], 0)
        if depth == 0:
            return index if text.startswith("): ", index) else -1
    return -1


def text_of(verdict: str) -> str:
    """A line without its sign and word: ``"dot: case 1 of 5 …"`` (an old line with a bare sign too)."""
    for sign, word in SIGNS.items():
        if verdict.startswith(word):
            return verdict[len(word):].removeprefix(SEP.rstrip()).lstrip()
        if verdict.startswith(sign):
            return verdict[len(sign):].lstrip()
    return verdict


def failed(verdict: str) -> bool:
    """Whether a line says "not yet"."""
    return verdict.startswith("❌")
