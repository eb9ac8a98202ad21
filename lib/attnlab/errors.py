"""The course's one error: :class:`AttnlabError`, for input a function of the course cannot take.

It is a ``ValueError`` (code that catches those keeps working), and it says what a learner needs
to fix it, einops-style: which argument, what it got, what it needed — "q has shape (4, 8) but k
has shape (4, 16): their last axes (d_k) must match", never a broadcasting error from deep inside
NumPy or torch.
"""

from __future__ import annotations


class AttnlabError(ValueError):
    """Bad input to a course function: the message names the argument and the shapes involved."""

