"""The course's interactive widgets (ipywidgets 8, offline): move a control, see attention change.

    from attnlab.views.widgets import attention_explorer
    attention_explorer("a fluffy blue creature roamed the verdant forest")

=========================  =====================================================================
``attention_explorer``     a sentence (type or pick), a model (MiniLM, tiny GPT), layer, head and
                           token: the pattern as a heatmap, and lines from the token to the tokens
                           it attends to
``softmax_temperature``    a slider that reshapes a score vector into weights, live
``mask_toggle``            a causal mask on/off on a real pattern: which weights vanish
``head_gallery``           every head of a layer side by side; click one to open it below
``flashcards``             the study guide's terms: flip, next, shuffle, "I knew it" / "again"
``quiz``                   the study guide's questions: answer, then see the course's answer
=========================  =====================================================================

Each widget only wires controls to plain functions (``*_view``, ``masked_pattern``,
:func:`attnlab.head_traits.head_traits`, :mod:`attnlab.views.svg`, :mod:`attnlab.views.review`), which
the tests call directly. They live one idea a module — :mod:`~attnlab.views.explorer` (explorer, head
gallery), :mod:`~attnlab.views.sliders` (temperature, mask), :mod:`~attnlab.views.cards` (flashcards,
quiz), :mod:`~attnlab.views.sources` (which model reads which sentence), :mod:`~attnlab.views.live` (the
static picture every widget leaves); this module gathers them under one import. A
control's change recomputes a few small arrays and redraws an SVG string — milliseconds; a new
sentence runs the model once and is cached. ``attnlab.course.bench.widget_latencies`` times every
control of every widget here (``make bench``).

Displayed in a notebook, each widget first leaves a static picture of its starting state (a PNG,
or Markdown for the study guide), so a reader without a kernel — GitHub, nbviewer — still sees it;
then the live widget. The widget's own output is skipped by nbval (model ids are random) and its
text is a fixed sentence, so strict nbval compares only what is deterministic.
"""

from attnlab.views.cards import Flashcards, QuizWidget, card_view, flashcards, quiz, quiz_view
from attnlab.views.explorer import (
    Explorer,
    HeadGallery,
    attention_explorer,
    explorer_view,
    gallery_view,
    head_gallery,
    traits_line,
)
from attnlab.views.sliders import (
    TEMPERATURE_EXAMPLE,
    MaskToggle,
    TemperatureSlider,
    mask_toggle,
    mask_view,
    masked_pattern,
    softmax_temperature,
    temperature_view,
    temperature_weights,
)
from attnlab.views.sources import MODELS, SENTENCES, SOURCES, attention_of, model_names, sentences

__all__ = ["attention_explorer", "softmax_temperature", "mask_toggle", "head_gallery", "flashcards", "quiz",
           "Explorer", "TemperatureSlider", "MaskToggle", "HeadGallery", "Flashcards", "QuizWidget",
           "explorer_view", "gallery_view", "traits_line", "temperature_view", "temperature_weights",
           "masked_pattern", "mask_view", "card_view", "quiz_view", "TEMPERATURE_EXAMPLE",
           "MODELS", "SENTENCES", "SOURCES", "attention_of", "model_names", "sentences"]
