"""A device's DPoP key (RFC 9449): it signs a proof for every token request and
every API call, so a stolen token is useless without it.

``DPoPKey`` is generated at the first sign-in — EC P-256 (``ES256``) by default,
or Ed25519 — and kept with the device's tokens in its store (the OS keyring:
same entry family, same chunking, same failures); a restart reuses it, signing
out deletes it. ``proof`` makes one proof: ``typ`` ``dpop+jwt``, the public
``jwk``, and ``jti``, ``htm``, ``htu``, ``iat`` — with ``ath`` at the resource
and ``nonce`` when the server asked for one.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from contract.jose import JWS

KEY_TYPES = {"ES256": "EC P-256", "Ed25519": "Ed25519"}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def access_token_hash(token: str) -> str:
    return _b64url(hashlib.sha256(token.encode("ascii", "replace")).digest())


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: the key's name, as the server binds tokens to it (``cnf.jkt``)."""
    members = ("crv", "kty", "x", "y") if jwk.get("kty") == "EC" else ("crv", "kty", "x")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"), sort_keys=True)
    return _b64url(hashlib.sha256(canonical.encode()).digest())


@functools.lru_cache(maxsize=256)
def htu(url: str) -> str:
    """The request's URL as a proof names it: no query, no fragment (§4.2)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))


@dataclass(slots=True)
class DPoPKey:
    alg: str
    private: Any
    public_jwk: dict[str, Any]
    nonces: dict[str, str] = field(default_factory=dict)  # origin → the latest DPoP-Nonce
    last_proof: str | None = field(default=None, compare=False, repr=False)  # the inspector's
    # What every proof repeats, made once: the header (typ, alg and the public
    # key never change) and the hash of the access token last proven.
    _header: str = field(default="", compare=False, repr=False)
    _ath: tuple[str, str] = field(default=("", ""), compare=False, repr=False)

    @classmethod
    def generate(cls, alg: str = "ES256") -> DPoPKey:
        if alg == "Ed25519":
            private: Any = ed25519.Ed25519PrivateKey.generate()
            public = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key()))
        else:
            alg, private = "ES256", ec.generate_private_key(ec.SECP256R1())
            public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
        return cls(alg, private, public)

    @classmethod
    def from_json(cls, text: str) -> DPoPKey:
        """A key kept in the store (``to_json``); ``ValueError`` if it is not one."""
        data = json.loads(text)
        alg, jwk = data["alg"], data["jwk"]
        algorithm = jwt.algorithms.OKPAlgorithm if alg == "Ed25519" else jwt.algorithms.ECAlgorithm
        private = algorithm.from_jwk(json.dumps(jwk))
        public = {k: v for k, v in jwk.items() if k != "d"}
        return cls(alg, private, public)

    def to_json(self) -> str:
        algorithm = (
            jwt.algorithms.OKPAlgorithm if self.alg == "Ed25519" else jwt.algorithms.ECAlgorithm
        )
        return json.dumps({"alg": self.alg, "jwk": json.loads(algorithm.to_jwk(self.private))})

    @property
    def jkt(self) -> str:
        return thumbprint(self.public_jwk)

    def proof(self, method: str, url: str, now: float, *, access_token: str | None = None) -> str:
        claims: dict[str, Any] = {
            "jti": secrets.token_urlsafe(16),
            "htm": method.upper(),
            "htu": htu(url),
            "iat": int(now),
        }
        if access_token is not None:
            if self._ath[0] != access_token:
                self._ath = (access_token, access_token_hash(access_token))
            claims["ath"] = self._ath[1]
        nonce = self.nonces.get(_origin(url))
        if nonce:
            claims["nonce"] = nonce
        # The compact JWS is put together here and signed by PyJWT's algorithm:
        # PyJWS.encode re-serialises the same header for every request, which
        # cost as much as the signature (bench/dpop.py).
        if not self._header:
            header = {"typ": "dpop+jwt", "alg": self.alg, "jwk": self.public_jwk}
            self._header = _b64url(json.dumps(header, separators=(",", ":")).encode())
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{self._header}.{payload}"
        signature = JWS.get_algorithm_by_name(self.alg).sign(signing_input.encode(), self.private)
        proof = f"{signing_input}.{_b64url(signature)}"
        self.last_proof = proof
        return proof

    def remember_nonce(self, url: str, nonce: str | None) -> bool:
        """Keep the server's latest nonce (§8); True if it is new."""
        if not nonce or self.nonces.get(_origin(url)) == nonce:
            return False
        self.nonces[_origin(url)] = nonce
        return True


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
