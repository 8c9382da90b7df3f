"""The package is layered as the data walk: lower stages never import higher ones, no cycles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "bulkio"

#: stage -> rank; a module may import only lower ranks, or its own package
RANKS: dict[str, int] = {
    "bulkio.i18n": -1,  # messages in the user's language: under errors, which marks its catalogue
    "bulkio.errors": 0,
    "bulkio.sandbox": 1,
    "bulkio.files": 1,
    "bulkio.clean": 2,
    "bulkio.plan": 3,
    "bulkio.api": 4,
    "bulkio.config": 5,
    "bulkio.runs": 6,
    "bulkio.reports": 7,
    "bulkio.imports": 8,
    "bulkio.bulk": 8,
    "bulkio.export": 8,
    "bulkio.undo": 8,
    "bulkio.copy": 9,
    "bulkio.cli": 10,
    "bulkio.notebook": 11,
    "bulkio.__main__": 11,
    "bulkio": 11,
}
#: the sandbox is an emulator beside the walk: it may use the exception tree, nothing else
SANDBOX_MAY_IMPORT = {"bulkio.errors", "bulkio.sandbox"}


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for path in PKG.rglob("*.py"):
        parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _stage(module: str) -> str:
    best = ""
    for stage in RANKS:
        if (module == stage or module.startswith(stage + ".")) and len(stage) > len(best):
            best = stage
    return best


def _imports(path: Path, *, runtime_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skipped.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m == "bulkio" or m.startswith("bulkio.")}


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_imports_only_lower_stages(module: str) -> None:
    stage = _stage(module)
    assert stage, f"{module} belongs to no stage: add its package to RANKS"
    for target in _imports(MODULES[module], runtime_only=False):
        real = _resolve(target)
        if real is None or real == module:
            continue
        other = _stage(real)
        if other == stage or (stage == "bulkio" and module == "bulkio"):
            continue
        if stage == "bulkio.sandbox":
            assert other in SANDBOX_MAY_IMPORT, f"{module} imports {real}"
            continue
        assert RANKS[other] < RANKS[stage], (
            f"{module} ({stage}) imports {real} ({other}): a stage may use only lower ones"
        )


def test_every_package_states_its_role() -> None:
    for init in PKG.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.splitlines()) >= 3, f"{init} needs a docstring: role, imports, names"
        if init.parent != PKG / "clean" / "normalize" and init.parent.name != "cli":
            assert "May import" in doc or init.parent == PKG, f"{init} must say what it may import"


def test_no_import_cycles() -> None:
    graph = {
        m: {r for t in _imports(p, runtime_only=True) if (r := _resolve(t)) and r != m}
        for m, p in MODULES.items()
    }
    # packages import their children only through explicit imports; drop parent links
    graph = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    assert cycles == []
