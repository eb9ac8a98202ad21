"""What lesson 10's checks measure of the learner's torch classes and ``train``: the half of each
check that runs beside the learner's code.

Each probe builds the learner's class, loads weights it is given into it (the course's names,
:func:`~attnlab.checks.own_gpt_weights.load_course_weights`), runs it, and returns plain data only:
outputs, parameter counts, and what it measured on the way. A probe holds no reference code and
no expected answer — those stay with the judging half (:mod:`attnlab.checks.own_gpt`) — so
``attnlab-grade`` can send probes into a grading sandbox by value and judge what comes back outside
it (:class:`~attnlab.checks.calling.Through`).

- :func:`attention_probe` — the output, and the same module run on altered inputs or weights: a
  later token changed (causality), the heads' weights permuted (an invariance: heads are summed),
  the queries scaled by the factors a wrong √ would cancel (the scale), and weights whose output
  *is* each pattern row's sum (rows must sum to 1).
- :func:`block_probe`, :func:`gpt_probe` — outputs, a later token changed, the weights the output
  does not depend on (each nudged in turn); for the GPT also its parameter count, how a fresh one
  is initialised (each parameter's std and mean) and whether it keeps ``self.config``.
- ``train`` is watched by :mod:`attnlab.checks.own_gpt_watch`.
"""

from __future__ import annotations

import contextlib
import re

from attnlab.checks.own_gpt_weights import Mistake, is_mistake, load_course_weights


def _torch():
    import torch

    return torch


@contextlib.contextmanager
def one_thread():
    """Torch on one thread inside (a tiny model is fastest so, and a busy machine does not stall
    it), the caller's thread count put back after."""
    torch = _torch()
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def built(cls, args: tuple, state: dict, n_heads: int):
    """``cls(*args)`` (seeded, without touching the caller's random state) holding ``state`` → the
    module in eval mode, or a Mistake naming the names that do not fit."""
    torch = _torch()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        module = cls(*args)
    return load_course_weights(module, state, n_heads)


def as_output(got, what: str = "a tensor (B, T, C)"):
    """The tensor a forward returned, detached — or a Mistake saying what it was instead."""
    torch = _torch()
    if isinstance(got, tuple) and got and isinstance(got[0], torch.Tensor):
        return Mistake(f"forward returned a tuple of {len(got)} — return only the output, {what}")
    if not isinstance(got, torch.Tensor):
        return Mistake(f"forward returned {type(got).__name__}, expected {what}")
    return got.detach().clone()


def run(module, x, what: str = "a tensor (B, T, C)"):
    """``module(x)`` detached, or a Mistake: what it returned instead, or that it changed ``x``."""
    torch = _torch()
    if is_mistake(module):
        return module
    given = x.clone()
    with torch.no_grad():
        out = as_output(module(given), what)
    if given.shape != x.shape or not torch.equal(given, x):
        return Mistake("your forward changed its input x in place (x += … or an in-place op on x): write "
                       "x = x + … — the caller's tensor, and the copy autograd saved of it, must stay as "
                       "they were")
    return out


def later_changed(x, vocab_size: int = 0):
    """``x`` with its last position changed: an embedding ``(B, T, C)``, or a word (ids ``(B, T)``
    below ``vocab_size``)."""
    later = x.clone()
    if later.dtype.is_floating_point:
        later[:, -1] += 3.0
    else:
        later[:, -1] = (later[:, -1] + 1) % vocab_size
    return later


# --- weights altered on purpose (the fused qkv layout: all queries, then keys, then values) -------


def _fused(state: dict, n_heads: int):
    w, b = state["qkv.weight"].clone(), state["qkv.bias"].clone()  # (3·H·D, C), (3·H·D,)
    return w, b, w.shape[0] // 3


def heads_permuted(state: dict, n_heads: int) -> dict:
    """The same attention with its heads in reverse order: what each head reads (its rows of
    ``qkv``) and writes (its columns of ``out``) move together, so the summed output must not change."""
    w, b, hd = _fused(state, n_heads)
    C, d = w.shape[1], hd // n_heads
    order = _torch().arange(n_heads).flip(0)
    out = state["out.weight"].reshape(-1, n_heads, d)[:, order].reshape(-1, hd)  # (C, H·D)
    return {**state, "qkv.weight": w.reshape(3, n_heads, d, C)[:, order].reshape(3 * hd, C),
            "qkv.bias": b.reshape(3, n_heads, d)[:, order].reshape(-1), "out.weight": out}


def queries_scaled(state: dict, n_heads: int, factor: float) -> dict:
    """Every query multiplied by ``factor``: scores ``factor`` × larger."""
    w, b, hd = _fused(state, n_heads)
    w[:hd] *= factor
    b[:hd] *= factor
    return {**state, "qkv.weight": w, "qkv.bias": b}


