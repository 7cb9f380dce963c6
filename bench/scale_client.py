"""One client process of the scale-out device run (driven by bench/scale_out.py):
N devices (one engine loop, one shared HTTP client, as in a Lab) against a
server on loopback, on a virtual clock that stands where the server's does
and moves when told.

Reads commands on stdin, one per line, and answers each with one JSON line:
``login`` signs every device in; ``advance SECONDS`` moves the clock and has
every device call the API once (refreshing when its token runs out);
``quit`` ends.

    python bench/scale_client.py URL N FIRST_INDEX CLOCK_START
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from client import Device, DeviceConfig, MemoryTokenStore
from client.http import http_client
from client.oauth import Discovery
from mock_server.clock import VirtualClock

CONCURRENCY = 64


async def main(url: str, n: int, first: int, clock_start: float) -> None:
    clock = VirtualClock(start=clock_start)
    http = http_client(url)
    discovery = Discovery(http, url)
    store = MemoryTokenStore()
    devices = [
        Device(
            DeviceConfig(
                f"d{i}",
                ("mobile", "pc", "tablet")[i % 3],
                f"Device {i}",
                "alice",
                url,
                listen=False,
            ),
            store=store,
            clock=clock,
            http=http,
            discovery=discovery,
            auto_reconnect=False,
        )
        for i in range(first, first + n)
    ]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def limited(coro):  # type: ignore[no-untyped-def]
        async with gate:
            return await coro

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        started = time.perf_counter()
        if line == "login":
            outcomes = await asyncio.gather(
                *(limited(d.login("alice-pass")) for d in devices), return_exceptions=True
            )
            errors = sum(isinstance(o, Exception) for o in outcomes)
            answer = {"logins": n, "errors": errors}
        elif line.startswith("advance "):
            clock.advance(float(line.split()[1]))
            results = await asyncio.gather(*(limited(d.call("/api/me")) for d in devices))
            failed = [r for r in results if not r.ok]
            answer = {
                "calls": len(results),
                "errors": len(failed),
                "retried": sum(r.retried for r in results),
                "first_error": f"{failed[0].status} {failed[0].error}" if failed else None,
            }
        else:
            break
        answer["seconds"] = round(time.perf_counter() - started, 3)
        print(json.dumps(answer), flush=True)
    for device in devices:
        await device.close()
    await http.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
