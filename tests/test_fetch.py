"""attnlab-fetch and load_gpt2's search, with the network really cut (``unshare -n``: a new network
namespace with nothing but a down loopback), against Hugging Face caches this test lays out itself
in the hub's layout: ``models--org--name/{blobs, snapshots/<revision>, refs/main}``.
"""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from gpt2_checkpoints import lay_out

from attnlab.models import hub
from attnlab.models.gpt2 import load_gpt2
from attnlab.models.gpt2_random import write_random_gpt2

SIZES = dict(n_layer=2, n_head=3, n_embd=12, n_positions=16, vocab_size=300)


def network_cut() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-rn", "true"], capture_output=True).returncode == 0


pytestmark = pytest.mark.skipif(not network_cut(), reason="needs `unshare -rn` to cut the network")


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return write_random_gpt2(tmp_path_factory.mktemp("random"), seed=3, **SIZES)


def fetch(tmp_path, *args, offline=False):
    """Run ``attnlab-fetch`` in a process with no network; its HF cache is tmp_path/hf."""
    env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hf"), "HF_HUB_ETAG_TIMEOUT": "2",
           "HF_HUB_DOWNLOAD_TIMEOUT": "2", "HF_HUB_DISABLE_TELEMETRY": "1"}
    env.pop("HF_HUB_OFFLINE", None)
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    cmd = ["unshare", "-rn", sys.executable, "-m", "attnlab.course.fetch", *args,
           "--into", str(tmp_path / "course")]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def test_the_network_is_really_cut(tmp_path):
    probe = "import socket; socket.create_connection(('huggingface.co', 443), timeout=2)"
    result = subprocess.run(["unshare", "-rn", sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode != 0 and ("gaierror" in result.stderr or "unreachable" in result.stderr)


def test_a_course_cache_is_used_with_the_network_cut(tmp_path, checkpoint):
    """huggingface_hub's own fallback: no connection, the cached revision of refs/main is returned."""
    snapshot = lay_out(tmp_path / "course", "gpt2", checkpoint)
    result = fetch(tmp_path, "gpt2")
    assert result.returncode == 0, result.stderr
    assert str(snapshot) in result.stdout and "the course's data folder" in result.stdout
    assert "2 layers, 3 heads, d_model 12" in result.stdout
    n = load_gpt2(snapshot).n_parameters
    assert f"{n:,} parameters" in result.stdout


def test_the_learners_hf_cache_is_used_as_it_is(tmp_path, checkpoint):
    snapshot = lay_out(tmp_path / "hf", "distilgpt2", checkpoint)
    result = fetch(tmp_path, "distilgpt2")
    assert result.returncode == 0, result.stderr
    assert str(snapshot) in result.stdout and "your Hugging Face cache" in result.stdout
    assert not (tmp_path / "course").exists()  # nothing copied, nothing downloaded


@pytest.mark.slow
def test_nothing_cached_and_no_network_is_one_line(tmp_path):
    result = fetch(tmp_path, "gpt2")
    assert result.returncode == 1
    ours = [line for line in result.stderr.splitlines() if line.startswith("attnlab-fetch:")]
    assert result.stdout == "" and len(ours) == 1 and result.stderr.strip().endswith(ours[0])
    assert "could not fetch gpt2 (openai-community/gpt2)" in ours[0] and "is the network up?" in ours[0]
    assert "Traceback" not in result.stderr  # huggingface_hub's own retry notes may come before it


def test_offline_mode_is_honoured(tmp_path, checkpoint):
    result = fetch(tmp_path, "gpt2", offline=True)
    assert result.returncode == 1 and "HF_HUB_OFFLINE is set" in result.stderr
    lay_out(tmp_path / "course", "gpt2", checkpoint)
    assert fetch(tmp_path, "gpt2", offline=True).returncode == 0


def test_a_partial_cache_names_the_missing_file(tmp_path, checkpoint):
    """(Offline: with the network merely cut, huggingface_hub first retries for ~20 s, as above.)"""
    lay_out(tmp_path / "course", "gpt2", checkpoint, files=("config.json", "model.safetensors"))
    result = fetch(tmp_path, "gpt2", offline=True)
    assert result.returncode == 1 and "tokenizer.json" in result.stderr.splitlines()[-1]


def test_the_console_script_is_attnlab_fetch():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "attnlab-fetch"]
    assert script.value == "attnlab.course.fetch:main" and callable(script.load())
    help_text = subprocess.run([sys.executable, "-m", "attnlab.course.fetch", "--help"],
                               capture_output=True, text=True, check=True).stdout
    assert "{distilgpt2,gpt2}" in help_text and "--into" in help_text


def test_unknown_name(tmp_path):
    result = fetch(tmp_path, "gpt-5")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_load_gpt2_finds_either_cache(tmp_path, checkpoint, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.delenv(hub.IGNORE, raising=False)
    monkeypatch.setattr(hub, "PRETRAINED_DIR", tmp_path / "course")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf"))
    assert hub.find_checkpoint("gpt2") is None
    theirs = lay_out(tmp_path / "hf", "gpt2", checkpoint)
    assert load_gpt2().folder == theirs
    ours = lay_out(tmp_path / "course", "gpt2", checkpoint)
    assert load_gpt2().folder == ours  # the course's own copy first
    ids = [5, 6, 7]
    np.testing.assert_array_equal(load_gpt2().logits(ids), load_gpt2(checkpoint).logits(ids))
    assert hub.find_checkpoint("distilgpt2") is None
    monkeypatch.setenv(hub.IGNORE, "1")  # make test and make notebooks: as if nothing were fetched
    assert hub.find_checkpoint("gpt2") is None
    with pytest.raises(FileNotFoundError, match="ATTNLAB_IGNORE_FETCHED is set"):
        load_gpt2()
