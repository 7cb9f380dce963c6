"""``LabBridge``: the one place where Qt meets the engine.

Widgets call the bridge's methods on the GUI thread; each submits a coroutine
to the engine thread and returns at once. Results and device events come back
as Qt signals, which Qt queues to the GUI thread because the bridge lives
there. Nothing here blocks the GUI thread.

Signals:
    device_event(object)       a DeviceEvent of the displayed lab
    devices_changed()          devices were added, removed, restored, or the lab was swapped
    server_state(dict)         the server's /admin/state, polled
    server_events(list)        new server events (dicts), polled
    failed(str)                a command failed: a sentence for the user
    info(str)                  something worth a status-bar message
    scenario_step(object)      a StepResult of the playing scenario
    scenario_finished(object)  its ScenarioResult
    jwks_ready(object, object) (device id, JWK Set) for the token inspector
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from client.admin import AdminClient
from client.clock import Clock
from client.device import Device, DeviceSnapshot
from client.engine import Engine
from client.errors import ClientError, ServerUnreachable
from client.events import DeviceEvent
from client.lab import Lab, open_token_store
from client.store import MemoryTokenStore, TokenStore

POLL_MS = 500


class LabBridge(QObject):
    device_event = Signal(object)
    devices_changed = Signal()
    server_state = Signal(dict)
    server_events = Signal(list)
    failed = Signal(str)
    info = Signal(str)
    scenario_step = Signal(object)
    scenario_finished = Signal(object)
    jwks_ready = Signal(object, object)
    _deliver = Signal(object, object)

    def __init__(
        self,
        engine: Engine,
        lab: Lab,
        admin: AdminClient,
        *,
        admin_key: str,
        embedded: bool,
        clock_control: Any = None,
        store_problem: str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = engine
        self.own_lab = lab
        self.lab = lab
        self.admin = admin
        self.admin_key = admin_key
        self.embedded = embedded
        self.clock_control = clock_control  # the embedded server's clock, for speed changes
        self.store_problem = store_problem
        self.scenario_running = False
        self.last_state: dict[str, Any] = {}
        self._last_event = 0
        self._polling = False
        self._closed = False
        # Set once the server answers; commands given earlier wait for it.
        self.server_ready = threading.Event()
        self._auto: dict[str, QTimer] = {}
        self._deliver.connect(self._on_deliver)
        self._unsubscribe = lab.subscribe(self._forward)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.timeout.connect(self.poll)

    # plumbing ------------------------------------------------------------------

    def start(self) -> None:
        """The server serves: start polling it (commands waiting for it proceed)."""
        self.server_ready.set()
        self._poll_timer.start()
        self.poll()

    def stop(self) -> None:
        self._poll_timer.stop()
        for timer in self._auto.values():
            timer.stop()

    def _to_gui(self, fn: Callable[[Any], None], arg: Any) -> None:
        """Call ``fn(arg)`` on the GUI thread. Public signals are emitted only there:
        a signal emitted on the engine thread would run plain-callable slots
        (pytest-qt's blockers, lambdas) on the engine thread too."""
        self._deliver.emit(fn, arg)

    def call_in_gui(self, fn: Callable[[Any], None], arg: Any) -> None:
        """Run ``fn(arg)`` on the GUI thread, from any thread."""
        self._to_gui(fn, arg)

    def _forward(self, event: DeviceEvent) -> None:
        self._to_gui(self.device_event.emit, event)  # runs on the engine thread

    def submit(
        self,
        coro: Coroutine[Any, Any, Any],
        what: str,
        on_done: Callable[[Any], None] | None = None,
    ) -> concurrent.futures.Future[Any]:
        """Run ``coro`` on the engine; report failure as ``failed``, success to ``on_done``."""
        if self._closed:
            coro.close()
            cancelled: concurrent.futures.Future[Any] = concurrent.futures.Future()
            cancelled.cancel()
            return cancelled
        if not self.server_ready.is_set():
            coro = self._after_server_ready(coro)
        future = self.engine.submit(coro)

        def done(f: concurrent.futures.Future[Any]) -> None:
            if f.cancelled():
                return
            exc = f.exception()
            if exc is not None:
                self._to_gui(
                    self.failed.emit,
                    f"{what}: {exc}"
                    if isinstance(exc, ClientError)
                    else f"{what} failed unexpectedly: {type(exc).__name__}: {exc}",
                )
            elif on_done is not None:
                self._to_gui(on_done, f.result())

        future.add_done_callback(done)
        return future

    async def _after_server_ready(self, coro: Coroutine[Any, Any, Any]) -> Any:
        if not await asyncio.to_thread(self.server_ready.wait, 30):
            coro.close()
            raise ServerUnreachable("the embedded server did not start")
        return await coro

    @Slot(object, object)
    def _on_deliver(self, callback: Callable[[Any], None], result: Any) -> None:
        if not self._closed:
            callback(result)

    def now(self) -> float:
        return self.lab.clock.now()

    def clock(self) -> Clock:
        return self.lab.clock

    # server --------------------------------------------------------------------

    @Slot()
    def poll(self) -> None:
        """Fetch the server's state and new events (skipped while a poll is under way)."""
        if self._polling:
            return
        self._polling = True

        async def fetch() -> tuple[dict[str, Any], list[dict[str, Any]]]:
            state = await self.admin.state()
            events = await self.admin.events(self._last_event)
            return state, events

        def done(result: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
            self._polling = False
            state, events = result
            self.last_state = state
            sync = getattr(self.own_lab.clock, "sync", None)
            if sync is not None and not self.embedded:
                sync(
                    state["clock"]["now"],
                    state["clock"]["rate"] if state["clock"]["virtual"] else 1.0,
                )
            if events:
                self._last_event = max(e["id"] for e in events)
                self.server_events.emit(events)
            self.server_state.emit(state)

        future = self.submit(fetch(), "Reading the server's state", done)
        future.add_done_callback(lambda f: self._poll_failed(f))

    def _poll_failed(self, future: concurrent.futures.Future[Any]) -> None:
        if future.cancelled() or future.exception() is not None:
            self._polling = False

    def update_settings(self, **changes: Any) -> None:
        self.submit(
            self.admin.update_settings(**changes),
            "Changing the server settings",
            lambda _: self.poll(),
        )

    def _report(self, text: Callable[[Any], str]) -> Callable[[Any], None]:
        """A completion callback: tell the user, then refresh the server view."""

        def done(result: Any) -> None:
            self.info.emit(text(result))
            self.poll()

        return done

    def force_expire_user(self, user: str) -> None:
        self.submit(
            self.admin.force_expire(user=user),
            f"Forcing {user}'s sessions to expire",
            self._report(lambda sids: f"{len(sids)} session(s) of {user} revoked"),
        )

    def revoke_session(self, sid: str) -> None:
        self.submit(self.admin.revoke_session(sid), "Revoking the session", lambda _: self.poll())

    def rotate_key(self) -> None:
        self.submit(
            self.admin.rotate_key(),
            "Rotating the signing key",
            self._report(lambda key: f"New signing key {key['kid'][:10]}…"),
        )

    def retire_key(self) -> None:
        self.submit(
            self.admin.retire_key(),
            "Retiring a key",
            self._report(lambda key: f"Key {key['kid'][:10]}… retired"),
        )

    def set_clock_rate(self, rate: float) -> None:
        self.submit(
            self.admin.set_clock_rate(rate),
            "Changing the clock speed",
            self._report(lambda _: f"Clock speed {rate:g}×"),
        )

    def fetch_jwks(self, device_id: str) -> None:
        self.submit(
            self.admin.jwks(),
            "Fetching the server's keys",
            lambda jwks: self.jwks_ready.emit(device_id, jwks),
        )

    # devices -------------------------------------------------------------------

    def devices(self) -> list[Device]:
        return list(self.lab.devices.values())

    def snapshots(self) -> list[DeviceSnapshot]:
        return self.lab.snapshots()

    def add_device(
        self,
        device_id: str,
        device_type: str,
        *,
        user: str,
        name: str,
        clock_offset: float = 0.0,
        refresh_margin: float = 5.0,
    ) -> None:
        self.submit(
            self.lab.add_device(
                device_id,
                device_type,
                user=user,
                name=name,
                clock_offset=clock_offset,
                refresh_margin=refresh_margin,
            ),
            f"Adding {name}",
            lambda _: self.devices_changed.emit(),
        )

    def remove_device(self, device_id: str) -> None:
        self.set_auto_call(device_id, 0)
        self.submit(
            self.lab.remove_device(device_id),
            "Removing the device",
            lambda _: self.devices_changed.emit(),
        )

    def login(self, device_id: str, password: str) -> None:
        device = self.lab.get(device_id)
        self.submit(
            device.login(password), f"Signing in {device.config.name}", lambda _: self.poll()
        )

    def call(self, device_id: str, path: str = "/api/me") -> None:
        self.submit(self.lab.get(device_id).call(path), "Calling the API")

    def logout(self, device_id: str) -> None:
        self.set_auto_call(device_id, 0)
        self.submit(self.lab.get(device_id).logout(), "Signing out", lambda _: self.poll())

    def logout_others(self, device_id: str) -> None:
        self.submit(
            self.lab.get(device_id).logout_others(),
            "Signing out the other devices",
            lambda _: self.poll(),
        )

    def set_auto_call(self, device_id: str, seconds: float) -> None:
        """Call the API every ``seconds`` (real time); 0 stops."""
        timer = self._auto.pop(device_id, None)
        if timer is not None:
            timer.stop()
            timer.deleteLater()
        if seconds > 0:
            timer = QTimer(self)
            timer.setInterval(int(seconds * 1000))
            timer.timeout.connect(
                lambda: self.call(device_id) if device_id in self.lab.devices else None
            )
            timer.start()
            self._auto[device_id] = timer

    def auto_call_interval(self, device_id: str) -> float:
        timer = self._auto.get(device_id)
        return timer.interval() / 1000 if timer else 0.0

    def use_memory_store(self) -> None:
        """The user chose memory-only tokens over an unavailable keyring."""

        async def switch() -> TokenStore:
            return self._use_store(MemoryTokenStore())

        self.submit(switch(), "Switching to memory-only tokens", self._store_switched)

    def retry_keyring(self) -> None:
        """Try the OS keyring again (off the engine loop: D-Bus may block)."""

        async def attempt() -> TokenStore:
            return self._use_store(await asyncio.to_thread(open_token_store))

        self.submit(attempt(), "The keyring is still unavailable", self._store_switched)

    def _use_store(self, store: TokenStore) -> TokenStore:
        self.own_lab.use_store(store)  # on the engine thread, where the devices live
        return store

    def _store_switched(self, store: TokenStore) -> None:
        self.store_problem = None
        self.info.emit(f"Tokens are now kept in {store.name}")
        self.devices_changed.emit()

    def store_name(self) -> str:
        if self.store_problem:
            return "keyring unavailable"
        return self.lab.store.name

    # scenarios -----------------------------------------------------------------

    def play_scenario(self, path: Path, speed: float) -> None:
        from client.scenarios import ScenarioError, ScenarioRunner, load_scenario
        from client.scenarios.runner import external_environment

        if self.scenario_running:
            self.failed.emit("A scenario is already playing")
            return
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            self.failed.emit(str(exc))
            return
        for device_id in list(self._auto):
            self.set_auto_call(device_id, 0)
        self.scenario_running = True

        def on_lab(lab: Lab) -> None:  # engine thread
            self._swap_lab(lab)

        runner = ScenarioRunner(
            external_environment(self.admin.url, self.admin_key),
            realtime=True,
            speed=speed,
            on_step=lambda step: self._to_gui(self.scenario_step.emit, step),
            on_lab=on_lab,
        )

        async def play() -> Any:
            previous = self.clock_control.rate if self.clock_control is not None else None
            if self.clock_control is not None:
                self.clock_control.set_rate(0)  # the runner drives the clock
            try:
                return await runner.run(scenario)
            finally:
                if self.clock_control is not None and previous is not None:
                    self.clock_control.set_rate(previous)

        def done(result: Any) -> None:
            self.scenario_running = False
            self.scenario_finished.emit(result)
            self.poll()

        future = self.submit(play(), f"Playing {scenario.name}", done)
        future.add_done_callback(
            lambda f: setattr(self, "scenario_running", False) if f.exception() else None
        )

    def _swap_lab(self, lab: Lab) -> None:
        """Show ``lab``'s devices (called on the engine thread by the scenario runner,
        or on the GUI thread to go back)."""
        self._unsubscribe()
        self.lab = lab
        self._unsubscribe = lab.subscribe(self._forward)
        self._to_gui(lambda _: self.devices_changed.emit(), None)

    def back_to_own_devices(self) -> None:
        if self.scenario_running or self.lab is self.own_lab:
            return
        self._swap_lab(self.own_lab)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop polling and auto-calls, close every device and the admin client."""
        self.stop()
        self._closed = True

        async def close() -> None:
            await self.own_lab.close()
            if self.lab is not self.own_lab:
                await self.lab.close()
            await self.admin.aclose()

        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            self.engine.run(close(), timeout)
