"""The device's side of the OAuth 2.0 token endpoint, and how its answers are read.

``classify_token_error`` is the pure heart: from a status, body and headers it
decides what a failed token request means — the session is over, the login
was refused, the server is struggling — so the rules are tested without a
network. ``Discovery`` finds the server's endpoints in its RFC 8414 metadata
(once per lab). ``OAuthClient`` does the requests; network failures arrive
as ``ServerUnreachable`` from ``client.http``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from client import messages as say
from client.dpop import DPoPKey
from client.errors import (
    ClientError,
    LoginRefused,
    RateLimited,
    ServerFailure,
    SessionEnded,
)
from client.flows import Browser, DeviceAuthorization, LoopbackListener, pkce_pair
from client.tokens import TokenSet
from contract import GRANT_DEVICE


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where the server's endpoints are (RFC 8414 names)."""

    issuer: str
    token_endpoint: str
    revocation_endpoint: str | None
    authorization_endpoint: str | None = None
    device_authorization_endpoint: str | None = None
    iss_parameter: bool = False  # RFC 9207: the callback must carry ``iss``

    @classmethod
    def default(cls, server: str) -> Endpoints:
        base = server.rstrip("/")
        return cls(base, f"{base}/oauth/token", f"{base}/oauth/revoke")

    @classmethod
    def from_metadata(cls, server: str, metadata: dict[str, Any]) -> Endpoints:
        fallback = cls.default(server)
        token = metadata.get("token_endpoint")
        revoke = metadata.get("revocation_endpoint")
        authorize = metadata.get("authorization_endpoint")
        device = metadata.get("device_authorization_endpoint")
        return cls(
            issuer=str(metadata.get("issuer") or fallback.issuer),
            token_endpoint=token if isinstance(token, str) else fallback.token_endpoint,
            revocation_endpoint=revoke if isinstance(revoke, str) else None,
            authorization_endpoint=authorize if isinstance(authorize, str) else None,
            device_authorization_endpoint=device if isinstance(device, str) else None,
            iss_parameter=metadata.get("authorization_response_iss_parameter_supported") is True,
        )


def metadata_urls(server: str) -> list[str]:
    """Where a server's metadata may be: RFC 8414 §3.1 (the well-known path goes
    before the issuer's own path), then OpenID Connect Discovery §4 (after it)."""
    parts = urlsplit(server.rstrip("/"))
    origin, path = f"{parts.scheme}://{parts.netloc}", parts.path
    return [
        f"{origin}/.well-known/oauth-authorization-server{path}",
        f"{origin}{path}/.well-known/openid-configuration",
    ]


