"""Small HTTP helpers for server tests: they speak the wire contract, nothing more."""

from __future__ import annotations

from typing import Any

import httpx
import jwt

from tests.conftest import ADMIN_KEY

CLIENT_ID = "jwt-device-lab"
ADMIN = {"X-Admin-Key": ADMIN_KEY}


async def login(
    client: httpx.AsyncClient,
    user: str = "alice",
    *,
    password: str | None = None,
    device_id: str = "phone",
    device_type: str = "mobile",
    device_name: str | None = None,
    expect: int = 200,
) -> dict[str, Any]:
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": user,
            "password": password if password is not None else f"{user}-pass",
            "client_id": CLIENT_ID,
            "device_id": device_id,
            "device_type": device_type,
            "device_name": device_name or device_id,
        },
    )
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


async def password_request(client: httpx.AsyncClient, **fields: str) -> httpx.Response:
    """The raw answer to alice's password grant (``fields`` add or override)."""
    data = {
        "grant_type": "password",
        "username": "alice",
        "password": "alice-pass",
        "client_id": CLIENT_ID,
        **fields,
    }
    return await client.post("/oauth/token", data=data)


async def refresh(
    client: httpx.AsyncClient, refresh_token: str, *, expect: int = 200
) -> dict[str, Any]:
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": CLIENT_ID,
        },
    )
    assert response.status_code == expect, response.text
    body: dict[str, Any] = response.json()
    return body


async def me(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get("/api/me", headers={"Authorization": f"Bearer {access_token}"})


def claims(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def header(token: str) -> dict[str, Any]:
    return jwt.get_unverified_header(token)
