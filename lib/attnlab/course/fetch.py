"""``attnlab-fetch gpt2`` (or ``distilgpt2``): GPT-2's three files, for a learner with a network.

The course never needs GPT-2 — its lessons, tests and CI run without it — but a learner who fetches
it sees the same probes on a real causal language model (lesson 09's last section). The download is
``huggingface_hub``'s own (resumable, cached, a tqdm progress bar per file) into the course's data
folder, :data:`attnlab.paths.PRETRAINED_DIR` (outside git), laid out like the hub's cache. A copy
already in the learner's Hugging Face cache is used as it is: nothing is downloaded twice.
``HF_HUB_OFFLINE=1`` is honoured — then only what is cached counts. Every failure is one line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from attnlab.models import hub
from attnlab.paths import PRETRAINED_DIR


class FetchError(RuntimeError):
    """A file could not be had: its name, then huggingface_hub's reason."""


def describe(folder: Path, name: str) -> str:
    """One line: where ``name`` is, its size on disk and its parameter count from its config."""
    import json

    from attnlab.models.gpt2_layout import read_config
    from attnlab.params import count_parameters

    config = read_config(json.loads((folder / "config.json").read_text()), str(folder / "config.json"))
    n = count_parameters(config.model_config(name), "exact")["total"]
    megabytes = sum((folder / f).stat().st_size for f in hub.FILES) / 1e6
    return (f"{name} ({config.n_layers} layers, {config.n_heads} heads, d_model {config.d_model}; "
            f"{n:,} parameters) is in {folder} ({megabytes:,.0f} MB)")


def fetch(name: str, into: Path | None = None) -> tuple[Path, bool]:
    """``name``'s folder holding :data:`attnlab.models.hub.FILES` and whether it was already in the learner's
    own Hugging Face cache; otherwise downloaded (or re-checked) into ``into``'s hub-layout cache."""
    from huggingface_hub import constants, hf_hub_download

    into = Path(into or PRETRAINED_DIR)
    theirs = hub.snapshot_in(Path(constants.HF_HUB_CACHE), name)
    if theirs is not None:
        return theirs, True
    into.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in hub.FILES:
        try:
            paths.append(Path(hf_hub_download(hub.repo_id(name), f, cache_dir=into)))
        except Exception as error:
            raise FetchError(f"{f}: {one_line(error)}") from error
    return paths[0].parent, False


def one_line(error: BaseException) -> str:
    """The first line of an error's message, for a learner (no traceback)."""
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    return first if isinstance(error, FetchError) else f"{type(error).__name__}: {first}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="attnlab-fetch", description=__doc__.split("\n")[0])
    parser.add_argument("name", choices=sorted(hub.REPOS), help="the model to fetch")
    parser.add_argument("--into", type=Path, default=None,
                        help=f"the cache folder to download into (default: {PRETRAINED_DIR})")
    args = parser.parse_args(argv)
    try:
        folder, cached = fetch(args.name, args.into)
        line = describe(folder, args.name)
    except Exception as error:  # the learner gets one line, never a traceback
        from huggingface_hub import constants

        why = ("HF_HUB_OFFLINE is set, so only a cached copy counts"
               if constants.HF_HUB_OFFLINE else "is the network up?")
        print(f"attnlab-fetch: could not fetch {args.name} ({hub.repo_id(args.name)}): {one_line(error)} "
              f"— {why}", file=sys.stderr)
        return 1
    where = "your Hugging Face cache" if cached else "the course's data folder"
    print(f"{line} — {where}; load_gpt2(name={args.name!r}) finds it there.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
