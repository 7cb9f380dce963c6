"""Forged, tampered and misused tokens: each refused with a clear code, none accepted.

Every case goes to the resource API (must be 401 invalid_token with a reason)
and, where it makes sense, to the token endpoint as a refresh token (400
invalid_grant). Removing the defence a case targets makes it fail.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from mock_server import VirtualClock
from tests.server.helpers import ADMIN, claims, header, login, me


def b64(data: bytes | dict[str, Any]) -> str:
    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forge(head: dict[str, Any], body: dict[str, Any], signature: bytes = b"") -> str:
    return f"{b64(head)}.{b64(body)}.{b64(signature)}"


async def refused(
    client: httpx.AsyncClient, token: str, reason: str | None = None
) -> dict[str, Any]:
    response = await me(client, token)
    assert response.status_code == 401, response.text
    body: dict[str, Any] = response.json()
    assert body["error"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    if reason is not None:
        assert body["reason"] == reason, body
    return body


@pytest.fixture
async def genuine(client: httpx.AsyncClient) -> dict[str, Any]:
    tokens = await login(client)
    assert (await me(client, tokens["access_token"])).status_code == 200
    return tokens


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
async def test_alg_none_in_any_capitalisation(
    client: httpx.AsyncClient, genuine: dict[str, Any], alg: str
) -> None:
    head = {**header(genuine["access_token"]), "alg": alg}
    await refused(client, forge(head, claims(genuine["access_token"])))
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": forge(
                {**header(genuine["refresh_token"]), "alg": alg}, claims(genuine["refresh_token"])
            ),
        },
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_hs256_signed_with_the_public_key(
    client: httpx.AsyncClient, genuine: dict[str, Any]
) -> None:
    jwks = (await client.get("/.well-known/jwks.json")).json()["keys"][0]
    head = {"alg": "HS256", "kid": jwks["kid"], "typ": "at+jwt"}
    body = claims(genuine["access_token"])
    secrets = (
        jwks["x"].encode(),
        json.dumps(jwks).encode(),
        base64.urlsafe_b64decode(jwks["x"] + "="),
    )
    for secret in secrets:
        # Signed by hand: PyJWT itself refuses to use a public key as an HMAC secret.
        signing_input = f"{b64(head)}.{b64(body)}".encode()
        signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
        await refused(client, f"{signing_input.decode()}.{b64(signature)}", "invalid_algorithm")


async def test_an_algorithm_the_key_was_not_made_for(
    client: httpx.AsyncClient, genuine: dict[str, Any]
) -> None:
    head = {**header(genuine["access_token"]), "alg": "RS256"}
    signature = genuine["access_token"].rsplit(".", 1)[1]
    await refused(
        client,
        f"{b64(head)}.{genuine['access_token'].split('.')[1]}.{signature}",
        "invalid_algorithm",
    )


@pytest.mark.parametrize(
    "kid",
    [
        "does-not-exist",
        "../../../../etc/passwd",
        "' OR '1'='1",
        "x'; DROP TABLE signing_keys;--",
        "",
        42,
        None,
        {"$ne": 1},
    ],
)
async def test_unknown_or_hostile_kid(
    client: httpx.AsyncClient, genuine: dict[str, Any], kid: Any
) -> None:
    head = {**header(genuine["access_token"]), "kid": kid}
    token = ".".join([b64(head), *genuine["access_token"].split(".")[1:]])
    body = await refused(client, token)
    assert body["reason"] in ("unknown_key", "malformed")  # a non-string kid is malformed
    # The key table survived the SQL-looking kid.
    assert len((await client.get("/admin/keys", headers=ADMIN)).json()["keys"]) == 1


class _Recorder(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"keys": []}')

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def key_server() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_jku_x5u_and_embedded_jwk_are_never_trusted_or_fetched(
    client: httpx.AsyncClient, genuine: dict[str, Any], key_server: str
) -> None:
    attacker = ed25519.Ed25519PrivateKey.generate()
    public = jwt.algorithms.OKPAlgorithm.to_jwk(attacker.public_key(), as_dict=True)
    body = {**claims(genuine["access_token"]), "sub": "bob"}
    for extra in (
        {"jku": f"{key_server}/jwks.json"},
        {"x5u": f"{key_server}/cert.pem"},
        {"jwk": {**public, "kid": "attacker"}},
    ):
        forged = jwt.encode(
            body, attacker, algorithm="EdDSA", headers={"typ": "at+jwt", "kid": "attacker", **extra}
        )
        await refused(client, forged, "unknown_key")
        # With the server's own kid, the signature still has to be the server's.
        forged = jwt.encode(
            body,
            attacker,
            algorithm="EdDSA",
            headers={"typ": "at+jwt", "kid": header(genuine["access_token"])["kid"], **extra},
        )
        await refused(client, forged, "invalid_signature")
    assert _Recorder.hits == []


async def test_tampered_payload_with_the_original_signature(
    client: httpx.AsyncClient, genuine: dict[str, Any]
) -> None:
    head, _, signature = genuine["access_token"].split(".")
    for change in (
        {"sub": "bob"},
        {"scope": "profile messages admin"},
        {"exp": 4_000_000_000},
        {"sid": "someone-else"},
    ):
        body = {**claims(genuine["access_token"]), **change}
        await refused(client, f"{head}.{b64(body)}.{signature}", "invalid_signature")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a.b",
        "a.b.c.d",
        "a.b.c.d.e",
        "!!!.###.$$$",
        "eyJ.eyJ.",
        "....",
        "eyJhbGciOiJFZERTQSJ9",
        "%00.%00.%00",
    ],
)
async def test_malformed_tokens(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid_token", "missing_token")


async def test_truncated_and_wrongly_segmented_genuine_tokens(
    client: httpx.AsyncClient, genuine: dict[str, Any]
) -> None:
    token = genuine["access_token"]
    head, body, signature = token.split(".")
    for bad in (
        token[:-10],
        token[: len(token) // 2],
        f"{head}.{body}",
        f"{head}.{body}.{signature}.x",
        f"{head}.{body}.{signature[:-1]}!",
        token.replace(".", "..", 1),
    ):
        await refused(client, bad)


async def test_a_one_megabyte_token(client: httpx.AsyncClient, genuine: dict[str, Any]) -> None:
    huge = genuine["access_token"] + "A" * 1_000_000
    body = await refused(client, huge, "malformed")
    assert "longer than" in body["error_description"]
    response = await client.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": huge}
    )
    assert response.status_code in (400, 413)
    assert response.json()["error"] in ("invalid_request", "payload_too_large")


async def test_expired_token(
    client: httpx.AsyncClient, genuine: dict[str, Any], clock: VirtualClock
) -> None:
    clock.advance(36)
    await refused(client, genuine["access_token"], "expired")


async def _resigned(client: httpx.AsyncClient, app: Any, token: str, **changes: Any) -> str:
    """A token re-signed with the server's own key: only the claims are wrong."""
    service = app.state.service
    key = service.keys.current("EdDSA")
    return jwt.encode(
        {**claims(token), **changes},
        key.signing,
        algorithm="EdDSA",
        headers={"typ": header(token)["typ"], "kid": key.kid},
    )


