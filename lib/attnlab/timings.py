"""Timings a sentence can stand behind: medians of interleaved repeats, ratios with their spread,
and the sentence about speed written *from* the measurement, never typed beside it.

    t = timings.measure({"naive": f, "online": g}, repeats=7)
    r = t.ratio("online", "naive")        # median of the per-round ratios, and their min and max
    print(r.sentence)  # "here online took 1.30× as long as naive (from 1.10× to 1.60× over 7 rounds): ..."

A ratio is judged from its whole spread, not its median alone: only when every round agrees
(all above :data:`CLEAR` or all below ``1 / CLEAR``) does the sentence say one is faster; otherwise
it says the two could not be told apart on this machine, this time. :func:`parse` reads a sentence
back, so a test can compare every stored sentence with the figures it quotes.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from attnlab.errors import AttnlabError
from attnlab.measure import interleaved_samples

CLEAR = 1.1  # a ratio whose every round is beyond 10 % is a difference, not noise


@dataclass(frozen=True)
class Ratio:
    """``a``'s time ÷ ``b``'s: ``median``, ``low`` and ``high`` over ``rounds`` interleaved rounds."""

    a: str
    b: str
    median: float
    low: float
    high: float
    rounds: int

    @property
    def verdict(self) -> str:
        """"slower", "faster" or "indistinguishable": ``a`` compared with ``b``, over every round."""
        return verdict(round(self.low, 2), round(self.high, 2))  # as printed, so it reads back

    @property
    def sentence(self) -> str:
        words = {"slower": f"{self.a} was slower than {self.b} in every round",
                 "faster": f"{self.a} was faster than {self.b} in every round",
                 "indistinguishable": "the rounds disagree, so the two cannot be told apart here"}
        return (f"here {self.a} took {self.median:.2f}× as long as {self.b} (from {self.low:.2f}× to "
                f"{self.high:.2f}× over {self.rounds} rounds): {words[self.verdict]}")


def verdict(low: float, high: float) -> str:
    if low > CLEAR:
        return "slower"
    if high < 1 / CLEAR:
        return "faster"
    return "indistinguishable"


@dataclass(frozen=True)
class Timings:
    """Seconds per call of each contender, one sample per interleaved round."""

    samples: dict[str, list[float]]

    def median(self, name: str) -> float:
        return statistics.median(self.samples[name])

    def band(self, name: str) -> tuple[float, float]:
        """The fastest and slowest round of ``name`` (seconds): a plot's min–max band."""
        return min(self.samples[name]), max(self.samples[name])

    def ratio(self, a: str, b: str) -> Ratio:
        """``a``'s time ÷ ``b``'s, round by round (the two ran side by side in each round)."""
        for name in (a, b):
            if name not in self.samples:
                raise AttnlabError(f"no contender named {name!r}: the contenders are "
                                   f"{', '.join(self.samples)}")
        per_round = [x / y for x, y in zip(self.samples[a], self.samples[b], strict=True)]
        return Ratio(a, b, statistics.median(per_round), min(per_round), max(per_round), len(per_round))


def measure(contenders: dict[str, Callable[[], object]], repeats: int = 7,
            min_sample_s: float = 0.01) -> Timings:
    """Time the contenders interleaved, ``repeats`` rounds (:func:`attnlab.measure.interleaved_samples`)."""
    return Timings(interleaved_samples(contenders, repeats, min_sample_s))


_SENTENCE = re.compile(r"took (?P<median>[\d.]+)× .*?\(from (?P<low>[\d.]+)× to (?P<high>[\d.]+)× "
                       r"over (?P<rounds>\d+) rounds\): (?P<words>[^\n]*)")
_WORDS = {"slower": "slower than", "faster": "faster than", "indistinguishable": "cannot be told apart"}


def parse(text: str) -> list[dict]:
    """Every speed sentence in ``text``: its figures and what its words claim."""
    found = []
    for m in _SENTENCE.finditer(text):
        claims = [v for v, words in _WORDS.items() if words in m["words"]]
        found.append({"median": float(m["median"]), "low": float(m["low"]), "high": float(m["high"]),
                      "rounds": int(m["rounds"]), "claims": claims})
    return found


def consistent(found: dict) -> bool:
    """Does one parsed sentence say what its own figures show (median inside its range, the claim
    the one its range gives)? Two-decimal rounding is allowed for."""
    low, high = found["low"], found["high"]
    return (low <= found["median"] <= high and found["claims"] == [verdict(low, high)]
            if found["claims"] else False)
