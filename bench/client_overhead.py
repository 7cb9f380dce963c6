"""4. Client overhead: API calls through a device's auth flow vs plain httpx with a
fixed bearer header, against the same in-process server — and Authlib's
AsyncOAuth2Client as a peer. Target: the device ≤ 1.10 × plain httpx.

    python bench/client_overhead.py [--quick]
"""

from __future__ import annotations

import asyncio
import sys
import time
import warnings
from collections.abc import Awaitable, Callable

import httpx
from common import banner, median, quick_mode, record

from client import Device, DeviceConfig, MemoryTokenStore
from mock_server import Settings, VirtualClock, create_app

URL = "http://bench.lab"


async def per_call(call: Callable[[], Awaitable[httpx.Response | object]], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await call()
    return (time.perf_counter() - start) / n * 1e6


async def run(n: int, rounds: int) -> dict[str, float]:
    app = create_app(
        Settings(
            issuer=URL, password_profile="fast", access_ttl=86400, refresh_ttl=86400, admin_key="k"
        ),
        clock=VirtualClock(),
    )
    device = Device(
        DeviceConfig("bench", "pc", "Bench", "alice", URL, refresh_margin=5),
        store=MemoryTokenStore(),
        transport=httpx.ASGITransport(app=app),
    )
    await device.login("alice-pass")
    assert device.tokens is not None
    token = device.tokens.access_token
    plain = httpx.AsyncClient(
        base_url=URL,
        transport=httpx.ASGITransport(app=app),
        headers={"Authorization": f"Bearer {token}"},
    )
    with warnings.catch_warnings():
        from authlib.deprecate import AuthlibDeprecationWarning

        warnings.simplefilter("ignore", AuthlibDeprecationWarning)
        from authlib.integrations.httpx_client import AsyncOAuth2Client
    authlib = AsyncOAuth2Client(
        client_id="jwt-device-lab",
        token_endpoint_auth_method="none",
        token_endpoint=f"{URL}/oauth/token",
        leeway=5,
        base_url=URL,
        transport=httpx.ASGITransport(app=app),
    )
    authlib.token = {
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": 86400,
        "refresh_token": device.tokens.refresh_token,
        "expires_at": time.time() + 86400,
    }

    async def via_device() -> object:
        result = await device.call("/api/me")
        assert result.ok
        return result

    async def via_plain() -> object:
        response = await plain.get("/api/me")
        assert response.status_code == 200
        return response.json()  # the device reads the body too

    async def via_authlib() -> object:
        response = await authlib.get("/api/me")
        assert response.status_code == 200
        return response.json()

    calls = {"plain": via_plain, "device": via_device, "authlib": via_authlib}
    for fn in calls.values():
        await per_call(fn, 100)  # warm up
    # Small interleaved batches in a rotating order, so drift (GC, caches, the
    # other core's load) falls on every client alike.
    runs: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    for i in range(rounds * (n // 50)):
        for name in names[i % 3 :] + names[: i % 3]:
            runs[name].append(await per_call(calls[name], 50))
    await device.close()
    await plain.aclose()
    await authlib.aclose()
    return {name: median(values) for name, values in runs.items()}


def main() -> None:
    n, rounds = (300, 3) if quick_mode() else (1500, 5)
    banner("Client overhead (µs per API call, same in-process server)")
    result = asyncio.run(run(n, rounds))
    plain = result["plain"]
    for name, label in (
        ("plain", "plain httpx, fixed bearer"),
        ("device", "device auth flow"),
        ("authlib", "Authlib AsyncOAuth2Client"),
    ):
        print(f"  {label:<28} {result[name]:>7.1f} µs   {result[name] / plain:.2f}× plain")
    print("  target: device ≤ 1.10× plain")
    record(
        "client_overhead",
        {
            "plain_us": round(plain, 1),
            "device_us": round(result["device"], 1),
            "authlib_us": round(result["authlib"], 1),
            "device_ratio": round(result["device"] / plain, 3),
            "authlib_ratio": round(result["authlib"] / plain, 3),
            "target_device_ratio": 1.10,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
