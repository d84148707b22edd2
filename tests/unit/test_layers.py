"""The layers of amsplan, checked from the source (every import, also inside functions).

- no import cycle between amsplan modules;
- domain imports only the domain (and clock, errors, i18n); store only domain and store (and
  clock, errors, config, paths); adapters neither store nor services nor cli; services
  not cli;
- SQL lives in the store: outside amsplan.store and amsplan.migrations no module imports
  query builders from sqlalchemy or sqlmodel (the Session type and exceptions are fine)
  nor calls session.exec / execute / get / scalar / scalars / query.

Run as a script to list the problems of a tree: python tests/unit/test_layers.py [SRC_DIR]
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "src" / "amsplan"

LAYERS = {  # package -> what it may import (prefixes); cli may import anything
    "amsplan.domain": ("amsplan.domain", "amsplan.clock", "amsplan.errors", "amsplan.i18n"),
    "amsplan.store": (
        "amsplan.store", "amsplan.domain", "amsplan.clock", "amsplan.errors", "amsplan.i18n",
        "amsplan.config", "amsplan.paths", "amsplan.faults",
    ),
    "amsplan.adapters": (
        "amsplan.adapters", "amsplan.domain", "amsplan.clock", "amsplan.errors", "amsplan.i18n",
        "amsplan.config", "amsplan.paths", "amsplan.faults",
    ),
    "amsplan.services": (
        "amsplan.services", "amsplan.store", "amsplan.domain", "amsplan.adapters",
        "amsplan.clock", "amsplan.errors", "amsplan.config", "amsplan.paths", "amsplan.faults",
        "amsplan.i18n",
    ),
}  # fmt: skip
SQL_FREE_OK = {"Session", "SQLAlchemyError", "OperationalError", "IntegrityError",
               "StaleDataError", "DBAPIError", "Engine"}  # fmt: skip
SESSION_NAMES = {"s", "session", "sess"}
QUERY_CALLS = {"exec", "execute", "get", "scalar", "scalars", "query", "merge"}


def modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, int, list[str]]]:
    """(imported module, line, imported names) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            names = [a.name for a in node.names]
            subs = [f"{base}.{n}" for n in names if f"{base}.{n}" in known]
            out += [(m, node.lineno, []) for m in subs]
            if len(subs) < len(names):
                out.append((base, node.lineno, [n for n in names if f"{base}.{n}" not in known]))
    return out


def problems(root: Path = ROOT) -> list[str]:
    known = modules(root)
    graph: dict[str, set[str]] = {m: set() for m in known}
    found: list[str] = []
    for name, path in sorted(known.items()):
        if name.startswith("amsplan.migrations"):
            continue
        for target, line, names in imports(name, path, known):
            where = f"{path.relative_to(root.parent)}:{line}"
            if target.startswith("amsplan"):
                if target in known and target != name and known[target].name != "__init__.py":
                    graph[name].add(target)
                for layer, allowed in LAYERS.items():
                    if (
                        (name == layer or name.startswith(layer + "."))
                        and not target.startswith(allowed)
                        and target != "amsplan"
                    ):
                        found.append(f"{where}: {layer} imports {target}")
            elif target.split(".")[0] in ("sqlalchemy", "sqlmodel") and not name.startswith(
                "amsplan.store"
            ):
                bad = [n for n in names if n not in SQL_FREE_OK] or ([] if names else [target])
                if bad:
                    found.append(f"{where}: SQL outside the store ({target}: {', '.join(bad)})")
        if not name.startswith(("amsplan.store", "amsplan.migrations")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in QUERY_CALLS
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in SESSION_NAMES
                ):
                    found.append(
                        f"{path.relative_to(root.parent)}:{node.lineno}: query outside the "
                        f"store ({node.func.value.id}.{node.func.attr})"
                    )
    found += [f"import cycle: {' -> '.join(c)}" for c in cycles(graph)]
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    sys.setrecursionlimit(10000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_layers_hold():
    assert problems() == []


def test_the_check_finds_each_kind_of_breach(tmp_path):
    """The checker itself: a breach of each rule in a made-up tree is reported."""
    tree = {
        "__init__.py": "",
        "domain/__init__.py": "",
        "domain/rule.py": "from amsplan.store import models\n",
        "store/__init__.py": "",
        "store/models.py": "from sqlmodel import select\n",
        "services/__init__.py": "",
        "services/a.py": "def f(s):\n    from amsplan.services import b\n    return s.exec(1)\n",
        "services/b.py": "from sqlalchemy import update\nfrom amsplan.services import a\n",
        "adapters/__init__.py": "",
        "adapters/out.py": "from amsplan.services import a\n",
    }
    for name, text in tree.items():
        path = tmp_path / "amsplan" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    found = "\n".join(problems(tmp_path / "amsplan"))
    assert "amsplan/domain/rule.py:1: amsplan.domain imports amsplan.store.models" in found
    assert "amsplan/adapters/out.py:1: amsplan.adapters imports amsplan.services.a" in found
    assert "amsplan/services/b.py:1: SQL outside the store (sqlalchemy: update)" in found
    assert "amsplan/services/a.py:3: query outside the store (s.exec)" in found
    assert "import cycle: amsplan.services.a -> amsplan.services.b" in found
    assert "store/models.py" not in found  # the store may build SQL


if __name__ == "__main__":
    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    listed = problems(root)
    print("\n".join(listed) or "layers hold")
    sys.exit(1 if listed else 0)
