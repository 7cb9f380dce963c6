"""The client core's user-facing sentences come from client/messages.py only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[2] / "client"
# inspect.py is a report: its words are its job, like a widget's labels.
CORE = sorted(p for p in CLIENT.glob("*.py") if p.name not in ("messages.py", "inspect.py"))
# Errors no user meets: a programming mistake, said to the programmer.
FOR_PROGRAMMERS = {"a clock only advances forwards"}
# What carries a sentence to a user: the client's errors and notices.
CARRIERS = {
    "ClientError",
    "SessionEnded",
    "LoginRefused",
    "RateLimited",
    "NotSignedIn",
    "ServerUnreachable",
    "ServerFailure",
    "TokenStoreError",
    "KeyringUnavailable",
    "TokenStoreCorrupted",
    "AdminError",
    "Notice",
    "ValueError",
    "RegistryError",
    "notice",
    "_signed_out",
}


def _sentences(node: ast.AST) -> list[str]:
    """String literals that read as words (codes like ``refresh_expired`` have no space)."""
    found = []
    for part in ast.walk(node):
        text = part.value if isinstance(part, ast.Constant) else None
        if isinstance(text, str) and " " in text and text not in FOR_PROGRAMMERS:
            found.append(text)
    return found


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_errors_and_notices_take_their_words_from_messages(path: Path) -> None:
    inline = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign):
            # ``message = f"..."`` handed to a notice or an error a line later.
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any("message" in n or n == "text" for n in names):
                inline += [f"line {node.lineno}: {s!r}" for s in _sentences(node.value)]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in CARRIERS:
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                inline += [f"line {node.lineno}: {s!r}" for s in _sentences(arg)]
    assert inline == [], f"{path.name} writes sentences inline; put them in client/messages.py"
