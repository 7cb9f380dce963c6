"""OAuth 2.0 endpoints: token (RFC 6749), revocation (RFC 7009), introspection (RFC 7662)."""

from __future__ import annotations

import re

import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from mock_server.errors import InvalidClient, InvalidRequest, UnsupportedGrantType
from mock_server.http import (
    NO_STORE,
    form_body_schema,
    optional,
    read_form,
    require,
    require_admin,
    service_of,
)
from mock_server.service import DEVICE_TYPES, USERNAME, DeviceInfo

router = APIRouter(prefix="/oauth", tags=["oauth"])

_DEVICE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

_TOKEN_FORM = form_body_schema(
    {
        "grant_type": {"type": "string", "enum": ["password", "refresh_token"]},
        "username": {"type": "string", "maxLength": 64},
        "password": {"type": "string", "maxLength": 1024},
        "client_id": {"type": "string", "maxLength": 64},
        "scope": {"type": "string", "maxLength": 256},
        "refresh_token": {"type": "string"},
        "device_id": {"type": "string", "maxLength": 64},
        "device_type": {"type": "string", "enum": list(DEVICE_TYPES)},
        "device_name": {"type": "string", "maxLength": 64},
    },
    ["grant_type"],
)


def _client_id(request: Request, params: dict[str, str], *, required: bool) -> str | None:
    client_id = (require if required else optional)(params, "client_id", max_len=64)
    if client_id is not None and client_id not in service_of(request).settings.clients:
        raise InvalidClient(f"unknown client {client_id!r}")
    return client_id


def _device(params: dict[str, str], client_id: str) -> DeviceInfo:
    device_id = optional(params, "device_id", max_len=64) or f"{client_id}-anonymous"
    if not _DEVICE_ID.match(device_id):
        raise InvalidRequest("device_id may hold letters, digits and . _ : - (at most 64)")
    device_type = optional(params, "device_type", max_len=16) or "web"
    if device_type not in DEVICE_TYPES:
        raise InvalidRequest(f"device_type must be one of {', '.join(DEVICE_TYPES)}")
    device_name = optional(params, "device_name", max_len=64) or device_id
    if not device_name.isprintable():
        raise InvalidRequest("device_name must be printable text")
    return DeviceInfo(device_id, device_type, device_name.strip() or device_id)


@router.post(
    "/token",
    summary="Token endpoint: password and refresh_token grants",
    openapi_extra=_TOKEN_FORM,
)
async def token(request: Request) -> JSONResponse:
    params = await read_form(request)
    service = service_of(request)
    grant_type = require(params, "grant_type", max_len=64)
    if grant_type == "password":
        client_id = _client_id(request, params, required=True)
        assert client_id is not None
        username = require(params, "username", max_len=64)
        password = require(params, "password", max_len=1024)
        if not USERNAME.match(username):
            raise InvalidRequest("username may hold letters, digits and . _ @ - (at most 64)")
        device = _device(params, client_id)
        scope = optional(params, "scope", max_len=256)
        address = request.client.host if request.client else "unknown"
        # Argon2 is deliberately slow: keep it off the event loop.
        user = await anyio.to_thread.run_sync(service.check_password, username, password, address)
        issued = service.start_session(user, client_id, device, scope)
    elif grant_type == "refresh_token":
        client_id = _client_id(request, params, required=False)
        refresh_token = require(params, "refresh_token", max_len=service.settings.max_token_chars)
        issued = service.refresh(refresh_token, client_id, optional(params, "scope", max_len=256))
    else:
        raise UnsupportedGrantType(f"grant_type {grant_type!r} is not supported here")
    return JSONResponse(issued.as_json(service.clock.now()), headers=NO_STORE)


@router.post(
    "/revoke",
    summary="RFC 7009 revocation: ends the session the token belongs to",
    openapi_extra=form_body_schema(
        {
            "token": {"type": "string"},
            "token_type_hint": {"type": "string", "enum": ["access_token", "refresh_token"]},
            "client_id": {"type": "string", "maxLength": 64},
        },
        ["token"],
    ),
)
async def revoke(request: Request) -> Response:
    params = await read_form(request)
    service = service_of(request)
    client_id = _client_id(request, params, required=False)
    token = require(params, "token", max_len=service.settings.max_token_chars)
    service.revoke_token(token, client_id)
    return Response(status_code=200, headers=NO_STORE)


@router.post(
    "/introspect",
    summary="RFC 7662 introspection (admin key required)",
    dependencies=[Depends(require_admin)],
    openapi_extra=form_body_schema(
        {"token": {"type": "string"}, "token_type_hint": {"type": "string"}}, ["token"]
    ),
)
async def introspect(request: Request) -> JSONResponse:
    params = await read_form(request)
    service = service_of(request)
    token = require(params, "token", max_len=service.settings.max_token_chars)
    return JSONResponse(service.introspect(token), headers=NO_STORE)