async def test_iat_or_nbf_in_the_future_beyond_leeway(
    client: httpx.AsyncClient, genuine: dict[str, Any], app: Any, clock: VirtualClock
) -> None:
    now = int(clock.now())
    within = await _resigned(client, app, genuine["access_token"], iat=now + 5)
    assert (await me(client, within)).status_code == 200  # the leeway absorbs 5 s
    for change in ({"iat": now + 6}, {"nbf": now + 60}):
        await refused(
            client, await _resigned(client, app, genuine["access_token"], **change), "not_yet_valid"
        )


async def test_wrong_issuer_or_audience(
    client: httpx.AsyncClient, genuine: dict[str, Any], app: Any
) -> None:
    for change in ({"iss": "https://evil.example"}, {"aud": "another-api"}, {"aud": ["x", "y"]}):
        await refused(
            client,
            await _resigned(client, app, genuine["access_token"], **change),
            "invalid_claims",
        )


async def test_missing_or_mistyped_claims(
    client: httpx.AsyncClient, genuine: dict[str, Any], app: Any
) -> None:
    for change in ({"sub": 5}, {"sid": None}, {"exp": "tomorrow"}, {"exp": True}):
        await refused(client, await _resigned(client, app, genuine["access_token"], **change))


async def test_refresh_token_presented_as_access_token_and_the_reverse(
    client: httpx.AsyncClient, genuine: dict[str, Any]
) -> None:
    await refused(client, genuine["refresh_token"], "wrong_token_type")
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": genuine["access_token"]},
    )
    assert (response.status_code, response.json()["reason"]) == (400, "wrong_token_type")


