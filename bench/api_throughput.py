"""1. Resource API throughput over real HTTP, against the stack's own ceiling.

One uvicorn worker on loopback in its own process; 16 connections from one wrk
thread (the other core is the server's), or, without wrk, an httpx load
generator. Rounds of
a bare Starlette route in a process of its own, served by the same uvicorn with
the same flags (bench/bare_app.py — the stack's real ceiling), /healthz of the
lab, /api/me stateless and /api/me stateful alternate, so drift affects all
alike; medians are reported. Then the refresh grant: 16 sessions rotating at
once, its throughput and p99. Targets (issue 16): /api/me stateless ≥ 0.6 ×
the bare route, stateful ≥ 0.5 ×.

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
from common import (
    Server,
    admin,
    banner,
    bare_process,
    cpu_seconds,
    login,
    median,
    percentile,
    quick_mode,
    record,
    server_process,
    server_stack,
)

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


async def _refresh_load(url: str, seconds: float) -> tuple[float, list[float]]:
    """The refresh grant under 16 connections: each its own session, chaining its
    rotated refresh tokens (a replay would be reuse). Requests/s and latencies."""
    latencies: list[float] = []
    # Signed in first (a password hash each), so the clock counts refreshes only.
    tokens = [login(url, device_id=f"refresh-{i}")["refresh_token"] for i in range(CONNECTIONS)]
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(
        base_url=url, limits=httpx.Limits(max_connections=CONNECTIONS)
    ) as client:

        async def worker(i: int) -> None:
            refresh = tokens[i]
            while time.perf_counter() < stop:
                started = time.perf_counter()
                answer = await client.post(
                    "/oauth/token",
                    data={
                        "grant_type": "refresh_token",
                        "refresh_token": refresh,
                        "client_id": "jwt-device-lab",
                    },
                )
                if answer.status_code != 200:
                    raise RuntimeError(f"refresh answered {answer.status_code}: {answer.text}")
                latencies.append(time.perf_counter() - started)
                refresh = answer.json()["refresh_token"]

        start = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(CONNECTIONS)))
        return len(latencies) / (time.perf_counter() - start), latencies


def main() -> None:
    quick = quick_mode()
    rounds, seconds = (4, 2) if quick else (8, 3)
    generator = "wrk" if shutil.which("wrk") else "httpx (install wrk for a lighter load generator)"
    stack = server_stack()
    banner(
        f"API throughput — 1 uvicorn worker ({stack['http']}, {stack['loop']}), "
        f"{CONNECTIONS} connections, {generator}"
    )
    names = ("bare", "healthz", "stateless", "stateful")
    with (
        bare_process() as bare,
        server_process("--access-ttl", "86400", "--refresh-ttl", "86400") as url,
    ):
        token = login(url)["access_token"]
        load(f"{url}/api/me", 1, token)  # warm up: imports, caches
        load(f"{bare}/hello", 1, None)
        runs: dict[str, list[float]] = {name: [] for name in names}
        cpu: dict[str, list[float]] = {name: [] for name in names}

        def measure(name: str, server: Server, path: str, bearer: str | None) -> None:
            before = cpu_seconds(server.pid)
            rps = load(f"{server}{path}", seconds, bearer)
            runs[name].append(rps)
            cpu[name].append((cpu_seconds(server.pid) - before) / (rps * seconds) * 1e6)

        for _ in range(rounds):
            measure("bare", bare, "/hello", None)
            measure("healthz", url, "/healthz", None)
            for mode in ("stateless", "stateful"):
                admin(url, "PATCH", "/admin/settings", {"verify_mode": mode})
                measure(mode, url, "/api/me", token)
        refresh_rps, latencies = asyncio.run(_refresh_load(url, seconds * 2))
    ceiling = median(runs["bare"])
    cpu_ceiling = median(cpu["bare"])
    figures: dict[str, object] = {
        "generator": generator.split()[0],
        **stack,
        "connections": CONNECTIONS,
        "rounds": rounds,
        "bare_rps": round(ceiling),
        "bare_cpu_us": round(cpu_ceiling, 1),
        "refresh_rps": round(refresh_rps),
        "refresh_p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "refresh_p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "targets": {"stateless_ratio": 0.6, "stateful_ratio": 0.5},
    }
    for name in names[1:]:
        figures[f"{name}_rps"] = round(median(runs[name]))
        figures[f"{name}_ratio"] = round(median(runs[name]) / ceiling, 3)
        # The server's CPU per request: steadier than throughput on a shared machine.
        figures[f"{name}_cpu_us"] = round(median(cpu[name]), 1)
        figures[f"{name}_cpu_ratio"] = round(cpu_ceiling / median(cpu[name]), 3)
    print(
        f"  bare route (ceiling) {figures['bare_rps']:>7} req/s   "
        f"{figures['bare_cpu_us']:>6} µs server CPU/request"
    )
    for name, target in (("healthz", None), ("stateless", 0.6), ("stateful", 0.5)):
        path = "/healthz " if name == "healthz" else f"/api/me  {name:<10}"
        goal = f" (target ≥ {target:.2f})" if target else ""
        print(
            f"  {path} {figures[f'{name}_rps']:>7} req/s   "
            f"{figures[f'{name}_cpu_us']:>6} µs server CPU/request   "
            f"{figures[f'{name}_ratio']:.2f}× the bare route by throughput, "
            f"{figures[f'{name}_cpu_ratio']:.2f}× by CPU{goal}"
        )
    print(
        f"  refresh grant        {figures['refresh_rps']:>7} req/s   "
        f"p50 {figures['refresh_p50_ms']} ms, p99 {figures['refresh_p99_ms']} ms "
        f"({CONNECTIONS} sessions rotating at once)"
    )
    record("api_throughput", figures)


if __name__ == "__main__":
    sys.exit(main())