def row_sum_weights(state: dict, n_heads: int) -> dict:
    """Weights under which the output is each pattern row's sum: every value is 1 (zero value map,
    bias 1) and ``out`` passes the heads through (identity, no bias) → output ``(B, T, H·D)``, head
    ``h``'s block holding ``sum_j pattern[h, t, j]`` at position t."""
    torch = _torch()
    w, b, hd = _fused(state, n_heads)
    w[2 * hd:] = 0.0
    b[2 * hd:] = 1.0
    eye = torch.eye(state["out.weight"].shape[0], hd)
    return {**state, "qkv.weight": w, "qkv.bias": b, "out.weight": eye,
            "out.bias": torch.zeros_like(state["out.bias"])}


def shared_out_weights(state: dict, n_heads: int) -> dict:
    """Every head writes through the same value-up map (``out``'s column blocks all head 0's) and
    ``out`` has no bias: the course's output is then H × what averaging the heads would give."""
    torch = _torch()
    d = state["out.weight"].shape[1] // n_heads
    first = state["out.weight"][:, :d]
    return {**state, "out.weight": first.repeat(1, n_heads), "out.bias": torch.zeros_like(state["out.bias"])}


def altered(state: dict, n_heads: int, d_head: int) -> dict[str, dict]:
    """The weights the attention probe also runs on, by name (the judging half runs the course's
    module on the same ones)."""
    found = {"heads_permuted": heads_permuted(state, n_heads), "row_sums": row_sum_weights(state, n_heads),
             "shared_out": shared_out_weights(state, n_heads)}
    for name, factor in scale_factors(n_heads, d_head).items():
        found[f"q_scaled_{name}"] = queries_scaled(state, n_heads, factor)
    return found


def scale_factors(n_heads: int, d_head: int) -> dict[str, float]:
    """Query factors that cancel a wrong scale: a module dividing by √C, by D, or by nothing
    matches the course's output exactly when its queries are scaled by √H, √D, 1/√D."""
    return {"C": n_heads ** 0.5, "D1": d_head ** 0.5, "none": d_head ** -0.5}


_MISMATCH = re.compile(r"size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)")
_AXES = {"B": "the batch", "T": "positions", "C": "d_model", "H": "heads", "D": "the head size",
         "V": "the vocabulary", "context_length": "the longest context"}
MIXED_AXES = ("two axes are out of order — q, k and v should each be (B, H, T, D) (view as (B, T, 3, H, D), "
              "then permute) before q @ k.transpose(-2, -1)")
FIXED_SIZE = "a tensor of a size fixed in your code meets this input: build it from x.shape (a mask: T × T)"


def axes_said(exc, sizes: dict[str, int], mixed: str = MIXED_AXES, fixed: str = FIXED_SIZE) -> str | None:
    """A forward's size mismatch said by axis (``5 is T (positions), 3 is H (heads)``; a size no axis
    of this input has is one fixed in the code), then ``mixed`` or ``fixed`` — or None."""
    text = str(exc)
    found = _MISMATCH.search(text)
    if not found:
        return None
    said, unknown = [], False
    for n in map(int, found.groups()):
        axes = [axis for axis, size in sizes.items() if size == n]
        unknown |= not axes
        said.append(f"{n} is " + (" or ".join(f"{a} ({_AXES[a]})" for a in axes) if axes
                                  else "none of this input's sizes"))
    if all(s.endswith("none of this input's sizes") for s in said):
        return None
    return (f"your forward raised {type(exc).__name__}: {text.splitlines()[0][:160]} — {said[0]}, {said[1]}: "
            + (fixed if unknown else mixed))


def first_run(output, sizes: dict[str, int], **advice):
    """``output()``, or a Mistake saying a size mismatch it raised by axis (other errors propagate)."""
    try:
        return output()
    except RuntimeError as exc:
        said = axes_said(exc, sizes, **advice)
        if said is None:
            raise
        return Mistake(said)


