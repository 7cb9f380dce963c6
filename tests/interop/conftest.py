"""Interop fixtures: panva's oidc-provider (npm, from the committed lock file) on a
loopback port, started once per module."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

PROVIDER = Path(__file__).resolve().parent / "oidc"


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        reason = f"{tool} is missing: the interop tests need Node.js (Debian: nodejs npm)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[str]:
    """The provider's issuer URL; ``npm ci`` first if its packages are not there."""
    node = _need("node")
    if not (PROVIDER / "node_modules" / "oidc-provider").is_dir():
        npm = _need("npm")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=PROVIDER,
            check=True,
            timeout=300,
        )
    port = _free_port()
    process = subprocess.Popen(
        [node, str(PROVIDER / "server.mjs"), str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        seen = []
        for line in process.stdout:  # its warnings first, then "ready <issuer>"
            seen.append(line)
            if line.startswith("ready "):
                break
        else:
            raise RuntimeError("oidc-provider did not start:\n" + "".join(seen))
        yield line.split(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
