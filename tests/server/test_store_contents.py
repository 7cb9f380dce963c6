"""What the server's database holds: hashes of refresh-token ids, never a token or an id.

A copy of the database (a backup, a bug report) must not let anyone replay a
refresh token, so the store keeps only SHA-256 of each ``jti``.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mock_server import Settings, SqliteStore, VirtualClock, create_app
from tests.conftest import BASE_URL
from tests.server.helpers import claims, login, refresh


@pytest.fixture
async def file_client(
    settings: Settings, clock: VirtualClock, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Path]]:
    path = tmp_path / "server.sqlite3"
    store = SqliteStore(path)
    app = create_app(settings, clock=clock, store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        yield c, path
    await store.close()


def dump(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return "\n".join(db.iterdump())
    finally:
        db.close()


async def test_the_store_keeps_only_the_sha256_of_each_refresh_jti(
    file_client: tuple[httpx.AsyncClient, Path],
) -> None:
    client, path = file_client
    first = await login(client)
    second = await refresh(client, first["refresh_token"])
    third = await refresh(client, second["refresh_token"])
    issued = [first, second, third]
    jtis = [claims(t["refresh_token"])["jti"] for t in issued]

    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT jti_hash, successor_hash FROM refresh_tokens ORDER BY issued_at, rowid"
    )
    stored = list(rows)
    db.close()
    expected = [hashlib.sha256(j.encode()).hexdigest() for j in jtis]
    assert [r[0] for r in stored] == expected
    # The lineage links hash to hash: first → second → third.
    assert [r[1] for r in stored] == [expected[1], expected[2], None]

    text = dump(path)
    for jti in jtis:
        assert jti not in text, "a refresh-token jti is stored in clear"
    for tokens in issued:
        for kind in ("access_token", "refresh_token"):
            token = tokens[kind]
            assert token not in text
            assert token.split(".")[2] not in text, "a token signature is stored"
        assert claims(tokens["access_token"])["jti"] not in text
