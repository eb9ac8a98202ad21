"""Which of the course's functions make a lesson's answers (what its grading build leaves out).

A lesson's check modules import the library functions they make expected answers from; a check's
``helpers={"stable_softmax": softmax}`` declares a function the reference of an exercise. From these
(read from the source, nothing run) :func:`left_out` says what lesson L's build replaces: every
exercise reference of L and later lessons, and whatever else L's and later lessons' checks use —
unless an earlier lesson hands it out as a tool (imports it in its notebook, as lesson 04 does
``scaled_dot_product_attention``, which lesson 07 then builds on). Classes stay whole
(configurations, the torch models lesson 09 hands the learner) — except an exercise's declared
counterparts (:attr:`Exercise.counterparts`: the course's ``Block`` when lesson 10 asks for a
``Block``), left out of that lesson's build.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from functools import cache
from pathlib import Path

import attnlab
from attnlab.checks.exercises import Exercise, of_lesson
from attnlab.paths import SOLUTIONS_DIR, lessons
from attnlab.yours.collect import python_of

PACKAGE = Path(attnlab.__file__).resolve().parent
_GRADER = ("attnlab.checks", "attnlab.course")  # not library code: never a reference
_RUNNER = ("attnlab.course.runner",)  # what runs inside a sandbox; its imports are all that stays of them


def _exercises(lesson: str) -> list[Exercise]:
    return of_lesson(lesson)


def _module_file(name: str) -> Path | None:
    """The source of an attnlab module, found in the tree (nothing is imported)."""
    parts = name.split(".")
    if parts[0] != "attnlab":
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imported(module_name: str, seen: set[str]) -> set[tuple[str, str]]:
    """The library objects (module, qualname) a check module — and the check modules it imports,
    but not the checking machinery — import, anywhere in its code."""
    if module_name in seen:
        return set()
    seen.add(module_name)
    path = _module_file(module_name)
    if path is None:
        return set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[tuple[str, str]] = set()
    modules: dict[str, object] = {}  # alias -> an imported library module (its attributes used)
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module or not node.module.startswith("attnlab"):
            continue
        for alias in node.names:
            if node.module.startswith("attnlab.checks"):  # a check module's own helpers count for it
                sub = f"{node.module}.{alias.name}"
                for name in (node.module, sub):
                    if name != "attnlab.checks" and name not in machinery() and _module_file(name):
                        found |= _imported(name, seen)
                continue
            if node.module.startswith(_GRADER):
                continue
            try:
                obj = getattr(importlib.import_module(node.module), alias.name, None)
                if obj is None and _module_file(f"{node.module}.{alias.name}"):
                    obj = importlib.import_module(f"{node.module}.{alias.name}")
            except ImportError:
                obj = None
            if inspect.ismodule(obj):
                modules[alias.asname or alias.name] = obj
            elif obj is not None:
                found |= _named(obj)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            found |= _named(getattr(modules[node.value.id], node.attr, None))
    return found


def _named(obj) -> set[tuple[str, str]]:
    module = getattr(obj, "__module__", None)
    if not inspect.isfunction(obj) or not isinstance(module, str):  # classes: see the module's docstring
        return set()
    if not module.startswith("attnlab.") or module.startswith(_GRADER):
        return set()
    return {(module, obj.__qualname__)}


def _closure(roots: tuple[str, ...]) -> set[str]:
    """The attnlab.checks / attnlab.course modules ``roots`` import, directly or not."""
    found, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        path = _module_file(name)
        if path is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{a.name}" if _module_file(f"{node.module}.{a.name}") else node.module
                         for a in node.names]
            else:
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            todo += [n for n in names if n.startswith(_GRADER) and n not in _GRADER and _module_file(n)]
    return found


@cache
def machinery() -> frozenset[str]:
    return frozenset(_closure(_RUNNER))


@cache
def references() -> dict[tuple[str, str], str]:
    """(module, qualname) of each library function or class a lesson's checks make answers from ->
    the earliest lesson whose checks use it."""
    import attnlab.checks as checks

    owner: dict[tuple[str, str], str] = {}
    for lesson in lessons():
        for ex in _exercises(lesson):
            check = getattr(checks, ex.check, None)
            if check is None:
                continue
            for name in _imported(check.__module__, set()):
                owner.setdefault(name, lesson)
    return owner


@cache
def signatures() -> dict[str, inspect.Signature]:
    """Exercise function name -> its signature as the exercise declares it (every lesson)."""
    found = {}
    for lesson in lessons():
        for ex in _exercises(lesson):
            node = ast.parse(f"{ex.signature}: pass").body[0]
            if isinstance(node, ast.FunctionDef):
                found[ex.name] = _signature(node.args)
    return found


def _signature(args: ast.arguments) -> inspect.Signature:
    P = inspect.Parameter
    params = []
    positional = args.posonlyargs + args.args
    defaults = [P.empty] * (len(positional) - len(args.defaults)) + [None] * len(args.defaults)
    for i, (arg, default) in enumerate(zip(positional, defaults, strict=True)):
        kind = P.POSITIONAL_ONLY if i < len(args.posonlyargs) else P.POSITIONAL_OR_KEYWORD
        params.append(P(arg.arg, kind, default=default))
    if args.vararg:
        params.append(P(args.vararg.arg, P.VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append(P(arg.arg, P.KEYWORD_ONLY, default=P.empty if default is None else None))
    if args.kwarg:
        params.append(P(args.kwarg.arg, P.VAR_KEYWORD))
    return inspect.Signature(params)


def in_checks(fn) -> bool:
    """True for a function the checks define (a helper's reference written for a check)."""
    return str(getattr(fn, "__module__", "")).startswith(_GRADER)


def kept_for(reference) -> frozenset:
    """What a stand-in run for ``reference`` keeps: the function itself, or — for one the checks
    define (sent by value, :func:`attnlab.course.execute.plan_bytes`) — the library functions it calls."""
    if not in_checks(reference):
        return frozenset({(reference.__module__, reference.__qualname__)})
    code, names = getattr(reference, "__code__", None), set()
    todo = [code] if code is not None else []
    while todo:
        code = todo.pop()
        names |= set(code.co_names)
        todo += [c for c in code.co_consts if hasattr(c, "co_names")]
    found = set()
    for name in names:
        value = reference.__globals__.get(name)
        if inspect.ismodule(value):
            found |= {key for key in references() if key[0] == value.__name__}
        else:
            found |= _named(value)
    return frozenset(found)


def _dotted(node, namespace: dict):
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        return getattr(_dotted(node.value, namespace), node.attr, None)
    return None


@cache
def declared() -> dict[tuple[str, str], str]:
    """(module, qualname) of each library function a check declares as an exercise's reference
    (``helpers={"stable_softmax": softmax}``) -> the lesson of that exercise."""
    import attnlab.checks as checks

    lesson_of = {ex.name: lesson for lesson in lessons() for ex in _exercises(lesson)}
    modules = {getattr(checks, ex.check).__module__ for lesson in lessons() for ex in _exercises(lesson)
               if hasattr(checks, ex.check)}
    found: dict[tuple[str, str], str] = {}
    for name in sorted(modules):
        namespace = vars(sys.modules[name])
        for node in ast.walk(ast.parse(_module_file(name).read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict):
                continue
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in lesson_of:
                    for ref in _named(_dotted(value, namespace)):
                        found.setdefault(ref, lesson_of[key.value])
    return found


@cache
def handed_out(lesson: str) -> frozenset:
    """The library functions ``lesson``'s notebook imports (what the learner is given to use)."""
    import nbformat

    nb = nbformat.read(SOLUTIONS_DIR / f"{lesson}.ipynb", as_version=4)
    found = set()
    for cell in nb.cells:
        try:
            tree = ast.parse(python_of(cell.source)) if cell.cell_type == "code" else None  # %pip too
        except SyntaxError:
            continue
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("attnlab"):
                for alias in node.names:
                    try:
                        found |= _named(getattr(importlib.import_module(node.module), alias.name, None))
                    except ImportError:
                        continue
    return frozenset(found)


def left_out(lesson: str, keep: frozenset = frozenset()) -> dict[str, set[str]]:
    """Module -> the qualnames lesson ``lesson``'s build replaces: the reference of every exercise
    of this or a later lesson, and whatever else this or later lessons' checks make answers from —
    unless an earlier lesson hands it out as a tool."""
    order = lessons()
    at = order.index(lesson) if lesson in order else 0
    given = frozenset().union(*(handed_out(m) for m in order[:at]))  # what earlier lessons hand out
    found: dict[str, set[str]] = {}
    exercise_of = declared()
    for name, owner in references().items():
        if name in keep:
            continue
        if name in exercise_of:  # an exercise's own reference: out until the learner has written it
            if order.index(exercise_of[name]) >= at:
                found.setdefault(name[0], set()).add(name[1])
        elif order.index(owner) >= at and name not in given:  # a later lesson's, not handed out
            found.setdefault(name[0], set()).add(name[1])
    for ex in _exercises(lesson):  # the course's classes this lesson's exercises write again
        for dotted in ex.counterparts:
            module, qualname = dotted.rsplit(".", 1)
            if (module, qualname) not in keep:
                found.setdefault(module, set()).add(qualname)
    return found
