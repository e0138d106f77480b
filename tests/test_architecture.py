"""The package's layering, pinned: no import cycles, layers import only downwards, small files.

Every import counts: at the top of a module, inside functions, and under TYPE_CHECKING.
The only imports allowed to point upwards are the two ``Result`` keeps for its public
conveniences (``Result.console`` -> engines, ``Result.explain`` -> teach), both inside
the method that needs them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cors_spec"

#: What each layer may import from the package (besides itself). Facades and the top
#: level (``cors_spec``, ``cors_spec.browser``, ``cors_spec.errors``) are listed by name.
LAYERS: dict[str, set[str]] = {
    "errors": set(),
    "model": {"errors"},
    "engines": {"errors", "model"},
    "browser": {"errors", "model", "engines"},
    "scenario": {"errors", "model", "engines", "browser"},
    "teach": {"errors", "model", "engines", "browser", "scenario"},
    "oracle": {"errors", "model", "engines", "browser", "scenario", "teach"},
    "debug": {"errors", "model", "engines", "browser", "scenario", "teach", "oracle"},
    "cli": {"errors", "model", "engines", "browser", "scenario", "teach", "oracle", "facade", "debug"},
    "facade": {"oracle"},
    "top": {"errors", "model", "engines", "browser"},
}
#: Upward imports the public API keeps on Result, each inside its method.
ALLOWED_UPWARD = {("cors_spec.model.response", "cors_spec.engines"),
                  ("cors_spec.model.response", "cors_spec.teach.render")}
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 250


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "top"
    head = parts[1]
    if head in ("intent", "adapters", "strategies"):
        return "facade"
    if head == "__main__":
        return "cli"
    return head


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(module: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import of a package module."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out: list[tuple[str, int, bool]] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
            if isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - child.level + 1]
                                    + ([base] if base else []))
                for alias in child.names:
                    candidate = f"{base}.{alias.name}"
                    target = candidate if candidate in MODULES else base
                    if target.startswith("cors_spec"):
                        out.append((target, child.lineno, inner))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name.startswith("cors_spec"):
                        out.append((alias.name, child.lineno, inner))
            visit(child, inner)

    visit(tree, False)
    return out


GRAPH = {m: {t for t, _, _ in _imports(m) if t in MODULES and t != m} for m in MODULES}


def test_no_import_cycles() -> None:
    graph = {m: {t for t in ts if (m, t) not in ALLOWED_UPWARD} for m, ts in GRAPH.items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def dfs(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                cycles.append([*stack[stack.index(t):], t])
            elif t not in state:
                dfs(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            dfs(m)
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_layers_import_only_downwards(module: str) -> None:
    layer = _layer(module)
    bad = []
    for target, line, inside in _imports(module):
        if target not in MODULES and target != "cors_spec":
            continue
        other = _layer(target)
        if other == layer or other in LAYERS[layer]:
            continue
        if (module, target) in ALLOWED_UPWARD and inside:
            continue
        bad.append(f"{module}:{line} imports {target} ({layer} -> {other})")
    assert not bad, "\n".join(bad)


def test_the_allowed_upward_imports_stay_inside_their_methods() -> None:
    for module, target in ALLOWED_UPWARD:
        found = [inside for t, _, inside in _imports(module) if t == target]
        assert found and all(found), f"{module} must import {target} only inside a method"


def test_the_model_imports_nothing_above_it() -> None:
    for module in MODULES:
        if _layer(module) != "model":
            continue
        above = {t for t, _, inside in _imports(module)
                 if _layer(t) not in ("model", "errors") and (module, t) not in ALLOWED_UPWARD}
        assert not above, f"{module} imports {above}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_files_and_classes_are_small(module: str) -> None:
    text = MODULES[module].read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{module}: {text.count(chr(10))} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            size = (node.end_lineno or node.lineno) - node.lineno + 1
            assert size <= MAX_CLASS_LINES, f"{module}.{node.name}: {size} lines"
