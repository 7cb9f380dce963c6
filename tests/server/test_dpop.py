"""DPoP on the lab's server (issue 14): tokens bound to the device's key at the
token endpoint, proofs checked at the resource API, refreshes held to the key."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from mock_server import VirtualClock
from mock_server.dpop import access_token_hash, thumbprint
from tests.server.helpers import ADMIN, CLIENT_ID, claims

TOKEN_URL = "http://testserver/oauth/token"
ME_URL = "http://testserver/api/me"


class Key:
    """A device's DPoP key, making proofs as a client does."""

    def __init__(self) -> None:
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.private.public_key()))
        self.jkt = thumbprint(self.jwk)

    def proof(self, method: str, url: str, now: float, **extra: Any) -> str:
        body = {"jti": str(uuid.uuid4()), "htm": method, "htu": url, "iat": int(now), **extra}
        return jwt.encode(
            body, self.private, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": self.jwk}
        )


async def _login(client: httpx.AsyncClient, clock: VirtualClock, key: Key | None) -> httpx.Response:
    headers = {"DPoP": key.proof("POST", TOKEN_URL, clock.now())} if key else {}
    return await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": CLIENT_ID,
            "device_id": "phone",
        },
        headers=headers,
    )


async def _me(
    client: httpx.AsyncClient, token: str, key: Key | None, clock: VirtualClock, **extra: Any
) -> httpx.Response:
    if key is None:
        return await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    proof = key.proof("GET", ME_URL, clock.now(), ath=access_token_hash(token), **extra)
    return await client.get("/api/me", headers={"Authorization": f"DPoP {token}", "DPoP": proof})


async def test_metadata_offers_dpop_algorithms(client: httpx.AsyncClient) -> None:
    meta = (await client.get("/.well-known/oauth-authorization-server")).json()
    assert {"ES256", "EdDSA", "Ed25519"} <= set(meta["dpop_signing_alg_values_supported"])


async def test_a_proof_at_sign_in_binds_the_token_and_only_the_key_can_use_it(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    key = Key()
    answer = await _login(client, clock, key)
    assert answer.status_code == 200 and answer.json()["token_type"] == "DPoP"
    token = answer.json()["access_token"]
    assert claims(token)["cnf"] == {"jkt": key.jkt}
    assert (await _me(client, token, key, clock)).status_code == 200
    as_bearer = await _me(client, token, None, clock)  # a thief's bearer copy
    assert as_bearer.status_code == 401 and as_bearer.json()["reason"] == "dpop_bound_token"
    assert as_bearer.headers["www-authenticate"].startswith("DPoP ")
    thief = await _me(client, token, Key(), clock)  # the thief's own key
    assert thief.status_code == 401 and thief.json()["reason"] == "key_mismatch"
    assert 'error="invalid_dpop_proof"' in thief.headers["www-authenticate"]


async def test_a_bound_session_refreshes_only_with_its_key(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    key = Key()
    refresh = (await _login(client, clock, key)).json()["refresh_token"]
    data = {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": CLIENT_ID}
    bare = await client.post("/oauth/token", data=data)
    assert bare.status_code == 400 and bare.json()["reason"] == "missing_proof"
    other = await client.post(
        "/oauth/token", data=data, headers={"DPoP": Key().proof("POST", TOKEN_URL, clock.now())}
    )
    assert other.status_code == 400 and other.json()["reason"] == "dpop_key_mismatch"
    ok = await client.post(
        "/oauth/token", data=data, headers={"DPoP": key.proof("POST", TOKEN_URL, clock.now())}
    )
    assert ok.status_code == 200 and ok.json()["token_type"] == "DPoP"


async def test_require_dpop_refuses_a_token_request_without_a_proof(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    assert (await _login(client, clock, None)).json()["token_type"] == "Bearer"
    await client.patch("/admin/settings", headers=ADMIN, json={"require_dpop": "on"})
    refused = await _login(client, clock, None)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_dpop_proof"
    assert (await _login(client, clock, Key())).status_code == 200


async def test_the_server_nonce_when_asked_for(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    await client.patch("/admin/settings", headers=ADMIN, json={"dpop_nonce": "on"})
    key = Key()
    first = await _login(client, clock, key)
    assert first.status_code == 400 and first.json()["error"] == "use_dpop_nonce"
    nonce = first.headers["dpop-nonce"]
    again = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": CLIENT_ID,
        },
        headers={"DPoP": key.proof("POST", TOKEN_URL, clock.now(), nonce=nonce)},
    )
    assert again.status_code == 200
    token = again.json()["access_token"]
    no_nonce = await _me(client, token, key, clock)
    assert (
        no_nonce.status_code == 401
        and 'error="use_dpop_nonce"' in no_nonce.headers["www-authenticate"]
    )
    assert no_nonce.headers["dpop-nonce"]
    assert (
        await _me(client, token, key, clock, nonce=no_nonce.headers["dpop-nonce"])
    ).status_code == 200


@pytest.mark.parametrize("size", [10_000, 1_000_000])
async def test_a_huge_proof_is_a_4xx(
    client: httpx.AsyncClient, clock: VirtualClock, size: int
) -> None:
    answer = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": CLIENT_ID,
        },
        headers={"DPoP": "x" * size},
    )
    assert 400 <= answer.status_code < 500 and answer.json()["error"] in (
        "invalid_dpop_proof",
        "invalid_request",
    )