def attention_probe(cls, d_model: int, n_heads: int, state: dict, x):
    """The learner's ``MultiHeadAttention(d_model, n_heads)`` holding ``state``, on ``x (B, T, C)``
    and on the probes of the module's docstring → a dict of outputs (or a Mistake)."""
    def output(weights, inputs=x):
        return run(built(cls, (d_model, n_heads), weights, n_heads), inputs)

    with one_thread():
        B, T, C = x.shape
        module = built(cls, (d_model, n_heads), state, n_heads)
        out = first_run(lambda: run(module, x), {"B": B, "T": T, "C": C, "H": n_heads, "D": C // n_heads})
        if is_mistake(out):
            return out
        found = {"out": out, "later": output(state, later_changed(x)),
                 "unused": unused(module, state, n_heads, x, out, "a tensor (B, T, C)")}
        for name, weights in altered(state, n_heads, d_model // n_heads).items():
            found[name] = output(weights)
        return found


def nudged(tensor):
    """``tensor`` plus a fixed uneven pattern (entries up to 0.3): a weight the module uses moves
    its output."""
    torch = _torch()
    wave = torch.cos(torch.arange(tensor.numel(), dtype=torch.float64) * 1.7 + 0.5)
    return tensor + (0.3 * wave).to(tensor.dtype).reshape(tensor.shape)


def tied(state: dict) -> list[list[str]]:
    """The names of ``state`` grouped by equal tensors (a tied unembedding is one weight: nudged
    alone, loading the other name would put it back)."""
    torch = _torch()
    groups: list[list[str]] = []
    for key, value in state.items():
        same = [g for g in groups if state[g[0]].shape == value.shape and torch.equal(state[g[0]], value)]
        same[0].append(key) if same else groups.append([key])
    return groups


def unused(module, state: dict, n_heads: int, x, out, what: str) -> list[str]:
    """The names of ``state`` whose change leaves ``module``'s output on ``x`` exactly ``out``: weights
    the learner's forward never reads (a layer built but not called, one called twice in its place)."""
    torch = _torch()
    found = []
    for keys in tied(state):
        again = run(load_course_weights(module, {**state, **{k: nudged(state[k]) for k in keys}}, n_heads),
                    x, what)
        if not is_mistake(again) and again.shape == out.shape and torch.equal(again, out):
            found += keys
    load_course_weights(module, state, n_heads)
    return found


def block_probe(cls, d_model: int, n_heads: int, state: dict, x):
    """The learner's ``Block(d_model, n_heads)`` holding ``state``: its output on ``x``, on ``x``
    with a later token changed, and the weights its output does not depend on."""
    with one_thread():
        module = built(cls, (d_model, n_heads), state, n_heads)
        B, T, C = x.shape
        out = first_run(lambda: run(module, x), {"B": B, "T": T, "C": C, "H": n_heads, "D": C // n_heads},
                        mixed="two axes are out of order: x stays (B, T, C) through the block")
        if is_mistake(out):
            return out
        return {"out": out, "later": run(module, later_changed(x)),
                "unused": unused(module, state, n_heads, x, out, "a tensor (B, T, C)")}


def fresh_init(module) -> dict[str, tuple[float, float]]:
    """Each parameter of a freshly built module → (std, mean): how it was initialised."""
    torch = _torch()
    with torch.no_grad():
        return {name: (float(p.double().std()) if p.numel() > 1 else 0.0, float(p.double().mean()))
                for name, p in module.named_parameters()}


def config_kept(module, config) -> str:
    """``"same"`` if ``module.config`` is the config it was built with, ``"missing"``, or what it is."""
    if not hasattr(module, "config"):
        return "missing"
    try:
        return "same" if bool(module.config == config) else type(module.config).__name__
    except Exception:  # noqa: BLE001 — a learner's object may fail to compare
        return type(module.config).__name__


POSITIONS = ("idx is (B, T) and the stream x (B, T, C): the position embeddings are "
             "pos_emb(torch.arange(T)), T = idx.shape[1] — one per position of this input, not of the "
             "longest context")


def gpt_probe(cls, config, state: dict, idx):
    """The learner's ``GPT(config)`` holding ``state`` (the course's checkpoint): logits on ``idx``
    and with a later word changed, and how many parameters it has (a shared one counted once)."""
    torch = _torch()
    with one_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        module = cls(config)
        if not hasattr(module, "parameters"):
            return Mistake(f"GPT(config) built a {type(module).__name__}, not a torch nn.Module")
        n_params = sum(p.numel() for p in module.parameters())
        init, kept = fresh_init(module), config_kept(module, config)
        module = load_course_weights(module, state, config.n_heads)
        what = "logits (B, T, V)"
        B, T = idx.shape
        c = config
        sizes = {"B": B, "T": T, "C": c.d_model, "V": c.vocab_size, "context_length": c.context_length}
        logits = first_run(lambda: run(module, idx, what), sizes, mixed=POSITIONS, fixed=POSITIONS)
        if is_mistake(logits):
            return logits
        return {"logits": logits, "later": run(module, later_changed(idx, config.vocab_size), what),
                "n_params": n_params, "init": init, "config": kept,
                "unused": unused(module, state, config.n_heads, idx, logits, what)}
