"""``DeviceCommands``: the devices, seen from the GUI thread.

The lab and its devices live on the engine thread. The window asks for a
``LabView`` (``request_view``) and gets it back as a value on ``view``; it
never reads a ``Lab`` or ``Device`` itself. Commands (sign in, call, …) are
submitted to the engine and return at once.

Signals:
    view(object)          a LabView: every device's snapshot, on the lab clock
    device_event(object)  a DeviceEvent of the user's own lab (followed even while
                          a scenario's lab is shown; commands go to it)
    scenario_event(object) a DeviceEvent of the scenario lab being shown
    devices_changed()     devices were added, removed, restored, or the lab was swapped
    inspect_ready(object) an Inspection: a shown device's tokens and its server's keys
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from client.admin import AdminClient
from client.errors import ClientError, KeyringUnavailable
from client.events import DeviceEvent, StateChanged
from client.flows import Browser, SystemBrowser
from client.gui.dispatch import Dispatcher
from client.gui.i18n import tr
from client.lab import Lab, open_token_store
from client.state import DeviceState
from client.store import MemoryTokenStore, TokenStore
from client.values import LabView


@dataclass(frozen=True, slots=True)
class Inspection:
    """What the token inspector shows: values copied on the engine thread."""

    device_id: str
    device_name: str
    tokens: dict[str, str]  # "access token" / "refresh token" -> the JWT
    jwks: dict[str, Any] | None  # None: the server could not be asked (a finished scenario)
    device_now: float
    lineage: dict[str, Any] | None = None  # the session's token family, as the server has it
    causes: dict[str, str] | None = None  # refresh id → why the device got it
    keys_problem: str | None = None  # why the signature could not be checked


class DeviceCommands(QObject):
    view = Signal(object)
    device_event = Signal(object)  # of the user's own lab
    scenario_event = Signal(object)  # of the scenario lab being shown
    devices_changed = Signal()
    inspect_ready = Signal(object)

    def __init__(
        self,
        dispatch: Dispatcher,
        lab: Lab,
        store_problem: str | None = None,
        parent: QObject | None = None,
        admin: AdminClient | None = None,
    ) -> None:
        super().__init__(parent)
        self.dispatch = dispatch
        self.admin = admin  # the user's server: its token families, for the inspector
        # What opens the sign-in page for the code flow: the user's browser; tests
        # and the demo give the scripted one (username, password → a browser).
        self.browser: Callable[[str, str], Browser] = lambda user, password: SystemBrowser()
        self.own_lab = lab
        self.lab = lab  # engine-thread object: only coroutines touch it
        self.store_problem = store_problem
        self.opening = False  # the token store is being opened (a locked keyring may wait)
        self.opened = threading.Event()  # set once the devices are restored (any thread)
        self._memory_chosen: asyncio.Event | None = None
        self.scenario: str | None = None  # the scenario whose lab is shown
        self.last_view: LabView | None = None
        self._view_pending = False
        self._auto: dict[str, QTimer] = {}
        self._unsubscribe = lab.subscribe(self._forward)
        self._unsubscribe_shown: Callable[[], None] = _nothing
        self.device_event.connect(self._stop_auto_call_when_signed_out)

    def _forward(self, event: DeviceEvent) -> None:
        self.dispatch.to_gui(self.device_event.emit, event)  # runs on the engine thread

    def _forward_scenario(self, event: DeviceEvent) -> None:
        self.dispatch.to_gui(self.scenario_event.emit, event)  # runs on the engine thread

    # the view ----------------------------------------------------------------

    def request_view(self) -> None:
        """Ask the engine for a LabView (skipped while one is on its way)."""
        if self._view_pending or self.dispatch.closed:
            return
        self._view_pending = True

        async def build() -> LabView:
            return self.lab.view(self.scenario)

        def done(view: LabView) -> None:
            self._view_pending = False
            self.last_view = view
            self.view.emit(view)

        def failed(_: BaseException) -> None:
            self._view_pending = False

        # The devices exist before the server answers: no need to wait for it.
        self.dispatch.submit(
            build(), tr("Showing the devices"), done, failed, wait_for_server=False
        )

    def _changed(self, _: object = None) -> None:
        self.devices_changed.emit()
        self.request_view()

    # commands ----------------------------------------------------------------

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
        self.dispatch.submit(
            self.own_lab.add_device(
                device_id,
                device_type,
                user=user,
                name=name,
                clock_offset=clock_offset,
                refresh_margin=refresh_margin,
            ),
            tr("Adding {name}").format(name=name),
            self._changed,
        )

    def remove_device(self, device_id: str) -> None:
        self.set_auto_call(device_id, 0)
        self.dispatch.submit(
            self.own_lab.remove_device(device_id), tr("Removing the device"), self._changed
        )

    def login(
        self, device_id: str, password: str, flow: str = "password", dpop: bool = False
    ) -> None:
        """Sign in with ``flow``: the password grant (legacy), the browser (code +
        PKCE, through ``self.browser``) or a device code for a TV. The flow is kept
        with the device."""

        async def login() -> None:
            device = self.own_lab.get(device_id)
            await self.own_lab.set_flow(device_id, flow, dpop=dpop)
            if flow == "code":
                await device.login_in_browser(self.browser(device.config.user, password))
            elif flow == "device":
                await device.start_device_flow()
            else:
                await device.login(password)

        self.dispatch.submit(login(), tr("Signing in"))

    def approve(self, device_id: str, approver_id: str, password: str, deny: bool) -> None:
        """Approve (or deny) a TV's sign-in from another device of the user's lab."""

        async def approve() -> str:
            return await self.own_lab.approve_device(device_id, approver_id, password, deny=deny)

        self.dispatch.submit(approve(), tr("Approving the TV sign-in"), lambda _: self._changed())

    def cancel_device_flow(self, device_id: str) -> None:
        async def cancel() -> None:
            self.own_lab.get(device_id).cancel_device_flow()

        self.dispatch.submit(cancel(), tr("Cancelling the sign-in"), self._changed)

    def call(self, device_id: str, path: str = "/api/me") -> None:
        async def call() -> None:
            if device_id in self.own_lab.devices:
                await self.own_lab.get(device_id).call(path)

        self.dispatch.submit(call(), tr("Calling the API"))

    def logout(self, device_id: str) -> None:
        self.set_auto_call(device_id, 0)

        async def logout() -> None:
            await self.own_lab.get(device_id).logout()

        self.dispatch.submit(logout(), tr("Signing out"))

    def logout_others(self, device_id: str) -> None:
        async def logout_others() -> None:
            await self.own_lab.get(device_id).logout_others()

        self.dispatch.submit(logout_others(), tr("Signing out the other devices"))

    def set_listen(self, device_id: str, listen: bool) -> None:
        """Hear sign-outs at once (the server's push), or only from a refused call."""
        self.dispatch.submit(
            self.own_lab.set_listen(device_id, listen),
            tr("Listening for sign-outs") if listen else tr("No longer listening for sign-outs"),
        )

    def steal(self, device_id: str) -> None:
        """A thief copies the device's access token and tries it on the API, on a
        lane of its own in the timeline (the lab's ``steal_token``)."""
        self.dispatch.submit(
            self.own_lab.steal_token(device_id),
            tr("Stealing the access token"),
            lambda _: self.dispatch.info.emit(
                tr("A thief copied the access token: watch its lane in the timeline")
            ),
        )

    def inspect(self, device_id: str) -> None:
        """Copy the device's tokens and fetch the server's keys, for the inspector."""

        lab = self.lab  # the shown one: a scenario's devices can be inspected too

        async def collect() -> Inspection | None:
            device = lab.get(device_id)
            tokens = device.tokens
            if tokens is None:
                return None
            shown = {"access token": tokens.access_token}
            if tokens.refresh_token:
                shown["refresh token"] = tokens.refresh_token
            key = device.oauth.dpop
            if key is not None and key.last_proof:  # what its last request proved
                shown["last DPoP proof"] = key.last_proof
            keys_problem = None
            try:
                jwks: dict[str, Any] | None = await lab.jwks()
            except (ClientError, RuntimeError, ValueError) as exc:
                jwks = None
                keys_problem = (
                    tr("not checked: the server's keys could not be read ({error})").format(
                        error=exc
                    )
                    if lab is self.own_lab
                    else None  # a finished scenario's server is gone: the inspector says so
                )
            lineage = None
            if lab is self.own_lab and self.admin is not None and tokens.sid:
                try:
                    lineage = await self.admin.lineage(tokens.sid)
                except (ClientError, ValueError):
                    lineage = None  # the inspector says the family could not be read
            return Inspection(
                device_id,
                device.config.name,
                shown,
                jwks,
                device.clock.now(),
                lineage,
                dict(device.family_causes),
                keys_problem,
            )

        self.dispatch.submit(
            collect(),
            tr("Fetching the server's keys"),
            lambda found: self.inspect_ready.emit(found) if found is not None else None,
        )

    def _stop_auto_call_when_signed_out(self, event: DeviceEvent) -> None:
        # However the session ended (the user, the server, the keyring): no more
        # calls that can only answer "not signed in".
        if isinstance(event, StateChanged) and event.new == str(DeviceState.SIGNED_OUT):
            self.set_auto_call(event.device_id, 0)

    def _signed_out(self, device_id: str) -> bool:
        shown = self.last_view.get(device_id) if self.last_view else None
        return shown is not None and shown.state == DeviceState.SIGNED_OUT

    def set_auto_call(self, device_id: str, seconds: float) -> None:
        """Call the API every ``seconds`` (real time); 0 stops. A signed-out device
        does not start calling (its card shows "Auto" again on the next view)."""
        timer = self._auto.pop(device_id, None)
        if timer is not None:
            timer.stop()
            timer.deleteLater()
        if seconds > 0 and not self._signed_out(device_id):
            timer = QTimer(self)
            timer.setInterval(int(seconds * 1000))
            timer.timeout.connect(lambda: self.call(device_id))
            timer.start()
            self._auto[device_id] = timer

    def auto_call_interval(self, device_id: str) -> float:
        timer = self._auto.get(device_id)
        return timer.interval() / 1000 if timer else 0.0

    def stop_auto_calls(self) -> None:
        for device_id in list(self._auto):
            self.set_auto_call(device_id, 0)

    # the token store ---------------------------------------------------------

    def open_lab(
        self,
        check: Callable[[], None] | None,
        restore: Callable[[Lab], Coroutine[Any, Any, None]],
    ) -> None:
        """Open the token store and restore the devices, after the window is up.

        ``check`` (the keyring's probe) runs on a thread of its own: a locked
        keyring may wait for the desktop's unlock prompt for as long as the user
        takes, and neither the window nor the engine waits with it. Meanwhile
        the banner says so and offers memory-only tokens; choosing them lets
        the devices come back at once.
        """
        self.opening = check is not None
        lab = self.own_lab
        chosen = asyncio.Event()
        self._memory_chosen = chosen

        async def open_() -> str | None:
            try:
                problem = await _probe(check, chosen) if check is not None else None
                await restore(lab)
                return problem
            finally:
                self.opened.set()  # also on failure: nobody waits for a lab that will not open

        def done(problem: str | None) -> None:
            self.opening = False
            self.store_problem = None if chosen.is_set() else problem
            self._changed()

        def failed(error: BaseException) -> None:
            self.opening = False
            self._changed()

        self.dispatch.submit(open_(), tr("Opening the lab"), done, failed, wait_for_server=False)

    def use_memory_store(self) -> None:
        """The user chose memory-only tokens over an unavailable keyring."""

        async def switch() -> str:
            if self._memory_chosen is not None:
                self._memory_chosen.set()  # an unanswered unlock prompt no longer holds the lab
            return self._use_store(MemoryTokenStore())

        self.dispatch.submit(switch(), tr("Switching to memory-only tokens"), self._store_switched)

    def retry_keyring(self) -> None:
        """Try the OS keyring again (off the engine loop: D-Bus may block)."""

        async def attempt() -> str:
            return self._use_store(await asyncio.to_thread(open_token_store))

        self.dispatch.submit(
            attempt(), tr("The keyring is still unavailable"), self._store_switched
        )

    def _use_store(self, store: TokenStore) -> str:
        self.own_lab.use_store(store)  # on the engine thread, where the devices live
        return store.name

    def _store_switched(self, name: str) -> None:
        self.store_problem = None
        self.dispatch.info.emit(tr("Tokens are now kept in {name}").format(name=name))
        self._changed()

    # which lab is shown --------------------------------------------------------

    def show_lab(self, lab: Lab, scenario: str | None) -> None:
        """Show ``lab``'s devices (on the engine thread, from the scenario player,
        or on the GUI thread to go back to the user's own). A scenario's events
        come as ``scenario_event``; the user's lab is still followed meanwhile
        (``device_event``), and commands still go to it."""
        self._unsubscribe_shown()
        self.lab = lab
        self.scenario = scenario
        if lab is not self.own_lab:
            self._unsubscribe_shown = lab.subscribe(self._forward_scenario)
        else:
            self._unsubscribe_shown = _nothing
        self.dispatch.to_gui(self._changed, None)

    async def close(self) -> None:
        await self.own_lab.close()
        if self.lab is not self.own_lab:
            await self.lab.close()


def _nothing() -> None:
    pass


async def _probe(check: Callable[[], None], chosen: asyncio.Event) -> str | None:
    """Why the keyring cannot be used (None if it can), or None once the user has
    chosen memory-only tokens, whichever comes first."""
    probe = asyncio.ensure_future(_in_daemon_thread(check))
    either = {probe, asyncio.ensure_future(chosen.wait())}
    done, pending = await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    if probe not in done:
        return None
    try:
        probe.result()
    except KeyringUnavailable as exc:
        return str(exc)
    return None


async def _in_daemon_thread(fn: Callable[[], None]) -> None:
    """Run ``fn`` on a daemon thread: a keyring call stuck on an unlock prompt must
    not keep the process alive after the window closes (asyncio's own threads would)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # handed to the awaiting coroutine
            loop.call_soon_threadsafe(_settle, future, exc)
        else:
            loop.call_soon_threadsafe(_settle, future, None)

    threading.Thread(target=run, name="keyring-probe", daemon=True).start()
    await future


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
