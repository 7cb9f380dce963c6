"""Attacks on DPoP (issue 14), through the HTTP API: each refused with its reason,
never a 500."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import jwt
import pytest

from mock_server import VirtualClock
from mock_server.dpop import NonceSource, access_token_hash
from tests.server.helpers import ADMIN
from tests.server.test_dpop import ME_URL, TOKEN_URL, Key, _login


async def _bound(client: httpx.AsyncClient, clock: VirtualClock) -> tuple[Key, str]:
    key = Key()
    token = (await _login(client, clock, key)).json()["access_token"]
    return key, token


async def _call(client: httpx.AsyncClient, token: str, proof: str) -> httpx.Response:
    return await client.get("/api/me", headers={"Authorization": f"DPoP {token}", "DPoP": proof})


def _signed(key: Key, alg: str, secret: Any = None, **header: Any) -> str:
    body = {"jti": "j-" + alg, "htm": "GET", "htu": ME_URL, "iat": 0}
    return jwt.encode(
        body, secret, algorithm=alg, headers={"typ": "dpop+jwt", "jwk": key.jwk, **header}
    )


async def test_unsigned_symmetric_and_private_key_proofs(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    key, token = await _bound(client, clock)
    now = int(clock.now())
    body = {"jti": "a", "htm": "GET", "htu": ME_URL, "iat": now, "ath": access_token_hash(token)}
    none = jwt.encode(body, None, algorithm="none", headers={"typ": "dpop+jwt", "jwk": key.jwk})
    hs = jwt.encode(body, "s" * 32, algorithm="HS256", headers={"typ": "dpop+jwt", "jwk": key.jwk})
    leaked = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.private))
    private = jwt.encode(
        body, key.private, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": leaked}
    )
    for proof, reason in [
        (none, "unsupported_alg"),
        (hs, "unsupported_alg"),
        (private, "private_key"),
    ]:
        answer = await _call(client, token, proof)
        assert answer.status_code == 401 and answer.json()["reason"] == reason


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"htm": "POST"}, "wrong_htm"),
        ({"htu": "http://testserver/api/messages"}, "wrong_htu"),
        ({"iat_shift": -3600}, "stale_proof"),
        ({"iat_shift": 3600}, "future_proof"),
        ({"ath": access_token_hash("someone-else's-token")}, "wrong_ath"),
    ],
)
async def test_a_proof_for_another_request_time_or_token(
    client: httpx.AsyncClient, clock: VirtualClock, extra: dict[str, Any], reason: str
) -> None:
    key, token = await _bound(client, clock)
    method = extra.pop("htm", "GET")
    url = extra.pop("htu", ME_URL)
    now = clock.now() + extra.pop("iat_shift", 0)
    claims = {"ath": access_token_hash(token), **extra}
    answer = await _call(client, token, key.proof(method, url, now, **claims))
    assert answer.status_code == 401 and answer.json()["reason"] == reason
    assert 'error="invalid_dpop_proof"' in answer.headers["www-authenticate"]


async def test_a_proof_is_good_once_even_when_two_requests_race(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    key, token = await _bound(client, clock)
    proof = key.proof("GET", ME_URL, clock.now(), ath=access_token_hash(token))
    answers = await asyncio.gather(*(_call(client, token, proof) for _ in range(8)))
    assert sorted(a.status_code for a in answers) == [200] + [401] * 7
    assert {a.json()["reason"] for a in answers if a.status_code == 401} == {"replayed_proof"}


async def test_a_nonce_of_another_server_is_refused(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    key, token = await _bound(client, clock)
    await client.patch("/admin/settings", headers=ADMIN, json={"dpop_nonce": "on"})
    foreign = NonceSource("http://other.example").current(clock.now())
    answer = await _call(
        client,
        token,
        key.proof("GET", ME_URL, clock.now(), ath=access_token_hash(token), nonce=foreign),
    )
    assert answer.status_code == 401 and answer.json()["reason"] == "use_dpop_nonce"


async def test_two_proofs_a_missing_proof_and_an_unbound_token_as_dpop(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    key, token = await _bound(client, clock)
    missing = await client.get("/api/me", headers={"Authorization": f"DPoP {token}"})
    assert missing.status_code == 401 and missing.json()["reason"] == "missing_proof"
    bearer = (await _login(client, clock, None)).json()["access_token"]
    unbound = await _call(
        client, bearer, key.proof("GET", ME_URL, clock.now(), ath=access_token_hash(bearer))
    )
    assert unbound.status_code == 401 and unbound.json()["reason"] == "not_dpop_bound"
    two = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": "jwt-device-lab",
        },
        headers=[
            ("DPoP", key.proof("POST", TOKEN_URL, clock.now())),
            ("DPoP", key.proof("POST", TOKEN_URL, clock.now())),
        ],
    )
    assert two.status_code == 400 and two.json()["error"] == "invalid_request"


async def test_a_proof_of_a_megabyte_is_refused_without_being_read(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    """Past 8 KiB a proof is not even split: malformed_proof at the API, the
    token endpoint's invalid_dpop_proof — and a well-formed JWS of that size too."""
    key, token = await _bound(client, clock)
    huge = "A" * 1_000_000
    answer = await _call(client, token, huge)
    assert answer.status_code == 401 and answer.json()["reason"] == "malformed_proof"
    assert 'error="invalid_dpop_proof"' in answer.headers["www-authenticate"]
    padded = key.proof(
        "GET", ME_URL, clock.now(), ath=access_token_hash(token), pad="x" * 1_000_000
    )
    answer = await _call(client, token, padded)
    assert answer.status_code == 401 and answer.json()["reason"] == "malformed_proof"
    login = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": "jwt-device-lab",
        },
        headers={"DPoP": huge},
    )
    assert login.status_code == 400 and login.json()["error"] == "invalid_dpop_proof"


@pytest.mark.live
def test_a_megabyte_header_over_real_http_is_a_4xx_and_the_server_goes_on(
    live_server: Any,
) -> None:
    """Through uvicorn itself: the header never reaches the app, and nothing breaks."""
    answer = httpx.get(
        f"{live_server.url}/api/me",
        headers={"Authorization": "DPoP x.y.z", "DPoP": "A" * 1_000_000},
        timeout=30,
    )
    assert 400 <= answer.status_code < 500
    assert httpx.get(f"{live_server.url}/healthz").status_code == 200


async def test_a_header_nested_too_deep_is_a_401_not_a_500(
    client: httpx.AsyncClient, clock: VirtualClock
) -> None:
    import base64

    key, token = await _bound(client, clock)
    good = key.proof("GET", ME_URL, clock.now(), ath=access_token_hash(token))
    _, body, signature = good.split(".")
    nested = base64.urlsafe_b64encode(b"[" * 3000).rstrip(b"=").decode()
    answer = await _call(client, token, f"{nested}.{body}.{signature}")
    assert answer.status_code == 401 and answer.json()["reason"] == "malformed_proof"
