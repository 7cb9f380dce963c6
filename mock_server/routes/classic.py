"""Classic server-side sessions, for comparison with JWTs (the seed's baseline).

``POST /classic/login`` returns an opaque session id; every ``GET /classic/me``
looks it up in the store — the per-request database hit that stateless JWTs
avoid. Not part of the OAuth flow: bench/cost_comparison.py measures the three
styles side by side on the same server.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from mock_server.errors import InvalidToken, MissingToken
from mock_server.http import NO_STORE, form_body_schema, read_form, require, service_of

router = APIRouter(prefix="/classic", tags=["classic sessions (comparison)"])


@router.post(
    "/login",
    summary="Sign in and get an opaque session id",
    openapi_extra=form_body_schema(
        {"username": {"type": "string"}, "password": {"type": "string"}},
        ["username", "password"],
    ),
)
async def login(request: Request) -> JSONResponse:
    params = await read_form(request)
    service = service_of(request)
    username = require(params, "username", max_len=64)
    password = require(params, "password", max_len=1024)
    address = request.client.host if request.client else "unknown"
    user = await service.check_password(username, password, address)
    session_id, ttl = await service.start_classic_session(user.username)
    return JSONResponse({"session_id": session_id, "expires_in": ttl}, headers=NO_STORE)


@router.get("/me", summary="Who the opaque session belongs to (a store lookup per request)")
async def me(request: Request) -> JSONResponse:
    header = request.headers.get("authorization", "")
    scheme, _, session_id = header.partition(" ")
    if scheme.lower() != "session" or not session_id:
        raise MissingToken("this resource needs 'Authorization: Session <id>'")
    service = service_of(request)
    found = await service.classic_session_user(session_id.strip())
    if found is None:
        raise InvalidToken("unknown or expired session", reason="unknown_session")
    return JSONResponse({"user": found, "server_time": service.now()}, headers=NO_STORE)
