"""Where a learner's GPT-2 checkpoint lives — found on this machine, never downloaded here.

A checkpoint is a folder with the three files the Hugging Face hub ships for ``openai-community/gpt2``
and ``distilbert/distilgpt2``: :data:`FILES`. ``attnlab-fetch`` (:mod:`attnlab.course.fetch`) puts them
in the course's own cache, :data:`attnlab.paths.PRETRAINED_DIR`, laid out like the hub's cache
(``models--org--name/snapshots/<revision>/…`` and ``refs/main``). :func:`find_checkpoint` looks there,
then in the learner's own Hugging Face cache (``HF_HUB_CACHE``, ``HF_HOME``) — reading files only, so
it works the same with ``HF_HUB_OFFLINE`` set and with no network at all.

``ATTNLAB_IGNORE_FETCHED=1`` makes every search come back empty, as on a machine without GPT-2:
``make test`` and ``make notebooks`` set it, so stored outputs never depend on what a developer fetched.
"""

from __future__ import annotations

import os
from pathlib import Path

from attnlab.errors import AttnlabError
from attnlab.paths import PRETRAINED_DIR

IGNORE = "ATTNLAB_IGNORE_FETCHED"

# The course's name for a model -> its repository on the hub.
REPOS = {"gpt2": "openai-community/gpt2", "distilgpt2": "distilbert/distilgpt2"}
FILES = ("config.json", "model.safetensors", "tokenizer.json")


def repo_id(name: str) -> str:
    """The hub repository of the course's model ``name`` (``"gpt2"`` or ``"distilgpt2"``)."""
    if name not in REPOS:
        raise AttnlabError(f"name must be one of {', '.join(map(repr, REPOS))}, but got {name!r}")
    return REPOS[name]


def caches(course_cache: Path | None = None) -> list[Path]:
    """The caches searched, in order: the course's own, then the learner's Hugging Face cache."""
    from huggingface_hub import constants

    return [Path(course_cache or PRETRAINED_DIR), Path(constants.HF_HUB_CACHE)]


def snapshot_in(cache: Path, name: str) -> Path | None:
    """The snapshot folder of ``name`` in one hub-layout ``cache`` holding all of :data:`FILES`, or None."""
    from huggingface_hub import try_to_load_from_cache

    found = [try_to_load_from_cache(repo_id(name), f, cache_dir=cache) for f in FILES]
    if not all(isinstance(path, str) for path in found):
        return None
    folders = {Path(path).parent for path in found}
    return folders.pop() if len(folders) == 1 else None


def find_checkpoint(name: str = "gpt2", course_cache: Path | None = None) -> Path | None:
    """The folder of a complete local copy of ``name``, or None (reads files only, no network)."""
    repo_id(name)
    if os.environ.get(IGNORE):
        return None
    for cache in caches(course_cache):
        folder = snapshot_in(cache, name)
        if folder is not None:
            return folder
    return None


def how_to_fetch(name: str = "gpt2") -> str:
    """The one line that tells a learner how to get ``name``."""
    offline = " (it needs a network: HF_HUB_OFFLINE is set here)" if os.environ.get("HF_HUB_OFFLINE") else ""
    if os.environ.get(IGNORE):
        offline = f" ({IGNORE} is set: fetched models are ignored)"
    return (f"{name} is not on this machine: run `attnlab-fetch {name}` in a terminal{offline}, "
            f"or give load_gpt2 a folder with {', '.join(FILES)}")
