"""The token endpoint's grants, as a table: ``grant_type`` → its handler.

``POST /oauth/token`` dispatches through ``GRANTS``, and the RFC 8414
metadata's ``grant_types_supported`` is its keys: a new grant is one function
here plus its service method.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from fastapi import Request

from contract import DEVICE_TYPES, GRANT_CODE, GRANT_DEVICE, GRANT_PASSWORD, GRANT_REFRESH
from mock_server.errors import InvalidClient, InvalidGrant, InvalidRequest, UnsupportedGrantType
from mock_server.http import optional, require, service_of
from mock_server.service import USERNAME, AuthService, DeviceInfo, TokenResponse

Grant = Callable[[Request, dict[str, str], AuthService], Awaitable[TokenResponse]]

_DEVICE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1


def client_id(request: Request, params: dict[str, str], *, required: bool) -> str | None:
    """The ``client_id`` parameter, which must name a registered client."""
    value = (require if required else optional)(params, "client_id", max_len=64)
    if value is not None and value not in service_of(request).settings.clients:
        raise InvalidClient(f"unknown client {value!r}")
    return value


async def proven_key(request: Request, service: AuthService) -> str | None:
    """The key thumbprint the request's DPoP proof (RFC 9449 §5) proves, or None."""
    proofs = request.headers.getlist("dpop")
    if len(proofs) > 1:
        raise InvalidRequest("send one DPoP proof, not several")
    url = f"{service.settings.issuer.rstrip('/')}{request.url.path}"
    return await service.token_request_proof(proofs[0] if proofs else None, url)


def device_info(params: dict[str, str], client: str) -> DeviceInfo:
    """The device extension parameters (``device_id``, ``device_type``, ``device_name``)."""
    device_id = optional(params, "device_id", max_len=64) or f"{client}-anonymous"
    if not _DEVICE_ID.match(device_id):
        raise InvalidRequest("device_id may hold letters, digits and . _ : - (at most 64)")
    device_type = optional(params, "device_type", max_len=16) or "web"
    if device_type not in DEVICE_TYPES:
        raise InvalidRequest(f"device_type must be one of {', '.join(DEVICE_TYPES)}")
    device_name = optional(params, "device_name", max_len=64) or device_id
    if not device_name.isprintable():
        raise InvalidRequest("device_name must be printable text")
    return DeviceInfo(device_id, device_type, device_name.strip() or device_id)


async def password(request: Request, params: dict[str, str], service: AuthService) -> TokenResponse:
    """RFC 6749 §4.3: the resource owner's password, for a registered client.
    Legacy — OAuth 2.1 removes it; the ``password_grant`` setting turns it off."""
    if service.settings.password_grant != "on":  # noqa: S105 - a setting, not a secret
        raise UnsupportedGrantType(
            "the password grant is off here (legacy, removed in OAuth 2.1): "
            "sign in with the authorization code (PKCE) or the device grant"
        )
    client = client_id(request, params, required=True)
    assert client is not None
    username = require(params, "username", max_len=64)
    secret = require(params, "password", max_len=1024)
    if not USERNAME.match(username):
        raise InvalidRequest("username may hold letters, digits and . _ @ - (at most 64)")
    device = device_info(params, client)
    scope = optional(params, "scope", max_len=256)
    address = request.client.host if request.client else "unknown"
    # Argon2 is deliberately slow: keep it off the event loop.
    jkt = await proven_key(request, service)
    user = await service.check_password(username, secret, address)
    return await service.start_session(user, client, device, scope, jkt)


async def refresh_token(
    request: Request, params: dict[str, str], service: AuthService
) -> TokenResponse:
    """RFC 6749 §6: a refresh token for a new pair (rotation, reuse detection)."""
    client = client_id(request, params, required=False)
    token = require(params, "refresh_token", max_len=service.settings.max_token_chars)
    jkt = await proven_key(request, service)
    return await service.refresh(token, client, optional(params, "scope", max_len=256), jkt)


async def authorization_code(
    request: Request, params: dict[str, str], service: AuthService
) -> TokenResponse:
    """RFC 6749 §4.1.3 with PKCE (RFC 7636): a code from the sign-in page, once,
    within 60 s, with its verifier and the same redirect URI."""
    client = client_id(request, params, required=True)
    assert client is not None
    code = require(params, "code", max_len=256)
    redirect_uri = require(params, "redirect_uri", max_len=512)
    verifier = require(params, "code_verifier", max_len=128)
    if not _VERIFIER.fullmatch(verifier):
        raise InvalidRequest("code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~")
    jkt = await proven_key(request, service)
    try:
        record = await service.authorizations.take_code(code, client, redirect_uri, verifier)
    except InvalidGrant as exc:
        replayed = exc.extra.pop("replayed_sid", None)
        if replayed:
            await service.revoke_for_code_reuse(replayed)
        raise
    user = await service.user_for_grant(record.username)
    grantee = record.grantee
    issued = await service.start_session(
        user,
        client,
        DeviceInfo(grantee.device_id, grantee.device_type, grantee.device_name),
        grantee.scope,
        jkt,
    )
    await service.authorizations.code_exchanged(code, issued.sid)
    return issued


async def device_code(
    request: Request, params: dict[str, str], service: AuthService
) -> TokenResponse:
    """RFC 8628 §3.4: the device polls with its device code until the user decides."""
    client = client_id(request, params, required=True)
    assert client is not None
    code = require(params, "device_code", max_len=256)
    jkt = await proven_key(request, service)
    record = await service.authorizations.poll(code, client)
    assert record.username is not None
    grantee = record.grantee
    return await service.start_session(
        await service.user_for_grant(record.username),
        client,
        DeviceInfo(grantee.device_id, grantee.device_type, grantee.device_name),
        grantee.scope,
        jkt,
    )


GRANTS: dict[str, Grant] = {
    GRANT_PASSWORD: password,
    GRANT_CODE: authorization_code,
    GRANT_REFRESH: refresh_token,
    GRANT_DEVICE: device_code,
}


def grants_on(settings: object) -> list[str]:
    """The grant types this server accepts now (its metadata lists exactly these)."""
    off = {GRANT_PASSWORD} if getattr(settings, "password_grant", "on") != "on" else set()
    return [grant for grant in GRANTS if grant not in off]
