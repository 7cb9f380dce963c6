"""OAuth 2.0 endpoints: token (RFC 6749), revocation (RFC 7009), introspection (RFC 7662)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from contract import DEVICE_TYPES
from mock_server.errors import UnsupportedGrantType
from mock_server.grants import GRANTS, client_id
from mock_server.http import (
    NO_STORE,
    basic_credentials,
    form_body_schema,
    read_form,
    require,
    require_admin,
    require_resource_server,
    service_of,
)

router = APIRouter(prefix="/oauth", tags=["oauth"])

_TOKEN_FORM = form_body_schema(
    {
        "grant_type": {"type": "string", "enum": list(GRANTS)},
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


@router.post(
    "/token",
    summary="Token endpoint: the grants of mock_server.grants.GRANTS",
    openapi_extra=_TOKEN_FORM,
)
async def token(request: Request) -> JSONResponse:
    params = await read_form(request)
    service = service_of(request)
    grant_type = require(params, "grant_type", max_len=64)
    grant = GRANTS.get(grant_type)
    if grant is None:
        raise UnsupportedGrantType(f"grant_type {grant_type!r} is not supported here")
    issued = await grant(request, params, service)
    return JSONResponse(issued.as_json(service.now()), headers=NO_STORE)


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
    client = client_id(request, params, required=False)
    token = require(params, "token", max_len=service.settings.max_token_chars)
    await service.revoke_token(token, client)
    return Response(status_code=200, headers=NO_STORE)


async def _introspector(request: Request) -> None:
    """RFC 7662 §2.1: the caller authenticates — a resource server with its own
    credential (HTTP Basic), or the admin with the admin key. ``async``: a plain
    function would be run on the thread pool, a hop that costs more than the check."""
    if basic_credentials(request) is not None:
        await require_resource_server(request)
    else:
        require_admin(request)


@router.post(
    "/introspect",
    summary="RFC 7662 introspection (a resource server's credential, or the admin key)",
    dependencies=[Depends(_introspector)],
    openapi_extra=form_body_schema(
        {"token": {"type": "string"}, "token_type_hint": {"type": "string"}}, ["token"]
    ),
)
async def introspect(request: Request) -> JSONResponse:
    params = await read_form(request)
    service = service_of(request)
    token = require(params, "token", max_len=service.settings.max_token_chars)
    return JSONResponse(await service.introspect(token), headers=NO_STORE)
