"""One TLS context for every HTTP client of the lab.

Each ``httpx.AsyncClient`` would otherwise build its own, loading the system's
CA bundle again (~30 ms and a few hundred KB each): with 50 devices that is
seconds at start-up and megabytes of memory for contexts that are identical.
"""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """httpx's default verifying context, built once per process."""
    return httpx.create_ssl_context()
