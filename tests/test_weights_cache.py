"""The weights cache (attnlab.models.weights_cache) on a tiny Llama GGUF the tests write with gguf:
built once and then read (never dequantizing again), equal to the uncached model array for array,
rebuilt — never trusted — when partial, corrupt or stale, built by one kernel when two load at once,
and never in the way when it cannot be written."""

from __future__ import annotations

import multiprocessing
import os
import time

import numpy as np
import pytest
from llama_checkpoints import write_gguf

from attnlab.models import llama_layout, weights_cache
from attnlab.models.llama import load_gguf

pytest.importorskip("gguf")
@pytest.fixture
def gguf_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ATTNLAB_CACHE_DIR", str(tmp_path / "cache"))
    return write_gguf(tmp_path / "tiny.gguf")


@pytest.fixture
def builds(monkeypatch):
    """How many times the GGUF was dequantized (read_gguf ran)."""
    calls = []
    real = llama_layout.read_gguf
    monkeypatch.setattr(llama_layout, "read_gguf", lambda path: calls.append(path) or real(path))
    return calls


def cache_file(gguf_file):
    return weights_cache.entry(gguf_file, weights_cache.source_key(gguf_file))


def same_model(a, b):
    assert a.arrays().keys() == b.arrays().keys()
    assert all(np.array_equal(x, b.arrays()[k]) for k, x in a.arrays().items())
    assert a.config == b.config and a.chat_template == b.chat_template
    assert a.token_ids("ab c") == b.token_ids("ab c")
    assert np.array_equal(a.run([1, 4, 2, 0]).logits, b.run([1, 4, 2, 0]).logits)


def test_built_once_then_read_and_equal_to_the_uncached_model(gguf_file, builds):
    plain = load_gguf(gguf_file, cache=False)
    assert len(builds) == 1 and not cache_file(gguf_file).parent.exists()  # cache=False writes nothing
    first = load_gguf(gguf_file)
    assert len(builds) == 2 and cache_file(gguf_file).is_file()
    second = load_gguf(gguf_file)
    assert len(builds) == 2  # read from the cache: not dequantized again
    same_model(plain, first)
    same_model(plain, second)
    assert not second.layer(0).W_Q.flags.writeable  # mapped read-only: no kernel can change the file
    assert not list(cache_file(gguf_file).parent.glob("*.tmp"))


