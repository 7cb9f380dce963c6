"""The device's side of the OAuth 2.0 token endpoint, and how its answers are read.

``classify_token_error`` is the pure heart: from a status, body and headers it
decides what a failed token request means — the session is over, the login
was refused, the server is struggling — so the rules are tested without a
network. ``OAuthClient`` does the requests and turns transport failures into
``ServerUnreachable``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from client.errors import (
    ClientError,
    LoginRefused,
    RateLimited,
    ServerFailure,
    ServerUnreachable,
    SessionEnded,
)
from client.events import sign_out_message
from client.tokens import TokenSet


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where the server's endpoints are (RFC 8414 names)."""

    issuer: str
    token_endpoint: str
    revocation_endpoint: str | None

    @classmethod
    def default(cls, server: str) -> Endpoints:
        base = server.rstrip("/")
        return cls(base, f"{base}/oauth/token", f"{base}/oauth/revoke")

    @classmethod
    def from_metadata(cls, server: str, metadata: dict[str, Any]) -> Endpoints:
        fallback = cls.default(server)
        token = metadata.get("token_endpoint")
        revoke = metadata.get("revocation_endpoint")
        return cls(
            issuer=str(metadata.get("issuer") or fallback.issuer),
            token_endpoint=token if isinstance(token, str) else fallback.token_endpoint,
            revocation_endpoint=revoke if isinstance(revoke, str) else None,
        )


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """The password grant's extension parameters."""

    device_id: str
    device_type: str
    device_name: str


def _json(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return None
    return body if isinstance(body, dict) else None


def classify_token_error(
    status: int, body: dict[str, Any] | None, headers: httpx.Headers, *, grant: str
) -> ClientError:
    """What a failed token-endpoint answer means for the device.

    ``grant`` is ``password`` or ``refresh_token``: ``invalid_grant`` ends the
    session on a refresh, and refuses the login on a password grant.
    """
    if status >= 500:
        return ServerFailure(f"the server failed ({status}); will retry later", status)
    if status == 429:
        retry_after = _retry_after(headers, body)
        return RateLimited(
            retry_after, f"too many failed sign-ins; try again in {retry_after:.0f} s"
        )
    if body is None or not isinstance(body.get("error"), str):
        return ServerFailure(f"the token endpoint answered {status} without an OAuth error", status)
    error = body["error"]
    description = str(body.get("error_description") or error)
    reason = body.get("reason") if isinstance(body.get("reason"), str) else None
    detail = {k: v for k, v in body.items() if k in ("revoked_at", "revoked_by", "active_devices")}
    if grant == "refresh_token":
        if error == "invalid_grant":
            reason = reason or "refresh_expired"
            return SessionEnded(reason, sign_out_message(reason, detail), detail)
        return ServerFailure(f"the token endpoint refused the refresh: {description}", status)
    if error == "invalid_grant":
        reason = reason or "invalid_credentials"
        if reason == "invalid_credentials":
            return LoginRefused(reason, "wrong username or password", detail)
        return LoginRefused(reason, description, detail)
    return LoginRefused(error, description, detail)


def _retry_after(headers: httpx.Headers, body: dict[str, Any] | None) -> float:
    for value in (headers.get("retry-after"), (body or {}).get("retry_after")):
        try:
            return max(0.0, float(value))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
    return 60.0


class OAuthClient:
    """Token requests for one device, over the device's own HTTP client."""

    def __init__(self, http: httpx.AsyncClient, endpoints: Endpoints, client_id: str) -> None:
        self.http = http
        self.endpoints = endpoints
        self.client_id = client_id

    async def password_grant(
        self, username: str, password: str, device: DeviceIdentity, now: float
    ) -> TokenSet:
        data = {
            "grant_type": "password",
            "username": username,
            "password": password,
            "client_id": self.client_id,
            "device_id": device.device_id,
            "device_type": device.device_type,
            "device_name": device.device_name,
        }
        return await self._token_request(data, now, previous=None)

    async def refresh_grant(self, tokens: TokenSet, now: float) -> TokenSet:
        if tokens.refresh_token is None:
            raise SessionEnded("refresh_expired", "there is no refresh token; sign in again")
        data = {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": self.client_id,
        }
        return await self._token_request(data, now, previous=tokens)

    async def revoke(self, token: str) -> None:
        """RFC 7009; best effort: the answer is 200 whatever the token."""
        if self.endpoints.revocation_endpoint is None:
            return
        try:
            response = await self.http.post(
                self.endpoints.revocation_endpoint,
                data={"token": token, "client_id": self.client_id},
            )
        except httpx.TransportError as exc:
            raise ServerUnreachable(f"could not reach the server: {_describe(exc)}") from exc
        if response.status_code >= 500:
            raise ServerFailure(f"revocation failed ({response.status_code})", response.status_code)

    async def _token_request(
        self, data: dict[str, str], now: float, previous: TokenSet | None
    ) -> TokenSet:
        try:
            # No DeviceAuth here: the token endpoint is never "refreshed" on a 401.
            response = await self.http.post(self.endpoints.token_endpoint, data=data)
        except httpx.TransportError as exc:
            raise ServerUnreachable(f"could not reach the server: {_describe(exc)}") from exc
        body = _json(response)
        if response.status_code != 200:
            raise classify_token_error(
                response.status_code, body, response.headers, grant=data["grant_type"]
            )
        if body is None:
            raise ServerFailure("the token response is not JSON", response.status_code)
        try:
            return TokenSet.from_response(body, now, previous)
        except ValueError as exc:
            raise ServerFailure(f"the token response is unusable: {exc}", 200) from exc


def _describe(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.ConnectError):
        return "connection refused"
    return type(exc).__name__
