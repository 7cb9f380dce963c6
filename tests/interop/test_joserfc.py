"""joserfc — a JOSE library nobody here wrote — reads the lab's Ed25519 tokens
and proofs (issue 14, RFC 9864): by the fully specified name ``Ed25519`` it
verifies them without the deprecation warning that ``EdDSA`` carries."""

from __future__ import annotations

import warnings

import httpx
import pytest
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError, SecurityWarning
from joserfc.jwk import KeySet, OKPKey
from joserfc.jws import JWSRegistry

from client.dpop import DPoPKey
from mock_server import ServerThread, VirtualClock
from tests.server.helpers import ADMIN, CLIENT_ID

pytestmark = pytest.mark.live


def _sign_in(server: ServerThread, clock: VirtualClock, key: DPoPKey) -> dict[str, str]:
    url = f"{server.url}/oauth/token"
    answer = httpx.post(
        url,
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": CLIENT_ID,
            "device_id": "phone",
        },
        headers={"DPoP": key.proof("POST", url, clock.now())},
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, str] = answer.json()
    return body


def _use_algorithm(server: ServerThread, algorithm: str) -> None:
    answer = httpx.patch(
        f"{server.url}/admin/settings", json={"algorithm": algorithm}, headers=ADMIN
    )
    assert answer.status_code == 200, answer.text


def _key_set(server: ServerThread) -> KeySet:
    return KeySet.import_key_set(httpx.get(f"{server.url}/.well-known/jwks.json").json())


def test_joserfc_verifies_ed25519_tokens_and_proofs_without_a_warning(
    live_server: ServerThread, clock: VirtualClock
) -> None:
    _use_algorithm(live_server, "Ed25519")
    key = DPoPKey.generate("Ed25519")
    tokens = _sign_in(live_server, clock, key)
    proof = key.last_proof
    assert proof is not None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a SecurityWarning would fail the test
        access = jose_jwt.decode(tokens["access_token"], _key_set(live_server), ["Ed25519"])
        checked = jose_jwt.decode(proof, OKPKey.import_key(key.public_jwk), ["Ed25519"])
    assert access.header["alg"] == "Ed25519" and access.header["typ"] == "at+jwt"
    assert access.claims["sub"] == "alice"
    assert access.claims["cnf"] == {"jkt": key.jkt}
    assert checked.header["typ"] == "dpop+jwt" and checked.claims["htm"] == "POST"
    # And it checks: the access token's signature is not the proof's key's.
    with pytest.raises(BadSignatureError):
        jose_jwt.decode(tokens["access_token"], OKPKey.import_key(key.public_jwk), ["Ed25519"])


def test_the_polymorphic_eddsa_name_is_what_joserfc_warns_about(
    live_server: ServerThread, clock: VirtualClock
) -> None:
    """The control: the same check sees the warning when the lab signs ``EdDSA``."""
    _use_algorithm(live_server, "EdDSA")
    tokens = _sign_in(live_server, clock, DPoPKey.generate("Ed25519"))
    registry = JWSRegistry(algorithms=["EdDSA"])
    with pytest.warns(SecurityWarning, match="RFC 9864"):
        access = jose_jwt.decode(
            tokens["access_token"], _key_set(live_server), ["EdDSA"], registry=registry
        )
    assert access.header["alg"] == "EdDSA"
