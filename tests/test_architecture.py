"""The shape of the package: layers import downwards only, and no module grows too large.

Every import counts, lazy ones inside functions too: a cycle hidden in a function is still
a cycle. `from naftiko.a import b` is an edge to `naftiko.a.b` when that is a module.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "runtime" / "naftiko"
MAX_LINES = 450
MAX_FUNCTION_LINES = 100
ANY = re.compile(r"\bAny\b")
# What adapters must not reach past the plan for.
BELOW_THE_PLAN = ("naftiko.consume", "naftiko.jsonpath", "naftiko.convert", "naftiko.shaping")


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("naftiko"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("naftiko"):
            module = node.module or ""
            for alias in node.names:
                child = f"{module}.{alias.name}"
                found.add(child if child in known else module)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) & set(known) for name, path in known.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_in_a_cycle() -> None:
    assert cycles(graph()) == []


def test_adapters_read_the_plan_not_what_builds_it() -> None:
    reached = {
        name: sorted(t for t in targets if t.startswith(BELOW_THE_PLAN))
        for name, targets in graph().items()
        if name.startswith("naftiko.expose")
    }
    assert {k: v for k, v in reached.items() if v} == {}


def test_no_adapter_imports_the_composition_root() -> None:
    """`serve/` assembles and starts the adapters; they never reach back into it."""
    reached = {
        name: sorted(t for t in targets if t.startswith("naftiko.serve"))
        for name, targets in graph().items()
        if name.startswith("naftiko.expose")
    }
    assert {k: v for k, v in reached.items() if v} == {}


def test_adapters_read_the_model_never_raw_yaml() -> None:
    """Every adapter kind is modelled (spec/model.py): nothing that serves reads a `.raw`."""
    found = []
    for folder in ("expose", "serve"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found += [
                f"{path.relative_to(PACKAGE)}:{node.lineno}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute) and node.attr == "raw"
            ]
    assert found == []


def test_no_module_is_longer_than_the_limit() -> None:
    lengths = {
        name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()
    }
    assert {k: v for k, v in lengths.items() if v > MAX_LINES} == {}


def test_no_function_is_longer_than_the_limit() -> None:
    found = {}
    for name, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found[f"{name}.{node.name}"] = length
    assert found == {}


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_cli_imports_no_private_names() -> None:
    """`cli/` parses, calls and prints: what it calls is public."""
    found = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("naftiko"):
                found += [
                    f"{path.name}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
    assert found == []


def _crossing() -> dict[str, set[str]]:
    """What each module hands to other packages: the names a module of another package
    imports from it ("*" when it imports the module itself: all it offers crosses)."""
    known = modules()
    found: dict[str, set[str]] = {}
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.module not in known:
                continue
            if _package(node.module) == _package(name):
                continue
            for alias in node.names:
                whole = f"{node.module}.{alias.name}"
                if whole in known:
                    found.setdefault(whole, set()).add("*")
                else:
                    found.setdefault(node.module, set()).add(alias.name)
    return found


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])  # naftiko.spec.model: naftiko.spec


def _with_any(node: ast.AST) -> list[str]:
    """The public signatures and fields of a function or class that are typed with `Any`."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        typed = ast.unparse(node.args) + " " + (ast.unparse(node.returns) if node.returns else "")
        return [node.name] if ANY.search(typed) else []
    if not isinstance(node, ast.ClassDef):
        return []
    found = []
    for member in node.body:
        if isinstance(member, ast.AnnAssign) and ANY.search(ast.unparse(member.annotation)):
            found.append(f"{node.name}.{ast.unparse(member.target)}")
        elif not getattr(member, "name", "_").startswith("_"):
            found += [f"{node.name}.{name}" for name in _with_any(member)]
    return found


def test_no_any_crosses_a_package_boundary() -> None:
    """What one package hands another is typed: a parsed document or value is `JSON`
    (jsontypes.py), a structure a TypedDict or a dataclass, never `Any`."""
    known = modules()
    found = []
    for module, names in sorted(_crossing().items()):
        tree = ast.parse(known[module].read_text(encoding="utf-8"))
        for node in tree.body:
            name = getattr(node, "name", "_")
            if name in names or ("*" in names and not name.startswith("_")):
                found += [f"{module}.{where}" for where in _with_any(node)]
    assert found == []


def test_the_boundary_check_sees_any_in_a_field_and_a_signature() -> None:
    tree = ast.parse(
        "class A:\n    data: Any\n    def get(self, key: str) -> dict[str, Any]: ...\n"
        "def f(x: JSON) -> Mapping[str, Any]: ..."
    )
    assert [where for node in tree.body for where in _with_any(node)] == ["A.data", "A.get", "f"]
