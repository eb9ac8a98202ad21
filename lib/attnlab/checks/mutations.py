"""The slips one edit makes in a function's source: every way to change one node of its code.

A learner's wrong answer is most often the right code with one thing changed: ``min`` for ``max``,
another axis, no ``keepdims``, the diagonal left out of ``tril``, ``+`` for ``-``, one operand of a
sum forgotten, a square root dropped, one name used for another, one too many or too few. The
operators below are these edits, for ANY function — none knows an exercise. :func:`edits` yields each
edit of one function's syntax tree as ``(what it says, the changed tree)``;
:mod:`attnlab.checks.mutants` runs the course's code so changed and names the edit whose answers
are the learner's on every case.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

# the functions one writes for another (np.max for np.min …), with what the swap means
SWAPS = {
    "max": ("min",), "min": ("max",), "maximum": ("minimum",), "minimum": ("maximum",),
    "amax": ("amin",), "amin": ("amax",), "argmax": ("argmin",), "argmin": ("argmax",),
    "exp": ("exp2",), "log": ("log2", "log10"), "log2": ("log", "log10"), "log10": ("log2", "log"),
    "tril": ("triu",), "triu": ("tril",), "sum": ("mean", "max"), "mean": ("sum", "max"),
    "cos": ("sin",), "sin": ("cos",), "ones": ("zeros",), "zeros": ("ones",),
}
AXES = ("axis", "dim")  # keywords whose value picks an axis
DIAGONALS = ("k", "diagonal")  # tril/triu's offset
DIAGONAL_CALLS = ("tril", "triu")
BINOPS = {ast.Add: (ast.Sub,), ast.Sub: (ast.Add,), ast.Mult: (ast.Div,), ast.Div: (ast.Mult, ast.FloorDiv)}
COMPARES = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}
SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.MatMult: "@",
          ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
DOES = {ast.Add: "adds", ast.Sub: "subtracts", ast.Mult: "multiplies", ast.Div: "divides",
        ast.FloorDiv: "divides rounding down to a whole number"}
_ONE_TERM = {ast.Add: ": it replaces the sum by one of its terms, nothing is added to it"}
MODULES = ("np", "math", "torch", "F", "nn")  # a module's functions are swapped by SWAPS, not as parts
SHORT = 46


def code(node: ast.AST) -> str:
    """``node`` as code, on one line of at most :data:`SHORT` characters."""
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= SHORT else text[: SHORT - 2] + " …"


def _said(before: ast.AST, after: ast.AST, why: str) -> str:
    return f"`{code(before)}` → `{code(after)}`" + (f" ({why})" if why else "")


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _names(fn_def: ast.FunctionDef) -> list[str]:
    """The function's parameters and the names it assigns: what one name may be written for another."""
    names = [a.arg for a in fn_def.args.args + fn_def.args.kwonlyargs]
    for node in ast.walk(fn_def):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in names:
            names.append(node.id)
    return names


