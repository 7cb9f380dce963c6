"""The bundled mock server, started inside the lab's own process.

This module and the CLI are the only places in ``client`` that import
``mock_server``: they launch it. Everything else reaches it over HTTP — here,
httpx's in-process ASGI transport (scenarios: fast, no sockets) or a real
uvicorn on loopback (the desktop app).
"""

from __future__ import annotations

import secrets
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import filelock
import httpx

from client import messages as say
from mock_server.cli import default_db_path as default_db_path  # the server's default file
from mock_server.clock import VirtualClock  # light: the server itself loads lazily

if TYPE_CHECKING:
    from mock_server import ServerThread

SCENARIO_ISSUER = "http://scenario.lab"


class InProcessServer:
    """A fresh mock server on a virtual clock, reached through ASGI transports."""

    def __init__(self, **settings: Any) -> None:
        from mock_server import Settings, create_app

        self.admin_key = secrets.token_urlsafe(16)
        self.clock = VirtualClock()
        self.url = SCENARIO_ISSUER
        self.app = create_app(
            Settings(
                issuer=self.url,
                password_profile="fast",  # noqa: S106 - a hashing profile, not a password
                admin_key=self.admin_key,
                **settings,
            ),
            clock=self.clock,
        )

    def transport(self) -> httpx.AsyncBaseTransport:
        return httpx.ASGITransport(app=self.app)


def _start_api(
    thread: ServerThread, clock: VirtualClock, rs_id: str, verify_mode: str, introspect_cache: float
) -> Any:
    """Register a resource server of its own with ``thread``'s service and start it
    on loopback, on the same virtual clock (not one read over HTTP)."""
    from mock_server.api_server import ApiConfig
    from mock_server.runner import ApiServerThread

    secret = secrets.token_urlsafe(24)
    api = ApiServerThread(
        ApiConfig(thread.url, rs_id, secret, verify_mode, introspect_cache=introspect_cache),
        clock=clock,
        sync=False,
    )
    thread.call(thread.service.resource_servers.save, rs_id, secret, api.backchannel_uri)
    return api.start()


class LoopbackServer:
    """A fresh mock server on a virtual clock, served by uvicorn on loopback, with
    resource servers of its own (``jwt-lab api``) started beside it on that clock:
    what a scenario with ``[[apis]]`` plays against — logout tokens really pushed
    over HTTP, introspection really asked."""

    def __init__(self, **settings: Any) -> None:
        from mock_server import ServerThread, Settings

        self.admin_key = secrets.token_urlsafe(16)
        self.clock = VirtualClock()
        self._thread = ServerThread(
            Settings(
                password_profile="fast",  # noqa: S106 - a hashing profile, not a password
                admin_key=self.admin_key,
                **settings,
            ),
            clock=self.clock,
        ).start()
        self.url = self._thread.url
        self._apis: list[Any] = []

    def start_api(self, rs_id: str, verify_mode: str, introspect_cache: float = 0.0) -> str:
        """Register and start a resource server; its URL."""
        api = _start_api(self._thread, self.clock, rs_id, verify_mode, introspect_cache)
        self._apis.append(api)
        return str(api.url)

    def transport(self) -> httpx.AsyncBaseTransport:
        return httpx.AsyncHTTPTransport()

    def stop(self) -> None:
        for api in self._apis:
            api.stop()
        self._thread.stop()


def reserve_socket(port: int) -> socket.socket:
    """A TCP socket bound on loopback to ``port``, or to any free port if that one
    is taken. Protocol TCP, so asyncio turns Nagle off on its connections."""
    for candidate in (port, 0):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", candidate))
        except OSError:
            sock.close()
            continue
        sock.set_inheritable(True)
        return sock
    raise OSError("no loopback port is free")


class LabBusy(Exception):
    """Another lab runs the bundled server on this database; the message says what to do."""


def hold_database(db: str) -> filelock.BaseFileLock | None:
    """Keep a second lab's bundled server off the database file ``db`` until this
    process exits (``LabBusy`` if another process has it). None for ``:memory:``."""
    if db == ":memory:":
        return None
    path = Path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(path.with_name(path.name + ".lock")), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise LabBusy(say.lab_busy(path)) from None
    return lock


class EmbeddedServer:
    """The bundled server on loopback, started in the background.

    Its address, admin key and virtual clock are known at once (the socket is
    bound and the key chosen before the server exists), so the window can be
    built while FastAPI loads and uvicorn starts on its own thread.
    """

    def __init__(
        self,
        *,
        port: int = 8765,
        db: str = ":memory:",
        rate: float = 1.0,
        settings: dict[str, Any] | None = None,
    ) -> None:
        # First the database: a second lab on the same file gets LabBusy, not a random port.
        self._db_lock = hold_database(db)
        self._socket = reserve_socket(port)
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.admin_key = secrets.token_urlsafe(24)
        self.clock = VirtualClock(rate=rate)
        self._db = db
        self._settings = settings or {}
        self._thread: ServerThread | None = None
        self._on_ready: Callable[[BaseException | None], None] | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._starter = threading.Thread(target=self._start, name="server-start", daemon=True)
        self._apis: dict[str, Any] = {}  # resource servers of its own, by id
        self._apis_lock = threading.Lock()

    def start(self, on_ready: Callable[[BaseException | None], None] | None = None) -> None:
        """Start in the background; ``on_ready(error)`` runs (on that thread) once it serves."""
        self._on_ready = on_ready
        self._starter.start()

    def _start(self) -> None:
        try:
            from mock_server import ServerThread, Settings, SqliteStore

            settings = Settings(admin_key=self.admin_key, **self._settings)
            self._thread = ServerThread(
                settings, clock=self.clock, store=SqliteStore(self._db), sock=self._socket
            ).start()
        except BaseException as exc:  # reported to the window, never a silent hang
            self._error = exc
        finally:
            self._ready.set()
            if self._on_ready is not None:
                self._on_ready(self._error)

    def wait(self, timeout: float = 30.0) -> None:
        """Block until the server serves (or failed to start)."""
        if not self._ready.wait(timeout):
            raise TimeoutError("the embedded server did not start")
        if self._error is not None:
            raise RuntimeError(f"the embedded server could not start: {self._error}")

    def start_api(self, rs_id: str, verify_mode: str, introspect_cache: float = 0.0) -> str:
        """Start a resource server of its own beside the server (blocking: call it
        off the GUI thread); its URL. ``ValueError`` for a bad or taken id."""
        self.wait()
        assert self._thread is not None
        from mock_server.errors import ServerError

        with self._apis_lock:  # two quick Add… clicks: one name, one server
            if rs_id in self._apis:
                raise ValueError(say.resource_server_taken(rs_id))
            try:
                api = _start_api(self._thread, self.clock, rs_id, verify_mode, introspect_cache)
            except ServerError as exc:  # InvalidRequest: its description says what is wrong
                raise ValueError(exc.description) from exc
            self._apis[rs_id] = api
        return str(api.url)

    def stop(self) -> None:
        if self._starter.is_alive() or self._ready.is_set():
            self._ready.wait(30)
        for api in self._apis.values():
            api.stop()
        if self._thread is not None:
            self._thread.stop()
        else:
            self._socket.close()
        if self._db_lock is not None:
            self._db_lock.release()


def start_embedded_server(**options: Any) -> EmbeddedServer:
    """Start the bundled server and wait until it serves."""
    server = EmbeddedServer(**options)
    server.start()
    server.wait()
    return server
