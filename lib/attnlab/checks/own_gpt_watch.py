"""What ``check_train`` (lesson 10) measures of the learner's ``train``: two short seeded runs on a
small probe model, watched from outside the loop — each step's fresh gradient against what the
optimizer steps with (``zero_grad``, clipping), the learning rate (the schedule), the rows drawn
(seeding: two runs agree; a generator made once: the steps differ), the type of each loss kept, and
what the model learned. Plain data only, no expected answer (the judging is
:mod:`attnlab.checks.own_gpt_train`)."""

from __future__ import annotations

import contextlib
import io

from attnlab.checks.own_gpt_probes import _torch, one_thread
from attnlab.checks.own_gpt_weights import Mistake, is_mistake


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
        # the first forward of each of the first 3 steps (a loop may call the model more than once a step)
        if len(self.inputs) < min(3, len(self.lrs) + 1) and args and isinstance(args[0], self.torch.Tensor):
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
            try:
                losses = train(model, rows, steps)
            except (RuntimeError, ValueError) as exc:
                said = _cross_entropy_said(exc)
                if said is None:
                    raise
                return None, Mistake(said), False, watch
    changed = not all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))
    return model, losses, changed, watch


def _cross_entropy_said(exc) -> str | None:
    """What a shape error of ``F.cross_entropy`` means (logits and targets of (B, T, …) passed
    unflattened), or None for any other error."""
    text = str(exc)
    if not any(words in text for words in ("Expected target size", "Expected input batch_size",
                                           "1D target tensor expected", "only batches of spatial targets")):
        return None
    return (f"your train raised {type(exc).__name__}: {text.splitlines()[0][:160]} — F.cross_entropy takes "
            "logits (N, V) and targets (N,): flatten both, logits.flatten(0, 1) and targets.flatten()")


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
    if is_mistake(losses):
        return losses
    n_losses = len(losses) if isinstance(losses, list | tuple) else None
    found = {"returned": _type_names(losses), "n_losses": n_losses,
             "changed": changed, "optimizers": sorted(set(watch.optimizers)), "lrs": watch.lrs,
             "cos": watch.cos, "grad_norms": watch.grad_norms, "fresh_norms": watch.fresh_norms}
    _, _, _, again = _one_run(train, rows, steps, vocab_size, seed=2)
    found["batch"] = list(watch.inputs[0].shape) if watch.inputs else None  # what the model read at step 1
    found["same_rows"] = len(watch.inputs) > 1 and all(
        a.shape == watch.inputs[0].shape and torch.equal(a, watch.inputs[0]) for a in watch.inputs[1:])
    found["same_draws"] = len(watch.inputs) == len(again.inputs) and all(
        a.shape == b.shape and torch.equal(a, b) for a, b in zip(watch.inputs, again.inputs, strict=True))
    held = torch.as_tensor(held)
    model.eval()
    with torch.no_grad():
        logits = model(held[:, :-1]).flatten(0, 1)
        found["next_loss"] = float(F.cross_entropy(logits, held[:, 1:].flatten()))
        found["same_loss"] = float(F.cross_entropy(logits, held[:, :-1].flatten()))
        before = model(held[:, 1:]).flatten(0, 1)  # reading each word, the one before it
        found["previous_loss"] = float(F.cross_entropy(before, held[:, :-1].flatten()))
    return found
