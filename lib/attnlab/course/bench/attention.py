"""Sections 1–4: attention itself — the pattern's memory (naive vs online softmax), torch's
multi-head attention modules, every head at once vs a loop, an RNN's steps vs attention's one."""

from __future__ import annotations

import numpy as np

from attnlab.attention import scaled_dot_product_attention
from attnlab.costs import head_flops, pattern_bytes, rnn_flops
from attnlab.course.bench.core import MiB, Sizes, ms
from attnlab.efficient import online_softmax_attention
from attnlab.measure import compare_times, peak_bytes, torch_ops
from attnlab.parallel import example_layer, heads_batched, heads_in_a_loop, rnn_states, stack_heads


def bench_scaling(sizes: Sizes) -> list[dict]:
    """Naive attention (builds the pattern) vs online softmax, float64, one head of d_head."""
    rows = []
    rng = np.random.default_rng(0)
    for n in sizes.lengths:
        q, k, v = (rng.normal(size=(n, sizes.d_head)) for _ in range(3))  # (T, d) each
        print(f"  T = {n}", flush=True)
        times = compare_times({
            "naive": lambda q=q, k=k, v=v: scaled_dot_product_attention(q, k, v),
            "online": lambda q=q, k=k, v=v: online_softmax_attention(q, k, v),
        }, repeats=sizes.repeats if n <= 2048 else 3, min_sample_s=sizes.min_sample_s)
        rows.append({
            "T": n, "pattern": pattern_bytes(n),
            "naive_peak": peak_bytes(scaled_dot_product_attention, q, k, v),
            "online_peak": peak_bytes(online_softmax_attention, q, k, v),
            "naive_s": times["naive"], "online_s": times["online"],
        })
    return rows


