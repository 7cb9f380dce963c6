"""A device that proves its key (DPoP, issue 14): its tokens are bound to a key it
keeps with them in its store, every request carries a fresh proof, and a thief's
copy of the token is refused — on the real mock server."""

from __future__ import annotations

import httpx
import jwt
import pytest

from client import DeviceState, Lab
from client.dpop import DPoPKey
from client.flows import Autopilot
from client.store import KeyringTokenStore, StoreKey
from client.tokens import TokenSet
from tests.client.test_keyring import secret_service  # noqa: F401 - the real keyring fixture
from tests.conftest import ADMIN_KEY


def _claims(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


async def test_a_dpop_device_binds_its_tokens_and_a_thiefs_copy_is_refused(lab: Lab) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice", dpop=True)
    await phone.login("alice-pass")
    tokens = phone.tokens
    assert tokens is not None and tokens.token_type == "DPoP" and tokens.dpop_key
    key = phone.oauth.dpop
    assert key is not None and _claims(tokens.access_token)["cnf"] == {"jkt": key.jkt}
    assert (await phone.call()).status == 200  # a proof per request, checked by the server
    assert (await phone.call()).status == 200  # and a fresh one: no replay
    async with httpx.AsyncClient(transport=lab.transport, base_url=lab.server) as thief:
        stolen = await thief.get(
            "/api/me", headers={"Authorization": f"Bearer {tokens.access_token}"}
        )
    assert stolen.status_code == 401 and stolen.json()["reason"] == "dpop_bound_token"


async def test_code_flow_and_refreshes_prove_the_same_key(lab: Lab, clock: object) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice", flow="code", dpop=True)
    await phone.login_in_browser(Autopilot("alice", "alice-pass", transport=lab.transport))
    first = phone.tokens
    assert first is not None and first.token_type == "DPoP"
    renewed = await phone.session.refresh(first)
    assert renewed.token_type == "DPoP" and renewed.dpop_key == first.dpop_key
    assert _claims(renewed.access_token)["cnf"] == _claims(first.access_token)["cnf"]
    results = await phone.call_many(20)  # single flight stays single flight
    assert all(r.status == 200 for r in results)


async def test_a_restart_reuses_the_key_and_a_sign_out_forgets_it(lab: Lab) -> None:
    phone = await lab.add_device("phone", "mobile", user="alice", dpop=True, dpop_alg="Ed25519")
    await phone.login("alice-pass")
    jkt = phone.oauth.dpop.jkt  # type: ignore[union-attr]
    assert phone.oauth.dpop.alg == "Ed25519"  # type: ignore[union-attr]
    restarted = await lab.restart_device("phone")
    assert restarted.oauth.dpop is not None and restarted.oauth.dpop.jkt == jkt
    assert (await restarted.call()).status == 200
    await restarted.logout()
    assert restarted.oauth.dpop is None and lab.store.load(restarted.store_key) is None
    await restarted.login("alice-pass")
    assert restarted.oauth.dpop is not None and restarted.oauth.dpop.jkt != jkt  # a new key


async def test_the_servers_nonce_is_followed_without_the_user_noticing(lab: Lab) -> None:
    async with httpx.AsyncClient(transport=lab.transport, base_url=lab.server) as admin:
        await admin.patch(
            "/admin/settings", json={"dpop_nonce": "on"}, headers={"X-Admin-Key": ADMIN_KEY}
        )
    phone = await lab.add_device("phone", "mobile", user="alice", dpop=True)
    await phone.login("alice-pass")  # use_dpop_nonce, then again with the nonce
    assert phone.state == DeviceState.ACTIVE
    assert (await phone.call()).status == 200
    assert phone.oauth.dpop is not None and phone.oauth.dpop.nonces


def test_the_private_key_is_kept_in_the_keyring_with_the_tokens(
    secret_service: KeyringTokenStore,  # noqa: F811
) -> None:
    key = DPoPKey.generate()
    store_key = StoreKey("http://keyring.test", "dpop-device")
    tokens = TokenSet("a.b.c", "d.e.f", 2e9, 2e9, 1.7e9, token_type="DPoP", dpop_key=key.to_json())
    secret_service.save(store_key, tokens)
    loaded = secret_service.load(store_key)
    assert loaded is not None and loaded.dpop_key == key.to_json()
    assert DPoPKey.from_json(loaded.dpop_key).jkt == key.jkt
    secret_service.delete(store_key)
    assert secret_service.load(store_key) is None
    assert (
        secret_service.backend.get_password(secret_service.service, store_key.entry("dpop")) is None
    )


def test_a_proof_names_this_request(lab: object) -> None:
    key = DPoPKey.generate()
    proof = key.proof("get", "https://api.example/x?y=1#z", 1_800_000_000, access_token="tok")
    header = jwt.get_unverified_header(proof)
    body = _claims(proof)
    assert header["typ"] == "dpop+jwt" and "d" not in header["jwk"]
    assert (body["htm"], body["htu"]) == ("GET", "https://api.example/x")
    assert body["ath"] and body["iat"] == 1_800_000_000


@pytest.mark.parametrize("alg", ["ES256", "Ed25519"])
def test_a_key_survives_its_json(alg: str) -> None:
    key = DPoPKey.generate(alg)
    again = DPoPKey.from_json(key.to_json())
    assert again.jkt == key.jkt and again.alg == alg
