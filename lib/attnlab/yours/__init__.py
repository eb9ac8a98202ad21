"""Your code, a real model: the learner's own exercise functions, gathered from their lessons,
running the course's real models.

    yours = collect("notebooks")      # or, inside a lesson: collect(".", live=globals(), lesson=...)
    yours.report()                    # whose function each step is, and why
    yours.minilm()                    # all-MiniLM-L6-v2 on your functions
    yours.gpt2()                      # GPT-2 on your functions, when fetched (or gpt2(folder))
    yours.tiny_gpt()                  # the course's tiny GPT on your functions
    yours.compare("minilm")           # max |Δ| per layer and the first place that differs

A layer above the reference, the models and the checks: it imports those, never the views at
import time, never the grader.
"""

from attnlab.yours.collect import collect
from attnlab.yours.steps import COURSE_STEPS, EXERCISES, Step, StepError, Steps
from attnlab.yours.yours import Yours

__all__ = ["collect", "Yours", "Steps", "Step", "StepError", "COURSE_STEPS", "EXERCISES"]
