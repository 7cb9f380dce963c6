"""The admin API: settings, sessions, forced expiry, keys, users, clock, events.

Every route needs the admin key; a device's access token never opens it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from mock_server.errors import Conflict
from mock_server.http import require_admin, service_of

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SettingsPatch(_Strict):
    access_ttl: int | None = Field(None, ge=1, le=365 * 24 * 3600)
    refresh_ttl: int | None = Field(None, ge=1, le=365 * 24 * 3600)
    login_policy: str | None = Field(None, max_length=16)
    verify_mode: Literal["stateless", "stateful"] | None = None
    algorithm: Literal["EdDSA", "ES256", "RS256", "HS256"] | None = None
    leeway: int | None = Field(None, ge=0, le=3600)
    reuse_grace: int | None = Field(None, ge=0, le=600)
    session_lifetime: Literal["absolute", "sliding"] | None = None


class ForceExpire(_Strict):
    user: str | None = Field(None, max_length=64)
    sid: str | None = Field(None, max_length=64)
    device_id: str | None = Field(None, max_length=64)


class UserBody(_Strict):
    password: str = Field(min_length=1, max_length=1024)
    display_name: str | None = Field(None, max_length=64)


class RetireKey(_Strict):
    kid: str | None = Field(None, max_length=128)


class Advance(_Strict):
    seconds: float = Field(gt=0, le=10 * 365 * 24 * 3600)


class ClockRate(_Strict):
    rate: float = Field(ge=0, le=1000)


def _clock(request: Request) -> dict[str, Any]:
    clock = service_of(request).clock
    return {
        "now": clock.now(),
        "virtual": bool(getattr(clock, "virtual", False)),
        "rate": getattr(clock, "rate", 1.0),
    }


@router.get("/state", summary="Everything at once: settings, clock, keys, users, sessions")
async def state(request: Request) -> dict[str, Any]:
    service = service_of(request)
    return {
        "settings": service.settings.public(),
        "clock": _clock(request),
        "keys": [k.describe() for k in service.keys.all()],
        "users": [u.username for u in service.store.list_users()],
        "sessions": service.sessions(),
        "last_event_id": max((e.id for e in service.bus.since(0)), default=0),
    }


@router.get("/settings")
async def get_settings(request: Request) -> dict[str, Any]:
    return service_of(request).settings.public()


@router.patch("/settings", summary="Change settings live")
async def patch_settings(request: Request, body: SettingsPatch) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True)
    return service_of(request).update_settings(**changes).public()


@router.get("/sessions")
async def sessions(
    request: Request, user: str | None = Query(None, max_length=64)
) -> dict[str, Any]:
    return {"sessions": service_of(request).sessions(user)}


@router.delete("/sessions/{sid}", summary="Force one session to expire")
async def revoke_session(request: Request, sid: str) -> dict[str, Any]:
    return service_of(request).revoke_session(sid, "forced")


@router.post("/force-expire", summary="Force a user's, a device's or one session's tokens out")
async def force_expire(request: Request, body: ForceExpire) -> dict[str, Any]:
    revoked = service_of(request).force_expire(
        user=body.user, sid=body.sid, device_id=body.device_id
    )
    return {"revoked": revoked}


@router.get("/users")
async def users(request: Request) -> dict[str, Any]:
    return {
        "users": [
            {"username": u.username, "display_name": u.display_name, "created_at": u.created_at}
            for u in service_of(request).store.list_users()
        ]
    }


@router.put("/users/{username}", summary="Create or update a user")
async def put_user(request: Request, username: str, body: UserBody) -> dict[str, Any]:
    user = service_of(request).put_user(username, body.password, body.display_name)
    return {"username": user.username, "display_name": user.display_name}


@router.delete("/users/{username}", summary="Delete a user (their sessions end)")
async def delete_user(request: Request, username: str) -> dict[str, Any]:
    service_of(request).delete_user(username)
    return {"deleted": username}


@router.get("/keys")
async def keys(request: Request) -> dict[str, Any]:
    service = service_of(request)
    current = service.keys.current(service.settings.algorithm)
    return {
        "keys": [k.describe() for k in service.keys.all()],
        "current": current.kid if current else None,
    }


@router.post("/keys/rotate", summary="New signing key; old keys still verify")
async def rotate_key(request: Request) -> dict[str, Any]:
    return service_of(request).rotate_key()


@router.post("/keys/retire", summary="Retire a key (default: the oldest but the current)")
async def retire_key(request: Request, body: RetireKey | None = None) -> dict[str, Any]:
    return service_of(request).retire_key(body.kid if body else None)


@router.get("/clock")
async def get_clock(request: Request) -> dict[str, Any]:
    return _clock(request)


def _virtual(request: Request) -> Any:
    clock = service_of(request).clock
    if not getattr(clock, "virtual", False):
        raise Conflict(
            "the server runs on the real clock (start it with --virtual-clock)",
            reason="clock_not_virtual",
        )
    return clock


@router.post("/clock/advance", summary="Move a virtual clock forward")
async def advance_clock(request: Request, body: Advance) -> dict[str, Any]:
    _virtual(request).advance(body.seconds)
    service_of(request).bus.publish("clock_advanced", seconds=body.seconds)
    return _clock(request)


@router.put("/clock", summary="Set how fast a virtual clock flows (0 = frozen)")
async def set_clock(request: Request, body: ClockRate) -> dict[str, Any]:
    _virtual(request).set_rate(body.rate)
    service_of(request).bus.publish("clock_rate", rate=body.rate)
    return _clock(request)


@router.get("/events", summary="Server-sent events of everything the server does")
async def events(
    request: Request,
    after: int = Query(0, ge=0),
    follow: bool = Query(True, description="keep the stream open for new events"),
    last_event_id: str | None = Header(None, alias="Last-Event-ID", max_length=20),
) -> StreamingResponse:
    bus = service_of(request).bus
    if last_event_id is not None and last_event_id.isdigit():
        after = max(after, int(last_event_id))

    async def stream() -> AsyncIterator[str]:
        if not follow:
            for kept in bus.since(after):
                yield _sse(kept.id, kept.type, kept.as_dict())
            return
        async for live in bus.subscribe(after, heartbeat=15.0):
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
