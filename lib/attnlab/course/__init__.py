"""The course's machinery — what instructors and authors run, never what a learner reads.

:mod:`~attnlab.course.authoring` generates the student notebooks from ``solutions/``
(``attnlab-generate``), :mod:`~attnlab.course.kernels` starts the Jupyter kernels it and the bench
use, :mod:`~attnlab.course.grading` grades submissions (``attnlab-grade``: each in a bubblewrap
sandbox, :mod:`~attnlab.course.sandbox`, running :mod:`~attnlab.course.runner`; one submission is
:mod:`~attnlab.course.submission`, the rows :mod:`~attnlab.course.gradebook`), and
:mod:`~attnlab.course.bench` measures speed and memory (``make bench``).
"""
