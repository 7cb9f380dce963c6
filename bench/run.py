"""Run every benchmark (make bench), then write bench/README.md's results table.

python bench/run.py [--quick]      (--quick: under two minutes)
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = (
    "api_throughput",
    "cost_comparison",
    "signatures",
    "client_overhead",
    "dpop",
    "revocation",
    "scale_out",
    "single_flight",
    "scale",
    "gui",
    "scenarios",
)


def main() -> int:
    args = [a for a in sys.argv[1:] if a == "--quick"]
    started = time.perf_counter()
    failed = []
    for name in BENCHMARKS:
        result = subprocess.run([sys.executable, str(HERE / f"{name}.py"), *args], cwd=HERE)
        if result.returncode != 0:
            failed.append(name)
    print(
        f"\nall benchmarks: {time.perf_counter() - started:.0f} s"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    write_table()
    return 1 if failed else 0


def write_table() -> None:
    """Regenerate the results section of bench/README.md from results.json."""
    data = json.loads((HERE / "results.json").read_text())
    b, m = data["benchmarks"], data["machine"]
    lines = [
        f"Measured on {m['cores']} cores, Python {m['python']}, {m['platform']}"
        f"{', load from wrk' if m['wrk'] else ', load from httpx'}.",
        "",
        "| benchmark | figure | target | met |",
        "| --- | --- | --- | --- |",
    ]

    def row(name: str, figure: str, target: str, met: bool | None) -> None:
        lines.append(
            f"| {name} | {figure} | {target} | {'—' if met is None else ('yes' if met else 'no')} |"
        )

    if "api_throughput" in b:
        a = b["api_throughput"]
        if "bare_rps" in a:
            stack = f"{a.get('http', '?')} + {a.get('loop', '?')}"
            row(
                "the stack's ceiling",
                f"a bare Starlette route: {a['bare_rps']} req/s, {a['bare_cpu_us']} µs server "
                f"CPU/request (uvicorn, one worker, {stack})",
                "—",
                None,
            )
            for name, target in (("healthz", None), ("stateless", 0.6), ("stateful", 0.5)):
                label = "/healthz" if name == "healthz" else f"API, {name}"
                row(
                    label,
                    f"{a[f'{name}_rps']} req/s = {a[f'{name}_ratio']:.2f}× the bare route "
                    f"({a['bare_rps']} req/s); by server CPU {a[f'{name}_cpu_ratio']:.2f}×",
                    f"≥ {target:.2f}×" if target else "—",
                    None if target is None else a[f"{name}_ratio"] >= target,
                )
            row(
                "refresh grant",
                f"{a['refresh_rps']} req/s (16 sessions rotating at once), p50 "
                f"{a['refresh_p50_ms']} ms / p99 {a['refresh_p99_ms']} ms; the bare route "
                f"{a['bare_rps']} req/s",
                "reported",
                None,
            )
    if "cost_comparison" in b:
        for key, label in (
            ("stateless_JWT", "stateless JWT"),
            ("stateful_JWT", "stateful JWT"),
            ("server_side_session", "server-side session"),
        ):
            c = b["cost_comparison"][key]
            bare = f"; {c['vs_bare_route']:.2f}× the bare route" if "vs_bare_route" in c else ""
            row(
                f"cost: {label}",
                f"{c['cpu_us_per_request']} µs CPU/request, "
                f"{c['throughput_vs_stateless']:.2f}× stateless throughput{bare}",
                "—",
                None,
            )
    if "signatures" in b:
        for alg, s in b["signatures"].items():
            if not isinstance(s, dict):
                continue
            row(
                f"{alg}",
                f"sign {s['sign_us']} µs (PyJWT {s['sign_pyjwt_us']}), verify "
                f"{s['verify_us']} µs (PyJWT {s['verify_pyjwt_us']})",
                "—",
                None,
            )
    if "client_overhead" in b:
        c = b["client_overhead"]
        row(
            "client: device vs plain httpx",
            f"{c['device_ratio']:.2f}× ({c['device_us']} vs "
            f"{c['plain_us']} µs/call); Authlib {c['authlib_ratio']:.2f}×",
            "≤ 1.10×",
            c["device_ratio"] <= 1.10,
        )
    if "dpop" in b:
        d = b["dpop"]
        for key, label in (("dpop_es256", "ES256"), ("dpop_ed25519", "Ed25519")):
            row(
                f"DPoP ({label}) vs Bearer, server",
                f"{d[f'{key}_rps']} vs {d['bearer_rps']} req/s = {d[f'{key}_ratio']:.2f}×"
                + (f" (the bare route {d['bare_rps']} req/s); " if "bare_rps" in d else "; ")
                + f"{d[f'{key}_cpu_us']} vs {d['bearer_cpu_us']} µs CPU/request; a proof check "
                f"{d[f'{key}_proof_check_us']} µs, its signature {d[f'{key}_signature_us']} µs",
                "≥ 0.75×",
                d[f"{key}_ratio"] >= 0.75,
            )
            row(
                f"DPoP ({label}) vs Bearer, client",
                f"{d[f'{key}_client_us']} vs {d['bearer_client_us']} µs/call = "
                f"{d[f'{key}_client_ratio']:.2f}×; a proof {d[f'{key}_proof_making_us']} µs, "
                f"its signature {d[f'{key}_signing_us']} µs",
                "≤ 1.30×",
                d[f"{key}_client_ratio"] <= 1.30,
            )
    if "revocation" in b:
        rv = b["revocation"]
        for r in rv["rows"]:
            window = (
                f"until exp (≤ {rv['access_ttl']} s)"
                if r["mode"] == "stateless"
                else f"red window p50/p99 {r['red_window_idle_p50_ms']}/"
                f"{r['red_window_idle_p99_ms']} ms idle, {r['red_window_load_p50_ms']}/"
                f"{r['red_window_load_p99_ms']} ms under load"
            )
            target, met = "—", None
            if r["mode"] == "denylist":
                target = "≥ 0.90× stateless; p99 < 100 ms idle, < 500 ms loaded"
                met = (
                    r["vs_stateless"] >= 0.9
                    and r["red_window_idle_p99_ms"] < 100
                    and r["red_window_load_p99_ms"] < 500
                )
            row(
                f"API of its own: {r['api']}",
                f"{r['requests_per_second']} req/s = {r['vs_stateless']:.2f}× stateless"
                + (
                    f", {r['vs_bare_route']:.2f}× the bare route; "
                    if "vs_bare_route" in r
                    else "; "
                )
                + f"{r['cpu_us_per_request_api']} + {r['cpu_us_per_request_auth']} µs CPU/request "
                f"(API + auth server); {window} ({rv['revocations']} revocations)",
                target,
                met,
            )
    if "single_flight" in b:
        rows = b["single_flight"]["rows"]
        row(
            "single flight",
            ", ".join(
                f"{r['calls']} calls → {r['refreshes']} refresh in {r['seconds'] * 1000:.0f} ms"
                for r in rows
            ),
            "1 refresh each",
            all(r["refreshes"] == 1 and r["failures"] == 0 for r in rows),
        )
    if "scale_out" in b:
        so = b["scale_out"]
        for r in so["rows"]:
            row(
                f"scale out: {r['server']}",
                f"/api/me stateless {r['stateless_rps']} req/s ({r['stateless_vs_bare']}× the "
                f"bare route {so['bare_rps']}), stateful {r['stateful_rps']} req/s "
                f"({r['stateful_vs_bare']}×); refresh {r['refresh_rps']} req/s, "
                f"p99 {r['refresh_p99_ms']} ms",
                "reported",
                None,
            )
        if "devices_run" in so:
            d = so["devices_run"]
            row(
                f"scale out: {d['devices']} devices",
                f"{d['client_processes']} client processes, 2 workers on Redis, a minute of "
                f"virtual time: {d['calls']} calls, {d['errors']} errors in {d['seconds']} s",
                "0 errors",
                d["errors"] == 0,
            )
        row(
            "scale out: Redis memory",
            f"{so['redis_bytes_per_session'] / 1024:.1f} KiB per session (with its lineage)",
            "reported",
            None,
        )
    if "scale" in b:
        for r in b["scale"]["rows"]:
            row(
                f"scale: {r['devices']} devices",
                f"{r['errors']} errors, refresh p50 "
                f"{r['refresh_p50_ms']} ms / p99 {r['refresh_p99_ms']} ms, "
                f"{r['memory_per_device_kb']} KB/device"
                + (
                    f"; {r['listening']} notification streams open, a forced expiry told "
                    f"{r['told']} of them in {r['all_told_ms']} ms"
                    if "told" in r
                    else ""
                ),
                "0 errors",
                r["errors"] == 0,
            )
    if "gui" in b:
        g = b["gui"]
        row(
            "GUI: 50 devices ticking",
            f"stall p99 {g['stall_p99_ms']} ms (max {g['stall_max_ms']}), "
            f"{g['cpu_percent_of_one_core']} % CPU",
            "p99 < 16 ms",
            g["stall_p99_ms"] < 16,
        )
        row("GUI: launch to window", f"{g['launch_seconds']} s", "< 2 s", g["launch_seconds"] < 2)
    if "scenarios" in b:
        s = b["scenarios"]
        row("scenario library", f"{s['seconds']} s ({s['summary']})", "< 10 s", s["seconds"] < 10)
    readme = HERE / "README.md"
    text = readme.read_text()
    start, end = "<!-- results -->", "<!-- /results -->"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    readme.write_text(f"{head}{start}\n" + "\n".join(lines) + f"\n{end}{tail}")
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
