"""A real ``redis-server`` for the tests (Debian's, installed by ``.ci/run``):
started on a free loopback port with a temporary directory, append-only file on,
stopped and started again on the same data when a test needs a restart.

No fake Redis anywhere: the cross-process guarantees are about what this
server does with several clients at once.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_server_binary() -> str:
    """The ``redis-server`` command; skipped without one (a failure under CI)."""
    found = shutil.which("redis-server")
    if found is None:
        reason = "redis-server is missing: the Redis tests need it (Debian: redis-server)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


class RedisServer:
    """One ``redis-server`` process; ``url`` names database 0 of it."""

    def __init__(self, directory: Path, *, appendonly: bool = True) -> None:
        self.directory = directory
        self.port = _free_port()
        self.appendonly = appendonly
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                "--appendonly",
                "yes" if self.appendonly else "no",
                "--appendfsync",
                "always",
                "--daemonize",
                "no",
                "--loglevel",
                "notice",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self._process.stdout is not None
        seen = []
        for line in self._process.stdout:  # its log, until it says it is ready
            seen.append(line.decode(errors="replace"))
            if b"Ready to accept connections" in line:
                break
        else:
            raise RuntimeError(f"redis-server did not start: {''.join(seen)[-2000:]}")
        # The rest of its log is drained, so the pipe never fills.
        self._drain = threading.Thread(target=self._process.stdout.read, daemon=True)
        self._drain.start()
        return self

    def stop(self) -> None:
        """Stop it (SIGTERM: with appendfsync always, nothing written is lost)."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            process.wait(10)
        self._drain.join(5)
        if process.stdout is not None:
            process.stdout.close()

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as conn:
            conn.sendall(b"FLUSHALL\r\n")
            assert conn.recv(16).startswith(b"+OK")

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
