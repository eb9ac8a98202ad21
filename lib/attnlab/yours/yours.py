"""``Yours``: the learner's functions, gathered by :func:`attnlab.yours.collect`, and the real models
they run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from attnlab.checks.verdict import LIMIT, NO, OK, WAIT, one_line, text_of
from attnlab.errors import AttnlabError
from attnlab.yours.found import Found, step_of
from attnlab.yours.steps import EXERCISES, Steps, lesson_number


class Yours:
    """The learner's exercise functions: ``functions`` (name → function, check passed), ``failing``
    (name → the check's line), ``missing`` (names still the stub or not found).

    ``report()`` says, one line per exercise, whose function each real model runs. ``minilm()``,
    ``gpt2()``, ``tiny_gpt()``, ``translator()`` run the real models on them; ``compare()`` says how far they
    differ from the course's and where first.
    """

    def __init__(self, found: Mapping[str, Found], folder: str = "notebooks", notes: Iterable[str] = ()):
        self.found = dict(found)
        self.folder = folder
        self.notes = list(notes)

    @property
    def functions(self) -> dict:
        return {n: f.fn for n, f in self.found.items() if f.state == "yours"}

    @property
    def failing(self) -> dict[str, str]:
        return {n: f.line for n, f in self.found.items() if f.state == "failing"}

    @property
    def missing(self) -> list[str]:
        return [n for n, f in self.found.items() if f.state == "missing"]

    # --- the report ----------------------------------------------------------------------------

    def line(self, name: str) -> str:
        f = self.found[name]
        where = f"{name} (lesson {lesson_number(EXERCISES[name][0])})"
        if f.state == "yours":
            return f"{OK}{where}: yours, from {f.origin}"
        why = text_of(f.line).split(": ", 1)[-1]
        if f.state == "failing":
            said = f"{NO}{where}: the course's stands in — yours is wrong: "
            return said + one_line(why, LIMIT - len(said))
        if why.startswith("not implemented yet"):
            why = f"still the stub in {f.origin}"
        return f"{WAIT}{where}: the course's stands in — {why}"

    def summary(self) -> str:
        n, mine = len(self.found), len(self.functions)
        if mine == 0:
            return (f"Your functions in the real models: none yet of {n} — the course's stand in (write "
                    f"the exercises, save each lesson, then run this cell again).")
        rest = "" if mine == n else f"; the course's stand in for the other {n - mine}"
        return f"Your functions in the real models: {mine} of {n}{rest}."

    def report(self) -> str:
        """One line per exercise: yours ✅, or which of the course's stands in and why."""
        return "\n".join([self.summary(), *self.notes, *(self.line(n) for n in self.found)])

    def __repr__(self) -> str:
        return self.report()

    def trying(self, **functions) -> Yours:
        """A copy that uses these functions, by exercise name, whatever their checks say — to see
        what a (wrong) function does to a real model: ``yours.trying(stable_softmax=f).compare()``."""
        unknown = [n for n in functions if n not in EXERCISES]
        if unknown:
            raise AttnlabError(f"unknown exercise(s) {', '.join(unknown)}: the real models use "
                             f"{', '.join(EXERCISES)}")
        found = dict(self.found)
        for name, fn in functions.items():
            if not callable(fn):
                raise AttnlabError(f"{name} must be a function, but got {type(fn).__name__}")
            found[name] = Found(name, "yours", f"{OK}{name}: tried as given",
                                "this notebook (tried unchecked)", fn)
        return Yours(found, self.folder, self.notes)

    # --- the steps the models use --------------------------------------------------------------

    def steps(self, include_failing: bool | Iterable[str] = False) -> Steps:
        """The steps a runner calls: yours where the check passed, the course's elsewhere.
        ``include_failing``: also use these failing functions (``True``: all of them), to see what
        they do to the model."""
        use = set(self.failing) if include_failing is True else set(include_failing or ())
        wrong = use - set(self.failing)
        if wrong:
            raise AttnlabError(f"include_failing names {', '.join(sorted(wrong))}, which are not failing: "
                             f"the failing ones are {', '.join(self.failing) or 'none'}")
        return Steps({n: step_of(f) for n, f in self.found.items()
                      if f.state == "yours" or (f.state == "failing" and n in use and f.fn is not None)})

    def minilm(self, include_failing: bool | Iterable[str] = False):
        """all-MiniLM-L6-v2 on your functions: the interface of :class:`attnlab.models.pretrained.MiniLM`."""
        from attnlab.yours.runners import your_minilm

        return your_minilm(self.steps(include_failing))

    def gpt2(self, folder=None, name: str = "gpt2", include_failing: bool | Iterable[str] = False):
        """GPT-2 on your functions — causal, every block's attention through them: the interface of
        :class:`attnlab.models.gpt2.GPT2` (tokens, attention, hidden_states, logits, next_word,
        continue_text, …). ``folder``: a checkpoint's; without it, ``name`` (``"gpt2"`` or
        ``"distilgpt2"``) as ``attnlab-fetch`` put it here — if absent, ``FileNotFoundError`` says in
        one line how to fetch it."""
        from attnlab.yours.runners import load_base_gpt2, your_gpt2

        return your_gpt2(self.steps(include_failing), load_base_gpt2(folder, name))

    def tiny_gpt(self, include_failing: bool | Iterable[str] = False):
        """The course's tiny GPT on your functions: the interface of ``TrainedGPT``."""
        from attnlab.yours.runners import your_tiny_gpt

        return your_tiny_gpt(self.steps(include_failing))

    def translator(self, include_failing: bool | Iterable[str] = False):
        """The course's translator on your functions (your ``cross_attention`` in its decoder)."""
        from attnlab.yours.runners import your_translator

        return your_translator(self.steps(include_failing))

    def compare(self, model: str = "minilm", text: str | None = None,
                include_failing: bool | Iterable[str] = False, folder=None):
        """Run ``model`` (``"minilm"``, ``"tiny_gpt"``, ``"gpt2"`` or ``"distilgpt2"``) both ways on
        ``text``: a :class:`~attnlab.yours.compare.Comparison` (max |Δ| per layer, the share of values
        that match, the first place that differs and the function of yours responsible). ``folder``:
        a GPT-2 checkpoint's (without it, the fetched one)."""
        from attnlab.yours.compare import compare

        return compare(self.steps(include_failing), model, text, folder)
