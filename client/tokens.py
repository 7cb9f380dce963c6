"""A device's tokens and the pure decisions about them.

``TokenSet`` is what a device holds: an access and a refresh token with the
times they expire. Expiry is read from the tokens' own ``exp`` claims (no
signature check: the client is not the audience; the server decides), falling
back to ``expires_in`` for opaque tokens.

    >>> needs_refresh(tokens, now=1000.0, margin=5)   # exp 1003: refresh now
    True
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import jwt

from client import messages as say


def fingerprint(token: str | None) -> str:
    """A short stand-in for a token in logs, events and messages."""
    if not token:
        return "-"
    return "#" + hashlib.sha256(token.encode()).hexdigest()[:8]


def refresh_id(token: str | None) -> str | None:
    """How the server's token family names this refresh token: the first 12 hex
    digits of SHA-256 of its ``jti`` (``GET /admin/sessions/{sid}/lineage``)."""
    claims = unverified_claims(token) if token else None
    jti = claims.get("jti") if claims else None
    return hashlib.sha256(jti.encode()).hexdigest()[:12] if isinstance(jti, str) else None


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The claims of a JWT without checking its signature, or None if it is not one."""
    try:
        claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    return claims


@dataclass(frozen=True, slots=True)
class TokenSet:
    """A device's current tokens. ``repr`` shows fingerprints only."""

    access_token: str
    refresh_token: str | None
    access_exp: float
    refresh_exp: float | None
    obtained_at: float
    scope: str = ""
    sid: str | None = None
    session_start: float | None = None  # when this session signed in (for display)
    token_type: str = "Bearer"  # noqa: S105 - "DPoP": bound to ``dpop_key`` (RFC 9449)
    dpop_key: str | None = None  # the device's private DPoP key (JSON), kept with its tokens

    def __repr__(self) -> str:
        return (
            f"TokenSet(access={fingerprint(self.access_token)}, "
            f"refresh={fingerprint(self.refresh_token)}, access_exp={self.access_exp}, "
            f"refresh_exp={self.refresh_exp}, sid={self.sid!r})"
        )

    @classmethod
    def from_response(
        cls, body: dict[str, Any], now: float, previous: TokenSet | None = None
    ) -> TokenSet:
        """Build from a token-endpoint answer (RFC 6749 §5.1).

        A response without a refresh token keeps the previous one (§6 allows
        the server not to rotate). Raises ``ValueError`` if the body is not a
        usable token response.
        """
        access = body.get("access_token")
        if not isinstance(access, str) or not access:
            raise ValueError(say.NO_ACCESS_TOKEN)
        token_type = body.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() not in ("bearer", "dpop"):
            raise ValueError(say.unsupported_token_type(token_type))
        refresh = body.get("refresh_token")
        if refresh is not None and not isinstance(refresh, str):
            raise ValueError(say.REFRESH_TOKEN_NOT_TEXT)
        refresh_exp: float | None
        if refresh:
            refresh_exp = _expiry(refresh, body.get("refresh_expires_in"), now)
        elif previous is not None:
            refresh, refresh_exp = previous.refresh_token, previous.refresh_exp
        else:
            refresh_exp = None
        claims = unverified_claims(access) or {}
        scope = body.get("scope") or claims.get("scope") or (previous.scope if previous else "")
        sid = claims.get("sid") if isinstance(claims.get("sid"), str) else None
        same_session = previous is not None and previous.sid == sid
        return cls(
            access_token=access,
            refresh_token=refresh or None,
            access_exp=_expiry(access, body.get("expires_in"), now) or now,
            refresh_exp=refresh_exp,
            obtained_at=now,
            scope=str(scope),
            sid=sid,
            session_start=(previous.session_start if same_session and previous else None) or now,
            token_type="DPoP" if token_type.lower() == "dpop" else "Bearer",
            dpop_key=previous.dpop_key if previous is not None else None,
        )


def _expiry(token: str, expires_in: object, now: float) -> float | None:
    claims = unverified_claims(token)
    exp = claims.get("exp") if claims else None
    if isinstance(exp, int | float) and not isinstance(exp, bool):
        return float(exp)
    if isinstance(expires_in, int | float) and not isinstance(expires_in, bool):
        return now + float(expires_in)
    return None


def needs_refresh(tokens: TokenSet, now: float, margin: float) -> bool:
    """Proactive refresh: is the access token within ``margin`` seconds of expiry?

    ``margin`` 0 turns proactive refresh off: expiry then shows up as a 401.
    """
    return margin > 0 and tokens.refresh_token is not None and now >= tokens.access_exp - margin


def refresh_expired(tokens: TokenSet, now: float) -> bool:
    """Has the refresh token (and so the session, as far as we know) expired?"""
    return tokens.refresh_exp is not None and now >= tokens.refresh_exp
