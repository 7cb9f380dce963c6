"""Over a real uvicorn server on loopback: the representative paths, SSE, restart."""

from __future__ import annotations

import asyncio
import threading
import warnings
from pathlib import Path

import httpx
import jwt
import pytest

from mock_server import ServerThread, Settings, SqliteStore, VirtualClock

pytestmark = pytest.mark.live


def form(
    user: str = "alice", device_id: str = "phone", device_type: str = "mobile"
) -> dict[str, str]:
    return {
        "grant_type": "password",
        "username": user,
        "password": f"{user}-pass",
        "client_id": "jwt-device-lab",
        "device_id": device_id,
        "device_type": device_type,
    }


def test_a_standard_oauth_client_and_jwt_library_work_from_metadata_alone(
    live_server: ServerThread,
) -> None:
    from authlib.deprecate import AuthlibDeprecationWarning

    with warnings.catch_warnings():
        # authlib nudges towards httpx2 on import (and forces its own warnings to
        # "always" when first imported); it is only a third-party peer here.
        warnings.simplefilter("ignore", AuthlibDeprecationWarning)
        from authlib.integrations.httpx_client import OAuth2Client

    metadata = httpx.get(f"{live_server.url}/.well-known/oauth-authorization-server").json()
    assert metadata["issuer"] == live_server.url
    with OAuth2Client(
        client_id="jwt-device-lab",
        token_endpoint_auth_method="none",
        token_endpoint=metadata["token_endpoint"],
        leeway=5,  # authlib's default (60 s) exceeds the demo's 30 s access tokens
    ) as oauth:
        token = oauth.fetch_token(
            metadata["token_endpoint"], username="alice", password="alice-pass"
        )
        assert oauth.get(f"{live_server.url}/api/me").json()["user"] == "alice"
        renewed = oauth.refresh_token(metadata["token_endpoint"])
        assert renewed["refresh_token"] != token["refresh_token"]
    jwks_client = jwt.PyJWKClient(metadata["jwks_uri"])
    key = jwks_client.get_signing_key_from_jwt(renewed["access_token"])
    claims = jwt.decode(
        renewed["access_token"],
        key,
        algorithms=["EdDSA"],
        audience=metadata["x_audience"],
        issuer=metadata["issuer"],
        options={"verify_exp": False},  # the server's clock is virtual here
    )
    assert claims["sub"] == "alice"


async def test_dual_login_and_verify_modes_over_real_http(
    live_server: ServerThread, clock: VirtualClock
) -> None:
    admin = {"X-Admin-Key": live_server.admin_key}
    async with httpx.AsyncClient(base_url=live_server.url) as c:
        await c.patch("/admin/settings", json={"login_policy": "single"}, headers=admin)
        phone = (await c.post("/oauth/token", data=form())).json()
        await c.post("/oauth/token", data=form(device_id="pc", device_type="pc"))
        bearer = {"Authorization": f"Bearer {phone['access_token']}"}
        assert (await c.get("/api/me", headers=bearer)).status_code == 200  # stateless window
        await c.patch("/admin/settings", json={"verify_mode": "stateful"}, headers=admin)
        refused = await c.get("/api/me", headers=bearer)
        assert refused.status_code == 401
        assert refused.json()["reason"] == "superseded"
        over = await c.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": phone["refresh_token"]},
        )
        assert over.json()["reason"] == "superseded"


async def test_fifty_concurrent_refreshes_over_loopback_rotate_once(
    live_server: ServerThread,
) -> None:
    async with httpx.AsyncClient(
        base_url=live_server.url, limits=httpx.Limits(max_connections=50)
    ) as c:
        tokens = (await c.post("/oauth/token", data=form())).json()
        responses = await asyncio.gather(
            *(
                c.post(
                    "/oauth/token",
                    data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                )
                for _ in range(50)
            )
        )
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["refresh_token"] for r in responses}) == 1
    sid = (live_server.call(live_server.service.sessions, "alice"))[0]["sid"]
    assert live_server.call(live_server.service.store.count_rotations, sid) == 1


def test_event_stream_delivers_live_events(live_server: ServerThread) -> None:
    received: list[str] = []
    ready = threading.Event()
    done = threading.Event()

    def listen() -> None:
        with httpx.stream(
            "GET",
            f"{live_server.url}/admin/events",
            headers={"X-Admin-Key": live_server.admin_key},
            timeout=10,
        ) as response:
            ready.set()
            for line in response.iter_lines():
                if line.startswith("event: "):
                    received.append(line[7:])
                    if line == "event: login":
                        done.set()
                        return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert ready.wait(10)
    httpx.post(f"{live_server.url}/oauth/token", data=form())
    assert done.wait(10), received
    listener.join(10)
    assert "login" in received


def test_restart_with_a_sqlite_file_keeps_sessions_and_keys(tmp_path: Path) -> None:
    db = tmp_path / "server.sqlite3"
    clock = VirtualClock()
    settings = Settings(password_profile="fast", admin_key="k")
    with ServerThread(settings, clock=clock, store=SqliteStore(db)) as first:
        port = first.port
        tokens = httpx.post(f"{first.url}/oauth/token", data=form()).json()
    with ServerThread(settings, clock=clock, store=SqliteStore(db), port=port) as second:
        me = httpx.get(
            f"{second.url}/api/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}
        )
        assert me.status_code == 200
        renewed = httpx.post(
            f"{second.url}/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
        assert renewed.status_code == 200
        assert [s["state"] for s in second.call(second.service.sessions, "alice")] == ["active"]


def test_the_listening_socket_is_tcp_so_asyncio_disables_nagle() -> None:
    """With proto 0, asyncio skips TCP_NODELAY on accepted sockets and every
    loopback response stalls ~40 ms on delayed ACKs (found by bench/)."""
    import socket

    from mock_server.runner import bind_socket

    sock = bind_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()
