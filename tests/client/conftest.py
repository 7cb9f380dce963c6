"""Client fixtures: a real mock server in-process, devices against it, fake tokens for respx."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import respx
from fastapi import FastAPI

from client import DeviceRegistry, Lab, MemoryTokenStore, TokenStore
from mock_server import VirtualClock

SERVER = "http://lab.test"


METADATA = {
    "issuer": SERVER,
    "token_endpoint": f"{SERVER}/oauth/token",
    "revocation_endpoint": f"{SERVER}/oauth/revoke",
}


@pytest.fixture
def respx_mock(respx_mock: respx.MockRouter) -> respx.MockRouter:
    """respx's router, with the scripted server's RFC 8414 metadata already answered."""
    respx_mock.get(f"{SERVER}/.well-known/oauth-authorization-server", name="metadata").respond(
        json=METADATA
    )
    return respx_mock


@pytest.fixture
def memory_store() -> MemoryTokenStore:
    return MemoryTokenStore()


@pytest.fixture
def registry(tmp_path: Path) -> DeviceRegistry:
    return DeviceRegistry(tmp_path / "devices.json")


@pytest.fixture
async def lab(
    app: FastAPI, clock: VirtualClock, memory_store: MemoryTokenStore, registry: DeviceRegistry
) -> AsyncIterator[Lab]:
    """Devices against the real mock server over httpx's in-process ASGI transport."""
    lab = asgi_lab(app, clock, memory_store, registry)
    yield lab
    await lab.close()


def asgi_lab(app: FastAPI, clock: VirtualClock, store: TokenStore, registry: DeviceRegistry) -> Lab:
    """A lab on the in-process server; call it again for the same lab after a restart."""
    return Lab(
        "http://testserver",
        store=store,
        clock=clock,
        registry=registry,
        transport=httpx.ASGITransport(app=app),
        auto_reconnect=False,
    )


_KEY = secrets.token_bytes(32)


def make_jwt(exp: float, *, sid: str = "sid-1", typ: str = "at+jwt", **claims: Any) -> str:
    """A JWT shaped like the server's (the client never checks signatures)."""
    payload = {
        "sub": "alice",
        "sid": sid,
        "exp": int(exp),
        "iat": int(exp) - 30,
        "jti": secrets.token_hex(4),
        **claims,
    }
    return jwt.encode(payload, _KEY, algorithm="HS256", headers={"typ": typ})


def token_body(
    now: float, *, access_ttl: int = 30, refresh: bool = True, sid: str = "sid-1"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": make_jwt(now + access_ttl, sid=sid),
        "token_type": "Bearer",
        "expires_in": access_ttl,
        "scope": "profile messages",
    }
    if refresh:
        body["refresh_token"] = make_jwt(now + 180, sid=sid, typ="rt+jwt")
        body["refresh_expires_in"] = 180
    return body
