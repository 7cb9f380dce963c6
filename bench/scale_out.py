"""Beyond one process (issue 16): the auth server on SQLite in one process
against the same server on a shared Redis with 1 and with 2 uvicorn workers,
in one run, beside the bare Starlette route (the stack's ceiling):

- /api/me with a valid token, stateless and stateful (16 connections, wrk or
  httpx; alternating rounds, medians);
- the refresh grant (16 sessions rotating at once, an httpx generator);
- 10,000 devices in two client processes (bench/scale_client.py) against two
  workers on Redis, for a minute of virtual time (the workers share the
  virtual clock through Redis): errors must be 0;
- Redis memory per session (MEMORY USAGE of the lab's keys around a batch of
  sign-ins, each refreshed a few times: its record, indexes, refresh lineage
  and, for a while, its grace answers).

A redis-server is started here (Debian: redis-server); without one the bench
says so and records nothing.

    python bench/scale_out.py [--quick]
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from api_throughput import CONNECTIONS, _refresh_load, load
from common import (
    ADMIN_KEY,
    Server,
    _served,
    admin,
    banner,
    bare_process,
    free_port,
    login,
    median,
    percentile,
    quick_mode,
    record,
)

HERE = Path(__file__).resolve().parent
SESSIONS_FOR_MEMORY = 200
REFRESHES_EACH = 3


@contextmanager
def redis_server() -> Iterator[tuple[str, int]]:
    """A redis-server of its own (no persistence: memory is what is measured)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", directory,
             "--save", "", "--appendonly", "no", "--loglevel", "notice"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        assert process.stdout is not None
        for line in process.stdout:
            if b"Ready to accept connections" in line:
                break
        threading.Thread(target=process.stdout.read, daemon=True).start()  # drained
        try:
            yield f"redis://127.0.0.1:{port}/0", port
        finally:
            process.terminate()
            process.wait(10)


