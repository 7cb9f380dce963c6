"""Resource servers of their own (issue 15): `jwt-lab api` processes — here real
uvicorn servers on loopback, one per verify mode — against a real auth server,
each verifying a token its own way; a forced expiry seen by each as the seed
says it must be, the deny-list fed by OpenID Back-Channel Logout."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from mock_server import ServerThread, Settings, VirtualClock
from mock_server.api_server import ApiConfig
from mock_server.runner import ApiServerThread
from mock_server.store import SqliteStore
from tests.conftest import ADMIN_KEY
from tests.server.helpers import ADMIN, CLIENT_ID

pytestmark = pytest.mark.live

SECRETS = {name: f"{name}-secret-0123456789" for name in ("st", "in", "in10", "dl", "sf")}
MODES = {
    "st": "stateless",
    "in": "introspect",
    "in10": "introspect",
    "dl": "denylist",
    "sf": "stateful",
}


def _settings() -> Settings:
    return Settings(password_profile="fast", admin_key=ADMIN_KEY)


def _apis(auth: ServerThread, clock: VirtualClock) -> dict[str, ApiServerThread]:
    """Bound first (their URLs known), registered, then started: they find
    themselves registered when they first call the auth server."""
    apis = {
        name: ApiServerThread(
            ApiConfig(
                auth.url,
                name,
                SECRETS[name],
                MODES[name],
                introspect_cache=10 if name == "in10" else 0,
            ),
            clock=clock,
            sync=False,
        )
        for name in MODES
    }
    for name, api in apis.items():
        answer = httpx.put(
            f"{auth.url}/admin/resource-servers/{name}",
            json={"secret": SECRETS[name], "backchannel_uri": api.backchannel_uri},
            headers=ADMIN,
        )
        assert answer.status_code == 200, answer.text
    return apis


@pytest.fixture
def world(clock: VirtualClock) -> Iterator[tuple[ServerThread, dict[str, ApiServerThread]]]:
    with ServerThread(_settings(), clock=clock) as auth:
        apis = _apis(auth, clock)
        for api in apis.values():
            api.start()
        try:
            yield auth, apis
        finally:
            for api in apis.values():
                api.stop()


def _login(auth: ServerThread, device: str = "phone") -> str:
    answer = httpx.post(
        f"{auth.url}/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": CLIENT_ID,
            "device_id": device,
        },
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def _me(api: ApiServerThread, token: str) -> httpx.Response:
    return httpx.get(f"{api.url}/api/me", headers={"Authorization": f"Bearer {token}"})


def _until(check: Any, seconds: float = 5.0) -> None:
    """Ask ``check`` (an HTTP request each time, which paces the loop) until true —
    for what no event announces: a resource server process reading the clock."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("not within time")


def _last_event(auth: ServerThread) -> int:
    state = httpx.get(f"{auth.url}/admin/state", headers=ADMIN).json()
    return int(state["last_event_id"])


def _await_event(
    auth: ServerThread, kind: str, rs_id: str, after: int, seconds: float = 10.0
) -> None:
    """Block on the auth server's event stream until it says ``kind`` for ``rs_id``
    (a ``backchannel_delivered`` or ``backchannel_failed``): a signal, not a poll."""
    with httpx.Client(headers=ADMIN, timeout=seconds) as client:
        path = f"{auth.url}/admin/events?after={after}"
        with connect_sse(client, "GET", path) as source:
            for sse in source.iter_sse():
                event = json.loads(sse.data) if sse.data else {}
                if event.get("type") == kind and event.get("resource_server") == rs_id:
                    return


def test_a_forced_expiry_as_each_verify_mode_sees_it(
    world: tuple[ServerThread, dict[str, ApiServerThread]], clock: VirtualClock
) -> None:
    auth, apis = world
    token = _login(auth)
    for name, api in apis.items():
        answer = _me(api, token)
        assert answer.status_code == 200, (name, answer.text)
        assert answer.json()["verify_mode"] == MODES[name] and answer.json()["api"] == name
    after = _last_event(auth)
    started = time.monotonic()
    revoked = httpx.post(f"{auth.url}/admin/force-expire", json={"user": "alice"}, headers=ADMIN)
    assert revoked.status_code == 200
    # stateful and introspect without a cache: refused at once.
    assert _me(apis["sf"], token).json()["reason"] == "forced"
    assert _me(apis["in"], token).json()["reason"] == "inactive"
    # denylist: refused as soon as the logout token arrives — well under a second.
    _await_event(auth, "backchannel_delivered", "dl", after)
    assert time.monotonic() - started < 1.0
    assert _me(apis["dl"], token).json()["reason"] == "revoked"
    # stateless, and introspect's cached answer: still accepted — the seed's window.
    assert _me(apis["st"], token).status_code == 200
    assert _me(apis["in10"], token).status_code == 200
    clock.advance(11)  # the cached answer is older than --introspect-cache
    assert _me(apis["in10"], token).json()["reason"] == "inactive"
    assert _me(apis["st"], token).status_code == 200
    clock.advance(30)  # past exp and the leeway: refused everywhere, for being expired
    assert _me(apis["st"], token).json()["reason"] == "expired"
    deliveries = httpx.get(f"{auth.url}/admin/resource-servers", headers=ADMIN).json()
    by_id = {rs["id"]: rs for rs in deliveries["resource_servers"]}
    assert by_id["dl"]["last_delivery"]["attempts"] == 1
    assert by_id["dl"]["pending_deliveries"] == 0


