"""The seed's dilemma, measured (issue 15): four ways for an API of its own to
verify an access token, side by side in one run.

One auth server (`jwt-lab serve`) and one `jwt-lab api` process per mode —
stateless, introspect with a 0 s and a 2 s cache, denylist (OpenID Back-Channel
Logout pushes), stateful — each its own uvicorn worker on loopback. For each:

- throughput of /api/me with a valid token (16 connections, wrk or httpx),
  relative to `stateless`, in alternating rounds (medians);
- CPU per request: the API's process, plus what it costs the auth server
  (introspection and session lookups land there);
- the red window after a forced expiry: from the revocation request until the
  API first refuses the token, p50/p99 over N revocations, at idle and with
  the API under the same 16-connection load (`stateless`: until `exp`).

Only the deny-list API has a back-channel URI: the other modes ignore logout
tokens, and a deployment would not send them any.

It writes bench/revocation.png: red window against cost per request, one point
per mode — the seed's trade-off as one picture.

    python bench/revocation.py [--quick]
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
from api_throughput import CONNECTIONS, load
from common import (
    ADMIN_KEY,
    ROOT,
    banner,
    bare_process,
    cpu_seconds,
    free_port,
    login,
    median,
    percentile,
    quick_mode,
    record,
    server_process,
)

ACCESS_TTL = 300
WARM_UP = 3  # revocations per API and condition before the measured ones
APIS = {  # id → (mode, introspect cache)
    "stateless": ("stateless", 0.0),
    "introspect-0s": ("introspect", 0.0),
    "introspect-2s": ("introspect", 2.0),
    "denylist": ("denylist", 0.0),
    "stateful": ("stateful", 0.0),
}
CHART = ROOT / "bench" / "revocation.png"


def secret(api_id: str) -> str:
    return f"{api_id}-bench-secret-0123456789"


@contextmanager
def api_process(auth: str, api_id: str, port: int) -> Iterator[tuple[str, int]]:
    mode, cache = APIS[api_id]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "client",
            "api",
            "--auth-server",
            auth,
            "--id",
            api_id,
            "--secret",
            secret(api_id),
            "--verify-mode",
            mode,
            "--introspect-cache",
            str(cache),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).json()["auth_server_reachable"]:
                    break
            except (httpx.TransportError, ValueError, KeyError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"jwt-lab api {api_id} did not start")
            time.sleep(0.05)
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(10)


def sid_of(token: str) -> str:
    import jwt

    return str(jwt.decode(token, options={"verify_signature": False})["sid"])


async def red_windows(auth: str, api_url: str, n: int) -> list[float]:
    """For each of ``n`` revocations: seconds from the revocation request until
    the API first refuses the token (in use before it, as a device's would be).
    One API at a time: polling another would load the auth server meanwhile."""
    windows: list[float] = []
    async with httpx.AsyncClient(timeout=10) as http:
        for i in range(-WARM_UP, n):  # the first few warm connections and caches up
            token = (
                await http.post(
                    f"{auth}/oauth/token",
                    data={
                        "grant_type": "password",
                        "username": "bob",
                        "password": "bob-pass",
                        "client_id": "jwt-device-lab",
                        "device_id": f"red-{i}",
                    },
                )
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            answer = await http.get(f"{api_url}/api/me", headers=headers)
            assert answer.status_code == 200, answer.text  # in use: any cache holds it
            started = time.perf_counter()
            revoked = http.delete(
                f"{auth}/admin/sessions/{sid_of(token)}", headers={"X-Admin-Key": ADMIN_KEY}
            )

            async def until_refused() -> float:
                while time.perf_counter() - started < 30:
                    answer = await http.get(f"{api_url}/api/me", headers=headers)
                    if answer.status_code == 401:
                        return time.perf_counter() - started
                    # A breath between tries: the prober must not take the core the
                    # auth server and the API need (a few ms of resolution lost).
                    await asyncio.sleep(0.002)
                return float("inf")

            done, seconds = await asyncio.gather(revoked, until_refused())
            assert done.status_code == 200, done.text
            if i >= 0:
                windows.append(seconds)
    return windows


@contextmanager
def background_load(url: str, token: str) -> Iterator[None]:
    """The API under the throughput test's load while the block runs."""
    headers = {"Authorization": f"Bearer {token}"}
    if shutil.which("wrk"):
        process = subprocess.Popen(
            [
                "wrk",
                "-t1",
                f"-c{CONNECTIONS}",
                "-d3600s",
                "-H",
                f"Authorization: Bearer {token}",
                f"{url}/api/me",
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            yield
        finally:
            process.terminate()
            process.wait(10)
        return
    stop = threading.Event()

    async def hammer() -> None:
        async with httpx.AsyncClient(limits=httpx.Limits(max_connections=CONNECTIONS)) as c:

            async def worker() -> None:
                while not stop.is_set():
                    await c.get(f"{url}/api/me", headers=headers)

            await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))

    thread = threading.Thread(target=lambda: asyncio.run(hammer()), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


def main() -> None:
    quick = quick_mode()
    rounds, seconds, n = (2, 2, 10) if quick else (4, 3, 50)
    banner(
        f"Revocation: four ways to verify — 1 worker each, {CONNECTIONS} connections, "
        f"{n} forced expiries per condition"
    )
    ports = {api_id: free_port() for api_id in APIS}
    registrations = []
    for api_id, port in ports.items():
        # Only the deny-list acts on a logout token: the others are registered
        # without a back-channel URI, as a deployment would, so a revocation
        # costs one push — not five processes woken on two cores to ignore one.
        uri = (
            f":http://127.0.0.1:{port}/backchannel-logout" if APIS[api_id][0] == "denylist" else ""
        )
        registrations += ["--resource-server", f"{api_id}:{secret(api_id)}{uri}"]
    with ExitStack() as stack:
        bare = stack.enter_context(bare_process())
        auth = stack.enter_context(
            server_process(
                "--access-ttl", str(ACCESS_TTL), "--refresh-ttl", "86400", *registrations
            )
        )
        apis: dict[str, str] = {}
        pids: dict[str, int] = {}
        for api_id, port in ports.items():
            apis[api_id], pids[api_id] = stack.enter_context(api_process(auth, api_id, port))
        token = login(auth, device_id="bench-load")["access_token"]
        for url in apis.values():
            load(f"{url}/api/me", 1, token)  # warm up
        load(f"{bare}/hello", 1, None)
        bare_rps: list[float] = []
        throughput: dict[str, list[float]] = {a: [] for a in APIS}
        cpu_api: dict[str, list[float]] = {a: [] for a in APIS}
        cpu_auth: dict[str, list[float]] = {a: [] for a in APIS}
        for _ in range(rounds):
            bare_rps.append(load(f"{bare}/hello", seconds, None))  # the stack's own ceiling
            for api_id, url in apis.items():
                api_before, auth_before = cpu_seconds(pids[api_id]), cpu_seconds(auth.pid)
                rate = load(f"{url}/api/me", seconds, token)
                requests = rate * seconds
                throughput[api_id].append(rate)
                cpu_api[api_id].append((cpu_seconds(pids[api_id]) - api_before) / requests)
                cpu_auth[api_id].append((cpu_seconds(auth.pid) - auth_before) / requests)
        measured = [a for a in APIS if a != "stateless"]
        idle = {a: asyncio.run(red_windows(auth, apis[a], n)) for a in measured}
        loaded: dict[str, list[float]] = {}
        for api_id in measured:
            load_token = login(auth, device_id=f"load-{api_id}")["access_token"]
            with background_load(apis[api_id], load_token):
                loaded[api_id] = asyncio.run(red_windows(auth, apis[api_id], n))

    base = median(throughput["stateless"])
    ceiling = median(bare_rps)
    print(f"  bare route (ceiling) {ceiling:8.0f} req/s, same uvicorn and flags")
    rows = []
    for api_id in APIS:
        mode, cache = APIS[api_id]
        rate = median(throughput[api_id])
        api_us = median(cpu_api[api_id]) * 1e6
        auth_us = median(cpu_auth[api_id]) * 1e6
        if api_id == "stateless":
            idle_p50 = idle_p99 = load_p50 = load_p99 = float(ACCESS_TTL)
        else:
            idle_p50, idle_p99 = percentile(idle[api_id], 50), percentile(idle[api_id], 99)
            load_p50, load_p99 = percentile(loaded[api_id], 50), percentile(loaded[api_id], 99)
        rows.append(
            {
                "api": api_id,
                "mode": mode,
                "introspect_cache": cache,
                "requests_per_second": round(rate),
                "vs_stateless": round(rate / base, 2),
                "vs_bare_route": round(rate / ceiling, 2),
                "cpu_us_per_request_api": round(api_us, 1),
                "cpu_us_per_request_auth": round(auth_us, 1),
                "red_window_idle_p50_ms": round(idle_p50 * 1000, 1),
                "red_window_idle_p99_ms": round(idle_p99 * 1000, 1),
                "red_window_load_p50_ms": round(load_p50 * 1000, 1),
                "red_window_load_p99_ms": round(load_p99 * 1000, 1),
                "red_windows_ms": {
                    "idle": [round(w * 1000, 1) for w in idle.get(api_id, [])],
                    "load": [round(w * 1000, 1) for w in loaded.get(api_id, [])],
                },
            }
        )
        window = (
            f"until exp (≤ {ACCESS_TTL} s)"
            if api_id == "stateless"
            else f"idle p50 {idle_p50 * 1000:.1f} / p99 {idle_p99 * 1000:.1f} ms, "
            f"under load p50 {load_p50 * 1000:.1f} / p99 {load_p99 * 1000:.1f} ms"
        )
        print(
            f"  {api_id:<14} {rate:8.0f} req/s ({rate / base:.2f}× stateless), "
            f"CPU {api_us:6.1f} µs/request here + {auth_us:6.1f} µs at the auth server; "
            f"red window {window}"
        )
    dl = next(r for r in rows if r["api"] == "denylist")
    print(
        f"  targets: denylist ≥ 0.9× stateless: {dl['vs_stateless']}×; red window p99 < 100 ms "
        f"idle: {dl['red_window_idle_p99_ms']} ms; < 500 ms under load: "
        f"{dl['red_window_load_p99_ms']} ms"
    )
    write_chart(rows)
    print(f"  chart: {CHART.relative_to(ROOT)}")
    record(
        "revocation",
        {"rows": rows, "revocations": n, "access_ttl": ACCESS_TTL, "bare_rps": round(ceiling)},
    )


def write_chart(rows: list[dict[str, object]]) -> None:
    from client.gui.charts import trade_off_chart

    CHART.write_bytes(trade_off_chart(rows))


if __name__ == "__main__":
    sys.exit(main())
