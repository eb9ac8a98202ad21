"""attnlab: attention in transformers, hands-on.

    import attnlab as al

    al.softmax(scores)                  # the NumPy reference the lessons build
    model = al.load_tiny_gpt()          # the course's models, loaded offline
    al.checks.check_stable_softmax(fn)  # an exercise's check: one friendly line
    al.collect().minilm()               # your own functions, inside a real model

Every name below is imported the first time it is used, so ``import attnlab`` costs nothing and
loads no torch, plot or widget until a lesson asks for one. The modules themselves
(``attnlab.attention``, ``attnlab.models.layers``, …) stay importable as before; this is the short
list a learner meets, grouped by what it is for.
"""

from importlib import import_module

# name -> the module that defines it
_PUBLIC: dict[str, str] = {
    # the reference: attention in NumPy, as the lessons write it
    "attention_scores": "attnlab.attention", "softmax": "attnlab.attention",
    "apply_mask": "attnlab.attention", "causal_mask": "attnlab.attention",
    "scaled_dot_product_attention": "attnlab.attention", "cosine_similarity": "attnlab.embeddings",
    "head_update": "attnlab.multihead",
    # model sizes and parameter counts (lessons 05, 08, 11, 12)
    "ModelConfig": "attnlab.config", "PRESETS": "attnlab.params", "count_parameters": "attnlab.params",
    # the course's models, and the loaders of real ones (all offline)
    "load_minilm": "attnlab.models.pretrained", "self_attention": "attnlab.models.pretrained",
    "load_tiny_gpt": "attnlab.models.trained", "load_translator": "attnlab.models.trained",
    "gpt2_available": "attnlab.models.gpt2", "load_gpt2": "attnlab.models.gpt2",
    "read_config": "attnlab.models.gpt2", "GPT2_SMALL": "attnlab.models.gpt2_random",
    "gpt2_config_json": "attnlab.models.gpt2_random", "load_smollm2": "attnlab.models.llama",
    "gguf_config": "attnlab.models.llama_layout", "smollm2_file": "attnlab.models.llama_layout",
    "GPTConfig": "attnlab.models.gpt", "TinyGPT": "attnlab.models.gpt",
    "MultiHeadAttention": "attnlab.models.layers", "MLP": "attnlab.models.layers",
    "init_gpt2_": "attnlab.models.layers", "to_torch": "attnlab.models.torch_heads",
    # pictures and widgets
    "plot_pattern": "attnlab.views.plotting", "plot_patterns": "attnlab.views.plotting",
    "plot_comparison": "attnlab.views.plotting", "plot_query_key_arrows": "attnlab.views.plotting",
    "plot_extrapolation": "attnlab.views.plotting",
    "attention_explorer": "attnlab.views.widgets", "head_gallery": "attnlab.views.widgets",
    "softmax_temperature": "attnlab.views.widgets", "flashcards": "attnlab.views.widgets",
    "quiz": "attnlab.views.widgets",
    # the study guide
    "show_questions": "attnlab.views.studyguide", "questions_for": "attnlab.views.studyguide",
    "flashcards_for": "attnlab.views.studyguide", "LESSONS": "attnlab.views.studyguide",
    # your own functions in the real models
    "collect": "attnlab.yours", "train_your_gpt": "attnlab.yours.own_gpt",
    "as_course_model": "attnlab.yours.own_gpt", "run_on_yours": "attnlab.yours.llama",
    # the course's one error
    "AttnlabError": "attnlab.errors",
}
_MODULES = ("checks", "yours")  # whole layers: al.checks.check_stable_softmax, al.yours.collect
__all__ = [*_PUBLIC, *_MODULES]


def __getattr__(name: str):
    if name in _MODULES:
        value = import_module(f"attnlab.{name}")
    elif name in _PUBLIC:
        value = getattr(import_module(_PUBLIC[name]), name)
    else:
        raise AttributeError(f"module 'attnlab' has no attribute {name!r}")
    globals()[name] = value  # found once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
