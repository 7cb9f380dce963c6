"""The server's JSON views: how sessions, devices, users and the clock look on
the wire. Pure functions of records; the service decides, these only render."""

from __future__ import annotations

from typing import Any

from mock_server.clock import Clock
from mock_server.store import RefreshRecord, SessionRecord, UserRecord

JTI_ID_LENGTH = 12  # hex digits of SHA-256(jti) that name a refresh token on the wire


def device_view(session: SessionRecord) -> dict[str, Any]:
    """The device a session belongs to (who signed another device out)."""
    return {
        "device_id": session.device_id,
        "device_type": session.device_type,
        "device_name": session.device_name,
        "signed_in_at": session.created_at,
    }


def session_view(
    session: SessionRecord, now: float, revoked_by: SessionRecord | None
) -> dict[str, Any]:
    """One session, as the admin API and the user's own session list show it."""
    return {
        "sid": session.sid,
        "user": session.username,
        "client_id": session.client_id,
        "device_id": session.device_id,
        "device_type": session.device_type,
        "device_name": session.device_name,
        "scope": session.scope,
        "created_at": session.created_at,
        "expires_at": session.expires_at,
        "last_refresh_at": session.last_refresh_at,
        "refresh_count": session.refresh_count,
        "state": session.state(now),
        "reason": session.end_reason(now),
        "revoked_at": session.revoked_at,
        "revoked_by": (
            device_view(revoked_by)
            if revoked_by is not None and revoked_by.sid != session.sid
            else None
        ),
    }


def refresh_view(record: RefreshRecord) -> dict[str, Any]:
    """One refresh token of a family, named by a prefix of SHA-256 of its ``jti``
    (a client computes the same from its own token); never the token."""
    return {
        "id": record.jti_hash[:JTI_ID_LENGTH],
        "issued_at": record.issued_at,
        "expires_at": record.expires_at,
        "rotated_at": record.rotated_at,
        "successor": record.successor_hash[:JTI_ID_LENGTH] if record.successor_hash else None,
    }


def user_view(user: UserRecord) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "created_at": user.created_at,
    }


def clock_view(clock: Clock) -> dict[str, Any]:
    """The server's clock: its time, whether it is virtual, and how fast it runs."""
    return {
        "now": clock.now(),
        "virtual": bool(getattr(clock, "virtual", False)),
        "rate": getattr(clock, "rate", 1.0),
    }
