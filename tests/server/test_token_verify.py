"""``tokens.verify`` called directly: every refusal with its exact reason and
sentence (they go out as RFC 6750 ``error_description``), and the edges."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from contract import ACCESS_TYP, REFRESH_TYP
from mock_server.clock import VirtualClock
from mock_server.keys import KeyManager, SigningKey
from mock_server.store import SqliteStore
from mock_server.tokens import TokenRejected, VerifiedCache, check_times, encode, verify

ISSUER = "http://testserver"
AUDIENCE = "jwt-device-lab-api"
NOW = 1_800_000_000.0


@pytest.fixture
async def keys() -> KeyManager:
    manager = KeyManager(SqliteStore(":memory:"), VirtualClock(NOW))
    await manager.ensure("EdDSA")
    return manager


def key_of(keys: KeyManager) -> SigningKey:
    key = keys.current("EdDSA")
    assert key is not None
    return key


def access_claims(**changes: Any) -> dict[str, Any]:
    claims = {
        "iss": ISSUER,
        "sub": "alice",
        "aud": AUDIENCE,
        "exp": NOW + 30,
        "iat": NOW,
        "jti": "j1",
        "client_id": "jwt-device-lab",
        "scope": "profile",
        "sid": "s1",
        **changes,
    }
    return {k: v for k, v in claims.items() if v is not None}


def check(keys: KeyManager, token: object, typ: str = ACCESS_TYP, **options: Any) -> Any:
    settings: dict[str, Any] = {
        "typ": typ,
        "issuer": ISSUER,
        "audience": AUDIENCE if typ == ACCESS_TYP else None,
        "now": NOW,
        "leeway": 5,
        "max_chars": 4096,
        **options,
    }
    return verify(token, keys, **settings)


def with_header(keys: KeyManager, claims: dict[str, Any], **header: Any) -> str:
    key = key_of(keys)
    return jwt.encode(claims, key.signing, algorithm=key.alg, headers=header)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


Make = Callable[[KeyManager], object]
CASES: list[tuple[str, Make, str, str, str]] = [
    ("empty", lambda k: "", ACCESS_TYP, "malformed", "the token is empty"),
    ("not text", lambda k: 42, ACCESS_TYP, "malformed", "the token is empty"),
    (
        "two parts",
        lambda k: "a.b",
        ACCESS_TYP,
        "malformed",
        "a JWT has exactly three dot-separated parts",
    ),
    (
        "bad header",
        lambda k: "!!.e30.x",
        ACCESS_TYP,
        "malformed",
        "the token header is not valid base64url JSON",
    ),
    (
        "refresh as access",
        lambda k: encode(access_claims(), key_of(k), REFRESH_TYP),
        ACCESS_TYP,
        "wrong_token_type",
        "this is not an access token (typ must be at+jwt)",
    ),
    (
        "access as refresh",
        lambda k: encode(access_claims(), key_of(k), ACCESS_TYP),
        REFRESH_TYP,
        "wrong_token_type",
        "this is not a refresh token (typ must be rt+jwt)",
    ),
    (
        "no kid",
        lambda k: with_header(k, access_claims(), typ=ACCESS_TYP),
        ACCESS_TYP,
        "unknown_key",
        "the token names no signing key (kid)",
    ),
    (
        "empty kid",  # PyJWT itself refuses a kid that is not text
        lambda k: with_header(k, access_claims(), typ=ACCESS_TYP, kid=""),
        ACCESS_TYP,
        "unknown_key",
        "the token names no signing key (kid)",
    ),
    (
        "foreign kid",
        lambda k: with_header(k, access_claims(), typ=ACCESS_TYP, kid="elsewhere"),
        ACCESS_TYP,
        "unknown_key",
        "the token was not signed by a key of this server",
    ),
    (
        "alg swapped",
        lambda k: (
            f"{b64({'alg': 'HS256', 'typ': ACCESS_TYP, 'kid': key_of(k).kid})}.{b64(access_claims())}.c2ln"
        ),
        ACCESS_TYP,
        "invalid_algorithm",
        "the token's algorithm is not the key's",
    ),
    (
        "signature",
        lambda k: encode(access_claims(), key_of(k), ACCESS_TYP)[:-6] + "AAAAAA",
        ACCESS_TYP,
        "invalid_signature",
        "the token's signature does not verify",
    ),
    (
        "payload not JSON",
        lambda k: jwt.PyJWS().encode(
            b"not json",
            key_of(k).signing,
            algorithm="EdDSA",
            headers={"typ": ACCESS_TYP, "kid": key_of(k).kid},
        ),
        ACCESS_TYP,
        "malformed",
        "the token could not be decoded",
    ),
    (
        "no client_id",
        lambda k: encode(access_claims(client_id=None), key_of(k), ACCESS_TYP),
        ACCESS_TYP,
        "invalid_claims",
        'Token is missing the "client_id" claim',
    ),
    (
        "sid a number",  # PyJWT itself checks sub and jti; sid is ours
        lambda k: encode(access_claims(sid=5), key_of(k), ACCESS_TYP),
        ACCESS_TYP,
        "invalid_claims",
        "claim 'sid' must be a string",
    ),
    (
        "iat text",
        lambda k: encode(access_claims(iat="now"), key_of(k), ACCESS_TYP),
        ACCESS_TYP,
        "invalid_claims",
        "claim 'iat' must be a number",
    ),
    (
        "nbf text",
        lambda k: encode(access_claims(nbf="soon"), key_of(k), ACCESS_TYP),
        ACCESS_TYP,
        "invalid_claims",
        "claim 'nbf' must be a number",
    ),
    (
        "expired",
        lambda k: encode(access_claims(exp=NOW - 6), key_of(k), ACCESS_TYP),
        ACCESS_TYP,
        "expired",
        "the token has expired",
    ),
    (
        "from the future",
        lambda k: encode(access_claims(nbf=NOW + 6), key_of(k), ACCESS_TYP),
        ACCESS_TYP,
        "not_yet_valid",
        "the token is not valid yet (iat or nbf in the future)",
    ),
]


@pytest.mark.parametrize(
    ("make", "typ", "reason", "description"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_refusal_has_its_reason_and_sentence(
    keys: KeyManager, make: Make, typ: str, reason: str, description: str
) -> None:
    with pytest.raises(TokenRejected) as refused:
        check(keys, make(keys), typ)
    assert (refused.value.reason, refused.value.description) == (reason, description)
    assert str(refused.value) == description


async def test_a_retired_key_is_named_with_or_without_the_cache(keys: KeyManager) -> None:
    token = encode(access_claims(), key_of(keys), ACCESS_TYP)
    cache = VerifiedCache()
    check(keys, token, cache=cache)
    await keys.rotate("EdDSA")
    await keys.retire()
    for cached in (cache, None):
        with pytest.raises(TokenRejected) as refused:
            check(keys, token, cache=cached)
        assert (refused.value.reason, refused.value.description) == (
            "key_retired",
            "the key that signed this token has been retired",
        )


def test_a_cached_access_token_is_still_not_a_refresh_token(keys: KeyManager) -> None:
    token = encode(access_claims(), key_of(keys), ACCESS_TYP)
    cache = VerifiedCache()
    assert check(keys, token, cache=cache).claims["sub"] == "alice"
    with pytest.raises(TokenRejected, match="not a refresh token"):
        check(keys, token, REFRESH_TYP, cache=cache)


def test_a_token_of_exactly_the_maximum_length_is_read(keys: KeyManager) -> None:
    token = encode(access_claims(), key_of(keys), ACCESS_TYP)
    assert check(keys, token, max_chars=len(token)).claims["jti"] == "j1"
    with pytest.raises(TokenRejected, match=f"longer than {len(token) - 1} characters"):
        check(keys, token, max_chars=len(token) - 1)


async def test_times_are_judged_on_the_servers_clock_not_the_machines() -> None:
    manager = KeyManager(SqliteStore(":memory:"), VirtualClock(1_000_000.0))
    await manager.ensure("EdDSA")
    past = 1_000_000.0  # 1970: long expired by the machine's clock
    token = encode(access_claims(exp=past + 30, iat=past), key_of(manager), ACCESS_TYP)
    assert past + 30 < time.time()
    assert check(manager, token, now=past).claims["exp"] == past + 30


def test_the_leeway_edges_are_inclusive() -> None:
    claims = {"exp": NOW, "iat": NOW, "nbf": NOW + 5}
    check_times(claims, NOW + 5, 5)  # exp + leeway: still fine
    check_times(claims, NOW, 5)  # nbf = now + leeway: already fine
    with pytest.raises(TokenRejected, match="expired"):
        check_times(claims, NOW + 5.001, 5)
    with pytest.raises(TokenRejected, match="not valid yet"):
        check_times({**claims, "nbf": NOW + 5.001}, NOW, 5)


def test_a_verified_token_skips_the_signature_check_next_time(
    keys: KeyManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = encode(access_claims(), key_of(keys), ACCESS_TYP)
    cache = VerifiedCache()
    check(keys, token, cache=cache)

    def no_second_check(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the signature was checked again")

    monkeypatch.setattr(jwt, "decode", no_second_check)
    assert check(keys, token, cache=cache).claims["jti"] == "j1"
