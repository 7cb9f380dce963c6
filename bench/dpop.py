"""9. What DPoP (RFC 9449) costs, next to Bearer, in one run.

Server: /api/me with a Bearer token and with a DPoP-bound token plus a fresh
proof on every request (ES256 and Ed25519 keys), over real HTTP on one uvicorn
worker, rounds alternating. Proofs are made before each round (a proof is good
once, so a load generator cannot repeat one header), and the same generator —
wrk with a Lua script, or httpx — sends both kinds, so only the server differs.
Target: DPoP ≥ 0.75× the Bearer throughput. Next to it, what one proof check
costs alone and how much of that is the signature check — the part no server
code can save, as every proof is new.

Client: an API call through a device's auth flow, Bearer vs DPoP, with the API
answered by a fixed response in-process (sign-in goes to the real server), so
the figure is the client's own work: making the proof, hashing the token,
setting the headers. Target: a DPoP call ≤ 1.3× a Bearer call.

    python bench/dpop.py [--quick]
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from api_throughput import CONNECTIONS, load
from common import (
    banner,
    bare_process,
    cpu_seconds,
    login,
    median,
    quick_mode,
    record,
    server_process,
)

from client import Device, DeviceConfig, MemoryTokenStore
from client.dpop import DPoPKey
from contract.jose import JWS
from mock_server import Settings, VirtualClock, create_app, dpop

# One request: the Authorization header from the environment, the next proof
# from the file (none for Bearer). A proof is never sent twice: running out
# stops the round with an error instead of measuring replays.
LUA = """
local proofs, i = {}, 0
local authorization = os.getenv("BENCH_AUTHORIZATION")
function init(args)
  if args[1] then for line in io.lines(args[1]) do proofs[#proofs + 1] = line end end
end
function request()
  local headers = {["Authorization"] = authorization}
  if #proofs > 0 then
    i = i + 1
    if i > #proofs then error("out of proofs") end
    headers["DPoP"] = proofs[i]
  end
  return wrk.format("GET", nil, headers)
end
"""


class Kind:
    """One way of calling: its Authorization header and, for DPoP, its key."""

    def __init__(self, name: str, authorization: str, token: str, key: DPoPKey | None) -> None:
        self.name, self.authorization, self.token, self.key = name, authorization, token, key

    def proofs(self, url: str, count: int) -> list[str]:
        if self.key is None:
            return []
        now = time.time()
        return [self.key.proof("GET", url, now, access_token=self.token) for _ in range(count)]


def _sign_in(url: str, name: str, alg: str | None) -> Kind:
    if alg is None:
        token = login(url, device_id=f"bench-{name}")["access_token"]
        return Kind(name, f"Bearer {token}", token, None)
    key = DPoPKey.generate(alg)
    endpoint = f"{url}/oauth/token"
    answer = httpx.post(
        endpoint,
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": "jwt-device-lab",
            "device_id": f"bench-{name}",
        },
        headers={"DPoP": key.proof("POST", endpoint, time.time())},
    )
    answer.raise_for_status()
    body = answer.json()
    assert body["token_type"] == "DPoP", body
    return Kind(name, f"DPoP {body['access_token']}", body["access_token"], key)


def _wrk(url: str, seconds: float, kind: Kind, proofs: list[str], script: Path) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as listing:
        listing.write("\n".join(proofs))
        listing.flush()
        extra = ["--", listing.name] if proofs else []
        out = subprocess.run(
            ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "-s", str(script), url, *extra],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "BENCH_AUTHORIZATION": kind.authorization},
        ).stdout
    if "Non-2xx" in out or "out of proofs" in out:
        raise RuntimeError(f"errors during the load ({kind.name}): {out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


async def _httpx(url: str, seconds: float, kind: Kind, proofs: list[str]) -> float:
    done = 0
    stop = time.perf_counter() + seconds
    queue = iter(proofs)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=CONNECTIONS)) as client:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                headers = {"Authorization": kind.authorization}
                if kind.key is not None:
                    headers["DPoP"] = next(queue)  # StopIteration: out of proofs
                response = await client.get(url, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"{kind.name}: {response.status_code} {response.text}")
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        return done / (time.perf_counter() - start)


def server_side(quick: bool) -> dict[str, dict[str, float]]:
    rounds, seconds = (3, 2) if quick else (6, 3)
    use_wrk = shutil.which("wrk") is not None
    with (
        bare_process() as bare,
        server_process(
            "--access-ttl", "86400", "--refresh-ttl", "86400", "--dpop-proof-max-age", "3600"
        ) as url,
        tempfile.TemporaryDirectory() as scratch,
    ):
        script = Path(scratch) / "dpop.lua"
        script.write_text(LUA)
        me = f"{url}/api/me"
        kinds = [_sign_in(url, "bearer", None)]
        kinds += [_sign_in(url, "dpop-es256", "ES256"), _sign_in(url, "dpop-ed25519", "Ed25519")]
        budget = 6000 if use_wrk else 2500  # proofs per second of load, more than served

        def measure(kind: Kind, secs: float) -> tuple[float, float]:
            proofs = kind.proofs(me, int(budget * secs))
            before = cpu_seconds(url.pid)
            if use_wrk:
                rps = _wrk(me, secs, kind, proofs, script)
            else:
                rps = asyncio.run(_httpx(me, secs, kind, proofs))
            return rps, (cpu_seconds(url.pid) - before) / (rps * secs) * 1e6

        for kind in kinds:
            measure(kind, 1)  # warm up
        load(f"{bare}/hello", 1, None)
        runs: dict[str, list[tuple[float, float]]] = {k.name: [] for k in kinds}
        runs["bare route"] = []
        for i in range(rounds):
            before = cpu_seconds(bare.pid)
            rps = load(f"{bare}/hello", seconds, None)  # the stack's ceiling, same run
            runs["bare route"].append(
                (rps, (cpu_seconds(bare.pid) - before) / (rps * seconds) * 1e6)
            )
            for kind in kinds[i % 3 :] + kinds[: i % 3]:
                runs[kind.name].append(measure(kind, seconds))
    return {
        name: {
            "rps": median([r for r, _ in values]),
            "cpu_us": median([c for _, c in values]),
        }
        for name, values in runs.items()
    }


def proof_check_us(alg: str, n: int = 500, rounds: int = 7) -> tuple[float, float]:
    """A proof's whole check as the server makes it, and its signature check
    alone — in this process, on one idle core (best of rounds, µs)."""
    key = DPoPKey.generate(alg)
    url, token, now = "http://bench.lab/api/me", "a.b.c", time.time()
    proofs = [key.proof("GET", url, now, access_token=token) for _ in range(n * rounds)]
    replay = dpop.ReplayCache(limit=len(proofs))
    head, body, signature = proofs[0].split(".")
    public = key.private.public_key()
    algorithm = JWS.get_algorithm_by_name(alg)
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    message = f"{head}.{body}".encode()
    whole = alone = float("inf")
    for i in range(rounds):
        start = time.perf_counter()
        for proof in proofs[i * n : (i + 1) * n]:
            dpop.verify_proof(
                proof,
                method="GET",
                url=url,
                now=now,
                max_age=60,
                leeway=5,
                replay=replay,
                access_token=token,
            )
        whole = min(whole, (time.perf_counter() - start) / n * 1e6)
        start = time.perf_counter()
        for _ in range(n):
            assert algorithm.verify(message, public, raw)
        alone = min(alone, (time.perf_counter() - start) / n * 1e6)
    return whole, alone


def proof_making_us(alg: str, n: int = 500, rounds: int = 7) -> tuple[float, float]:
    """Making one proof as a device does, and its signature alone (best of rounds, µs)."""
    key = DPoPKey.generate(alg)
    url, token, now = "http://bench.lab/api/me", "a.b.c", time.time()
    algorithm = JWS.get_algorithm_by_name(alg)
    message = key.proof("GET", url, now, access_token=token).rpartition(".")[0].encode()
    whole = alone = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            key.proof("GET", url, now, access_token=token)
        whole = min(whole, (time.perf_counter() - start) / n * 1e6)
        start = time.perf_counter()
        for _ in range(n):
            algorithm.sign(message, key.private)
        alone = min(alone, (time.perf_counter() - start) / n * 1e6)
    return whole, alone


class FixedApi(httpx.AsyncBaseTransport):
    """The real server for sign-in; /api/me answered at once without it, so a
    call's time is the client's alone (the server's share is measured above)."""

    def __init__(self, app: object) -> None:
        self.real = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self.body: bytes = b'{"user": "alice"}'

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/me":
            return httpx.Response(
                200, content=self.body, headers={"content-type": "application/json"}
            )
        return await self.real.handle_async_request(request)


async def per_call(device: Device, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        result = await device.call("/api/me")
        assert result.ok, result
    return (time.perf_counter() - start) / n * 1e6


async def client_side(quick: bool) -> dict[str, float]:
    n, rounds = (200, 3) if quick else (1000, 5)
    url = "http://bench.lab"
    app = create_app(
        Settings(
            issuer=url, password_profile="fast", access_ttl=86400, refresh_ttl=86400, admin_key="k"
        ),
        clock=VirtualClock(),
    )
    transport = FixedApi(app)
    devices: dict[str, Device] = {}
    for name, bound, alg in (
        ("bearer", False, "ES256"),
        ("dpop-es256", True, "ES256"),
        ("dpop-ed25519", True, "Ed25519"),
    ):
        config = DeviceConfig(name, "pc", name, "alice", url, dpop=bound, dpop_alg=alg)
        device = Device(config, store=MemoryTokenStore(), transport=transport)
        await device.login("alice-pass")
        assert device.tokens is not None and (device.tokens.token_type == "DPoP") == bound
        devices[name] = device
    for device in devices.values():
        await per_call(device, 100)  # warm up
    runs: dict[str, list[float]] = {name: [] for name in devices}
    names = list(devices)
    for i in range(rounds * (n // 50)):
        for name in names[i % 3 :] + names[: i % 3]:
            runs[name].append(await per_call(devices[name], 50))
    for device in devices.values():
        await device.close()
    return {name: median(values) for name, values in runs.items()}


def main() -> None:
    quick = quick_mode()
    generator = "wrk" if shutil.which("wrk") else "httpx (install wrk for a lighter load generator)"
    banner(f"DPoP vs Bearer — server: 1 uvicorn worker, {CONNECTIONS} connections, {generator}")
    server = server_side(quick)
    ceiling = server.pop("bare route")
    print(
        f"  bare route (ceiling)  {ceiling['rps']:>7.0f} req/s   "
        f"{ceiling['cpu_us']:>6.1f} µs server CPU/request, same uvicorn and flags"
    )
    bearer = server["bearer"]
    checks = {"dpop-es256": proof_check_us("ES256"), "dpop-ed25519": proof_check_us("Ed25519")}
    for name, figures in server.items():
        line = (
            f"  /api/me {name:<13} {figures['rps']:>7.0f} req/s   "
            f"{figures['cpu_us']:>6.1f} µs server CPU/request   "
            f"{figures['rps'] / bearer['rps']:.2f}× Bearer by throughput, "
            f"{bearer['cpu_us'] / figures['cpu_us']:.2f}× by CPU; "
            f"{figures['rps'] / ceiling['rps']:.2f}× the bare route"
        )
        print(line)
        if name in checks:
            whole, alone = checks[name]
            print(
                f"    its proof check alone, in process on an idle core: {whole:.0f} µs, "
                f"of which the signature {alone:.0f} µs ({alone / whole:.0%})"
            )
    print("  target: DPoP ≥ 0.75× Bearer")
    banner(
        "DPoP vs Bearer — client: µs per call through the device's auth flow, API answered at once"
    )
    client = asyncio.run(client_side(quick))
    making = {"dpop-es256": proof_making_us("ES256"), "dpop-ed25519": proof_making_us("Ed25519")}
    for name, us in client.items():
        print(f"  {name:<13} {us:>7.1f} µs   {us / client['bearer']:.2f}× Bearer")
        if name in making:
            whole, alone = making[name]
            print(
                f"    making its proof alone: {whole:.0f} µs, of which the signature "
                f"{alone:.0f} µs ({alone / whole:.0%})"
            )
    print("  target: DPoP ≤ 1.30× Bearer")
    figures: dict[str, object] = {
        "generator": generator.split()[0],
        "bare_rps": round(ceiling["rps"]),
    }
    for name, values in server.items():
        key = name.replace("-", "_")
        figures[f"{key}_rps"] = round(values["rps"])
        figures[f"{key}_cpu_us"] = round(values["cpu_us"], 1)
        figures[f"{key}_ratio"] = round(values["rps"] / bearer["rps"], 3)
        figures[f"{key}_cpu_ratio"] = round(bearer["cpu_us"] / values["cpu_us"], 3)
        figures[f"{key}_client_us"] = round(client[name], 1)
        figures[f"{key}_client_ratio"] = round(client[name] / client["bearer"], 3)
        if name in checks:
            figures[f"{key}_proof_check_us"] = round(checks[name][0], 1)
            figures[f"{key}_signature_us"] = round(checks[name][1], 1)
            figures[f"{key}_proof_making_us"] = round(making[name][0], 1)
            figures[f"{key}_signing_us"] = round(making[name][1], 1)
    figures["targets"] = {"server_ratio": 0.75, "client_ratio": 1.3}
    record("dpop", figures)


if __name__ == "__main__":
    sys.exit(main())