def _damage(path, how):
    data = bytearray(path.read_bytes())
    n = int.from_bytes(data[:8], "little")
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "empty":
        data = b""
    elif how == "a flipped bit in the weights":
        data[8 + n + (len(data) - 8 - n) // 2] ^= 0x10
    elif how == "a flipped bit in the header":
        data[8 + n // 2] ^= 0x01
    elif how == "a byte too many":
        data += b"\0"
    elif how == "not a cache":
        data = b"garbage" * 100
    path.write_bytes(bytes(data))


DAMAGES = ["truncated", "empty", "a flipped bit in the weights", "a flipped bit in the header",
           "a byte too many", "not a cache"]


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_cache_is_rebuilt_not_trusted(gguf_file, builds, how):
    good = load_gguf(gguf_file, cache=False)
    load_gguf(gguf_file)
    path = cache_file(gguf_file)
    _damage(path, how)
    assert weights_cache.read(path, weights_cache.source_key(gguf_file)) is None
    rebuilt = load_gguf(gguf_file)
    assert len(builds) == 3  # plain, first, and the rebuild
    same_model(good, rebuilt)
    assert weights_cache.read(path, weights_cache.source_key(gguf_file)) is not None  # repaired on disk


def test_another_source_file_is_never_served_anothers_cache(gguf_file, builds, tmp_path):
    load_gguf(gguf_file)
    old = cache_file(gguf_file)
    write_gguf(gguf_file, seed=1)  # the package upgraded: same name, other weights
    new = load_gguf(gguf_file)
    assert len(builds) == 2 and cache_file(gguf_file) != old
    same_model(new, load_gguf(gguf_file, cache=False))
    # a cache file renamed to pose as the new one's: its recorded source key gives it away
    os.replace(old, cache_file(gguf_file))
    assert weights_cache.read(cache_file(gguf_file), weights_cache.source_key(gguf_file)) is None


def _load_in_another_process(gguf_file, cache, log, start):
    os.environ["ATTNLAB_CACHE_DIR"] = str(cache)

    def build():
        with open(log, "a") as f:
            f.write("built\n")
        time.sleep(0.5)  # long enough for the other process to arrive and wait
        return {"w": np.arange(6.0).reshape(2, 3)}, {"n": 1}

    while time.time() < start:
        time.sleep(0.01)
    arrays, meta = weights_cache.load_or_build(gguf_file, build)
    assert np.array_equal(arrays["w"], np.arange(6.0).reshape(2, 3)) and meta == {"n": 1}


def test_two_kernels_loading_at_once_build_it_once(gguf_file, tmp_path):
    log, ctx = tmp_path / "builds.log", multiprocessing.get_context("fork")
    start = time.time() + 0.5
    procs = [ctx.Process(target=_load_in_another_process, args=(gguf_file, tmp_path / "cache", log, start))
             for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0, 0]
    assert log.read_text() == "built\n"


def test_a_killed_build_leaves_nothing_that_is_read_and_its_leftovers_go(gguf_file, builds):
    path = cache_file(gguf_file)
    path.parent.mkdir(parents=True)
    leftover = path.parent / (path.name + ".abc123.tmp")
    leftover.write_bytes(b"half a file")
    load_gguf(gguf_file)
    assert not leftover.exists() and len(builds) == 1


def test_nowhere_to_write_costs_speed_not_the_model(gguf_file, builds, tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ATTNLAB_CACHE_DIR", str(blocker / "cache"))
    same_model(load_gguf(gguf_file), load_gguf(gguf_file, cache=False))
    assert len(builds) == 2


def _load_under_a_file_size_limit(gguf_file, limit):
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # as a sandbox: the write fails with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    same_model(load_gguf(gguf_file), load_gguf(gguf_file, cache=False))


def test_a_file_size_limit_costs_speed_not_the_model(gguf_file):
    """A grading sandbox limits the size of every file a submission writes: lesson 12's first load in
    a fresh clone (no cache yet) failed there with safetensors' 'File too large'."""
    path = cache_file(gguf_file)
    load_gguf(gguf_file)
    limit = path.stat().st_size // 2  # the cache cannot be written whole
    path.unlink()
    child = multiprocessing.get_context("fork").Process(target=_load_under_a_file_size_limit,
                                                        args=(gguf_file, limit))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert not path.exists() and not list(path.parent.glob("*.tmp"))  # nothing half-written is left


def test_the_default_folder_is_the_checkouts_ignored_cache(monkeypatch):
    monkeypatch.delenv("ATTNLAB_CACHE_DIR", raising=False)
    from attnlab.paths import ROOT

    folder = weights_cache.cache_dir()
    assert folder.is_relative_to(ROOT / ".cache")
    assert ".cache/" in (ROOT / ".gitignore").read_text().split()


@pytest.fixture
def settled(monkeypatch):
    """Files count as settled 0.05 s after their last change (not 2 s): wait() waits past that."""
    monkeypatch.setattr(weights_cache, "SETTLED_NS", 50_000_000)
    return lambda: time.sleep(0.1)


@pytest.fixture
def digests(monkeypatch):
    """How many times the arrays' SHA-256 was computed."""
    calls = []
    real = weights_cache.arrays_digest
    monkeypatch.setattr(weights_cache, "arrays_digest", lambda arrays: calls.append(1) or real(arrays))
    return calls


def stamps(gguf_file):
    return list(cache_file(gguf_file).parent.glob("*.verified"))


def test_a_full_check_is_stamped_then_not_repeated_until_a_file_changes(gguf_file, builds, settled, digests):
    load_gguf(gguf_file)  # built and written just now: not settled, so not stamped
    assert not stamps(gguf_file)
    settled()
    load_gguf(gguf_file)  # checked in full, stamped
    assert len(stamps(gguf_file)) == 1
    hashed = len(digests)
    again = load_gguf(gguf_file)
    assert len(digests) == hashed and len(builds) == 1  # neither the arrays nor the source re-read
    same_model(again, load_gguf(gguf_file, cache=False))


def test_a_file_changed_within_the_settling_time_is_never_stamped(gguf_file, digests):
    load_gguf(gguf_file)
    hashed = len(digests)
    load_gguf(gguf_file)
    assert not stamps(gguf_file) and len(digests) == hashed + 1  # checked in full again


def _stamped(gguf_file, settled):
    load_gguf(gguf_file)
    settled()
    load_gguf(gguf_file)
    assert stamps(gguf_file)


@pytest.mark.parametrize("how", DAMAGES)
def test_a_cache_damaged_after_its_stamp_is_rebuilt_not_trusted(gguf_file, builds, settled, how):
    _stamped(gguf_file, settled)
    _damage(cache_file(gguf_file), how)
    rebuilt = load_gguf(gguf_file)
    assert len(builds) == 2
    same_model(rebuilt, load_gguf(gguf_file, cache=False))


def test_a_bit_flipped_in_place_with_its_mtime_put_back_still_shows(gguf_file, builds, settled):
    """Same inode, same size, same mtime: only the ctime, which no program can set, changed."""
    _stamped(gguf_file, settled)
    path = cache_file(gguf_file)
    before = path.stat()
    _damage(path, "a flipped bit in the weights")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_ino, path.stat().st_size, path.stat().st_mtime_ns) == (
        before.st_ino, before.st_size, before.st_mtime_ns)
    same_model(load_gguf(gguf_file), load_gguf(gguf_file, cache=False))
    assert len(builds) == 3  # the two stamped loads' one build, the rebuild, the uncached model


def test_a_changed_source_is_never_served_its_stamped_cache(gguf_file, builds, settled):
    _stamped(gguf_file, settled)
    write_gguf(gguf_file, seed=1)
    same_model(load_gguf(gguf_file), load_gguf(gguf_file, cache=False))


def test_a_damaged_stamp_costs_a_full_check_not_the_model(gguf_file, builds, settled, digests):
    _stamped(gguf_file, settled)
    for text in ("not json", '{"key": "x", "entry": "../../elsewhere", "source": 1, "cache": 2}'):
        stamps(gguf_file)[0].write_text(text)
        hashed = len(digests)
        same_model(load_gguf(gguf_file), load_gguf(gguf_file, cache=False))
        assert len(digests) > hashed
