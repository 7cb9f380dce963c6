"""6. Scale: N simulated devices (headless, one engine loop) sign in and keep
calling the API for a minute of virtual time against the embedded server;
they refresh as their access tokens run out. Errors must be 0. Every device
keeps its notification stream open meanwhile (GET /api/notifications, issue
15); at the end one forced expiry of the user is pushed to all N of them, and
the time until the last one is signed out is reported.

    python bench/scale.py [--quick]      (quick: 100 and 1,000 devices)
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
from common import banner, percentile, quick_mode, record

from client import Device, DeviceConfig, MemoryTokenStore
from client.http import http_client
from client.oauth import Discovery
from mock_server import Settings, VirtualClock, create_app

URL = "http://bench.lab"
CONCURRENCY = 64


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def run(n: int) -> dict[str, float | int]:
    clock = VirtualClock()
    app = create_app(
        Settings(
            issuer=URL, password_profile="fast", admin_key="k", login_max_failures_per_address=10**6
        ),
        clock=clock,
    )
    inner = httpx.ASGITransport(app=app)
    latencies: list[float] = []

    class Timing(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if b"grant_type=refresh_token" not in request.content:
                return await inner.handle_async_request(request)
            start = time.perf_counter()
            response = await inner.handle_async_request(request)
            latencies.append(time.perf_counter() - start)
            return response

    transport = Timing()
    # Warm up first (thread pool, caches, lazy imports) so they are not billed per device.
    warm = Device(
        DeviceConfig("warm", "pc", "Warm-up", "bob", URL),
        store=MemoryTokenStore(),
        clock=clock,
        transport=inner,
        auto_reconnect=False,
    )
    await warm.login("bob-pass")
    await warm.call("/api/me")
    await warm.close()
    gc.collect()
    before = rss_mb()
    store = MemoryTokenStore()
    # As in a Lab: one HTTP client and one endpoint discovery shared by every device.
    http = http_client(URL, transport=transport)
    streams = http_client(URL, transport=transport, streams=True)
    discovery = Discovery(http, URL)
    devices = [
        Device(
            DeviceConfig(f"d{i}", ("mobile", "pc", "tablet")[i % 3], f"Device {i}", "alice", URL),
            store=store,
            clock=clock,
            http=http,
            streams=streams,
            discovery=discovery,
            auto_reconnect=False,
        )
        for i in range(n)
    ]
    watchers = app.state.service.watchers
    gate = asyncio.Semaphore(CONCURRENCY)
    errors = 0

    async def limited(coro):  # type: ignore[no-untyped-def]
        async with gate:
            return await coro

    start = time.perf_counter()
    logins = await asyncio.gather(
        *(limited(d.login("alice-pass")) for d in devices), return_exceptions=True
    )
    errors += sum(isinstance(x, Exception) for x in logins)
    login_seconds = time.perf_counter() - start
    gc.collect()
    per_device_kb = (rss_mb() - before) * 1024 / n
    calls = 0
    start = time.perf_counter()
    for _ in range(6):  # a minute of virtual time, a call per device every 10 s
        clock.advance(10)
        results = await asyncio.gather(*(limited(d.call("/api/me")) for d in devices))
        calls += len(results)
        errors += sum(not r.ok for r in results)
    call_seconds = time.perf_counter() - start
    listening = len(watchers)
    # One forced expiry of the user, pushed to every listening device.
    start = time.perf_counter()
    await app.state.service.force_expire(user="alice")
    while any(d.state != "signed_out" for d in devices):
        if time.perf_counter() - start > 60:
            break
        await asyncio.sleep(0.001)
    push_seconds = time.perf_counter() - start
    told = sum(d.told_at is not None for d in devices)
    for device in devices:
        await device.close()
    await http.aclose()
    await streams.aclose()
    return {
        "devices": n,
        "errors": errors,
        "refreshes": len(latencies),
        "refresh_p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "refresh_p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "login_seconds": round(login_seconds, 2),
        "calls": calls,
        "calls_per_second": round(calls / call_seconds),
        "memory_per_device_kb": round(per_device_kb, 1),
        "listening": listening,
        "told": told,
        "all_told_ms": round(push_seconds * 1000, 1),
    }


def main() -> None:
    if "--size" in sys.argv:  # one size, in a process of its own (clean memory figures)
        print(json.dumps(asyncio.run(run(int(sys.argv[sys.argv.index("--size") + 1])))))
        return
    sizes = (100, 1000) if quick_mode() else (100, 1000, 5000)
    banner("Scale: devices signing in and refreshing for a minute of virtual time")
    rows = []
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--size", str(n)], capture_output=True, text=True, check=True
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"  {n:>5} devices: {row['errors']} errors, {row['refreshes']} refreshes "
            f"(p50 {row['refresh_p50_ms']} ms, p99 {row['refresh_p99_ms']} ms), "
            f"logins {row['login_seconds']} s, {row['calls_per_second']} calls/s, "
            f"{row['memory_per_device_kb']} KB/device; "
            f"{row['listening']} streams open, a forced expiry told {row['told']} of them "
            f"in {row['all_told_ms']} ms"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = last["devices"] / first["devices"]
        print(
            f"  {growth:.0f}× the devices: p99 refresh latency ×"
            f"{last['refresh_p99_ms'] / max(first['refresh_p99_ms'], 1e-9):.2f}, "
            f"throughput ×{last['calls_per_second'] / first['calls_per_second']:.2f}, "
            f"memory per device ×{last['memory_per_device_kb'] / max(first['memory_per_device_kb'], 1e-9):.2f}"
        )
    record("scale", {"rows": rows, "concurrency": CONCURRENCY})


if __name__ == "__main__":
    sys.exit(main())
