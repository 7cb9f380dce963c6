"""The client core's user-facing sentences come from client/messages.py only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLIENT = Path(__file__).resolve().parents[2] / "client"
CORE = sorted(p for p in CLIENT.glob("*.py") if p.name != "messages.py")
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
    "notice",
    "_signed_out",
}


def _sentences(node: ast.AST) -> list[str]:
    """String literals that read as words (codes like ``refresh_expired`` have no space)."""
    found = []
    for part in ast.walk(node):
        if isinstance(part, ast.Constant) and isinstance(part.value, str) and " " in part.value:
            found.append(part.value)
    return found


@pytest.mark.parametrize("path", CORE, ids=lambda p: p.name)
def test_errors_and_notices_take_their_words_from_messages(path: Path) -> None:
    inline = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in CARRIERS:
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                inline += [f"line {node.lineno}: {s!r}" for s in _sentences(arg)]
    assert inline == [], f"{path.name} writes sentences inline; put them in client/messages.py"
