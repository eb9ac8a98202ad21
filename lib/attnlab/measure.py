"""Measuring code fairly: time several contenders side by side, and the peak memory of one.

Timings on a shared machine are noisy: another process may take a core for a second. So
contenders are timed **interleaved** — A, B, C, then B, C, A, ... — and each one's median is kept:
a slow moment hurts every contender alike, and one outlier does not move a median. Compare the
*ratios* of the medians; absolute times belong to this machine and this moment.

Memory is deterministic: :func:`peak_bytes` uses the standard library's ``tracemalloc``, which sees
every NumPy array the code allocates (not torch's, which allocates outside Python's tracker).
"""

from __future__ import annotations

import math
import statistics
import time
import tracemalloc
from collections.abc import Callable

from attnlab.errors import AttnlabError
from attnlab.validate import positive_float, positive_int


def peak_bytes(fn: Callable, *args, **kwargs) -> int:
    """Peak bytes allocated (NumPy arrays included) while ``fn(*args, **kwargs)`` runs.

    Only what is allocated during the call counts: the inputs, made before, do not; the result,
    alive at the end, does. ``fn`` runs once untraced first: a first call may fill caches (a few
    hundred bytes that vary from run to run), so the traced one is deterministic for a given
    function and input shapes.
    """
    if not callable(fn):
        raise AttnlabError(f"fn must be a function, but got {type(fn).__name__}")
    if tracemalloc.is_tracing():
        raise AttnlabError("tracemalloc is already tracing: peak_bytes cannot measure inside it")
    fn(*args, **kwargs)  # warm-up, untraced
    tracemalloc.start()
    try:
        fn(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _calls_per_sample(fn: Callable, min_sample_s: float) -> int:
    """Call ``fn`` once (a warm-up) and return how many calls make a sample of ``min_sample_s``."""
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-9)
    return max(1, math.ceil(min_sample_s / once))


def interleaved_samples(contenders: dict[str, Callable[[], object]], repeats: int = 5,
                        min_sample_s: float = 0.05) -> dict[str, list[float]]:
    """Seconds per call of each contender (a function of no arguments), ``repeats`` samples each.

    Each sample averages enough calls to last ``min_sample_s``; the rounds rotate the order of
    the contenders so none is always first (or always right after the slowest).
    """
    if not contenders or not all(callable(fn) for fn in contenders.values()):
        raise AttnlabError("contenders must be a non-empty dict of name -> function of no arguments")
    repeats = positive_int(repeats, "repeats")
    min_sample_s = positive_float(min_sample_s, "min_sample_s")
    names = list(contenders)
    calls = {name: _calls_per_sample(contenders[name], min_sample_s) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn, n = contenders[name], calls[name]
            start = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - start) / n)
    return samples


def compare_times(contenders: dict[str, Callable[[], object]], repeats: int = 5,
                  min_sample_s: float = 0.05) -> dict[str, float]:
    """Median seconds per call of each contender, timed interleaved (see :func:`interleaved_samples`)."""
    samples = interleaved_samples(contenders, repeats, min_sample_s)
    return {name: statistics.median(times) for name, times in samples.items()}


def torch_ops(fn: Callable, *args, **kwargs) -> list[str]:
    """Names of the torch operations that compute something while ``fn(*args, **kwargs)`` runs,
    in order (gradients off; views and reshapes, which move no data, are left out).

    Shows what a call really does: ``F.scaled_dot_product_attention`` on CPU runs ONE fused
    operation (``_scaled_dot_product_flash_attention_for_cpu``), where written-out attention runs
    a batched matmul, a division, a softmax and another batched matmul, each writing a whole array.
    """
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    if not callable(fn):
        raise AttnlabError(f"fn must be a function, but got {type(fn).__name__}")

    class _Log(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.names: list[str] = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            name = func.overloadpacket.__name__
            if not func.is_view and name != "_unsafe_view":
                self.names.append(name)
            return func(*args, **(kwargs or {}))

    with torch.no_grad(), _Log() as log:
        fn(*args, **kwargs)
    return log.names
