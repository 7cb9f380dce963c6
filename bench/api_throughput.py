"""1. Resource API throughput over real HTTP, against the stack's own ceiling.

One uvicorn worker on loopback in its own process; 16 connections from one wrk
thread (the other core is the server's), or, without wrk, an httpx load
generator. Rounds of
/healthz (the ceiling: the same server, no auth), /api/me stateless and
/api/me stateful alternate, so drift affects all alike; medians are reported.
Targets: stateless ≥ 0.9 × ceiling, stateful ≥ 0.8 ×.

    python bench/api_throughput.py [--quick]
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import time

import httpx
from common import admin, banner, cpu_seconds, login, median, quick_mode, record, server_process

CONNECTIONS = 16


def wrk(url: str, seconds: float, token: str | None, authorization: str | None = None) -> float:
    authorization = authorization or (f"Bearer {token}" if token else None)
    headers = ["-H", f"Authorization: {authorization}"] if authorization else []
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds:g}s", *headers, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"errors during the load: {out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


async def _httpx_load(url: str, seconds: float, authorization: str | None) -> float:
    headers = {"Authorization": authorization} if authorization else {}
    done = 0
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=CONNECTIONS)) as client:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                response = await client.get(url, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} answered {response.status_code}")
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        return done / (time.perf_counter() - start)


def load(url: str, seconds: float, token: str | None, authorization: str | None = None) -> float:
    """Requests per second that ``url`` sustains with 16 connections."""
    authorization = authorization or (f"Bearer {token}" if token else None)
    if shutil.which("wrk"):
        return wrk(url, seconds, None, authorization)
    return asyncio.run(_httpx_load(url, seconds, authorization))


def main() -> None:
    quick = quick_mode()
    rounds, seconds = (4, 2) if quick else (8, 3)
    generator = "wrk" if shutil.which("wrk") else "httpx (install wrk for a lighter load generator)"
    banner(f"API throughput — 1 uvicorn worker, {CONNECTIONS} connections, {generator}")
    with server_process("--access-ttl", "86400", "--refresh-ttl", "86400") as url:
        token = login(url)["access_token"]
        load(f"{url}/api/me", 1, token)  # warm up: imports, caches
        runs: dict[str, list[float]] = {"healthz": [], "stateless": [], "stateful": []}
        cpu: dict[str, list[float]] = {"healthz": [], "stateless": [], "stateful": []}

        def measure(name: str, path: str, bearer: str | None) -> None:
            before = cpu_seconds(url.pid)
            rps = load(f"{url}{path}", seconds, bearer)
            runs[name].append(rps)
            cpu[name].append((cpu_seconds(url.pid) - before) / (rps * seconds) * 1e6)

        for _ in range(rounds):
            measure("healthz", "/healthz", None)
            for mode in ("stateless", "stateful"):
                admin(url, "PATCH", "/admin/settings", {"verify_mode": mode})
                measure(mode, "/api/me", token)
    ceiling = median(runs["healthz"])
    cpu_ceiling = median(cpu["healthz"])
    figures = {
        "generator": generator.split()[0],
        "connections": CONNECTIONS,
        "rounds": rounds,
        "healthz_rps": round(ceiling),
        "stateless_rps": round(median(runs["stateless"])),
        "stateful_rps": round(median(runs["stateful"])),
        "stateless_ratio": round(median(runs["stateless"]) / ceiling, 3),
        "stateful_ratio": round(median(runs["stateful"]) / ceiling, 3),
        # The server's CPU time per request: steadier than throughput on a
        # shared machine; ceiling CPU / endpoint CPU is the same ratio when the
        # server is the bottleneck.
        "healthz_cpu_us": round(cpu_ceiling, 1),
        "stateless_cpu_us": round(median(cpu["stateless"]), 1),
        "stateful_cpu_us": round(median(cpu["stateful"]), 1),
        "stateless_cpu_ratio": round(cpu_ceiling / median(cpu["stateless"]), 3),
        "stateful_cpu_ratio": round(cpu_ceiling / median(cpu["stateful"]), 3),
        "targets": {"stateless_ratio": 0.9, "stateful_ratio": 0.8},
    }
    print(
        f"  /healthz (ceiling)   {figures['healthz_rps']:>7} req/s   "
        f"{figures['healthz_cpu_us']:>6} µs server CPU/request"
    )
    for mode, target in (("stateless", 0.9), ("stateful", 0.8)):
        print(
            f"  /api/me  {mode:<10}  {figures[f'{mode}_rps']:>7} req/s   "
            f"{figures[f'{mode}_cpu_us']:>6} µs server CPU/request   "
            f"{figures[f'{mode}_ratio']:.2f}× ceiling by throughput, "
            f"{figures[f'{mode}_cpu_ratio']:.2f}× by CPU (target ≥ {target:.2f})"
        )
    record("api_throughput", figures)


if __name__ == "__main__":
    sys.exit(main())
