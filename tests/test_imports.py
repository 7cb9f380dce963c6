"""The packages' layers: no import cycle, no Qt outside client/gui, no server in the client."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("client", "mock_server", "contract")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Modules ``path`` imports when it runs (``if TYPE_CHECKING:`` blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for b in node.body for n in ast.walk(b)}
    found: set[str] = set()
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            # ``from client import messages`` imports the module client.messages;
            # ``from client import Lab`` runs client/__init__.py.
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return found


def _files() -> dict[str, Path]:
    return {_module(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def _graph() -> dict[str, set[str]]:
    files = _files()
    return {
        name: {m for m in _imports(path, set(files)) if m in files and m != name}
        for name, path in files.items()
    }


def test_no_import_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_qt_only_in_the_gui_and_no_server_internals_in_the_client() -> None:
    offenders = []
    files = _files()
    for name, path in files.items():
        imports = _imports(path, set(files))
        if not name.startswith("client.gui") and any(m.startswith("PySide6") for m in imports):
            offenders.append(f"{name} imports Qt")
        # The client reaches the server over HTTP; only embedded.py starts one in-process,
        # and cli.py hands `serve` to the server's own command line.
        if name.startswith("client") and name not in ("client.embedded", "client.cli"):
            offenders += [f"{name} imports {m}" for m in imports if m.startswith("mock_server")]
        if name.startswith("contract"):
            offenders += [f"{name} imports {m}" for m in imports if m.split(".")[0] in PACKAGES[:2]]
    assert offenders == []
