"""Running the server for real: uvicorn on a loopback socket, in a thread.

    with ServerThread(Settings(), clock=VirtualClock()) as server:
        httpx.get(f"{server.url}/healthz")

The socket is bound before uvicorn starts, so ``port=0`` picks a free port and
``url`` is known at once; the issuer defaults to that URL. uvicorn installs no
signal handlers off the main thread, and ``stop()`` ends it (and any open
event streams) promptly.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import replace
from types import TracebackType
from typing import Any, Self, TypeVar

import uvicorn

from contract import BACKCHANNEL_PATH
from mock_server.api_server import ApiConfig, ResourceServer, create_api_app
from mock_server.app import create_app
from mock_server.clock import Clock
from mock_server.service import AuthService
from mock_server.settings import Settings
from mock_server.store import Store

T = TypeVar("T")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must say TCP: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto is IPPROTO_TCP, and without it Nagle's algorithm meets delayed ACKs
    # and every response waits ~40 ms.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        # Listening from here on: a client that connects as soon as the URL is
        # printed waits in the backlog until uvicorn accepts, instead of being
        # refused (seen under load: `jwt-lab serve` printed before it served).
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class _UvicornThread:
    """An app served by uvicorn on a socket bound beforehand, on a daemon thread:
    start (returns once it accepts connections), run in the foreground, stop."""

    what = "server"  # for the error when it does not start
    _socket: socket.socket
    _server: uvicorn.Server
    _thread: threading.Thread
    url: str

    def _serve_on(self, app: Any, name: str, log_level: str, **options: Any) -> None:
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                log_level=log_level,
                lifespan="on",
                timeout_graceful_shutdown=1,
                access_log=False,
                proxy_headers=False,  # loopback, no proxy in front: skip the header rewriting
                **options,
            )
        )
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"{name}:{self._socket.getsockname()[1]}",
            daemon=True,
        )

    def _closing(self) -> None:
        """What ends before the server does (open event streams)."""

    def start(self, timeout: float = 10.0) -> Self:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the {self.what} on {self.url} did not start")
            time.sleep(0.005)
        return self

    def run(self) -> None:
        """Serve in the calling thread until interrupted (Ctrl-C), as the CLI does."""
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self._closing()
            self._socket.close()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread (open event streams are ended first)."""
        self._closing()
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ServerThread(_UvicornThread):
    """A mock server on a real socket, served by uvicorn on a background thread."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Clock | None = None,
        store: Store | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        issuer: str | None = None,
        seed_demo_users: bool = True,
        log_level: str = "warning",
        sock: socket.socket | None = None,
        resource_servers: Sequence[tuple[str, str, str | None]] = (),
        users: Mapping[str, tuple[str, str | None]] | None = None,
    ) -> None:
        self._socket = sock if sock is not None else bind_socket(host, port)
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown_host}:{self.port}"
        settings = (settings or Settings()).replace(issuer=issuer or self.url)
        self.app = create_app(
            settings,
            clock=clock,
            store=store,
            seed_demo_users=seed_demo_users,
            resource_servers=resource_servers,
            users=users,
        )
        self.service: AuthService = self.app.state.service
        self._serve_on(
            self.app,
            "mock-server",
            log_level,
            # Let an oversized token reach the app, which refuses it with a JSON
            # 401 (token too long) instead of h11's bare "Invalid HTTP request".
            h11_max_incomplete_event_size=2 * 1024 * 1024,
        )

    @property
    def admin_key(self) -> str:
        return self.service.settings.admin_key

    def call(self, fn: Callable[..., Coroutine[Any, Any, T]], *args: Any, **kwargs: Any) -> T:
        """Run a coroutine of the service on the server's own loop (where its
        store's connections live) from another thread, and wait for its answer:
        ``server.call(server.service.force_expire, user="alice")``."""
        loop: asyncio.AbstractEventLoop = self.app.state.loop
        return asyncio.run_coroutine_threadsafe(fn(*args, **kwargs), loop).result(30)

    what = "mock server"

    def _closing(self) -> None:
        self.service.bus.close()
        self.service.watchers.close()


class ApiServerThread(_UvicornThread):
    """A resource server of its own (``jwt-lab api``) on a real socket, in a thread.

    with ApiServerThread(ApiConfig(auth.url, "api-1", secret, "denylist")) as api:
        httpx.get(f"{api.url}/healthz")
    """

    def __init__(
        self,
        config: ApiConfig,
        *,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        sync: bool = True,
        log_level: str = "warning",
    ) -> None:
        self._socket = bind_socket(host, port)
        self.port: int = self._socket.getsockname()[1]
        shown_host = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown_host}:{self.port}"
        self.config = replace(config, public_url=config.public_url or self.url)
        self.app = create_api_app(self.config, clock=clock, sync=sync)
        self.server: ResourceServer = self.app.state.resource_server
        self._serve_on(self.app, "api-server", log_level)

    @property
    def backchannel_uri(self) -> str:
        return f"{self.url}{BACKCHANNEL_PATH}"

    what = "resource server"
