"""The server's errors, each one an HTTP answer with a machine-readable code.

    ServerError                       root; status + error code + description
    ├── OAuthError                    RFC 6749 §5.2 token-endpoint errors (400)
    │   ├── InvalidRequest            malformed or missing parameters
    │   ├── InvalidClient             unknown client (401)
    │   ├── InvalidGrant              bad credentials, or a refresh token that is over
    │   ├── UnauthorizedClient        the token belongs to another client
    │   ├── UnsupportedGrantType
    │   ├── InvalidScope
    │   └── the device grant's answers (RFC 8628 §3.5): AuthorizationPending,
    │       SlowDown, AccessDenied, ExpiredToken
    ├── InvalidToken                  RFC 6750: the bearer token was refused (401)
    ├── MissingToken                  RFC 6750 §3.1: no credentials at all (401)
    ├── RateLimited                   too many failed logins (429 + Retry-After)
    ├── AdminAuthRequired             the admin key was missing or wrong (401)
    ├── NotFound                      (404)
    ├── Conflict                      the request does not fit the server's state (409)
    └── PayloadTooLarge               (413)

Every error carries an optional ``reason`` — why a session ended
(``superseded``, ``forced``, ``logout``, ``reuse_detected``,
``refresh_expired``) or why a token was refused — that a device can show to
its user.
"""

from __future__ import annotations

from typing import Any


class ServerError(Exception):
    """An error that becomes an HTTP response with a JSON body."""

    status = 400
    error = "invalid_request"

    def __init__(
        self,
        description: str,
        *,
        reason: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.reason = reason
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error, "error_description": self.description}
        if self.reason:
            body["reason"] = self.reason
        body.update(self.extra)
        return body

    def headers(self) -> dict[str, str]:
        return {"Cache-Control": "no-store"}


class OAuthError(ServerError):
    """An RFC 6749 §5.2 error from the token, revocation or introspection endpoint."""


class InvalidRequest(OAuthError):
    """The request is missing a parameter, repeats one, or is otherwise malformed."""

    error = "invalid_request"


class InvalidClient(OAuthError):
    """The client is unknown."""

    status = 401
    error = "invalid_client"


class InvalidGrant(OAuthError):
    """The credentials or refresh token are invalid, expired or revoked."""

    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    """The client may not use this grant or token."""

    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    """The grant type is not one the server supports."""

    error = "unsupported_grant_type"


class InvalidScope(OAuthError):
    """The requested scope is unknown or exceeds the granted one."""

    error = "invalid_scope"


class InvalidToken(ServerError):
    """A bearer token was refused by the resource API (RFC 6750 §3.1)."""

    status = 401
    error = "invalid_token"

    def headers(self) -> dict[str, str]:
        description = self.description.replace("\\", "").replace('"', "'")
        return {
            "WWW-Authenticate": (
                f'Bearer realm="jwt-device-lab", error="invalid_token", '
                f'error_description="{description}"'
            ),
            "Cache-Control": "no-store",
        }


class MissingToken(ServerError):
    """The request carried no bearer token (RFC 6750 §3.1: no error attribute)."""

    status = 401
    error = "missing_token"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="jwt-device-lab"', "Cache-Control": "no-store"}


class RateLimited(ServerError):
    """Too many failed logins for a user or an address."""

    status = 429
    error = "slow_down"

    def __init__(self, retry_after: float) -> None:
        self.retry_after = max(1, int(retry_after + 0.999))
        super().__init__(
            f"too many failed logins; try again in {self.retry_after} s",
            reason="rate_limited",
            extra={"retry_after": self.retry_after},
        )

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after), "Cache-Control": "no-store"}


class TooManyStreams(ServerError):
    """A session already has as many notification streams open as it may."""

    status = 429
    error = "too_many_requests"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"this session already has {limit} notification streams open",
            reason="too_many_streams",
        )

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "10", "Cache-Control": "no-store"}


class AdminAuthRequired(ServerError):
    """The admin API was called without the admin key."""

    status = 401
    error = "admin_key_required"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="jwt-device-lab-admin"'}


class ResourceServerAuthRequired(ServerError):
    """A resource server's endpoint without the resource server's own credential."""

    status = 401
    error = "invalid_client"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Basic realm="jwt-device-lab-resource-servers"'}


class TemporarilyUnavailable(ServerError):
    """Something the answer needs cannot be reached now (503 + Retry-After): the
    auth server a resource server must ask, or the store (a shared Redis) —
    nothing was decided and nothing issued; the client tries again."""

    status = 503
    error = "temporarily_unavailable"

    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1", "Cache-Control": "no-store"}


class NotFound(ServerError):
    """The addressed object does not exist (or is not the caller's to see)."""

    status = 404
    error = "not_found"


class Conflict(ServerError):
    """The request is well-formed but does not fit the server's current state."""

    status = 409
    error = "conflict"


class PayloadTooLarge(ServerError):
    """The request body is larger than the server accepts."""

    status = 413
    error = "payload_too_large"


class AuthorizationPending(OAuthError):
    """RFC 8628: the user has not approved (nor denied) the device yet; poll again."""

    error = "authorization_pending"


class SlowDown(OAuthError):
    """RFC 8628: polled faster than the interval; the interval grows by 5 s."""

    error = "slow_down"


class AccessDenied(OAuthError):
    """RFC 8628 / RFC 6749 §4.1.2.1: the user said no."""

    error = "access_denied"


class ExpiredToken(OAuthError):
    """RFC 8628: the device code expired before the user approved it."""

    error = "expired_token"


class InvalidDPoPProof(OAuthError):
    """RFC 9449 §5: the token request's DPoP proof is missing or wrong (``reason``
    names the check)."""

    error = "invalid_dpop_proof"


class UseDPoPNonce(OAuthError):
    """RFC 9449 §8: prove again with the server's nonce (sent in ``DPoP-Nonce``)."""

    error = "use_dpop_nonce"

    def __init__(self, description: str, nonce: str) -> None:
        super().__init__(description, reason="use_dpop_nonce")
        self.nonce = nonce

    def headers(self) -> dict[str, str]:
        return {"DPoP-Nonce": self.nonce, "Cache-Control": "no-store"}


class DPoPRefused(ServerError):
    """The resource API refused a DPoP-bound request (RFC 9449 §7.1): a 401 with a
    ``DPoP`` challenge; ``error`` is ``invalid_dpop_proof``, ``invalid_token`` or
    ``use_dpop_nonce`` (then with ``DPoP-Nonce``)."""

    status = 401

    def __init__(
        self, error: str, description: str, *, reason: str, nonce: str | None = None
    ) -> None:
        super().__init__(description, reason=reason)
        self.error = error
        self.nonce = nonce

    def headers(self) -> dict[str, str]:
        description = self.description.replace("\\", "").replace('"', "'")
        headers = {
            "WWW-Authenticate": (
                f'DPoP algs="ES256 EdDSA Ed25519", error="{self.error}", '
                f'error_description="{description}"'
            ),
            "Cache-Control": "no-store",
        }
        if self.nonce:
            headers["DPoP-Nonce"] = self.nonce
        return headers
