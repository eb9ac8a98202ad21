"""What attention costs, counted: the counts are the arithmetic of the operations."""

import pytest

from attnlab.costs import head_flops, matmul_flops, pattern_bytes, rnn_flops, value_map_parameters


def test_cost_counts():
    assert pattern_bytes(8192) == 8192 * 8192 * 8 == 512 * 2**20
    assert pattern_bytes(3, 5, n_heads=2, itemsize=2) == 60
    assert value_map_parameters(12288, 128) == 2 * 12288 * 128
    assert value_map_parameters(12288, 128, factored=False) == 12288**2
    assert matmul_flops(2, 3, 4) == 2 * 2 * 3 * 4
    # the heads' FLOPs are those of the NumPy operations in heads_in_a_loop, counted by hand
    flops = head_flops(10, 6, 16, 4)
    assert sum(flops.values()) == 2 * (10 * 16 * 4 + 2 * 6 * 16 * 4 + 10 * 4 * 6 + 10 * 6 * 4 + 10 * 4 * 16)
    assert rnn_flops(5, 3) == {"inputs (all at once)": 90, "recurrence (one token at a time)": 90}
    for bad in (lambda: pattern_bytes(0), lambda: value_map_parameters(8, 2.0),
                lambda: matmul_flops(1, -1, 1)):
        with pytest.raises(ValueError, match="must be"):
            bad()
