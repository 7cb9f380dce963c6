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


async def password_request(
    client: httpx.AsyncClient, *, headers: dict[str, str] | None = None, **fields: str
) -> httpx.Response:
    """The raw answer to alice's password grant (``fields`` add or override)."""
    data = {
        "grant_type": "password",
        "username": "alice",
        "password": "alice-pass",
        "client_id": CLIENT_ID,
        **fields,
    }
    return await client.post("/oauth/token", data=data, headers=headers)


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


# --- browser sign-in (code + PKCE, the device grant) -------------------------------------

REDIRECT = "http://127.0.0.1:5555/callback"


def pkce() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636 §4.1-4.2)."""
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the page's form, as a browser would post them."""
    from html.parser import HTMLParser

    found: dict[str, str] = {}

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            if tag == "input" and values.get("type") == "hidden" and values.get("name"):
                found[str(values["name"])] = values.get("value") or ""

    Parser().feed(html)
    return found


def authorize_params(challenge: str, **changes: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "state": "s-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "device_id": "phone",
        "device_type": "mobile",
        "device_name": "Alice's phone",
    }
    params.update(changes)
    return {k: v for k, v in params.items() if v != ""}


async def code_for(
    client: httpx.AsyncClient, user: str = "alice", **changes: str
) -> tuple[str, str, dict[str, str]]:
    """Sign in on the page as ``user``: the code, its verifier and the request."""
    from urllib.parse import parse_qs, urlparse

    verifier, challenge = pkce()
    params = authorize_params(challenge, **changes)
    page = await client.get("/oauth/authorize", params=params)
    assert page.status_code == 200, page.text
    answer = await client.post(
        "/oauth/authorize",
        data={**hidden_fields(page.text), "username": user, "password": f"{user}-pass"},
    )
    assert answer.status_code == 303, answer.text
    query = parse_qs(urlparse(answer.headers["location"]).query)
    return query["code"][0], verifier, params


async def exchange(
    client: httpx.AsyncClient, code: str, verifier: str, redirect_uri: str = REDIRECT
) -> httpx.Response:
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": CLIENT_ID,
            "code_verifier": verifier,
        },
    )


DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


async def poll(client: httpx.AsyncClient, device_code: str) -> httpx.Response:
    return await client.post(
        "/oauth/token",
        data={"grant_type": DEVICE_GRANT, "device_code": device_code, "client_id": CLIENT_ID},
    )


async def start_device(client: httpx.AsyncClient, **fields: str) -> dict[str, Any]:
    data = {"client_id": CLIENT_ID, "device_id": "tv", "device_type": "tv", "device_name": "TV"}
    response = await client.post("/oauth/device_authorization", data={**data, **fields})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def verify(
    client: httpx.AsyncClient,
    user_code: str,
    action: str = "approve",
    user: str = "alice",
    password: str | None = None,
) -> httpx.Response:
    page = await client.get("/oauth/device", params={"user_code": user_code})
    return await client.post(
        "/oauth/device",
        data={
            **hidden_fields(page.text),
            "user_code": user_code,
            "username": user,
            "password": password if password is not None else f"{user}-pass",
            "action": action,
        },
    )
