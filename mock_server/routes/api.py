"""The protected resource API: what devices call with their access tokens."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from contract import NOTIFICATIONS_HEARTBEAT, SIGNED_OUT_NOTIFICATION
from mock_server.errors import ServerError, TooManyStreams
from mock_server.http import NO_STORE, access_credentials, service_of
from mock_server.service import AccessContext, AuthService

router = APIRouter(prefix="/api", tags=["resource API"])

MAX_STREAMS_PER_SESSION = 4  # a device needs one; a copied token opens no more than these


class InsufficientScope(ServerError):
    """RFC 6750 §3.1: the token is valid but lacks the scope this resource needs."""

    status = 403
    error = "insufficient_scope"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="jwt-device-lab", error="insufficient_scope"'}


async def access(request: Request, service: AuthService | None = None) -> AccessContext:
    """The verified access token of this request (401 otherwise).

    Called directly rather than as a FastAPI dependency: this is the hot path of
    every API call, and dependency resolution costs more than the (cached)
    verification itself.
    """
    service = service or service_of(request)
    scheme, token = access_credentials(request)
    if scheme == "bearer":  # the hot path: no proof to look at
        return await service.verify_access(token)
    proofs = request.headers.getlist("dpop")
    url = f"{service.settings.issuer.rstrip('/')}{request.url.path}"
    return await service.verify_access(
        token,
        scheme="dpop",
        proof=proofs[0] if len(proofs) == 1 else None,
        method=request.method,
        url=url,
    )


@router.get("/me", summary="Who the access token belongs to")
async def me(request: Request) -> JSONResponse:
    service = service_of(request)
    ctx = await access(request, service)
    claims = ctx.claims
    return JSONResponse(
        {
            "user": ctx.user.username,
            "display_name": ctx.user.display_name,
            "sid": claims["sid"],
            "client_id": claims["client_id"],
            "device_id": claims.get("device_id"),
            "device_type": claims.get("device_type"),
            "scope": claims["scope"],
            "token_expires_at": claims["exp"],
            "verify_mode": str(service.settings.verify_mode),
            "server_time": service.now(),
        },
        headers=NO_STORE,
    )


@router.get(
    "/notifications",
    summary="Server-sent events for this device: one `signed_out` when its session ends",
)
async def notifications(request: Request) -> StreamingResponse:
    """The device's own line: authenticated like any API call (DPoP too), it
    stays open while the session lives; when the session ends it carries one
    ``signed_out`` event — the reason, when, and which device caused it — and
    closes. A session that has already ended is told at once."""
    service = service_of(request)
    claims = (await access(request, service)).claims
    sid, exp = claims["sid"], float(claims["exp"])
    if service.watchers.count(sid) >= MAX_STREAMS_PER_SESSION:
        raise TooManyStreams(MAX_STREAMS_PER_SESSION)

    async def stream() -> AsyncIterator[str]:
        yield f"retry: 1000\n: listening for the end of session {sid}\n\n"
        async for notice in service.follow_session(sid, heartbeat=NOTIFICATIONS_HEARTBEAT):
            if notice is None:
                # A stream lives no longer than the token that opened it (the device
                # listens anew with a fresh one), and tells a session that ran out.
                ended = await service.sign_out_notice(sid)
                if ended is None and service.now() < exp:
                    yield ": keep-alive\n\n"
                    continue
                if ended is None:
                    return
                notice = ended
            yield f"event: {SIGNED_OUT_NOTIFICATION}\ndata: {json.dumps(notice)}\n\n"
            return

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/messages", summary="The user's demo inbox (needs scope 'messages')")
async def messages(request: Request) -> JSONResponse:
    ctx = await access(request)
    if "messages" not in ctx.claims["scope"].split():
        raise InsufficientScope("this resource needs the 'messages' scope")
    name = ctx.user.display_name
    return JSONResponse(
        {
            "messages": [
                {"id": 1, "from": "JWT Device Lab", "text": f"Welcome, {name}."},
                {"id": 2, "from": "Security", "text": "Your access token expires soon."},
            ]
        },
        headers=NO_STORE,
    )


async def _own_sessions(request: Request, ctx: AccessContext) -> list[dict[str, Any]]:
    views = await service_of(request).sessions(ctx.user.username)
    for view in views:
        view["current"] = view["sid"] == ctx.claims["sid"]
    return views


@router.get("/sessions", summary="The user's signed-in devices")
async def list_sessions(request: Request) -> JSONResponse:
    ctx = await access(request)
    return JSONResponse({"sessions": await _own_sessions(request, ctx)}, headers=NO_STORE)


@router.delete("/sessions/{sid}", summary="Sign out one of the user's devices")
async def delete_session(request: Request, sid: str) -> JSONResponse:
    ctx = await access(request)
    service = service_of(request)
    # Another user's session is reported as missing: its existence is not ours to know.
    await service.own_session(ctx.user.username, sid)
    view = await service.revoke_session(sid, "logout", by=ctx.claims["sid"])
    return JSONResponse(view, headers=NO_STORE)


@router.post("/sessions/logout-others", summary="Sign out every other device of the user")
async def logout_others(request: Request) -> JSONResponse:
    ctx = await access(request)
    ended = await service_of(request).logout_others(ctx.user.username, ctx.claims["sid"])
    return JSONResponse({"revoked": ended}, headers=NO_STORE)
