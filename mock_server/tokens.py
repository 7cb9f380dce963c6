"""Encoding and verifying the server's two kinds of JWT.

Access tokens follow RFC 9068 (``typ: at+jwt``); refresh tokens are JWTs too,
with ``typ: rt+jwt`` so that one can never pass as the other. Verification is
explicit about everything a security decision rests on: the algorithm comes
from the server's key (never from the token's header), the key from a ``kid``
the server issued, and the time from the server's clock (virtual in tests),
with the configured leeway.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import jwt

from contract import ACCESS_TYP, LOGOUT_TYP, REFRESH_TYP
from contract.jose import JWT
from mock_server.keys import KeyManager, SigningKey

_KINDS = {
    ACCESS_TYP: "an access token",
    REFRESH_TYP: "a refresh token",
    LOGOUT_TYP: "a logout token",
}
ACCESS_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope", "sid")
REFRESH_CLAIMS = ("iss", "sub", "exp", "iat", "jti", "sid")


class TokenRejected(Exception):
    """A token failed verification; ``reason`` is a short machine-readable code."""

    def __init__(self, reason: str, description: str, claims: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description
        # Set only when the signature verified and just the time was wrong, so a
        # caller can still tell which session an expired token belonged to.
        self.claims = claims


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    header: dict[str, Any]
    claims: dict[str, Any]


def jti_hash(jti: str) -> str:
    """What the store keeps instead of a refresh token: SHA-256 of its ``jti``."""
    return hashlib.sha256(jti.encode()).hexdigest()


def encode(claims: dict[str, Any], key: SigningKey, typ: str) -> str:
    """Sign ``claims`` with ``key``; the header carries ``typ`` and ``kid``."""
    return JWT.encode(claims, key.signing, algorithm=key.alg, headers={"typ": typ, "kid": key.kid})


class VerifiedCache:
    """Tokens whose signature and claims already verified, so a hot path skips
    the public-key operation. Only what cannot change is cached: each hit still
    checks that the key is not retired and re-checks the times on the current
    clock. Bounded; the oldest entries go first. Plain dict operations, which
    the GIL keeps atomic: the hot path takes no lock."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._entries: dict[str, VerifiedToken] = {}

    def get(self, token: str) -> VerifiedToken | None:
        return self._entries.get(token)

    def put(self, token: str, verified: VerifiedToken) -> None:
        self._entries[token] = verified
        while len(self._entries) > self.size:
            try:
                del self._entries[next(iter(self._entries))]
            except (KeyError, RuntimeError, StopIteration):  # a concurrent writer won
                break

    def clear(self) -> None:
        self._entries.clear()


def check_times(claims: dict[str, Any], now: float, leeway: float) -> None:
    """``exp``, ``iat`` and ``nbf`` against ``now`` ± ``leeway``, or ``TokenRejected``."""
    if now > claims["exp"] + leeway:
        raise TokenRejected("expired", "the token has expired", claims)
    if claims["iat"] > now + leeway or claims.get("nbf", now) > now + leeway:
        raise TokenRejected(
            "not_yet_valid", "the token is not valid yet (iat or nbf in the future)"
        )


def verify(
    token: object,
    keys: KeyManager,
    *,
    typ: str,
    issuer: str,
    audience: str | None,
    now: float,
    leeway: float,
    max_chars: int,
    cache: VerifiedCache | None = None,
) -> VerifiedToken:
    """Verify a token of kind ``typ`` or raise ``TokenRejected``.

    Checks, in order: shape, header, ``typ``, ``kid`` (a key the server holds and
    has not retired), signature under that key's own algorithm, issuer and
    audience, required claims and their types, and ``exp``/``iat``/``nbf``
    against ``now`` ± ``leeway``.
    """
    if cache is not None and isinstance(token, str):
        hit = cache.get(token)
        if hit is not None and hit.header.get("typ") == typ:
            if keys.verifying_key(hit.header["kid"]) is None:
                raise TokenRejected(
                    "key_retired", "the key that signed this token has been retired"
                )
            check_times(hit.claims, now, leeway)
            return hit
    if not isinstance(token, str) or not token:
        raise TokenRejected("malformed", "the token is empty")
    if len(token) > max_chars:
        raise TokenRejected("malformed", f"the token is longer than {max_chars} characters")
    if token.count(".") != 2:
        raise TokenRejected("malformed", "a JWT has exactly three dot-separated parts")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenRejected("malformed", "the token header is not valid base64url JSON") from exc
    # Rejecting on the unverified header is safe: it can only refuse, never admit.
    if header.get("typ") != typ:
        kind = _KINDS.get(typ, "a token of this kind")
        raise TokenRejected("wrong_token_type", f"this is not {kind} (typ must be {typ})")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRejected("unknown_key", "the token names no signing key (kid)")
    key = keys.verifying_key(kid)
    if key is None:
        if keys.is_retired(kid):
            raise TokenRejected("key_retired", "the key that signed this token has been retired")
        raise TokenRejected("unknown_key", "the token was not signed by a key of this server")
    try:
        claims = JWT.decode(
            token,
            key.verifying,
            algorithms=[key.alg],
            issuer=issuer,
            audience=audience,
            options={
                "verify_exp": False,  # checked below against the server's clock
                "verify_iat": False,
                "verify_nbf": False,
                "verify_aud": audience is not None,
                "require": list(ACCESS_CLAIMS if typ == ACCESS_TYP else REFRESH_CLAIMS),
            },
        )
    except jwt.InvalidAlgorithmError as exc:
        raise TokenRejected("invalid_algorithm", "the token's algorithm is not the key's") from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenRejected("invalid_signature", "the token's signature does not verify") from exc
    except (jwt.InvalidIssuerError, jwt.InvalidAudienceError) as exc:
        raise TokenRejected("invalid_claims", f"the token was not issued for here: {exc}") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise TokenRejected("invalid_claims", str(exc)) from exc
    except jwt.PyJWTError as exc:
        raise TokenRejected("malformed", "the token could not be decoded") from exc
    for name in ("sub", "sid", "jti"):
        if not isinstance(claims.get(name), str):
            raise TokenRejected("invalid_claims", f"claim {name!r} must be a string")
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name)
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise TokenRejected("invalid_claims", f"claim {name!r} must be a number")
    verified = VerifiedToken(header=header, claims=claims)
    if cache is not None:
        cache.put(token, verified)  # signature and claims hold; times are checked per use
    check_times(claims, now, leeway)
    return verified
