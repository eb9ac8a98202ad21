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
- :func:`block_probe`, :func:`gpt_probe` — outputs, a later token changed, the parameter count.
- :func:`train_probe` — a short seeded run of the learner's ``train`` on a small probe model,
  watched from outside the loop: each step's fresh gradient against what the optimizer steps with
  (``zero_grad``, clipping), the learning rate (the schedule), the rows drawn in two runs (seeding),
  the type of each loss kept, and what the model learned.
"""

from __future__ import annotations

import contextlib
import io

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
    if is_mistake(module):
        return module
    with _torch().no_grad():
        return as_output(module(x.clone()), what)


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


def attention_probe(cls, d_model: int, n_heads: int, state: dict, x):
    """The learner's ``MultiHeadAttention(d_model, n_heads)`` holding ``state``, on ``x (B, T, C)``
    and on the probes of the module's docstring → a dict of outputs (or a Mistake)."""
    def output(weights, inputs=x):
        return run(built(cls, (d_model, n_heads), weights, n_heads), inputs)

    with one_thread():
        out = output(state)
        if is_mistake(out):
            return out
        found = {"out": out, "later": output(state, later_changed(x))}
        for name, weights in altered(state, n_heads, d_model // n_heads).items():
            found[name] = output(weights)
        return found


def block_probe(cls, d_model: int, n_heads: int, state: dict, x):
    """The learner's ``Block(d_model, n_heads)`` holding ``state``: its output on ``x`` and on ``x``
    with a later token changed."""
    with one_thread():
        module = built(cls, (d_model, n_heads), state, n_heads)
        out = run(module, x)
        if is_mistake(out):
            return out
        return {"out": out, "later": run(module, later_changed(x))}


def gpt_probe(cls, config, state: dict, idx):
    """The learner's ``GPT(config)`` holding ``state`` (the course's checkpoint): logits on ``idx``
    and with a later word changed, and how many parameters it has (a shared one counted once)."""
    torch = _torch()
    with one_thread(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        module = cls(config)
        n_params = sum(p.numel() for p in module.parameters()) if hasattr(module, "parameters") else None
        module = load_course_weights(module, state, config.n_heads)
        what = "logits (B, T, V)"
        logits = run(module, idx, what)
        if is_mistake(logits):
            return logits
        return {"logits": logits, "later": run(module, later_changed(idx, config.vocab_size), what),
                "n_params": n_params}


# --- train -----------------------------------------------------------------------------------------


def probe_model(vocab_size: int):
    """A small next-word model that learns fast (a word's embedding, read out by a second table),
    deterministic from its own generator; its gradient is longer than 1 at first, so clipping shows."""
    torch = _torch()
    from torch import nn

    from attnlab.models.gpt import GPTConfig

    class ProbeLM(nn.Module):
        def __init__(self):
            super().__init__()
            g = torch.Generator().manual_seed(0)
            C = 16
            self.config = GPTConfig(vocab_size=vocab_size, context_length=16, d_model=C, n_heads=2,
                                    n_layers=1)
            self.tok_emb = nn.Parameter(torch.randn(vocab_size, C, generator=g))
            self.readout = nn.Parameter(torch.randn(vocab_size, C, generator=g) / C ** 0.5)

        def forward(self, idx):  # (B, T) -> (B, T, V)
            return 4.0 * self.tok_emb[idx] @ self.readout.T

    return ProbeLM()


class _Watch:
    """Around one run of ``train`` on ``model``: each backward's gradients (hooks on the parameters,
    before they are added to ``.grad``) and, at each optimizer step of ``model``'s parameters, what
    the optimizer steps with, its learning rate and type; the first inputs the model reads."""

    def __init__(self, model):
        self.model, self.params = model, list(model.parameters())
        self.fresh: dict[int, object] = {}
        self.cos, self.grad_norms, self.fresh_norms, self.lrs, self.optimizers = [], [], [], [], []
        self.inputs = []

    def __enter__(self):
        import torch.optim.optimizer as optim

        torch = _torch()
        hooks = [p.register_hook(self._fresh(i)) for i, p in enumerate(self.params)]
        hooks.append(optim.register_optimizer_step_pre_hook(self._step))
        hooks.append(self.model.register_forward_pre_hook(self._read))
        self.hooks = hooks
        self.torch = torch
        return self

    def __exit__(self, *exc):
        for hook in self.hooks:
            hook.remove()

    def _fresh(self, i):
        def keep(grad):
            self.fresh[i] = self.fresh.get(i, 0) + grad.detach().clone()
        return keep

    def _read(self, module, args):
        if len(self.inputs) < 3 and args and isinstance(args[0], self.torch.Tensor):
            self.inputs.append(args[0].detach().clone())

    def _step(self, optimizer, args, kwargs):
        torch = self.torch
        ours = {id(p) for group in optimizer.param_groups for p in group["params"]}
        if not any(id(p) in ours for p in self.params):
            return
        zeros = [torch.zeros_like(p) for p in self.params]
        grads = [p.grad if p.grad is not None else z for p, z in zip(self.params, zeros, strict=True)]
        g = torch.cat([grad.flatten() for grad in grads])
        f = torch.cat([self.fresh.get(i, z).flatten() for i, z in enumerate(zeros)])
        self.fresh.clear()
        gn, fn = float(g.norm()), float(f.norm())
        self.cos.append(float(g @ f) / (gn * fn) if gn > 0 and fn > 0 else 1.0)
        self.grad_norms.append(gn)
        self.fresh_norms.append(fn)
        self.lrs.append(float(optimizer.param_groups[0].get("lr", 0.0)))
        self.optimizers.append(type(optimizer).__name__)


def _one_run(train, rows, steps: int, vocab_size: int, seed: int):
    torch = _torch()
    model = probe_model(vocab_size)
    before = [p.detach().clone() for p in model.parameters()]
    with torch.random.fork_rng(devices=[]), _Watch(model) as watch:
        torch.manual_seed(seed)  # another global seed each run: only seeded draws repeat
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            losses = train(model, rows, steps)
    changed = not all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    return model, losses, changed, watch


def _type_names(losses) -> list[str] | str:
    if not isinstance(losses, list | tuple):
        return type(losses).__name__
    return sorted({"float" if type(x) is float else type(x).__name__ for x in losses})


def train_probe(train, rows, held, steps: int, vocab_size: int):
    """Two short runs of the learner's ``train(model, rows, steps)`` on :func:`probe_model`, each
    after another global seed → what was measured (a dict of plain data)."""

    with one_thread():
        return _train_probe(train, rows, held, steps, vocab_size)


def _train_probe(train, rows, held, steps: int, vocab_size: int):
    import torch.nn.functional as F

    torch = _torch()
    model, losses, changed, watch = _one_run(train, rows, steps, vocab_size, seed=1)
    n_losses = len(losses) if isinstance(losses, list | tuple) else None
    found = {"returned": _type_names(losses), "n_losses": n_losses,
             "changed": changed, "optimizers": sorted(set(watch.optimizers)), "lrs": watch.lrs,
             "cos": watch.cos, "grad_norms": watch.grad_norms, "fresh_norms": watch.fresh_norms}
    _, _, _, again = _one_run(train, rows, steps, vocab_size, seed=2)
    found["same_draws"] = len(watch.inputs) == len(again.inputs) and all(
        a.shape == b.shape and torch.equal(a, b) for a, b in zip(watch.inputs, again.inputs, strict=True))
    held = torch.as_tensor(held)
    model.eval()
    with torch.no_grad():
        logits = model(held[:, :-1]).flatten(0, 1)
        found["next_loss"] = float(F.cross_entropy(logits, held[:, 1:].flatten()))
        found["same_loss"] = float(F.cross_entropy(logits, held[:, :-1].flatten()))
    return found
