"""``ServerMonitor``: the server, followed through its event stream.

Once the server answers, the monitor follows ``GET /admin/events`` (server-
sent events) on the engine thread: new events come to the window as they
happen, and the server's state (``/admin/state``) is re-read only after
events, at most every ``STATE_INTERVAL`` seconds — not polled. A broken stream
is a message and a reconnect with backoff, never a crash. Admin commands
(settings, revocation, keys, the clock rate) go through the admin API only.

Signals:
    server_state(dict)   the server's /admin/state (settings, schema, clock, sessions, …)
    server_events(list)  new server events (dicts), in order
    connection(str)      "following", or why the stream broke
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from client.admin import AdminClient
from client.clock import Clock
from client.errors import ClientError
from client.gui.dispatch import Dispatcher
from client.gui.i18n import tr

STATE_INTERVAL = 0.25  # seconds between state reads while events pour in
RETRY_MAX = 10.0


class ServerMonitor(QObject):
    server_state = Signal(dict)
    server_events = Signal(list)
    connection = Signal(str)

    def __init__(
        self,
        dispatch: Dispatcher,
        admin: AdminClient,
        *,
        embedded: bool,
        lab_clock: Clock,
        on_apis: Callable[[dict[str, str]], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.dispatch = dispatch
        self.admin = admin
        self.embedded = embedded
        # Resource servers of their own: told to the lab (engine thread) as they are
        # read, started — beside the bundled server only — by ``start_api``.
        self._on_apis = on_apis
        self.start_api: Callable[[str, str, float], str] | None = None
        self._lab_clock = lab_clock  # synced from the server's clock (engine thread)
        self.last_state: dict[str, Any] = {}
        self._last_event = 0
        self._follow: concurrent.futures.Future[Any] | None = None
        self._state_due: asyncio.Event | None = None

    # following -----------------------------------------------------------------

    def start(self) -> None:
        """The server serves: read its state and follow its events."""
        if self._follow is None:
            self._follow = self.dispatch.engine.submit(self._run())

    def stop(self) -> None:
        if self._follow is not None:
            self._follow.cancel()
            self._follow = None

    def refresh(self) -> None:
        """Re-read the state now (after a command whose effect has no event)."""
        self.dispatch.engine.submit(self._read_state_soon())

    async def _read_state_soon(self) -> None:
        if self._state_due is not None:
            self._state_due.set()

    async def _run(self) -> None:
        self._state_due = asyncio.Event()
        self._state_due.set()
        reader = asyncio.create_task(self._state_reader())
        try:
            await self._events()
        finally:
            reader.cancel()

    async def _state_reader(self) -> None:
        assert self._state_due is not None
        while True:
            await self._state_due.wait()
            self._state_due.clear()
            try:
                state = await self.admin.state()
                state["resource_servers"] = await self.admin.resource_servers()
            except ClientError as exc:
                # Reads follow events or a command, so a dead server is not re-reported in a loop.
                self.dispatch.to_gui(
                    self.dispatch.failed.emit,
                    tr("Reading the server's state: {error}").format(error=exc),
                )
            else:
                self._sync_clock(state)
                if self._on_apis is not None:
                    self._on_apis(
                        {rs["id"]: rs["url"] for rs in state["resource_servers"] if rs.get("url")}
                    )
                self.dispatch.to_gui(self._deliver_state, state)
            await asyncio.sleep(STATE_INTERVAL)

    async def _events(self) -> None:
        delay = 0.5
        while True:
            try:
                async for event in self.admin.follow_events(self._last_event, self._opened):
                    self._last_event = max(self._last_event, int(event.get("id", 0)))
                    delay = 0.5
                    self.dispatch.to_gui(self.server_events.emit, [event])
                    assert self._state_due is not None
                    self._state_due.set()  # the state changed: re-read it (throttled)
            except ClientError as exc:
                self.dispatch.to_gui(self.connection.emit, str(exc))
            await asyncio.sleep(delay)
            delay = min(RETRY_MAX, delay * 2)

    def _opened(self) -> None:
        self.dispatch.to_gui(self.connection.emit, "following")  # the stream really is open

    def _sync_clock(self, state: dict[str, Any]) -> None:
        # An external server's clock is the lab clock: follow its time and rate.
        sync = getattr(self._lab_clock, "sync", None)
        if sync is not None and not self.embedded:
            clock = state["clock"]
            sync(clock["now"], clock["rate"] if clock["virtual"] else 1.0)

    def _deliver_state(self, state: dict[str, Any]) -> None:
        self.last_state = state
        self.server_state.emit(state)

    # commands ----------------------------------------------------------------------

    def _command(self, coro: Any, what: str, report: Callable[[Any], str] | None = None) -> None:
        def done(result: Any) -> None:
            if report is not None:
                self.dispatch.info.emit(report(result))
            self.refresh()

        self.dispatch.submit(coro, what, done)

    def add_resource_server(self, rs_id: str, verify_mode: str, introspect_cache: float) -> None:
        """Start a resource server of its own beside the bundled server."""
        start_api = self.start_api
        if start_api is None:
            self.dispatch.failed.emit(
                tr(
                    "Only the bundled server starts resource servers: run `jwt-lab api` "
                    "and register it with --resource-server"
                )
            )
            return

        async def start() -> str:
            try:
                return await asyncio.to_thread(start_api, rs_id, verify_mode, introspect_cache)
            except ValueError as exc:  # a bad or taken name: the message says which
                raise ClientError(str(exc)) from exc

        self._command(
            start(),
            tr("Starting resource server {name}").format(name=rs_id),
            lambda url: tr("Resource server {name} ({mode}) runs on {url}").format(
                name=rs_id, mode=verify_mode, url=url
            ),
        )

    def update_settings(self, **changes: Any) -> None:
        self._command(self.admin.update_settings(**changes), tr("Changing the server settings"))

    def force_expire_user(self, user: str) -> None:
        self._command(
            self.admin.force_expire(user=user),
            tr("Forcing {user}'s sessions to expire").format(user=user),
            lambda sids: tr("{n} session(s) of {user} revoked").format(n=len(sids), user=user),
        )

    def revoke_session(self, sid: str) -> None:
        self._command(self.admin.revoke_session(sid), tr("Revoking the session"))

    def rotate_key(self) -> None:
        self._command(
            self.admin.rotate_key(),
            tr("Rotating the signing key"),
            lambda key: tr("New signing key {kid}…").format(kid=key["kid"][:10]),
        )

    def retire_key(self) -> None:
        self._command(
            self.admin.retire_key(),
            tr("Retiring a key"),
            lambda key: tr("Key {kid}… retired").format(kid=key["kid"][:10]),
        )

    def set_clock_rate(self, rate: float) -> None:
        """The clock rate changes only through the admin API (``PUT /admin/clock``)."""
        self._command(
            self.admin.set_clock_rate(rate),
            tr("Changing the clock speed"),
            lambda _: tr("Clock speed {rate}×").format(rate=f"{rate:g}"),
        )
