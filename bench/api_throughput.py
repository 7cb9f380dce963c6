"""1. Resource API throughput over real HTTP, against the stack's own ceiling.

One uvicorn worker on loopback in its own process; 16 connections from wrk
(or, without wrk, an httpx load generator in another process). Rounds of
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
from common import admin, banner, login, median, quick_mode, record, server_process

CONNECTIONS = 16


def wrk(url: str, seconds: float, token: str | None, authorization: str | None = None) -> float:
    authorization = authorization or (f"Bearer {token}" if token else None)
    headers = ["-H", f"Authorization: {authorization}"] if authorization else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds:g}s", *headers, url],
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
    rounds, seconds = (3, 2) if quick else (5, 4)
    generator = "wrk" if shutil.which("wrk") else "httpx (install wrk for a lighter load generator)"
    banner(f"API throughput — 1 uvicorn worker, {CONNECTIONS} connections, {generator}")
    with server_process("--access-ttl", "86400", "--refresh-ttl", "86400") as url:
        token = login(url)["access_token"]
        load(f"{url}/api/me", 1, token)  # warm up: imports, caches
        runs: dict[str, list[float]] = {"healthz": [], "stateless": [], "stateful": []}
        for _ in range(rounds):
            runs["healthz"].append(load(f"{url}/healthz", seconds, None))
            for mode in ("stateless", "stateful"):
                admin(url, "PATCH", "/admin/settings", {"verify_mode": mode})
                runs[mode].append(load(f"{url}/api/me", seconds, token))
    ceiling = median(runs["healthz"])
    figures = {
        "generator": generator.split()[0],
        "connections": CONNECTIONS,
        "rounds": rounds,
        "healthz_rps": round(ceiling),
        "stateless_rps": round(median(runs["stateless"])),
        "stateful_rps": round(median(runs["stateful"])),
        "stateless_ratio": round(median(runs["stateless"]) / ceiling, 3),
        "stateful_ratio": round(median(runs["stateful"]) / ceiling, 3),
        "targets": {"stateless_ratio": 0.9, "stateful_ratio": 0.8},
    }
    print(f"  /healthz (ceiling)   {figures['healthz_rps']:>7} req/s")
    print(
        f"  /api/me  stateless   {figures['stateless_rps']:>7} req/s   "
        f"{figures['stateless_ratio']:.2f} × ceiling (target ≥ 0.90)"
    )
    print(
        f"  /api/me  stateful    {figures['stateful_rps']:>7} req/s   "
        f"{figures['stateful_ratio']:.2f} × ceiling (target ≥ 0.80)"
    )
    record("api_throughput", figures)


if __name__ == "__main__":
    sys.exit(main())
