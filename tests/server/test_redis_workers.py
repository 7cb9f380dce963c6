"""``jwt-lab serve --workers 2 --store redis://…``: two uvicorn worker processes
accepting on one port, sharing a real redis-server — what the README's
"Scaling out" command runs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import ADMIN_KEY
from tests.redis_server import RedisServer
from tests.serve_process import ServeProcess
from tests.server.helpers import ADMIN, claims, login

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server(redis_server: RedisServer) -> Iterator[str]:
    serving = ServeProcess(
        "--workers", "2", "--store", redis_server.url, "--admin-key", ADMIN_KEY,
        "--log-level", "warning",
    )  # fmt: skip
    try:
        yield serving.url
    finally:
        serving.stop()


async def test_two_workers_answer_on_one_port(server: str) -> None:
    pids = set()
    for _ in range(40):  # a fresh connection each time: the kernel hands it to either
        async with httpx.AsyncClient(base_url=server, timeout=10) as fresh:
            state = (await fresh.get("/admin/state", headers=ADMIN)).json()
        pids.add(state["process"]["pid"])
        assert state["process"]["store"].startswith("redis://")
        if len(pids) == 2:
            break
    assert len(pids) == 2


async def test_refreshes_racing_over_both_workers_rotate_once(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=10) as http:
        first = await login(http, device_id="workers-phone")

    async def refresh() -> httpx.Response:
        async with httpx.AsyncClient(base_url=server, timeout=10) as fresh:
            return await fresh.post(
                "/oauth/token",
                data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
            )

    answers = await asyncio.gather(*(refresh() for _ in range(24)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["refresh_token"] for a in answers}) == 1
    sid = claims(first["access_token"])["sid"]
    async with httpx.AsyncClient(base_url=server, timeout=10) as http:
        lineage = (await http.get(f"/admin/sessions/{sid}/lineage", headers=ADMIN)).json()
    assert [t["rotated_at"] is not None for t in lineage["tokens"]] == [True, False]


async def test_two_workers_share_one_virtual_clock(redis_server: RedisServer) -> None:
    serving = ServeProcess(
        "--workers", "2", "--store", redis_server.url.replace("/0", "/3"), "--virtual-clock",
        "--admin-key", ADMIN_KEY, "--log-level", "warning",
    )  # fmt: skip
    try:
        async with httpx.AsyncClient(base_url=serving.url, timeout=10) as http:
            start = (await http.get("/admin/clock", headers=ADMIN)).json()["now"]
            moved = await http.post("/admin/clock/advance", json={"seconds": 1000}, headers=ADMIN)
            assert moved.status_code == 200, moved.text
        seen: dict[int, float] = {}
        for _ in range(60):  # fresh connections until both workers have answered
            async with httpx.AsyncClient(base_url=serving.url, timeout=10) as fresh:
                state = (await fresh.get("/admin/state", headers=ADMIN)).json()
            seen[state["process"]["pid"]] = state["clock"]["now"]
            if len(seen) == 2 and all(now >= start + 1000 for now in seen.values()):
                break
            await asyncio.sleep(0.02)  # the other worker hears of it over pub/sub
        assert len(seen) == 2
        assert all(start + 1000 <= now < start + 1001 for now in seen.values()), (start, seen)
    finally:
        serving.stop()


def test_workers_need_a_store_they_can_share(tmp_path: object) -> None:
    import subprocess
    import sys

    answer = subprocess.run(
        [sys.executable, "-m", "mock_server", "--workers", "2", "--db", ":memory:"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert answer.returncode == 2
    assert "--workers needs a store they can share: --store redis://" in answer.stderr
