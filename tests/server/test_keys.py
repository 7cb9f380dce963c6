"""Signing keys and algorithms: rotation, retirement, JWKS, a standard JWT library."""

from __future__ import annotations

import httpx
import jwt
import pytest

from mock_server import Settings, VirtualClock, create_app
from tests.conftest import BASE_URL
from tests.server.helpers import ADMIN, header, login, me


async def jwks(client: httpx.AsyncClient) -> dict:  # type: ignore[type-arg]
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


async def test_a_standard_jwt_library_verifies_tokens_from_the_jwks_alone(
    client: httpx.AsyncClient,
) -> None:
    tokens = await login(client)
    key_set = jwt.PyJWKSet.from_dict(await jwks(client))
    kid = header(tokens["access_token"])["kid"]
    claims = jwt.decode(
        tokens["access_token"],
        key_set[kid],
        algorithms=["EdDSA"],
        audience="jwt-device-lab-api",
        issuer=BASE_URL,
        options={"verify_exp": False},
    )
    assert claims["sub"] == "alice"


async def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(
    client: httpx.AsyncClient,
) -> None:
    before = await login(client)
    old_kid = header(before["access_token"])["kid"]
    rotated = await client.post("/admin/keys/rotate", headers=ADMIN)
    assert rotated.status_code == 200
    new_kid = rotated.json()["kid"]
    assert new_kid != old_kid
    assert {k["kid"] for k in (await jwks(client))["keys"]} == {old_kid, new_kid}
    assert (await me(client, before["access_token"])).status_code == 200
    after = await login(client, device_id="pc", device_type="pc")
    assert header(after["access_token"])["kid"] == new_kid


async def test_retiring_a_key_invalidates_its_tokens(client: httpx.AsyncClient) -> None:
    before = await login(client)
    old_kid = header(before["access_token"])["kid"]
    await client.post("/admin/keys/rotate", headers=ADMIN)
    retired = await client.post("/admin/keys/retire", headers=ADMIN)
    assert retired.status_code == 200
    assert retired.json()["kid"] == old_kid
    assert old_kid not in {k["kid"] for k in (await jwks(client))["keys"]}
    refused = await me(client, before["access_token"])
    assert refused.status_code == 401
    assert refused.json()["reason"] == "key_retired"
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": before["refresh_token"]},
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "key_retired"


async def test_the_current_key_cannot_be_retired(client: httpx.AsyncClient) -> None:
    response = await client.post("/admin/keys/retire", headers=ADMIN)
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    keys = (await client.get("/admin/keys", headers=ADMIN)).json()
    assert keys["current"] == keys["keys"][0]["kid"]
    unknown = await client.post("/admin/keys/retire", json={"kid": "nope"}, headers=ADMIN)
    assert unknown.status_code == 404


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "RS256", "HS256"])
async def test_every_algorithm_issues_verifiable_tokens(
    clock: VirtualClock, algorithm: str
) -> None:
    settings = Settings(
        issuer=BASE_URL, password_profile="fast", admin_key="k", algorithm=algorithm
    )
    app = create_app(settings, clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        tokens = await login(c)
        assert header(tokens["access_token"])["alg"] == algorithm
        assert (await me(c, tokens["access_token"])).status_code == 200
        published = (await jwks(c))["keys"]
        if algorithm == "HS256":
            assert published == []  # a shared secret is never published
        else:
            key = jwt.PyJWKSet.from_dict({"keys": published})[header(tokens["access_token"])["kid"]]
            jwt.decode(
                tokens["access_token"],
                key,
                algorithms=[algorithm],
                audience="jwt-device-lab-api",
                options={"verify_exp": False},
            )


async def test_switching_algorithm_live_keeps_old_tokens_working(
    client: httpx.AsyncClient,
) -> None:
    before = await login(client)
    response = await client.patch("/admin/settings", json={"algorithm": "ES256"}, headers=ADMIN)
    assert response.status_code == 200
    after = await login(client, device_id="pc", device_type="pc")
    assert header(after["access_token"])["alg"] == "ES256"
    assert (await me(client, before["access_token"])).status_code == 200
    assert (await me(client, after["access_token"])).status_code == 200


async def test_header_algorithm_cannot_override_the_keys(client: httpx.AsyncClient) -> None:
    tokens = await login(client)
    kid = header(tokens["access_token"])["kid"]
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    public = (await jwks(client))["keys"][0]
    forged = jwt.encode(
        claims, public["x"].encode(), algorithm="HS256", headers={"kid": kid, "typ": "at+jwt"}
    )
    refused = await me(client, forged)
    assert refused.status_code == 401
    assert refused.json()["reason"] == "invalid_algorithm"
