"""Loading the course's weights into a learner's torch module (lesson 10): the state_dict names
the course's modules use (``qkv``/``out``, ``ln_1``, ``attn``, ``mlp.up``, …), or per-head maps
``W_Q, W_K, W_V_down (H, C, D)`` and ``b_Q, b_K, b_V (H, D)`` in place of ``qkv`` — converted both
ways — and a clear :class:`Mistake` naming the names when they do not fit."""

from __future__ import annotations

MISTAKE = "mistake: "  # a plain string (the grader sends answers back as plain data)


def Mistake(text: str) -> str:  # noqa: N802 — reads as the value it makes
    """What a learner's module gave instead of an output, shown as the check's reason."""
    return MISTAKE + text


def is_mistake(x) -> bool:
    return isinstance(x, str) and x.startswith(MISTAKE)


def mistake_text(x: str) -> str:
    return x[len(MISTAKE):]


# --- loading the course's weights into the learner's module ----------------------------------------


def per_head_state(state: dict, n_heads: int, prefix: str = "") -> dict:
    """The fused ``qkv`` weights of a state_dict as per-head ``W_Q, W_K, W_V_down (H, C, D)`` and
    ``b_Q, b_K, b_V (H, D)`` (for a learner who chose per-head maps); ``out`` stays as it is."""
    w, b = state[prefix + "qkv.weight"], state[prefix + "qkv.bias"]  # (3·H·D, C), (3·H·D,)
    three_hd, C = w.shape
    maps = w.reshape(3, n_heads, three_hd // (3 * n_heads), C).transpose(-1, -2)  # (3, H, C, D)
    biases = b.reshape(3, n_heads, -1)  # (3, H, D)
    rest = {k: v for k, v in state.items() if not k.startswith(prefix + "qkv.")}
    for i, name in enumerate(("Q", "K", "V_down")):
        rest[f"{prefix}W_{name}"] = maps[i].contiguous()
        rest[f"{prefix}b_{name.split('_')[0]}"] = biases[i].contiguous()
    return rest


def fused_state(state: dict) -> dict:
    """The inverse of :func:`per_head_state`: per-head ``W_Q, W_K, W_V_down`` and ``b_Q, b_K, b_V``
    back into fused ``qkv.weight (3·H·D, C)`` and ``qkv.bias`` (the course's names)."""
    import torch

    out = dict(state)
    for prefix in sorted(k[:-3] for k in state if k.endswith("W_Q")):
        maps = [out.pop(f"{prefix}W_{n}") for n in ("Q", "K", "V_down")]  # 3 × (H, C, D)
        biases = [out.pop(f"{prefix}b_{n}") for n in ("Q", "K", "V")]  # 3 × (H, D)
        out[prefix + "qkv.weight"] = torch.cat([m.transpose(-1, -2).reshape(-1, m.shape[1]) for m in maps])
        out[prefix + "qkv.bias"] = torch.cat([b.reshape(-1) for b in biases])
    return out


def _describe(state: dict) -> str:
    return ", ".join(f"{k} {tuple(v.shape)}" for k, v in state.items())


def load_course_weights(module, state: dict, n_heads: int):
    """Load ``state`` (a course module's state_dict) into the learner's ``module``, converting to
    per-head names if the module uses them → the module, or a :class:`Mistake` naming the names."""
    import torch

    theirs = module.state_dict()
    if any(k.endswith("W_Q") for k in theirs):
        prefixes = {k[:-3] for k in theirs if k.endswith("W_Q")}
        for p in prefixes:
            state = per_head_state(state, n_heads, p)
    missing = [k for k in state if k not in theirs]
    extra = [k for k in theirs if k not in state]
    shapes = [k for k in state if k in theirs and tuple(theirs[k].shape) != tuple(state[k].shape)]
    if missing or extra or shapes:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing[:4])}{' …' if len(missing) > 4 else ''}")
        if extra:
            parts.append(f"unexpected {', '.join(extra[:4])}{' …' if len(extra) > 4 else ''}")
        if shapes:
            k = shapes[0]
            parts.append(f"{k} has shape {tuple(theirs[k].shape)}, the course's {tuple(state[k].shape)}")
        buffers = {name for name, _ in module.named_buffers()}
        saved = [k for k in extra if k in buffers]
        if saved and not missing and not shapes and len(saved) == len(extra):
            return Mistake(f"{', '.join(saved[:4])} is a buffer saved in your state_dict, so the course's "
                           "checkpoint (parameters only) does not load into it: register it with "
                           "persistent=False, or build the mask in forward")
        return Mistake(f"wrong state_dict names — {'; '.join(parts)}. The course's: {_describe(state)}")
    with torch.no_grad():
        module.load_state_dict(state)
    return module.eval()


