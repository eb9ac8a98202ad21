"""The measuring helpers: tracemalloc sees NumPy arrays; interleaved timing gives medians."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from attnlab.measure import compare_times, interleaved_samples, peak_bytes, torch_ops


def test_peak_bytes_sees_numpy_arrays_but_not_the_inputs():
    big = np.ones(10**6)
    assert peak_bytes(np.sum, big) < 10**5  # summing allocates next to nothing
    assert 8 * 10**6 <= peak_bytes(np.ones, 10**6) < 8 * 10**6 + 10**5
    with pytest.raises(ValueError, match="fn must be a function"):
        peak_bytes(3)


def test_interleaved_timing_returns_one_sample_per_repeat_and_medians():
    calls = []
    samples = interleaved_samples({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")},
                                  repeats=3, min_sample_s=1e-4)
    assert [len(v) for v in samples.values()] == [3, 3] and all(t > 0 for v in samples.values() for t in v)
    assert set(compare_times({"sleep": lambda: None}, repeats=1, min_sample_s=1e-4)) == {"sleep"}
    with pytest.raises(ValueError, match="contenders"):
        compare_times({})
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        compare_times({"a": lambda: None}, repeats=0)



def test_torch_ops_names_what_ran():
    q = torch.ones(1, 2, 8, 4)
    fused = torch_ops(F.scaled_dot_product_attention, q, q, q)
    assert fused == ["_scaled_dot_product_flash_attention_for_cpu"]
    written_out = torch_ops(lambda: torch.softmax(q @ q.transpose(-1, -2) / 2, -1) @ q)
    assert written_out == ["bmm", "div", "_softmax", "bmm"]
    with pytest.raises(ValueError, match="fn must be a function"):
        torch_ops(None)


def test_peak_bytes_is_the_same_in_every_fresh_process():
    """A first call fills caches (a few hundred bytes that vary): measured after a warm-up, the peak is
    the same in every run, so a lesson that prints it stays stable under strict nbval."""
    import subprocess
    import sys

    code = ("import numpy as np; from attnlab import measure, efficient; "
            "rng = np.random.default_rng(0); x = [rng.normal(size=(256, 64)) for _ in range(3)]; "
            "print(measure.peak_bytes(efficient.online_softmax_attention, *x))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(6)}
    assert len(runs) == 1, runs
