"""Real models, the course's code inside them.

Torch modules built from the ideas of the NumPy reference (:mod:`~attnlab.models.layers`,
:mod:`~attnlab.models.gpt`, :mod:`~attnlab.models.translator`), the synthetic corpora and the tiny
models trained on them (:mod:`~attnlab.models.corpus`, :mod:`~attnlab.models.trained`), the
pretrained MiniLM run by attnlab's NumPy attention (:mod:`~attnlab.models.pretrained`), and the tools
that look inside a model (:mod:`~attnlab.models.probes`, :mod:`~attnlab.models.residual`).

Importing this package loads nothing heavy: each module imports torch only where it needs it.
"""
