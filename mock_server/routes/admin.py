"""The admin API: settings, sessions, forced expiry, keys, users, clock, events.

Every route needs the admin key; a device's access token never opens it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, create_model

from contract import LIVE_SETTINGS, SETTINGS_BY_NAME, Setting
from mock_server.http import require_admin, service_of

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _patch_field(spec: Setting) -> tuple[Any, Any]:
    """A PATCH field of the contract's setting: its type, range or choices, help."""
    if spec.kind is int:
        return int | None, Field(None, ge=spec.minimum, le=spec.maximum, description=spec.help)
    if spec.pattern is not None:
        # Checked by the contract, whose message names the valid values in words.
        return str | None, Field(None, max_length=16, description=spec.help)
    return Literal[spec.choices] | None, Field(None, description=spec.help)


# Derived from the contract: every live setting, with the contract's rules.
SettingsPatch = create_model(  # type: ignore[call-overload]
    "SettingsPatch",
    __base__=_Strict,
    **{name: _patch_field(SETTINGS_BY_NAME[name]) for name in LIVE_SETTINGS},
)


class ForceExpire(_Strict):
    user: str | None = Field(None, max_length=64)
    sid: str | None = Field(None, max_length=64)
    device_id: str | None = Field(None, max_length=64)


class UserBody(_Strict):
    password: str = Field(min_length=1, max_length=1024)
    display_name: str | None = Field(None, max_length=64)


class ResourceServerBody(_Strict):
    secret: str = Field(min_length=16, max_length=256)
    backchannel_uri: str | None = Field(None, max_length=512)


class RetireKey(_Strict):
    kid: str | None = Field(None, max_length=128)


class Advance(_Strict):
    seconds: float = Field(gt=0, le=10 * 365 * 24 * 3600)


class ClockRate(_Strict):
    rate: float = Field(ge=0, le=1000)


@router.get(
    "/state", summary="Everything at once: settings and their schema, clock, keys, users, sessions"
)
async def state(request: Request) -> dict[str, Any]:
    return await service_of(request).admin_state()


@router.get("/settings")
async def get_settings(request: Request) -> dict[str, Any]:
    return service_of(request).settings.public()


@router.patch("/settings", summary="Change settings live")
async def patch_settings(request: Request, body: SettingsPatch) -> dict[str, Any]:  # type: ignore[valid-type]
    changes = body.model_dump(exclude_none=True)  # type: ignore[attr-defined]
    return (await service_of(request).update_settings(**changes)).public()


@router.get("/sessions")
async def sessions(
    request: Request, user: str | None = Query(None, max_length=64)
) -> dict[str, Any]:
    return {"sessions": await service_of(request).sessions(user)}


@router.get(
    "/sessions/{sid}/lineage",
    summary="A session's token family: each refresh token, its successor, and the end",
)
async def lineage(request: Request, sid: str = Path(max_length=128)) -> dict[str, Any]:
    return await service_of(request).lineage(sid)


@router.delete("/sessions/{sid}", summary="Force one session to expire")
async def revoke_session(request: Request, sid: str) -> dict[str, Any]:
    return await service_of(request).revoke_session(sid, "forced")


@router.post("/force-expire", summary="Force a user's, a device's or one session's tokens out")
async def force_expire(request: Request, body: ForceExpire) -> dict[str, Any]:
    revoked = await service_of(request).force_expire(
        user=body.user, sid=body.sid, device_id=body.device_id
    )
    return {"revoked": revoked}


@router.get("/resource-servers", summary="The resource servers and their back-channel deliveries")
async def resource_servers(request: Request) -> dict[str, Any]:
    return {"resource_servers": await service_of(request).resource_servers.list()}


@router.put(
    "/resource-servers/{rs_id}",
    summary="Register a resource server (its secret, its back-channel logout URI)",
)
async def put_resource_server(
    request: Request, body: ResourceServerBody, rs_id: str = Path(max_length=64)
) -> dict[str, Any]:
    servers = service_of(request).resource_servers
    return await servers.save(rs_id, body.secret, body.backchannel_uri)


@router.delete("/resource-servers/{rs_id}", summary="Forget a resource server")
async def delete_resource_server(
    request: Request, rs_id: str = Path(max_length=64)
) -> dict[str, Any]:
    await service_of(request).resource_servers.delete(rs_id)
    return {"deleted": rs_id}


@router.get("/users")
async def users(request: Request) -> dict[str, Any]:
    return {"users": await service_of(request).users()}


@router.put("/users/{username}", summary="Create or update a user")
async def put_user(request: Request, username: str, body: UserBody) -> dict[str, Any]:
    user = await service_of(request).put_user(username, body.password, body.display_name)
    return {"username": user.username, "display_name": user.display_name}


@router.delete("/users/{username}", summary="Delete a user (their sessions end)")
async def delete_user(request: Request, username: str) -> dict[str, Any]:
    await service_of(request).delete_user(username)
    return {"deleted": username}


@router.get("/keys")
async def keys(request: Request) -> dict[str, Any]:
    return service_of(request).keys_view()


@router.post("/keys/rotate", summary="New signing key; old keys still verify")
async def rotate_key(request: Request) -> dict[str, Any]:
    return await service_of(request).rotate_key()


@router.post("/keys/retire", summary="Retire a key (default: the oldest but the current)")
async def retire_key(request: Request, body: RetireKey | None = None) -> dict[str, Any]:
    return await service_of(request).retire_key(body.kid if body else None)


@router.get("/clock")
async def get_clock(request: Request) -> dict[str, Any]:
    return service_of(request).clock_view()


@router.post("/clock/advance", summary="Move a virtual clock forward")
async def advance_clock(request: Request, body: Advance) -> dict[str, Any]:
    return await service_of(request).advance_clock(body.seconds)


@router.put("/clock", summary="Set how fast a virtual clock flows (0 = frozen)")
async def set_clock(request: Request, body: ClockRate) -> dict[str, Any]:
    return await service_of(request).set_clock_rate(body.rate)


@router.get("/events", summary="Server-sent events of everything the server does")
async def events(
    request: Request,
    after: int = Query(0, ge=0),
    follow: bool = Query(True, description="keep the stream open for new events"),
    last_event_id: str | None = Header(None, alias="Last-Event-ID", max_length=20),
) -> StreamingResponse:
    service = service_of(request)
    if last_event_id is not None and last_event_id.isdigit():
        after = max(after, int(last_event_id))

    async def stream() -> AsyncIterator[str]:
        if not follow:
            for kept in await service.server_events(after):
                yield _sse(kept.id, kept.type, kept.as_dict())
            return
        async for live in service.follow_server_events(after, heartbeat=15.0):
            if live is None:
                yield ": keep-alive\n\n"
            else:
                yield _sse(live.id, live.type, live.as_dict())

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _sse(event_id: int, kind: str, data: dict[str, Any]) -> str:
    return f"id: {event_id}\nevent: {kind}\ndata: {json.dumps(data, default=str)}\n\n"
