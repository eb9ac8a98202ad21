"""What a check found, as data: the verdict, the failing case, the catalogued mistake it recognised.

A check's line is written for the learner; its :class:`Diagnosis` is the same finding for a
machine — the class report counts mistakes by the catalogue's name and tells "not attempted" from
"wrong" without reading a sentence back. :class:`Named` is the string a comparison returns when
it recognised a catalogued mistake: the problem's text, with the mistake's name beside it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Diagnosis:
    """One check's finding. ``verdict``: ``pass`` | ``wrong`` (an answer, not the right one) |
    ``not attempted`` (the stub, or no function) | ``raised`` | ``timeout`` | ``recursion`` |
    ``unreadable`` | ``lost`` | ``changed input`` | ``not a function`` | ``course answer`` (the
    course's function did the work)."""

    verdict: str
    case: int = 0  # the failing case, 1-based (0: none)
    label: str = ""  # that case's label, as the learner reads it
    mistake: str = ""  # the catalogued mistake the answer is (its name), "" for none
    error: str = ""  # what was raised (``NameError``), for verdict ``raised``

    @property
    def way(self) -> str:
        """How it went wrong, in a word or a name: the mistake, ``raised NameError``, the verdict."""
        if self.mistake:
            return self.mistake
        return f"{self.verdict} {self.error}" if self.error else self.verdict

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v}

    @classmethod
    def from_dict(cls, data) -> Diagnosis | None:
        """A stored diagnosis (``None`` for anything that is not one)."""
        if not isinstance(data, dict) or not isinstance(data.get("verdict"), str):
            return None
        case = data.get("case", 0)
        return cls(data["verdict"][:40], case if type(case) is int else 0,
                   str(data.get("label", ""))[:200], str(data.get("mistake", ""))[:200],
                   str(data.get("error", ""))[:60])


class Named(str):
    """A comparison's problem that recognised a catalogued mistake: ``.mistake`` is its name."""

    mistake: str = ""

    def __new__(cls, text: str, mistake: str = ""):
        self = super().__new__(cls, text)
        self.mistake = mistake
        return self


def name_of(says: str, longest: int = 90) -> str:
    """A catalogued mistake's name: the first clause of what it says (``"That skips the scale"``
    of ``"That skips the scale: divide the scores by √d_k …"``) — with the part it is about when
    the sentence starts with one (``"mlp: that is one of its two matrices"``, ``"the keys k_cache: the
    new key goes at the END"``)."""
    text = " ".join(says.split())
    cut = [i for i in (text.find(": "), text.find(" — "), text.find(". ")) if i > 0]
    first = min(cut) if cut else len(text)
    name = text[:first]
    rest = text[first:].lstrip(":—. ")
    about = rest.lower().startswith(("that ", "those ")) or len(name.split()) <= 3
    if text[first:first + 2] == ": " and about:
        more = [i for i in (rest.find(": "), rest.find(" — "), rest.find(". ")) if i > 0]
        name = f"{name}: {rest[:min(more) if more else len(rest)]}"
    name = name.rstrip(".")
    return name if len(name) <= longest else name[:longest - 1] + "…"
