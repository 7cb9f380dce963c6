"""The token endpoint's grants, as a table: ``grant_type`` → its handler.

``POST /oauth/token`` dispatches through ``GRANTS``, and the RFC 8414
metadata's ``grant_types_supported`` is its keys: a new grant is one function
here plus its service method.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import anyio.to_thread
from fastapi import Request

from contract import DEVICE_TYPES
from mock_server.errors import InvalidClient, InvalidRequest
from mock_server.http import optional, require, service_of
from mock_server.service import USERNAME, AuthService, DeviceInfo, TokenResponse

Grant = Callable[[Request, dict[str, str], AuthService], Awaitable[TokenResponse]]

_DEVICE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def client_id(request: Request, params: dict[str, str], *, required: bool) -> str | None:
    """The ``client_id`` parameter, which must name a registered client."""
    value = (require if required else optional)(params, "client_id", max_len=64)
    if value is not None and value not in service_of(request).settings.clients:
        raise InvalidClient(f"unknown client {value!r}")
    return value


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
    """RFC 6749 §4.3: the resource owner's password, for a registered client."""
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
    user = await anyio.to_thread.run_sync(service.check_password, username, secret, address)
    return service.start_session(user, client, device, scope)


async def refresh_token(
    request: Request, params: dict[str, str], service: AuthService
) -> TokenResponse:
    """RFC 6749 §6: a refresh token for a new pair (rotation, reuse detection)."""
    client = client_id(request, params, required=False)
    token = require(params, "refresh_token", max_len=service.settings.max_token_chars)
    return service.refresh(token, client, optional(params, "scope", max_len=256))


GRANTS: dict[str, Grant] = {
    "password": password,
    "refresh_token": refresh_token,
}
