"""``jwt-lab serve`` as a user runs it: a real process on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest


@pytest.mark.subprocess
def test_serve_prints_its_url_and_admin_key_and_serves(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "client",
            "serve",
            "--port",
            "0",
            "--db",
            str(tmp_path / "s.db"),
            "--admin-key",
            "cli-key",
            "--virtual-clock",
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            assert first.startswith("JWT Device Lab mock server on http://127.0.0.1:")
            url = first.rsplit(" ", 1)[1].strip()
            assert "cli-key" in process.stdout.readline()
            assert httpx.get(f"{url}/healthz", timeout=5).text == "ok"
            advanced = httpx.post(
                f"{url}/admin/clock/advance",
                json={"seconds": 5},
                headers={"X-Admin-Key": "cli-key"},
            )
            assert advanced.status_code == 200
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert (tmp_path / "s.db").exists()


@pytest.mark.subprocess
def test_serve_refuses_a_non_loopback_address() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "client", "serve", "--host", "0.0.0.0", "--db", ":memory:"],  # noqa: S104
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr


@pytest.mark.subprocess
def test_serve_rejects_a_bad_policy() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "client",
            "serve",
            "--login-policy",
            "sometimes",
            "--db",
            ":memory:",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "unknown login policy" in result.stderr


def test_every_setting_of_the_contract_is_a_flag_of_both_commands() -> None:
    from client.cli import build_parser
    from contract import SETTINGS
    from mock_server.cli import build_parser as server_parser

    for parse in (
        lambda argv: build_parser().parse_args(["serve", *argv]),
        server_parser().parse_args,
    ):
        defaults = parse([])
        assert {s.name: getattr(defaults, s.name) for s in SETTINGS} == {
            s.name: s.default for s in SETTINGS
        }
        for spec in SETTINGS:
            value = (
                spec.choices[-1] if spec.choices else (spec.maximum if spec.kind is int else "x")
            )
            assert getattr(parse([spec.flag, str(value)]), spec.name) == value, spec.flag
    args = server_parser().parse_args(["--access-ttl", "12", "--sliding"])
    assert (args.access_ttl, args.session_lifetime) == (12, "sliding")


@pytest.mark.subprocess
def test_python_m_mock_server_refuses_an_out_of_range_setting_clearly() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mock_server", "--access-ttl", "0", "--db", ":memory:"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "access_ttl must be between 1 and 31536000 seconds" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_socket_listens_before_uvicorn_serves() -> None:
    """`jwt-lab serve` prints its URL before uvicorn runs: a client that connects at
    once waits in the backlog rather than being refused (it failed under load)."""
    import socket

    from mock_server.runner import bind_socket

    sock = bind_socket("127.0.0.1", 0)
    try:
        with socket.socket() as client:
            assert client.connect_ex(sock.getsockname()) == 0
    finally:
        sock.close()
