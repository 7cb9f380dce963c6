"""Key material, called directly: RFC 7638 thumbprints (the kids), key sizes,
creation order under a frozen clock, and keys the server cannot use."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

from mock_server.clock import VirtualClock
from mock_server.keys import KeyManager, _generate, _load, thumbprint
from mock_server.store import KeyRecord, SqliteStore

# RFC 7638 §3.1: the example RSA key and its thumbprint.
RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
    "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvzq"
    "Y368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0"
    "fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
)


def test_the_rfc_7638_example_thumbprint() -> None:
    jwk = {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"}
    assert thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def _independent(members: dict[str, str]) -> str:
    canonical = "{" + ",".join(f'"{k}":"{members[k]}"' for k in sorted(members)) + "}"
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().replace("=", "")


def test_thumbprints_agree_with_an_independent_computation() -> None:
    samples = [{"kty": "OKP", "crv": "Ed25519", "x": f"key-{i}", "use": "sig"} for i in range(400)]
    computed = [thumbprint(jwk) for jwk in samples]
    expected = [_independent({k: jwk[k] for k in ("crv", "kty", "x")}) for jwk in samples]
    assert computed == expected
    assert all(len(t) == 43 and "=" not in t for t in computed)


def test_key_sizes() -> None:
    rsa_key = _generate("RS256")
    assert rsa_key.key_size == 2048  # type: ignore[union-attr]
    secret = _generate("HS256")
    assert isinstance(secret, bytes) and len(secret) == 64
    with pytest.raises(ValueError, match=r"^unsupported algorithm 'none'$"):
        _generate("none")


def test_a_stored_key_of_a_type_the_server_cannot_sign_with_is_refused() -> None:
    pem = x25519.X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match=r"^key odd has an unsupported type$"):
        _load(KeyRecord("odd", "EdDSA", pem, 0.0, None))


async def test_keys_rotated_under_a_frozen_clock_are_ordered_without_moving_in_time() -> None:
    clock = VirtualClock(1_800_000_000.0)
    manager = KeyManager(SqliteStore(":memory:"), clock)
    made = [await manager.rotate("EdDSA") for _ in range(3)]
    times = [k.created_at for k in made]
    assert times == sorted(times) and len(set(times)) == 3
    assert times[-1] - clock.now() < 0.001  # a microsecond apart, not seconds
    assert manager.current("EdDSA") == made[-1]
