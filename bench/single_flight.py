"""5. Single flight at scale: N concurrent calls on an expired token cause one
refresh request; how long until all N are answered.

    python bench/single_flight.py [--quick]
"""

from __future__ import annotations

import asyncio
import sys
import time

import httpx
from common import banner, quick_mode, record

from client import Device, DeviceConfig, MemoryTokenStore
from mock_server import Settings, VirtualClock, create_app

URL = "http://bench.lab"


async def once(n: int) -> dict[str, float | int]:
    clock = VirtualClock()
    app = create_app(Settings(issuer=URL, password_profile="fast", admin_key="k"), clock=clock)
    refreshes = 0
    inner = httpx.ASGITransport(app=app)

    class Counting(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal refreshes
            if b"grant_type=refresh_token" in request.content:
                refreshes += 1
            return await inner.handle_async_request(request)

    device = Device(
        DeviceConfig("bench", "mobile", "Bench", "alice", URL, refresh_margin=0),
        store=MemoryTokenStore(),
        clock=clock,
        transport=Counting(),
    )
    await device.login("alice-pass")
    clock.advance(40)  # the access token has expired
    start = time.perf_counter()
    results = await device.call_many(n)
    elapsed = time.perf_counter() - start
    await device.close()
    failures = sum(not r.ok for r in results)
    return {
        "calls": n,
        "refreshes": refreshes,
        "failures": failures,
        "seconds": round(elapsed, 4),
        "per_call_us": round(elapsed / n * 1e6, 1),
    }


def main() -> None:
    sizes = (1, 10, 100, 1000)
    banner("Single flight: concurrent calls on an expired token")
    rows = []
    for n in sizes:
        row = asyncio.run(once(n))
        rows.append(row)
        verdict = "ok" if row["refreshes"] == 1 and row["failures"] == 0 else "FAIL"
        print(
            f"  {n:>5} calls → {row['refreshes']} refresh, {row['failures']} failures, "
            f"all answered in {row['seconds'] * 1000:.0f} ms ({row['per_call_us']:.0f} µs/call)  {verdict}"
        )
    record("single_flight", {"rows": rows, "quick": quick_mode()})


if __name__ == "__main__":
    sys.exit(main())