def _skipped(fn_def: ast.FunctionDef) -> set[int]:
    """The nodes not worth changing: the docstring, and the code that guards the inputs — every
    statement that holds a ``raise`` (validation is not what a learner writes)."""
    out: set[int] = set()
    for node in ast.walk(fn_def):
        guard = isinstance(node, ast.stmt) and node is not fn_def and any(
            isinstance(n, ast.Raise) for n in ast.walk(node))
        if guard or isinstance(node, ast.Assert) or (
                isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            out.update(id(n) for n in ast.walk(node))
    return out


def _attributes(fn_def: ast.FunctionDef, skipped: set[int]) -> dict[str, list[str]]:
    """The attributes the function reads of each name (``block``: ``attn``, ``ln_1``, ``mlp`` …)
    outside the code that guards its inputs."""
    found: dict[str, list[str]] = {}
    for node in ast.walk(fn_def):
        if id(node) in skipped or not isinstance(node, ast.Attribute) or not isinstance(node.value, ast.Name):
            continue
        if node.value.id not in MODULES and not node.attr.isupper():
            seen = found.setdefault(node.value.id, [])
            if node.attr not in seen:
                seen.append(node.attr)
    return found


def _node_edits(node: ast.AST, names: list[str], parent: ast.AST | None,
                attributes: dict[str, list[str]]) -> Iterator[tuple[str, ast.AST]]:
    """``(what the edit means, the node that replaces ``node``)`` for each one-node edit."""
    whole = _int(node)
    if whole is not None and _int(parent) is None:  # -1 is one number, not 1 negated
        index = isinstance(parent, ast.Subscript)
        for step, more in ((1, "one more"), (-1, "one less")):
            new = whole + step
            yield (f"index {new}, not {whole}" if index else f"{new}, not {whole}: {more}"), ast.Constant(new)
        return
    if isinstance(node, ast.Attribute) and node.attr in SWAPS:
        for other in SWAPS[node.attr]:
            new = ast.Attribute(node.value, other, node.ctx)
            yield f"{other} where {node.attr} belongs", new
    part = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    if part and isinstance(node.ctx, ast.Load):
        for other in attributes.get(node.value.id, ()):  # block.ln_1 for block.ln_2: a sibling part
            if other != node.attr:
                yield f"{other} where {node.attr} belongs", ast.Attribute(node.value, other, ast.Load())
    if isinstance(node, ast.Attribute) and node.attr == "T":
        yield "not transposed", node.value
    if isinstance(node, ast.Call):
        yield from _call_edits(node)
    if isinstance(node, ast.BinOp):
        yield from _binop_edits(node)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and _int(node) is None:
        yield "the sign left out", node.operand
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in COMPARES:
        new = ast.Compare(node.left, [COMPARES[type(node.ops[0])]()], node.comparators)
        yield "one off at the boundary", new
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names:
        for other in names:
            if other != node.id:
                yield f"{other} where {node.id} belongs", ast.Name(other, ast.Load())


def _int(node) -> int | None:
    """The whole number a node is (``3``, ``-1``), else ``None``."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    negative = isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
    if negative and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int:
        return -node.operand.value
    return None


def _call_edits(call: ast.Call) -> Iterator[tuple[str, ast.AST]]:
    name = _call_name(call)
    if isinstance(call.func, ast.Name) and name in SWAPS:
        for other in SWAPS[name]:
            new = ast.Call(ast.Name(other, ast.Load()), call.args, call.keywords)
            yield f"{other} where {name} belongs", new
    for i, kw in enumerate(call.keywords):
        rest = call.keywords[:i] + call.keywords[i + 1:]
        if kw.arg in AXES:
            was = ast.unparse(kw.value)
            for axis in ("-1", "-2", "0", "1"):
                if axis != was:
                    keywords = list(call.keywords)
                    keywords[i] = ast.keyword(kw.arg, ast.parse(axis).body[0].value)
                    new = ast.Call(call.func, call.args, keywords)
                    yield f"over {kw.arg}={axis} where the course's has {kw.arg}={was}", new
            yield f"over the whole array, not {kw.arg}={was}", ast.Call(call.func, call.args, rest)
        if kw.arg == "keepdims":
            new = ast.Call(call.func, call.args, rest)
            yield "without keepdims=True: the reduced axis is gone, it broadcasts wrongly", new
    offset = any(kw.arg in DIAGONALS for kw in call.keywords)
    if name in DIAGONAL_CALLS and not offset and len(call.args) == 1:
        for k in (-1, 1):
            new = ast.Call(call.func, call.args, call.keywords + [ast.keyword("k", ast.Constant(k))])
            yield "the diagonal left out" if k < 0 else "one diagonal too many", new
    if call.args and not isinstance(call.args[0], ast.Starred):
        yield f"without {name or 'the call'}", call.args[0]
    if len(call.args) >= 2:
        swapped = ast.Call(call.func, [call.args[1], call.args[0], *call.args[2:]], call.keywords)
        yield "its first two arguments swapped", swapped


def _binop_edits(node: ast.BinOp) -> Iterator[tuple[str, ast.AST]]:
    op = type(node.op)
    for other in BINOPS.get(op, ()):
        new = ast.BinOp(node.left, other(), node.right)
        yield f"{SYMBOL[other]}: it {DOES[other]} where the course's {DOES[op]}", new
    if op is ast.MatMult:
        new = ast.BinOp(node.right, ast.MatMult(), node.left)
        yield "the product in the other order", new
    if op in (ast.Add, ast.Sub, ast.Mult, ast.Div):
        yield f"without the {SYMBOL[op]} {code(node.right)}{_ONE_TERM.get(op, '')}", node.left
    if op in (ast.Add, ast.Mult):
        yield f"without the {code(node.left)} {SYMBOL[op]}{_ONE_TERM.get(op, '')}", node.right
    inner = node.right
    if op in (ast.Div, ast.Sub) and isinstance(inner, ast.BinOp) and type(inner.op) in (ast.Mult, ast.Add):
        regrouped = ast.BinOp(ast.BinOp(node.left, node.op, inner.left), inner.op, inner.right)
        yield "the parentheses left out: precedence", regrouped


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, new: ast.AST):
        self.target, self.new = target, new

    def generic_visit(self, node):
        if node is self.target:
            return self.new
        return super().generic_visit(node)


def edits(fn_def: ast.FunctionDef, limit: int = 400) -> Iterator[tuple[str, ast.FunctionDef]]:
    """``(what it says, the function changed by one edit)`` for each edit of ``fn_def``'s body. What
    it says shows the edit in the smallest expression around it that reads on its own
    (``q.shape[-1]`` → ``q.shape[0]``, not ``-1`` → ``0``)."""
    skipped, names, n = _skipped(fn_def), _names(fn_def), 0
    attributes = _attributes(fn_def, skipped)
    parents = {id(child): node for node in ast.walk(fn_def) for child in ast.iter_child_nodes(node)}
    for stmt in fn_def.body:
        for node in ast.walk(stmt):
            if id(node) in skipped:
                continue
            shown = _shown(node, parents)
            for why, new in _node_edits(node, names, parents.get(id(node)), attributes):
                tree, target, around = copy.deepcopy((fn_def, node, shown))  # found again in the copy
                changed = _Replace(target, new).visit(tree)
                yield _said(shown, new if shown is node else around, why), ast.fix_missing_locations(changed)
                n += 1
                if n >= limit:
                    return


def _shown(node: ast.AST, parents: dict) -> ast.AST:
    """``node``, or the expression around it when ``node`` alone says little (a name, a number)."""
    shown = node
    while len(ast.unparse(shown)) < 12 and isinstance(parents.get(id(shown)), ast.expr) \
            and len(ast.unparse(parents[id(shown)])) <= SHORT:
        shown = parents[id(shown)]
    return shown
