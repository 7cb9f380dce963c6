"""2. The seed's cost comparison, per request on the same server.

Stateless JWT (signature and claims), stateful JWT (plus a session check) and a
classic server-side session (an opaque id looked up in the database on every
request). Reports throughput, the server's CPU time per request, and ratios.

    python bench/cost_comparison.py [--quick]
"""

from __future__ import annotations

import sys

import httpx
from api_throughput import load
from common import (
    admin,
    banner,
    bare_process,
    cpu_seconds,
    login,
    quick_mode,
    record,
    server_process,
)


def measure(server, path: str, header: str, seconds: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(requests per second, server CPU microseconds per request)."""
    before = cpu_seconds(server.pid)
    rps = load(f"{server}{path}", seconds, None, header)
    used = cpu_seconds(server.pid) - before
    return rps, used / (rps * seconds) * 1e6


def main() -> None:
    seconds = 2 if quick_mode() else 5
    banner("Cost per request: stateless JWT vs stateful JWT vs server-side session")
    with (
        bare_process() as bare,
        server_process("--access-ttl", "86400", "--refresh-ttl", "86400") as server,
    ):
        token = login(server)["access_token"]
        session = httpx.post(
            f"{server}/classic/login", data={"username": "alice", "password": "alice-pass"}
        ).json()["session_id"]
        bearer, classic = f"Bearer {token}", f"Session {session}"
        load(f"{server}/api/me", 1, None, bearer)
        load(f"{server}/classic/me", 1, None, classic)
        rows = {}
        load(f"{bare}/hello", 1, None)
        ceiling = measure(bare, "/hello", "", seconds)  # the stack's own, same run
        for name, path, header, mode in (
            ("stateless JWT", "/api/me", bearer, "stateless"),
            ("stateful JWT", "/api/me", bearer, "stateful"),
            ("server-side session", "/classic/me", classic, None),
        ):
            if mode:
                admin(server, "PATCH", "/admin/settings", {"verify_mode": mode})
            rows[name] = measure(server, path, header, seconds)
    base_rps, base_cpu = rows["stateless JWT"]
    print(
        f"  {'bare route (ceiling)':<20} {ceiling[0]:>7.0f} req/s   {ceiling[1]:>6.0f} µs CPU/request"
    )
    figures: dict[str, object] = {
        "bare_route": {"rps": round(ceiling[0]), "cpu_us_per_request": round(ceiling[1], 1)}
    }
    for name, (rps, cpu) in rows.items():
        print(
            f"  {name:<20} {rps:>7.0f} req/s   {cpu:>6.0f} µs CPU/request   "
            f"{rps / base_rps:.2f}× the throughput, {cpu / base_cpu:.2f}× the CPU of stateless"
        )
        figures[name.replace(" ", "_").replace("-", "_")] = {
            "rps": round(rps),
            "cpu_us_per_request": round(cpu, 1),
            "throughput_vs_stateless": round(rps / base_rps, 3),
            "cpu_vs_stateless": round(cpu / base_cpu, 3),
            "vs_bare_route": round(rps / ceiling[0], 3),
        }
    print(
        "  (the session lookup is an in-process SQLite query; a networked session store adds a round trip)"
    )
    record("cost_comparison", figures)


if __name__ == "__main__":
    sys.exit(main())
