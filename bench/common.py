"""Shared helpers for the benchmarks: results file, a server process, timing."""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
ADMIN_KEY = "bench-admin-key"


def machine() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "wrk": shutil.which("wrk") is not None,
    }


def record(name: str, figures: dict[str, Any]) -> None:
    """Merge one benchmark's figures into bench/results.json."""
    data: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            data = json.loads(RESULTS.read_text())
        except ValueError:
            data = {}
    data["machine"] = machine()
    data.setdefault("benchmarks", {})[name] = {**figures, "at": time.strftime("%Y-%m-%d %H:%M:%S")}
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server(str):
    """A server's URL that also knows the process serving it."""

    pid: int


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


@contextmanager
def _served(command: list[str], port: int, probe: str, what: str) -> Iterator[Server]:
    """``command`` in a process of its own, until ``probe`` answers 200; its URL."""
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    url = Server(f"http://127.0.0.1:{port}")
    url.pid = process.pid
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}{probe}", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{what} did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def server_process(*args: str) -> Iterator[Server]:
    """``jwt-lab serve`` in its own process (one uvicorn worker), yielding its URL."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "client", "serve", "--port", str(port), "--db", ":memory:"),
        *("--admin-key", ADMIN_KEY, "--log-level", "warning", *args),
    ]
    with _served(command, port, "/healthz", "the server") as url:
        yield url


@contextmanager
def bare_process() -> Iterator[Server]:
    """bench/bare_app.py in its own process: the bare route's URL (…/hello)."""
    port = free_port()
    command = [sys.executable, str(ROOT / "bench" / "bare_app.py"), str(port)]
    with _served(command, port, "/hello", "the bare app") as url:
        yield url


def server_stack() -> dict[str, str]:
    """What serves HTTP here: uvicorn's parser and loop, as `auto` picks them."""
    import importlib.util

    return {
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
    }


def login(url: str, user: str = "alice", device_id: str = "bench") -> dict[str, Any]:
    response = httpx.post(
        f"{url}/oauth/token",
        data={
            "grant_type": "password",
            "username": user,
            "password": f"{user}-pass",
            "client_id": "jwt-device-lab",
            "device_id": device_id,
            "device_type": "pc",
        },
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def admin(url: str, method: str, path: str, json_body: Any = None) -> Any:
    response = httpx.request(
        method, f"{url}{path}", json=json_body, headers={"X-Admin-Key": ADMIN_KEY}
    )
    response.raise_for_status()
    return response.json()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def quick_mode() -> bool:
    return "--quick" in sys.argv


def banner(title: str) -> None:
    print(f"\n== {title} ==", flush=True)