def test_a_denylist_server_that_was_down_catches_up_when_it_starts(
    world: tuple[ServerThread, dict[str, ApiServerThread]], clock: VirtualClock
) -> None:
    auth, apis = world
    token = _login(auth)
    apis["dl"].stop()  # down while the session is revoked: the push cannot land
    after = _last_event(auth)
    httpx.post(f"{auth.url}/admin/force-expire", json={"user": "alice"}, headers=ADMIN)
    _await_event(auth, "backchannel_failed", "dl", after)
    assert _rs(auth, "dl")["pending_deliveries"] == 1
    # A new process (empty memory) on another port: it asks for the revocations first.
    config = ApiConfig(auth.url, "dl", SECRETS["dl"], "denylist")
    with ApiServerThread(config, clock=clock, sync=False) as again:
        answer = _me(again, token)
        assert answer.status_code == 401 and answer.json()["reason"] == "revoked"
        assert httpx.get(f"{again.url}/healthz").json()["denylist_size"] == 1


def test_a_delivery_is_retried_until_the_server_is_back(
    world: tuple[ServerThread, dict[str, ApiServerThread]], clock: VirtualClock
) -> None:
    auth, apis = world
    token = _login(auth)
    port = apis["dl"].port
    apis["dl"].stop()
    after = _last_event(auth)
    httpx.post(f"{auth.url}/admin/force-expire", json={"user": "alice"}, headers=ADMIN)
    _await_event(auth, "backchannel_failed", "dl", after)
    config = ApiConfig(auth.url, "dl", SECRETS["dl"], "denylist")
    back = ApiServerThread(config, clock=clock, sync=False, port=port)  # the same address
    after = _last_event(auth)
    with back:
        _await_event(auth, "backchannel_delivered", "dl", after)
        assert _rs(auth, "dl")["pending_deliveries"] == 0
        assert _rs(auth, "dl")["last_delivery"]["attempts"] >= 2
        assert _me(back, token).json()["reason"] == "revoked"


def test_deliveries_survive_a_restart_of_the_auth_server(
    tmp_path: Path, clock: VirtualClock
) -> None:
    db = str(tmp_path / "auth.sqlite3")
    with ServerThread(_settings(), clock=clock, store=SqliteStore(db)) as auth:
        dead = "http://127.0.0.1:9/backchannel-logout"  # nothing listens on port 9
        httpx.put(
            f"{auth.url}/admin/resource-servers/dl",
            json={"secret": SECRETS["dl"], "backchannel_uri": dead},
            headers=ADMIN,
        )
        token = _login(auth)
        after = _last_event(auth)
        httpx.post(f"{auth.url}/admin/force-expire", json={"user": "alice"}, headers=ADMIN)
        _await_event(auth, "backchannel_failed", "dl", after)
        port = auth.port
    # The same issuer (its address) and the same database, after a restart.
    with ServerThread(_settings(), clock=clock, store=SqliteStore(db), port=port) as auth:
        after = _last_event(auth)
        api = ApiServerThread(
            ApiConfig(auth.url, "dl", SECRETS["dl"], "denylist"), clock=clock, sync=False
        )
        # The queued logout token now goes to where the resource server really is.
        httpx.put(
            f"{auth.url}/admin/resource-servers/dl",
            json={"secret": SECRETS["dl"], "backchannel_uri": api.backchannel_uri},
            headers=ADMIN,
        )
        with api:
            api.server.denylist = type(api.server.denylist)()  # forget the catch-up: only the push
            _await_event(auth, "backchannel_delivered", "dl", after)
            assert _rs(auth, "dl")["pending_deliveries"] == 0
            assert len(api.server.denylist) == 1
            assert _me(api, token).json()["reason"] == "revoked"


