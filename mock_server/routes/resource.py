"""What a resource server of its own (``jwt-lab api``) may ask the auth server,
authenticated with its own credential (HTTP Basic ``id:secret``), never the
admin key: the clock, a session's state (``stateful`` mode) and the current
revocations (its catch-up at start, in ``denylist`` mode). Introspection
(RFC 7662) is ``POST /oauth/introspect``, open to the same credential."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from mock_server.http import require_resource_server, service_of


async def _resource_server(request: Request) -> None:
    """Its own credential (``async``: no thread-pool hop on a per-request path)."""
    await require_resource_server(request)


router = APIRouter(
    prefix="/rs", tags=["resource servers"], dependencies=[Depends(_resource_server)]
)


@router.get(
    "/clock",
    summary="The auth server's clock (virtual or not, its rate) and how long its access "
    "tokens live (a deny-list entry's lifetime)",
)
async def clock(request: Request) -> dict[str, Any]:
    service = service_of(request)
    settings = service.settings
    return {
        **service.clock_view(),
        "issuer": settings.issuer,
        "token_lifetime": settings.access_ttl + settings.leeway,
    }


@router.get("/sessions/{sid}", summary="Is this session active now? (stateful verification)")
async def session_state(request: Request, sid: str = Path(max_length=128)) -> dict[str, Any]:
    return await service_of(request).resource_servers.session_state(sid)


@router.get(
    "/revocations",
    summary="Revoked sessions whose access tokens may not have expired yet (a catch-up)",
)
async def revocations(
    request: Request, since: float | None = Query(None, ge=0, le=1e11)
) -> dict[str, Any]:
    return await service_of(request).resource_servers.revocations(since)