def bench_mha(sizes: Sizes) -> dict:
    """attnlab's MultiHeadAttention (if present) vs nn.MultiheadAttention vs bare SDPA."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(2)
    torch.manual_seed(0)
    batch, n, d_model, n_heads = sizes.mha
    x = torch.randn(batch, n, d_model)  # (B, T, d_model)
    q = k = v = torch.randn(batch, n_heads, n, d_model // n_heads)  # (B, H, T, d_head)
    torch_mha = torch.nn.MultiheadAttention(d_model, n_heads, batch_first=True).eval()
    contenders = {"nn.MultiheadAttention": lambda: torch_mha(x, x, x, need_weights=False)}
    try:
        from attnlab.models.layers import MultiHeadAttention
    except ImportError as exc:
        ours, status = None, f"not present ({exc})"
    else:
        ours, status = MultiHeadAttention(d_model, n_heads).eval(), "present"
        contenders["attnlab MultiHeadAttention (fast path)"] = lambda: ours(x)
        contenders["attnlab MultiHeadAttention (need_weights=True)"] = lambda: ours(x, need_weights=True)
    contenders["bare SDPA (q, k, v given)"] = lambda: F.scaled_dot_product_attention(q, k, v)
    with torch.inference_mode():
        times = compare_times(contenders, repeats=sizes.repeats + 2, min_sample_s=sizes.min_sample_s)
    kernels = {name: ", ".join(op for op in torch_ops(fn) if "attention" in op) or "none"
               for name, fn in contenders.items()}  # which fused attention kernel each one ran
    return {"sizes": sizes.mha, "status": status, "times": times, "kernels": kernels}


def attention_layer_flops(n: int, d_model: int, n_heads: int) -> int:
    return n_heads * sum(head_flops(n, n, d_model, d_model // n_heads).values())


def bench_heads(sizes: Sizes) -> list[dict]:
    """Causal multi-head attention: a Python loop over heads vs all heads batched (NumPy)."""
    rows = []
    for n, d_model, n_heads in sizes.heads:
        x, maps, W_V_up = example_layer(n, d_model, n_heads)
        W_QKV, W_O = stack_heads(*maps, W_V_up)
        times = compare_times({
            "loop": lambda x=x, maps=maps, up=W_V_up: heads_in_a_loop(x, *maps, up, causal=True),
            "batched": lambda x=x, a=W_QKV, b=W_O, h=n_heads: heads_batched(x, a, b, h, causal=True),
        }, repeats=sizes.repeats + 2, min_sample_s=sizes.min_sample_s)
        rows.append({"T": n, "d_model": d_model, "n_heads": n_heads,
                     "flops": attention_layer_flops(n, d_model, n_heads), **times})
    return rows


def bench_sequential(sizes: Sizes) -> dict:
    """An RNN layer (T steps, one after the other) vs one causal attention layer (one step)."""
    n, d_model, n_heads = sizes.rnn
    x, maps, W_V_up = example_layer(n, d_model, n_heads, seed=1)
    W_QKV, W_O = stack_heads(*maps, W_V_up)
    rng = np.random.default_rng(2)
    W_x, W_h = ((rng.normal(size=(d_model, d_model)) / d_model**0.5).astype(np.float32) for _ in range(2))
    times = compare_times({
        "rnn": lambda: rnn_states(x, W_x, W_h),
        "attention": lambda: heads_batched(x, W_QKV, W_O, n_heads, causal=True),
    }, repeats=sizes.repeats + 2, min_sample_s=sizes.min_sample_s)
    return {"T": n, "d_model": d_model, "n_heads": n_heads, **times,
            "rnn_flops": sum(rnn_flops(n, d_model).values()),
            "attention_flops": attention_layer_flops(n, d_model, n_heads)}


def scaling_section(scaling: list[dict], sizes: Sizes) -> list[str]:
    return [
        "## 1. The pattern's memory: naive attention vs the online softmax",
        "",
        f"One head, d = {sizes.d_head}, float64. *Naive* is `attnlab.attention.scaled_dot_product_attention` "
        "(it builds the T×T pattern, plus temporaries of the same size); *online* is "
        "`attnlab.efficient.online_softmax_attention` (blocks of 128, running max and sum).",
        "",
        "| T | pattern (MiB) | naive peak (MiB) | online peak (MiB) | online peak ÷ pattern "
        "| naive (ms) | online (ms) | online ÷ naive time |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[f"| {row['T']} | {row['pattern'] / MiB:.2f} | {row['naive_peak'] / MiB:.2f} | "
          f"{row['online_peak'] / MiB:.2f} | {100 * row['online_peak'] / row['pattern']:.2f} % | "
          f"{ms(row['naive_s'])} | {ms(row['online_s'])} | {row['online_s'] / row['naive_s']:.2f} |"
          for row in scaling],
        "",
    ]


def mha_section(mha: dict) -> list[str]:
    batch, n, d_model, n_heads = mha["sizes"]
    base = mha["times"]["nn.MultiheadAttention"]
    return [
        "## 2. Multi-head attention in torch",
        "",
        f"B = {batch}, T = {n}, d_model = {d_model}, {n_heads} heads, float32, `torch.inference_mode()`, "
        f"2 threads, no mask. attnlab's module: {mha['status']}. *Bare SDPA* is "
        "`F.scaled_dot_product_attention` on ready-made q, k, v — the attention kernel alone, "
        "without the four projections.",
        "",
        "| contender | median (ms) | ÷ nn.MultiheadAttention | fused attention kernel it ran |",
        "|---|---:|---:|---|",
        *[f"| {name} | {ms(t)} | {t / base:.2f} | `{mha['kernels'][name]}` |"
          for name, t in mha["times"].items()],
        "",
    ]


def heads_section(heads: list[dict]) -> list[str]:
    return [
        "## 3. Heads: a Python loop vs one batched matmul",
        "",
        "Causal multi-head attention in NumPy (float32), `attnlab.parallel`: `heads_in_a_loop` "
        "(per head: project, attend, value-up) vs `heads_batched` (the heads' maps side by side: one "
        "product for every head's q, k, v, one batched attention call, one output product). "
        "The same FLOPs either way.",
        "",
        "| T | d_model | heads | GFLOP (both) | loop (ms) | batched (ms) | loop ÷ batched |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        *[f"| {row['T']} | {row['d_model']} | {row['n_heads']} | {row['flops'] / 1e9:.3f} | "
          f"{ms(row['loop'])} | {ms(row['batched'])} | {row['loop'] / row['batched']:.2f} |"
          for row in heads],
        "",
    ]


def sequential_section(s: dict) -> list[str]:
    rate = {name: s[f"{name}_flops"] / s[name] / 1e9 for name in ("rnn", "attention")}
    return [
        "## 4. Sequential vs parallel: an RNN's loop vs attention's single step",
        "",
        f"T = {s['T']} tokens, d_model = {s['d_model']}, float32 NumPy. The RNN "
        "(`attnlab.parallel.rnn_states`, h_t = tanh(x_t W_x + h_{t-1} W_h)) takes T steps, each waiting "
        f"for the last; causal attention ({s['n_heads']} heads, `heads_batched`) computes every position "
        "in one set of products.",
        "",
        "| | dependent steps | GFLOP | MFLOP per dependent step | median (ms) | GFLOP/s achieved |",
        "|---|---:|---:|---:|---:|---:|",
        f"| RNN | {s['T']} | {s['rnn_flops'] / 1e9:.3f} | {s['rnn_flops'] / s['T'] / 1e6:.2f} | "
        f"{ms(s['rnn'])} | {rate['rnn']:.1f} |",
        f"| attention | 1 | {s['attention_flops'] / 1e9:.3f} | {s['attention_flops'] / 1e6:.0f} | "
        f"{ms(s['attention'])} | {rate['attention']:.1f} |",
        "",
        f"Time RNN ÷ attention: **{s['rnn'] / s['attention']:.2f}**; arithmetic attention ÷ RNN: "
        f"{s['attention_flops'] / s['rnn_flops']:.2f}; rate attention ÷ RNN: "
        f"**{rate['attention'] / rate['rnn']:.2f}**. Two cores are already kept busy by one RNN step; "
        "the difference that matters on parallel hardware is the work available per dependent step "
        "(thousands of GPU cores need the attention-sized products).",
        "",
    ]

