"""``DeviceAuth``: the ``httpx.Auth`` flow that keeps a device's API calls authenticated.

For each request: attach the access token; refresh first if it is within the
device's margin of expiry (judged on the device's own clock); on a 401
``invalid_token``, refresh once and retry once. The refresh itself is the
session's (``TokenSession.refresh``), which is single-flight: concurrent
requests that meet the same stale token cause one refresh between them.

A retried request is never retried again, and the token endpoint is never
called through this flow (token requests are sent without it).
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING

import httpx

from client.errors import ServerFailure, ServerUnreachable, SessionEnded
from client.tokens import TokenSet, needs_refresh

if TYPE_CHECKING:
    from client.session import TokenSession

RETRIED = "jwt_lab.retried"
_ERROR = re.compile(r'error\s*=\s*"?([A-Za-z_]+)"?')


def is_invalid_token(response: httpx.Response) -> bool:
    """Is this a 401 that a refresh can cure (RFC 6750 ``invalid_token``)?"""
    if response.status_code != 401:
        return False
    challenge = response.headers.get("www-authenticate", "")
    match = _ERROR.search(challenge)
    if match:
        return match.group(1) == "invalid_token"
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error") == "invalid_token"


def rejection_reason(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    reason = body.get("reason") if isinstance(body, dict) else None
    return reason if isinstance(reason, str) else None


class DeviceAuth(httpx.Auth):
    """Bearer auth with proactive refresh and refresh-and-retry-once on 401."""

    def __init__(self, session: TokenSession) -> None:
        self.session = session

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("DeviceAuth works with httpx.AsyncClient only")
        yield request  # pragma: no cover - makes this a generator

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        session = self.session
        tokens = session.require_tokens()
        if needs_refresh(tokens, session.now(), session.refresh_margin):
            try:
                tokens = await session.refresh(failed=tokens)
            except (ServerUnreachable, ServerFailure):
                # Proactive refresh is an optimisation: a token that has not
                # expired yet may still be used while the server struggles.
                if session.now() >= tokens.access_exp:
                    raise
        self._authorize(request, tokens)
        response = yield request
        if response.status_code == 401:
            await response.aread()  # an overridden async flow reads bodies itself
        if self._needs_nonce(request, response):
            # RFC 9449 §8: the server wants its nonce in the proof; prove again, once.
            self._authorize(request, tokens)
            response = yield request
            if response.status_code == 401:
                await response.aread()
        if not is_invalid_token(response):
            return
        session.unauthorized(request.url.path, rejection_reason(response))
        if tokens.refresh_token is None:
            return
        try:
            tokens = await session.refresh(failed=tokens, cause="401")
        except (SessionEnded, ServerFailure, ServerUnreachable):
            # The 401 stands as the call's answer; the session has already
            # signed the device out, backed off, or marked it offline.
            return
        self._authorize(request, tokens)
        retried = yield request
        retried.extensions[RETRIED] = True

    def _authorize(self, request: httpx.Request, tokens: TokenSet) -> None:
        """Bearer, or — for a token bound to the device's key — DPoP with a fresh
        proof for this method, URL and token (RFC 9449 §7)."""
        key = self.session.oauth.dpop
        if tokens.token_type == "DPoP" and key is not None:  # noqa: S105 - a token type
            request.headers["Authorization"] = f"DPoP {tokens.access_token}"
            request.headers["DPoP"] = key.proof(
                request.method,
                str(request.url),
                self.session.now(),
                access_token=tokens.access_token,
            )
        else:
            request.headers["Authorization"] = f"Bearer {tokens.access_token}"

    def _needs_nonce(self, request: httpx.Request, response: httpx.Response) -> bool:
        key = self.session.oauth.dpop
        nonce = response.headers.get("dpop-nonce") if key is not None else None
        if key is None or nonce is None:
            return False
        fresh = key.remember_nonce(str(request.url), nonce)
        challenge = response.headers.get("www-authenticate", "")
        return fresh and response.status_code == 401 and "use_dpop_nonce" in challenge