class Discovery:
    """A server's endpoints, read once from its metadata and shared by a lab's devices.

    The first usable document wins: RFC 8414's, else OpenID Connect's. A
    document is not used when its ``issuer`` is not the server's URL (RFC 8414
    §3.3; a trailing slash aside) or it names no ``token_endpoint``. When
    neither place has a usable document, the devices use the conventional paths
    (``/oauth/token``, ``/oauth/revoke``) and ``on_warning`` says why; that
    answer is kept. A network failure, a 5xx or a 429 is raised and not kept:
    the next request tries again. Concurrent first requests share one attempt.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        server: str,
        *,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.http = http
        self.server = server.rstrip("/")
        self.on_warning = on_warning
        self.found: Endpoints | None = None
        self._pending: asyncio.Future[Endpoints] | None = None

    @property
    def probe_url(self) -> str:
        """A URL whose answer, whatever it is, shows the server can be reached."""
        return metadata_urls(self.server)[0]

    async def endpoints(self) -> Endpoints:
        if self.found is not None:
            return self.found
        if self._pending is None:
            self._pending = asyncio.ensure_future(self._discover())
            self._pending.add_done_callback(self._settled)
        # Shielded: a caller that gives up does not cancel the others' attempt.
        return await asyncio.shield(self._pending)

    def _settled(self, attempt: asyncio.Future[Endpoints]) -> None:
        self._pending = None
        if not attempt.cancelled() and attempt.exception() is None:
            self.found = attempt.result()

    async def _discover(self) -> Endpoints:
        unusable: list[str] = []
        struggling: ServerFailure | None = None
        for url in metadata_urls(self.server):
            response = await self.http.get(url)  # ServerUnreachable: nothing will answer
            status = response.status_code
            if status >= 500 or status == 429:
                struggling = ServerFailure(say.metadata_failed(status), status)
                continue
            metadata = _json(response) if status == 200 else None
            issuer = str(metadata.get("issuer") or "") if metadata else ""
            if metadata is None:
                unusable.append(say.no_metadata_at(url, status))
            elif issuer.rstrip("/") != self.server:
                unusable.append(say.metadata_of_another_issuer(url, issuer, self.server))
            elif not isinstance(metadata.get("token_endpoint"), str):
                unusable.append(say.metadata_without_token_endpoint(url))
            else:
                return Endpoints.from_metadata(self.server, metadata)
        if struggling is not None:
            raise struggling
        fallback = Endpoints.default(self.server)
        self._warn(say.conventional_endpoints(self.server, unusable, fallback.token_endpoint))
        return fallback

    def _warn(self, message: str) -> None:
        if self.on_warning is not None:
            self.on_warning(message)


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
        return ServerFailure(say.server_failed(status), status)
    if status == 429:
        retry_after = _retry_after(headers, body)
        return RateLimited(retry_after, say.too_many_sign_ins(retry_after))
    if body is None or not isinstance(body.get("error"), str):
        return ServerFailure(say.no_oauth_error(status), status)
    error = body["error"]
    description = str(body.get("error_description") or error)
    reason = body.get("reason") if isinstance(body.get("reason"), str) else None
    detail = {k: v for k, v in body.items() if k in ("revoked_at", "revoked_by", "active_devices")}
    if grant == "refresh_token":
        if error == "invalid_grant":
            reason = reason or "refresh_expired"
            return SessionEnded(reason, say.sign_out_message(reason, detail), detail)
        return ServerFailure(say.refresh_refused(description), status)
    if error == "invalid_grant":
        reason = reason or "invalid_credentials"
        if reason == "invalid_credentials":
            return LoginRefused(reason, say.WRONG_PASSWORD, detail)
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
    """Token requests for one device, over the lab's HTTP client (no ``DeviceAuth``)."""

    def __init__(
        self, http: httpx.AsyncClient, discovery: Discovery, client_id: str, scope: str = ""
    ) -> None:
        self.http = http
        self.discovery = discovery
        self.client_id = client_id
        self.scope = scope  # asked for in browser and device sign-ins ("": the server's default)
        self.dpop: DPoPKey | None = None  # the device's key: every token request proves it

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

    async def code_grant(
        self,
        browser: Browser,
        device: DeviceIdentity,
        now: Callable[[], float],
        *,
        wait_seconds: float = 180.0,
        ui_locales: str | None = None,
    ) -> TokenSet:
        """Authorization code + PKCE (RFC 7636) through ``browser``, back to a loopback
        listener (RFC 8252); the callback's ``state`` and ``iss`` (RFC 9207) are
        checked before its code is used."""
        endpoints = await self.discovery.endpoints()
        if endpoints.authorization_endpoint is None:
            raise LoginRefused("unsupported", say.no_endpoint("authorization_endpoint"))
        state = secrets.token_urlsafe(24)
        listener = await LoopbackListener(state).start()
        verifier, challenge = pkce_pair()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": listener.redirect_uri,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "scope": self.scope,
            "device_id": device.device_id,
            "device_type": device.device_type,
            "device_name": device.device_name,
        }
        if ui_locales:
            query["ui_locales"] = ui_locales
        query = {k: v for k, v in query.items() if v}
        url = f"{endpoints.authorization_endpoint}?{urlencode(query)}"
        opening = asyncio.ensure_future(browser.open(url))
        waiting = asyncio.ensure_future(listener.wait(wait_seconds))
        try:
            # The callback ends it; a browser that fails first ends it too. A browser
            # that merely returns (the system one, at once) does not.
            done, _ = await asyncio.wait({opening, waiting}, return_when=asyncio.FIRST_COMPLETED)
            if opening in done and opening.exception() is not None and waiting not in done:
                raise opening.exception()  # type: ignore[misc]
            answer = await waiting
        finally:
            waiting.cancel()
            await listener.close()
            if not opening.done():
                opening.cancel()
        if not secrets.compare_digest(answer.get("state", "").encode(), state.encode()):
            raise LoginRefused("invalid_state", say.callback_state_mismatch())
        iss = answer.get("iss")
        if (iss is not None or endpoints.iss_parameter) and iss != endpoints.issuer:
            raise LoginRefused(
                "invalid_issuer", say.callback_issuer_mismatch(str(iss), endpoints.issuer)
            )
        if "error" in answer:
            error = answer["error"]
            raise LoginRefused(
                error, say.authorization_refused(error, answer.get("error_description", ""))
            )
        data = {
            "grant_type": "authorization_code",
            "code": answer.get("code", ""),
            "redirect_uri": listener.redirect_uri,
            "client_id": self.client_id,
            "code_verifier": verifier,
        }
        return await self._token_request(data, now(), previous=None)

    async def device_authorization(self, device: DeviceIdentity, now: float) -> DeviceAuthorization:
        """RFC 8628 §3.1-3.2: a device code to poll with and a user code to show."""
        endpoints = await self.discovery.endpoints()
        if endpoints.device_authorization_endpoint is None:
            raise LoginRefused("unsupported", say.no_endpoint("device_authorization_endpoint"))
        data = {
            "client_id": self.client_id,
            "scope": self.scope,
            "device_id": device.device_id,
            "device_type": device.device_type,
            "device_name": device.device_name,
        }
        response = await self.http.post(
            endpoints.device_authorization_endpoint, data={k: v for k, v in data.items() if v}
        )
        body = _json(response)
        if response.status_code != 200 or body is None:
            raise classify_token_error(response.status_code, body, response.headers, grant="device")
        try:
            return DeviceAuthorization(
                device_code=str(body["device_code"]),
                user_code=str(body["user_code"]),
                verification_uri=str(body["verification_uri"]),
                verification_uri_complete=body.get("verification_uri_complete"),
                expires_at=now + float(body["expires_in"]),
                interval=int(body.get("interval", 5)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ServerFailure(say.token_response_unusable(exc), 200) from exc

    async def device_poll(self, authorization: DeviceAuthorization, now: float) -> TokenSet | str:
        """One poll (RFC 8628 §3.4-3.5): the tokens, or ``authorization_pending`` /
        ``slow_down`` (wait longer); ``LoginRefused`` when denied or expired."""
        endpoints = await self.discovery.endpoints()
        data = {
            "grant_type": GRANT_DEVICE,
            "device_code": authorization.device_code,
            "client_id": self.client_id,
        }
        response = await self._post_token(endpoints.token_endpoint, data, now)
        body = _json(response)
        if response.status_code != 200 and body is not None:
            error = body.get("error")
            if error in ("authorization_pending", "slow_down"):
                return str(error)
            if error == "access_denied":
                raise LoginRefused("access_denied", say.DEVICE_DENIED)
            if error == "expired_token":
                raise LoginRefused("expired_token", say.DEVICE_CODE_EXPIRED)
        if response.status_code != 200:
            raise classify_token_error(response.status_code, body, response.headers, grant="device")
        if body is None:
            raise ServerFailure(say.TOKEN_RESPONSE_NOT_JSON, response.status_code)
        try:
            tokens = TokenSet.from_response(body, now, None)
        except ValueError as exc:
            raise ServerFailure(say.token_response_unusable(exc), 200) from exc
        if self.dpop is not None:
            tokens = replace(tokens, dpop_key=self.dpop.to_json())
        return tokens

    async def refresh_grant(self, tokens: TokenSet, now: float) -> TokenSet:
        if tokens.refresh_token is None:
            raise SessionEnded("refresh_expired", say.NO_REFRESH_TOKEN)
        data = {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": self.client_id,
        }
        return await self._token_request(data, now, previous=tokens)

    async def revoke(self, token: str) -> None:
        """RFC 7009; best effort: the answer is 200 whatever the token."""
        endpoint = (await self.discovery.endpoints()).revocation_endpoint
        if endpoint is None:
            return
        response = await self.http.post(
            endpoint, data={"token": token, "client_id": self.client_id}
        )
        if response.status_code >= 500:
            raise ServerFailure(say.revocation_failed(response.status_code), response.status_code)

    async def _post_token(self, endpoint: str, data: dict[str, str], now: float) -> httpx.Response:
        """POST to the token endpoint, with a DPoP proof when the device has a key;
        asked for a nonce (RFC 9449 §8), it proves again once with it."""
        for attempt in range(2):
            headers = {"DPoP": self.dpop.proof("POST", endpoint, now)} if self.dpop else None
            response = await self.http.post(endpoint, data=data, headers=headers)
            if self.dpop is None:
                return response
            fresh = self.dpop.remember_nonce(endpoint, response.headers.get("dpop-nonce"))
            body = _json(response) if response.status_code == 400 else None
            if not (attempt == 0 and fresh and body and body.get("error") == "use_dpop_nonce"):
                return response
        return response

    async def _token_request(
        self, data: dict[str, str], now: float, previous: TokenSet | None
    ) -> TokenSet:
        endpoint = (await self.discovery.endpoints()).token_endpoint
        # No DeviceAuth here: the token endpoint is never "refreshed" on a 401.
        response = await self._post_token(endpoint, data, now)
        body = _json(response)
        if response.status_code != 200:
            raise classify_token_error(
                response.status_code, body, response.headers, grant=data["grant_type"]
            )
        if body is None:
            raise ServerFailure(say.TOKEN_RESPONSE_NOT_JSON, response.status_code)
        try:
            tokens = TokenSet.from_response(body, now, previous)
        except ValueError as exc:
            raise ServerFailure(say.token_response_unusable(exc), 200) from exc
        if self.dpop is not None:  # the key goes where the tokens go (the store)
            tokens = replace(tokens, dpop_key=self.dpop.to_json())
        return tokens