def keys_bytes(url: str) -> int:
    """What the lab's keys take in Redis (MEMORY USAGE of each, summed): the
    allocator's own ups and downs left out."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        total = 0
        for key in client.scan_iter(match="jwt-lab:*", count=1000):
            total += int(client.memory_usage(key, samples=0) or 0)  # type: ignore[arg-type]
        return total
    finally:
        client.close()


@contextmanager
def serve(*args: str) -> Iterator[Server]:
    port = free_port()
    command = [
        *(sys.executable, "-m", "client", "serve", "--port", str(port)),
        *("--admin-key", ADMIN_KEY, "--log-level", "warning"),
        *("--access-ttl", "86400", "--refresh-ttl", "86400", *args),
    ]
    with _served(command, port, "/healthz", "the server") as url:
        yield url


def memory_per_session(url: str, redis_url: str) -> float:
    """Bytes of Redis memory per session (its record, indexes, refresh lineage)."""
    before = keys_bytes(redis_url)
    for i in range(SESSIONS_FOR_MEMORY):
        tokens = login(url, device_id=f"memory-{i}")
        for _ in range(REFRESHES_EACH):
            tokens = httpx.post(
                f"{url}/oauth/token",
                data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            ).json()
    after = keys_bytes(redis_url)
    return (after - before) / SESSIONS_FOR_MEMORY


def device_run(redis_url: str, devices: int, clients: int = 2) -> dict[str, object]:
    """``devices`` simulated devices in ``clients`` processes (bench/scale_client.py)
    against two workers on Redis, for a minute of virtual time: a call per
    device every 10 s, refreshing as 30 s access tokens run out."""
    with serve(
        "--store", redis_url, "--workers", "2", "--virtual-clock", "--password-profile", "fast",
        "--login-policy", "multi", "--access-ttl", "30", "--refresh-ttl", "3600",
        "--login-max-failures-per-address", "1000000",
    ) as url:  # fmt: skip
        now = admin(url, "GET", "/admin/clock")["now"]
        share = devices // clients
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    str(HERE / "scale_client.py"),
                    url,
                    str(share),
                    str(i * share),
                    str(now),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=HERE,
            )
            for i in range(clients)
        ]

        def ask(command: str) -> list[dict[str, object]]:
            for process in processes:
                assert process.stdin is not None
                process.stdin.write(command + "\n")
                process.stdin.flush()
            answers = []
            for process in processes:
                assert process.stdout is not None
                answers.append(json.loads(process.stdout.readline()))
            return answers

        try:
            started = time.perf_counter()
            logins = ask("login")
            login_seconds = time.perf_counter() - started
            steps = []
            for _ in range(6):
                admin(url, "POST", "/admin/clock/advance", {"seconds": 10})
                time.sleep(0.2)  # the other worker hears of it over pub/sub
                steps.append(ask("advance 10"))
            total = time.perf_counter() - started
        finally:
            for process in processes:
                assert process.stdin is not None
                process.stdin.close()
                process.wait(60)
    calls = sum(int(a["calls"]) for step in steps for a in step)  # type: ignore[call-overload]
    errors = sum(int(a["errors"]) for step in steps for a in step)  # type: ignore[call-overload]
    errors += sum(int(a["errors"]) for a in logins)  # type: ignore[call-overload]
    first_error = next((a["first_error"] for step in steps for a in step if a["first_error"]), None)
    return {
        "devices": devices,
        "client_processes": clients,
        "workers": 2,
        "calls": calls,
        "errors": errors,
        "first_error": first_error,
        "login_seconds": round(login_seconds, 1),
        "seconds": round(total, 1),
    }


def main() -> int:
    if shutil.which("redis-server") is None:
        print("scale_out: redis-server is not installed here (Debian: redis-server); skipped")
        return 0
    quick = quick_mode()
    if "--devices-only" in sys.argv:  # the device run alone, into the last results
        with redis_server() as (redis_url, _):
            run = device_run(redis_url, 1_000 if quick else 10_000)
        print(json.dumps(run))
        data = json.loads((HERE / "results.json").read_text())
        figures = data["benchmarks"].get("scale_out", {})
        record("scale_out", {**figures, "devices_run": run})
        return 0
    rounds, seconds = (2, 2) if quick else (4, 3)
    banner(
        f"Scaling out — SQLite (1 process) vs Redis (1 and 2 workers), {CONNECTIONS} "
        "connections, same uvicorn and flags"
    )
    names = ("sqlite", "redis-1", "redis-2")
    with ExitStack() as stack:
        bare = stack.enter_context(bare_process())
        redis_url, _ = stack.enter_context(redis_server())
        servers = {
            "sqlite": stack.enter_context(serve("--db", ":memory:")),
            "redis-1": stack.enter_context(serve("--store", redis_url)),
            "redis-2": stack.enter_context(
                serve("--store", redis_url.replace("/0", "/1"), "--workers", "2")
            ),
        }
        # First, on a quiet database: what a session costs in Redis.
        memory = memory_per_session(servers["redis-1"], redis_url)
        tokens = {name: login(url)["access_token"] for name, url in servers.items()}
        for name, url in servers.items():
            load(f"{url}/api/me", 1, tokens[name])  # warm up
        bare_rps: list[float] = []
        modes = ("stateless", "stateful")
        rps: dict[str, list[float]] = {f"{n}:{m}": [] for n in names for m in modes}
        for _ in range(rounds):
            bare_rps.append(load(f"{bare}/hello", seconds, None))
            for mode in ("stateless", "stateful"):
                for name, url in servers.items():
                    admin(url, "PATCH", "/admin/settings", {"verify_mode": mode})
                    if name == "redis-2":  # the other worker hears it over pub/sub
                        time.sleep(0.2)
                    rps[f"{name}:{mode}"].append(load(f"{url}/api/me", seconds, tokens[name]))
        refresh = {
            name: asyncio.run(_refresh_load(url, seconds * 2)) for name, url in servers.items()
        }
        # The other servers stand idle meanwhile.
        run = device_run(redis_url.replace("/0", "/2"), 1_000 if quick else 10_000)
    ceiling = median(bare_rps)
    print(f"  bare route (ceiling) {ceiling:8.0f} req/s")
    rows = []
    for name in names:
        refresh_rps, latencies = refresh[name]
        stateless, stateful = median(rps[f"{name}:stateless"]), median(rps[f"{name}:stateful"])
        row: dict[str, object] = {
            "server": name,
            "stateless_rps": round(stateless),
            "stateful_rps": round(stateful),
            "stateless_vs_bare": round(stateless / ceiling, 2),
            "stateful_vs_bare": round(stateful / ceiling, 2),
            "refresh_rps": round(refresh_rps),
            "refresh_p99_ms": round(percentile(latencies, 99) * 1000, 1),
        }
        rows.append(row)
        print(
            f"  {name:<8} /api/me stateless {row['stateless_rps']:6} req/s "
            f"({row['stateless_vs_bare']:.2f}× bare), stateful {row['stateful_rps']:6} req/s "
            f"({row['stateful_vs_bare']:.2f}× bare); refresh {row['refresh_rps']:5} req/s, "
            f"p99 {row['refresh_p99_ms']} ms"
        )
    print(
        f"  {run['devices']} devices in {run['client_processes']} client processes against 2 "
        f"workers on Redis, a minute of virtual time: {run['calls']} calls, {run['errors']} "
        f"errors, {run['seconds']} s ({run['login_seconds']} s of sign-ins)"
        + (f"; first error: {run['first_error']}" if run["first_error"] else "")
    )
    print(
        f"  Redis memory per session: {memory / 1024:.1f} KiB "
        f"({SESSIONS_FOR_MEMORY} sessions, {REFRESHES_EACH} refreshes each)"
    )
    record(
        "scale_out",
        {
            "rows": rows,
            "bare_rps": round(ceiling),
            "redis_bytes_per_session": round(memory),
            "devices_run": run,
            "connections": CONNECTIONS,
            "cores": os.cpu_count(),
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
