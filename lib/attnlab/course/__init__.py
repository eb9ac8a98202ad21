"""The course's machinery — what instructors and authors run, never what a learner reads.

:mod:`~attnlab.course.authoring` generates the student notebooks from ``solutions/``
(``attnlab-generate``), :mod:`~attnlab.course.grading` grades submissions (``attnlab-grade``),
:mod:`~attnlab.course.kernels` starts the Jupyter kernels both use, and :mod:`~attnlab.course.bench`
measures speed and memory (``make bench``).
"""