def test_a_resource_server_needs_its_own_credential(
    world: tuple[ServerThread, dict[str, ApiServerThread]],
) -> None:
    auth, _ = world
    token = _login(auth)
    for auth_header in (
        None,
        ("dl", "wrong-secret-0123456789"),
        ("nobody", SECRETS["dl"]),
        ("st", SECRETS["dl"]),  # another server's secret
    ):
        for method, path, kwargs in (
            ("GET", "/rs/clock", {}),
            ("GET", "/rs/revocations", {}),
            ("GET", "/rs/sessions/x", {}),
            ("POST", "/oauth/introspect", {"data": {"token": token}}),
        ):
            answer = httpx.request(method, f"{auth.url}{path}", auth=auth_header, **kwargs)
            assert answer.status_code == 401, (auth_header, path, answer.text)
            assert answer.json()["error"] in ("invalid_client", "admin_key_required")
    # The admin key opens introspection (as before), but not the resource servers' routes.
    assert httpx.get(f"{auth.url}/rs/clock", headers=ADMIN).status_code == 401
    ok = httpx.get(f"{auth.url}/rs/clock", auth=("dl", SECRETS["dl"]))
    assert ok.status_code == 200 and ok.json()["token_lifetime"] == 35


def _rs(auth: ServerThread, rs_id: str) -> dict[str, Any]:
    servers = httpx.get(f"{auth.url}/admin/resource-servers", headers=ADMIN).json()
    return next(rs for rs in servers["resource_servers"] if rs["id"] == rs_id)


@pytest.mark.subprocess
def test_jwt_lab_api_as_its_own_process_follows_the_auth_servers_virtual_clock(
    clock: VirtualClock,
) -> None:
    """The command itself: a process of its own, its clock read from the auth server."""
    import subprocess
    import sys

    with ServerThread(_settings(), clock=clock) as auth:
        httpx.put(
            f"{auth.url}/admin/resource-servers/api-1",
            json={"secret": SECRETS["st"]},
            headers=ADMIN,
        )
        with subprocess.Popen(
            [
                sys.executable,
                "-m",
                "client",
                "api",
                "--auth-server",
                auth.url,
                "--id",
                "api-1",
                "--secret",
                SECRETS["st"],
                "--verify-mode",
                "stateless",
                "--log-level",
                "warning",
            ],
            stdout=subprocess.PIPE,
            text=True,
        ) as process:
            try:
                assert process.stdout is not None
                first = process.stdout.readline()
                assert first.startswith("JWT Device Lab resource server api-1 on http://127.0.0.1:")
                url = first.rsplit(" ", 1)[1].strip()
                _until(lambda: httpx.get(f"{url}/healthz").json()["auth_server_reachable"], 10)
                token = _login(auth)
                me = httpx.get(f"{url}/api/me", headers={"Authorization": f"Bearer {token}"})
                assert me.status_code == 200 and me.json()["api"] == "api-1"
                clock.advance(60)  # on the auth server only: the api process reads it
                auth_header = {"Authorization": f"Bearer {token}"}

                def expired() -> bool:
                    return httpx.get(f"{url}/api/me", headers=auth_header).status_code == 401

                _until(expired, 10)
            finally:
                process.terminate()
                process.wait(10)


def test_a_hanging_back_channel_endpoint_never_slows_the_token_endpoint(
    clock: VirtualClock,
) -> None:
    """The push is the sender's business, on its own: sign-ins go on while a
    delivery hangs on an endpoint that takes the connection and never answers."""
    import socket

    hanging = socket.socket()
    hanging.bind(("127.0.0.1", 0))
    hanging.listen(16)  # connections queue in the kernel; nobody ever answers them
    uri = f"http://127.0.0.1:{hanging.getsockname()[1]}/backchannel-logout"
    try:
        with ServerThread(_settings(), clock=clock) as auth:
            httpx.put(
                f"{auth.url}/admin/resource-servers/slow",
                json={"secret": SECRETS["dl"], "backchannel_uri": uri},
                headers=ADMIN,
            )
            _login(auth, "first")
            after = _last_event(auth)
            httpx.post(f"{auth.url}/admin/force-expire", json={"user": "alice"}, headers=ADMIN)
            for device in ("second", "third", "fourth"):
                _login(auth, device)  # each answered while the delivery still hangs
            slow = _rs(auth, "slow")
            assert slow["pending_deliveries"] == 1
            assert slow["last_failure"] is None  # the delivery has not even timed out yet
            _await_event(auth, "backchannel_failed", "slow", after)
            assert "Timeout" in _rs(auth, "slow")["last_failure"]["error"]
    finally:
        hanging.close()
