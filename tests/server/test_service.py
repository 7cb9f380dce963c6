"""The token service's guarantees, called directly: threads, rotation, reuse.

Over HTTP every refresh runs on one event loop, so the HTTP race tests cannot
see the service lock; these call ``AuthService`` from real threads, as a
server with a thread pool would.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi import FastAPI

from mock_server.errors import InvalidGrant, InvalidToken
from mock_server.service import AuthService, DeviceInfo, TokenResponse

THREADS = 16


def sign_in(service: AuthService, device_id: str = "phone") -> TokenResponse:
    user = service.check_password("alice", "alice-pass", "127.0.0.1")
    return service.start_session(
        user, "jwt-device-lab", DeviceInfo(device_id, "mobile", device_id), None
    )


def refresh_from_threads(service: AuthService, token: str) -> list[TokenResponse]:
    barrier = threading.Barrier(THREADS)

    def one() -> TokenResponse:
        barrier.wait()
        return service.refresh(token, None, None)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(lambda _: one(), range(THREADS)))


def test_sixteen_threads_refreshing_one_token_make_exactly_one_successor(app: FastAPI) -> None:
    service: AuthService = app.state.service
    issued = sign_in(service)
    token = issued.refresh_token
    for round_ in range(1, 6):
        answers = refresh_from_threads(service, token)
        # Everyone got the one successor pair (the rest within the reuse grace).
        assert len({a.refresh_token for a in answers}) == 1, f"round {round_}: forked"
        assert len({a.access_token for a in answers}) == 1
        assert service.store.count_rotations(issued.sid) == round_
        token = answers[0].refresh_token
    (session,) = service.sessions("alice")
    assert (session["state"], session["refresh_count"]) == ("active", 5)


def test_sixteen_threads_logging_in_under_single_leave_one_session(app: FastAPI) -> None:
    service: AuthService = app.state.service
    service.update_settings(login_policy="single")
    user = service.check_password("alice", "alice-pass", "127.0.0.1")
    barrier = threading.Barrier(THREADS)

    def one(i: int) -> TokenResponse:
        barrier.wait()
        return service.start_session(user, "jwt-device-lab", DeviceInfo(f"d{i}", "pc", "PC"), None)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(one, range(THREADS)))
    active = [s for s in service.sessions("alice") if s["state"] == "active"]
    assert len(active) == 1


def test_reuse_after_the_grace_revokes_the_whole_session(app: FastAPI) -> None:
    """Reuse detection at the service itself, independent of the HTTP tests: a
    retired refresh token presented after the grace ends every token of the
    session — the thief's and the owner's."""
    service: AuthService = app.state.service
    service.update_settings(verify_mode="stateful")
    clock = service.clock
    first = sign_in(service)
    second = service.refresh(first.refresh_token, None, None)
    third = service.refresh(second.refresh_token, None, None)
    clock.advance(service.settings.reuse_grace + 1)  # type: ignore[attr-defined]
    with pytest.raises(InvalidGrant) as replay:
        service.refresh(first.refresh_token, None, None)
    assert replay.value.reason == "reuse_detected"
    (session,) = service.sessions("alice")
    assert (session["state"], session["reason"]) == ("revoked", "reuse_detected")
    # Every member of the family is dead: the newest refresh token, the access tokens.
    for token in (second.refresh_token, third.refresh_token):
        with pytest.raises(InvalidGrant) as later:
            service.refresh(token, None, None)
        assert later.value.reason == "reuse_detected"
    for access in (second.access_token, third.access_token):
        with pytest.raises(InvalidToken) as refused:
            service.verify_access(access)
        assert refused.value.reason == "reuse_detected"
    assert service.introspect(third.refresh_token) == {"active": False}
    assert service.introspect(third.access_token) == {"active": False}
    # The user's other sessions are not the family: they live on.
    other = sign_in(service, "pc")
    assert service.verify_access(other.access_token).claims["device_id"] == "pc"


def test_a_retry_within_the_grace_is_not_reuse(app: FastAPI) -> None:
    service: AuthService = app.state.service
    first = sign_in(service)
    second = service.refresh(first.refresh_token, None, None)
    service.clock.advance(service.settings.reuse_grace)  # type: ignore[attr-defined]
    assert service.refresh(first.refresh_token, None, None) == second
    (session,) = service.sessions("alice")
    assert session["state"] == "active"


def test_grace_entries_go_once_their_time_is_up(app: FastAPI) -> None:
    """A refresh costs the same however many came before it: the reuse-grace
    answers are dropped as their time runs out, not kept (nor all re-read)."""
    service: AuthService = app.state.service
    clock = service.clock
    grace = service.settings.reuse_grace
    tokens = sign_in(service)
    for _ in range(50):
        tokens = service.refresh(tokens.refresh_token, None, None)
        clock.advance(grace + 1)  # type: ignore[attr-defined]
    assert len(service._grace) == 1  # the latest only (swept at the next refresh)
    for _ in range(20):
        tokens = service.refresh(tokens.refresh_token, None, None)  # no time passes
    assert len(service._grace) == 20  # these twenty, all within their grace