@pytest.mark.parametrize(("as_typ", "where"), [("rt+jwt", "api"), ("at+jwt", "token")])
async def test_the_typ_alone_keeps_the_two_kinds_apart(
    client: httpx.AsyncClient, genuine: dict[str, Any], app: Any, as_typ: str, where: str
) -> None:
    """A server-signed token carrying every claim of both kinds: only its ``typ``
    says which kind it is, and the other endpoint refuses it for that alone."""
    both = {**claims(genuine["refresh_token"]), **claims(genuine["access_token"])}
    both["jti"] = claims(genuine["refresh_token"])["jti"]  # a live refresh token's id
    key = app.state.service.keys.current("EdDSA")
    token = jwt.encode(
        both, key.signing, algorithm="EdDSA", headers={"typ": as_typ, "kid": key.kid}
    )
    if where == "api":
        await refused(client, token, "wrong_token_type")
    else:
        response = await client.post(
            "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token}
        )
        assert (response.status_code, response.json()["reason"]) == (400, "wrong_token_type")
    # The genuine pair still works: nothing was consumed by the refusals.
    assert (await me(client, genuine["access_token"])).status_code == 200


async def test_access_token_of_a_retired_key(
    client: httpx.AsyncClient, genuine: dict[str, Any]
) -> None:
    await client.post("/admin/keys/rotate", headers=ADMIN)
    await client.post("/admin/keys/retire", headers=ADMIN)
    await refused(client, genuine["access_token"], "key_retired")


async def test_token_of_a_deleted_user(client: httpx.AsyncClient) -> None:
    await client.put("/admin/users/carol", json={"password": "carol-pass"}, headers=ADMIN)
    tokens = await login(client, "carol")
    await client.delete("/admin/users/carol", headers=ADMIN)
    await refused(client, tokens["access_token"], "unknown_subject")


@pytest.mark.live
def test_a_one_megabyte_token_over_a_real_server_gets_a_json_401(live_server: Any) -> None:
    huge = "eyJ" + "A" * 1_000_000
    response = httpx.get(f"{live_server.url}/api/me", headers={"Authorization": f"Bearer {huge}"})
    assert response.status_code == 401
    assert response.json()["reason"] == "malformed"


ALGORITHMS = ["EdDSA", "ES256", "RS256", "HS256"]


@pytest.mark.parametrize("server_alg", ALGORITHMS)
async def test_a_header_that_claims_another_algorithm_is_refused_not_crashed(
    client: httpx.AsyncClient, server_alg: str
) -> None:
    """The algorithm comes from the server's key, never from the token's header:
    a genuine token whose header names any other algorithm is a 401 with reason
    ``invalid_algorithm`` at the API and ``invalid_grant`` at the token endpoint."""
    await client.patch("/admin/settings", json={"algorithm": server_alg}, headers=ADMIN)
    tokens = await login(client)
    assert header(tokens["access_token"])["alg"] == server_alg
    for claimed in [a for a in ALGORITHMS if a != server_alg] + ["PS256", "ES384", "HS512"]:
        access, refresh_token = (
            f"{b64({**header(t), 'alg': claimed})}.{t.split('.', 1)[1]}"
            for t in (tokens["access_token"], tokens["refresh_token"])
        )
        await refused(client, access, "invalid_algorithm")
        response = await client.post(
            "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
        )
        assert response.status_code == 400, (claimed, response.text)
        assert response.json()["reason"] == "invalid_algorithm", claimed
    assert (await me(client, tokens["access_token"])).status_code == 200
