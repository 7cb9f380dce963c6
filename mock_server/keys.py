"""Signing keys: generate, rotate, retire, publish as a JWKS.

Each key has a ``kid`` (the RFC 7638 thumbprint of its public JWK, or a random
id for an HMAC secret). The newest active key of the configured algorithm
signs; every active key verifies, so rotation never breaks tokens already
issued. Retiring a key removes it from the JWKS and from verification: tokens
it signed stop working at once.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from contract.jose import ED25519_NAMES
from mock_server.clock import Clock
from mock_server.errors import Conflict, NotFound
from mock_server.store import KeyRecord, Store

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


@dataclass(frozen=True, slots=True)
class SigningKey:
    """A loaded key: what signs (``signing``) and what verifies (``verifying``)."""

    kid: str
    alg: str
    signing: PrivateKey | bytes
    verifying: Any
    created_at: float
    retired_at: float | None

    @property
    def public_jwk(self) -> dict[str, Any] | None:
        """The public JWK, or None for an HMAC secret (never published)."""
        if isinstance(self.signing, bytes):
            return None
        jwk = _public_jwk(self.alg, self.verifying)
        jwk.update({"kid": self.kid, "alg": self.alg, "use": "sig"})
        return jwk

    def describe(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "alg": self.alg,
            "created_at": self.created_at,
            "retired_at": self.retired_at,
            "state": "retired" if self.retired_at is not None else "active",
        }


def _public_jwk(alg: str, public_key: Any) -> dict[str, Any]:
    if alg in ED25519_NAMES:
        jwk: dict[str, Any] = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    elif alg == "ES256":
        jwk = ECAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    return jwk


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of a public key."""
    required = {
        "OKP": ("crv", "kty", "x"),
        "EC": ("crv", "kty", "x", "y"),
        "RSA": ("e", "kty", "n"),
    }
    members = {name: jwk[name] for name in required[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return _b64(hashlib.sha256(canonical).digest())


def _generate(alg: str) -> PrivateKey | bytes:
    if alg in ED25519_NAMES:
        return ed25519.Ed25519PrivateKey.generate()
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "HS256":
        return secrets.token_bytes(64)
    raise ValueError(f"unsupported algorithm {alg!r}")


def _serialize(key: PrivateKey | bytes) -> bytes:
    if isinstance(key, bytes):
        return key
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load(record: KeyRecord) -> SigningKey:
    if record.alg == "HS256":
        signing: PrivateKey | bytes = bytes(record.private_key)
        verifying: Any = signing
    else:
        loaded = serialization.load_pem_private_key(bytes(record.private_key), password=None)
        if not isinstance(loaded, PrivateKey):
            raise ValueError(f"key {record.kid} has an unsupported type")
        signing = loaded
        verifying = loaded.public_key()
    return SigningKey(
        kid=record.kid,
        alg=record.alg,
        signing=signing,
        verifying=verifying,
        created_at=record.created_at,
        retired_at=record.retired_at,
    )


class KeyManager:
    """The server's signing keys, kept in the store and cached in memory."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._keys: dict[str, SigningKey] = {}

    async def load(self) -> None:
        """Read the keys from the store (at start; again when another process of a
        shared store has rotated or retired one)."""
        self._keys = {k.kid: _load(k) for k in await self._store.list_keys()}

    async def ensure(self, alg: str) -> SigningKey:
        """The current signing key for ``alg``, generating one if there is none."""
        current = self.current(alg)
        return current if current is not None else await self.rotate(alg)

    def current(self, alg: str) -> SigningKey | None:
        candidates = [k for k in self._keys.values() if k.alg == alg and k.retired_at is None]
        return max(candidates, key=lambda k: k.created_at, default=None)

    async def rotate(self, alg: str) -> SigningKey:
        """Generate a new key for ``alg``; it signs from now on, older keys still verify."""
        private = _generate(alg)
        # Creation times must order keys even when the clock stands still.
        newest = max((k.created_at for k in self._keys.values()), default=0.0)
        created = max(self._clock.now(), newest + 1e-6)
        if isinstance(private, bytes):
            kid = "hs-" + secrets.token_urlsafe(12)
        else:
            kid = thumbprint(_public_jwk(alg, private.public_key()))
        record = KeyRecord(kid, alg, _serialize(private), created, None)
        await self._store.add_key(record)
        key = _load(record)
        self._keys[kid] = key
        return key

    async def retire(self, kid: str | None = None, *, keep: str | None = None) -> SigningKey:
        """Retire ``kid``, or the oldest active key other than ``keep`` (the current signer)."""
        active = sorted(
            (k for k in self._keys.values() if k.retired_at is None), key=lambda k: k.created_at
        )
        if kid is None:
            candidates = [k for k in active if k.kid != keep]
            if not candidates:
                raise Conflict("no key to retire: only the current signing key is active")
            target = candidates[0]
        else:
            found = self._keys.get(kid)
            if found is None:
                raise NotFound(f"no signing key {kid!r}")
            if found.retired_at is not None:
                raise Conflict(f"key {kid!r} is already retired")
            if found.kid == keep:
                raise Conflict("the current signing key cannot be retired; rotate first")
            target = found
        at = self._clock.now()
        await self._store.retire_key(target.kid, at)
        retired = SigningKey(
            target.kid, target.alg, target.signing, target.verifying, target.created_at, at
        )
        self._keys[target.kid] = retired
        return retired

    def verifying_key(self, kid: str) -> SigningKey | None:
        """The active key with this ``kid``, or None (unknown or retired)."""
        key = self._keys.get(kid)
        return key if key is not None and key.retired_at is None else None

    def is_retired(self, kid: str) -> bool:
        key = self._keys.get(kid)
        return key is not None and key.retired_at is not None

    def all(self) -> list[SigningKey]:
        return sorted(self._keys.values(), key=lambda k: k.created_at)

    def jwks(self) -> dict[str, Any]:
        """The public JWK Set: every active asymmetric key."""
        keys = [k.public_jwk for k in self.all() if k.retired_at is None]
        return {"keys": [jwk for jwk in keys if jwk is not None]}
