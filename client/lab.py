"""``Lab``: the devices of one server, persisted, with one event stream.

    lab = Lab("http://127.0.0.1:8765")           # OS keyring, devices.json in the user config dir
    await lab.restore()                          # devices of the last run, resumed from the keyring
    phone = await lab.add_device("phone", "mobile", user="alice", name="Alice's phone")
    await phone.login("alice-pass")

The GUI, the scenario runner and the CLI all drive devices through a ``Lab``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx

from client import messages as say
from client.attack import Thief, refusal
from client.clock import Clock, WallClock
from client.device import Device
from client.errors import LoginRefused, NotSignedIn, ServerFailure, ServerUnreachable
from client.events import (
    ApiTried,
    DeviceEvent,
    EventHub,
    Listener,
    Notice,
    SignedOut,
    TokensIssued,
    TokenStolen,
)
from client.flows import Autopilot
from client.http import http_client
from client.oauth import Discovery
from client.registry import DeviceRegistry, RegistryError
from client.store import KeyringTokenStore, MemoryTokenStore, TokenStore
from client.tokens import fingerprint
from client.values import DeviceConfig, DeviceSnapshot, LabView
from contract import REVOCATION_REASONS, SETTINGS_BY_NAME

LEEWAY = float(SETTINGS_BY_NAME["leeway"].default)  # the server's, unless changed

log = logging.getLogger(__name__)

LAB_ID = "lab"  # the device id on notices that concern the whole lab


def open_token_store(memory_only: bool = False) -> TokenStore:
    """The OS keyring if it works, else ``KeyringUnavailable`` — unless memory was chosen."""
    if memory_only:
        return MemoryTokenStore()
    store = KeyringTokenStore()
    store.check()
    return store


class Lab:
    """Every device of the lab against one server."""

    def __init__(
        self,
        server: str,
        *,
        store: TokenStore | None = None,
        clock: Clock | None = None,
        registry: DeviceRegistry | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        fallback_store: TokenStore | None = None,
        auto_reconnect: bool = True,
        auto_poll: bool = True,
    ) -> None:
        self.server = server.rstrip("/")
        self.transport = transport  # also the scripted browser's way to the server
        self.store = store if store is not None else KeyringTokenStore()
        self.clock = clock or WallClock()
        self.registry = registry if registry is not None else DeviceRegistry()
        self.devices: dict[str, Device] = {}
        # One HTTP client and one metadata discovery for every device of the lab.
        self.http = http_client(self.server, transport=transport)
        # Each signed-in device keeps a notification stream open: a pool of their own.
        self.streams = http_client(self.server, transport=transport, streams=True)
        self.discovery = Discovery(
            self.http, self.server, on_warning=lambda message: self.notice("warning", message)
        )
        self._fallback_store = fallback_store
        self._auto_reconnect = auto_reconnect
        self._auto_poll = auto_poll
        self._events = EventHub()
        self._thieves: dict[str, asyncio.Task[None]] = {}  # by the robbed device's id
        # Resource servers of their own (name → URL), told by whoever watches the
        # server; a signed-out device's last access token is tried on each of them.
        self.apis: dict[str, str] = {}
        self._last_access: dict[str, tuple[str, str | None, float]] = {}  # device id →
        self._probes: dict[str, asyncio.Task[None]] = {}  # by device id
        self._closed = False

    # events -------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Every device's events (and the lab's notices), on the loop's thread."""
        return self._events.subscribe(listener)

    def _emit(self, event: DeviceEvent) -> None:
        self._events.emit(event)

    def report(self, event: DeviceEvent) -> None:
        """An event that no device makes — a scenario's attacker — into the lab's stream."""
        self._emit(event)

    def notice(self, level: str, message: str) -> None:
        self._emit(Notice(LAB_ID, self.clock.now(), level, message))

    # devices ------------------------------------------------------------------

    async def add_device(
        self,
        device_id: str,
        device_type: str,
        *,
        user: str,
        name: str | None = None,
        clock_offset: float = 0.0,
        refresh_margin: float = 5.0,
        flow: str = "password",
        scope: str = "",
        dpop: bool = False,
        dpop_alg: str = "ES256",
        listen: bool = True,
    ) -> Device:
        """Create a device and remember it (``ValueError`` for a bad or duplicate id)."""
        config = DeviceConfig(
            id=device_id,
            type=device_type,
            name=name or device_id,
            user=user,
            server=self.server,
            clock_offset=clock_offset,
            refresh_margin=refresh_margin,
            flow=flow,
            scope=scope,
            dpop=dpop,
            dpop_alg=dpop_alg,
            listen=listen,
        )
        device = self._create(config)
        self._save()
        return device

    def _create(self, config: DeviceConfig) -> Device:
        if config.id in self.devices:
            raise ValueError(say.duplicate_device(config.id))
        device = Device(
            config,
            store=self.store,
            clock=self.clock,
            http=self.http,
            discovery=self.discovery,
            fallback_store=self._fallback_store,
            auto_reconnect=self._auto_reconnect,
            auto_poll=self._auto_poll,
            streams=self.streams,
        )
        device.subscribe(self._emit)
        device.subscribe(lambda event, d=device: self._watch(d, event))  # type: ignore[misc]
        self.devices[config.id] = device
        return device

    async def set_flow(self, device_id: str, flow: str, *, dpop: bool | None = None) -> None:
        """Remember how the device signs in — its flow, and DPoP or not (kept in the
        device list)."""
        device = self.get(device_id)
        wanted = replace(
            device.config, flow=flow, dpop=device.config.dpop if dpop is None else dpop
        )
        if wanted != device.config:
            device.config = wanted
            self._save()

    async def set_listen(self, device_id: str, listen: bool) -> None:
        """Whether the device hears at once that its session ended (GET
        /api/notifications), or only from a refused call; kept in the device list."""
        device = self.get(device_id)
        if device.config.listen != listen:
            await device.set_listen(listen)
            self._save()

    async def approve_device(
        self, device_id: str, approver_id: str, password: str, *, deny: bool = False
    ) -> str:
        """Approve (or deny) a device's pending sign-in from another device of the lab,
        as a person does on their phone: the verification page, the approver's user
        and password. The text of the page it ends on."""
        device, approver = self.get(device_id), self.get(approver_id)
        if approver.config.user != device.config.user or approver is device:
            raise LoginRefused("wrong_approver", say.wrong_approver(approver.config.name))
        pending = device.pending
        if pending is None:
            raise LoginRefused("no_pending", say.NO_PENDING_DEVICE)
        url = pending.verification_uri_complete or pending.verification_uri
        browser = Autopilot(
            approver.config.user,
            password,
            transport=self.transport,
            choose={"action": "deny" if deny else "approve"},
        )
        text = await browser.approve(url)
        if not self._auto_poll:
            await device.poll_device_flow()
        return text

    async def poll_device_flows(self) -> None:
        """One due poll of each device that waits for a device-flow approval."""
        for device in list(self.devices.values()):
            if device.pending is not None:
                await device.poll_device_flow()

    # a thief ---------------------------------------------------------------------

    # --- resource servers of their own: each one's red window ------------------------

    PROBE_INTERVAL = 0.5  # real seconds between two tries of a revoked token on the APIs
    # (at most: the first tries come 50 ms apart and slow down, doubling)

    def set_apis(self, apis: dict[str, str]) -> None:
        """The resource servers of its own the server has (name → URL)."""
        self.apis = dict(apis)

    def _watch(self, device: Device, event: DeviceEvent) -> None:
        if isinstance(event, TokensIssued) and device.tokens is not None:
            tokens = device.tokens
            if tokens.token_type == "DPoP":  # noqa: S105 - a token type
                # Bound to the device's key: a copy without it is refused everywhere,
                # which says nothing of how each API learns of a revocation.
                self._last_access.pop(device.id, None)
                return
            self._last_access[device.id] = (tokens.access_token, tokens.sid, tokens.access_exp)
        elif isinstance(event, SignedOut):
            last = self._last_access.pop(device.id, None)
            # Ended by the server (another device's sign-in, an administrator, a reused
            # token): not by its own sign-out, whose revocation may not have got through.
            revoked = event.reason in REVOCATION_REASONS and event.reason not in (
                "refresh_expired",
                "logout",
            )
            if last is None or not revoked or not self.apis or self._closed:
                return
            token, sid, exp = last
            if exp <= self.clock.now():
                return
            at = event.detail.get("revoked_at", event.at)
            since = float(at) if isinstance(at, int | float) else event.at
            old = self._probes.pop(device.id, None)
            if old is not None:
                old.cancel()
            task = asyncio.create_task(self._probe(device.id, token, sid, exp, since))
            self._probes[device.id] = task
            task.add_done_callback(lambda done: self._probe_done(device.id, done))

    def _probe_done(self, device_id: str, done: asyncio.Task[None]) -> None:
        if self._probes.get(device_id) is done:
            del self._probes[device_id]
        if not done.cancelled() and done.exception() is not None:
            log.error("trying %s's token on the APIs failed", device_id, exc_info=done.exception())

    async def _probe(
        self, device_id: str, token: str, sid: str | None, exp: float, since: float
    ) -> None:
        """Try the revoked session's access token on every API until each refuses
        it (or it has long expired): an ``ApiTried`` event per try."""
        waiting = dict(self.apis)
        headers = {"Authorization": f"Bearer {token}"}
        delay = 0.05  # often at first, where a push or a lookup ends the window
        async with http_client(self.server, transport=self.transport) as http:
            while waiting:
                for name, url in list(waiting.items()):
                    status: int | None = None
                    reason: str | None = "unreachable"
                    try:
                        response = await http.get(f"{url.rstrip('/')}/api/me", headers=headers)
                    except ServerUnreachable:
                        pass
                    else:
                        status = response.status_code
                        reason = None if status == 200 else refusal(response)
                    now = self.clock.now()
                    self._emit(ApiTried(device_id, now, name, status, reason, sid, since))
                    if status in (401, 403):  # its verdict (a 5xx or 429: ask again)
                        del waiting[name]
                if self.clock.now() > exp + 2 * LEEWAY:
                    return  # long expired: an API still taking it has no clock of its own
                await asyncio.sleep(delay)
                delay = min(self.PROBE_INTERVAL, delay * 2)

    THIEF_INTERVAL = 3.0  # lab seconds between a thief's tries
    THIEF_MAX_TRIES = 40

    async def steal_token(self, device_id: str, *, interval: float | None = None) -> None:
        """A thief copies the device's access token (and its last DPoP proof) and
        tries it on the API at once, then every ``interval`` lab seconds, until the
        server refuses it as expired (or ``stop_thief``, or 40 tries). Each try is a
        ``ThiefTried`` event; stealing again replaces the thief."""
        device = self.get(device_id)
        tokens = device.tokens
        if tokens is None or self._closed:
            raise NotSignedIn(say.NOTHING_TO_STEAL)
        key = device.oauth.dpop
        bound = tokens.token_type == "DPoP" and key is not None  # noqa: S105 - a token type
        thief = Thief(
            device_id,
            tokens.access_token,
            key.last_proof if key is not None and bound else None,
            bound,
            tokens.access_exp,
        )
        self.stop_thief(device_id)
        self._emit(
            TokenStolen(
                device_id,
                self.clock.now(),
                fingerprint(tokens.access_token),
                tokens.access_exp,
                bound,
            )
        )
        every = self.THIEF_INTERVAL if interval is None else interval
        task = asyncio.create_task(self._rob(thief, every))
        self._thieves[device_id] = task

        def gone(done: asyncio.Task[None]) -> None:
            if self._thieves.get(device_id) is done:
                del self._thieves[device_id]
            if not done.cancelled() and done.exception() is not None:
                log.error("the thief of %s failed", device_id, exc_info=done.exception())

        task.add_done_callback(gone)

    def stop_thief(self, device_id: str) -> bool:
        """Stop the thief of the device's token; True if there was one."""
        task = self._thieves.pop(device_id, None)
        if task is None:
            return False
        task.cancel()
        return True

    def robbed(self) -> list[str]:
        """The devices whose thief is still trying."""
        return list(self._thieves)

    async def _rob(self, thief: Thief, interval: float) -> None:
        # The thief's own client: none of the devices' auth, cookies or connections.
        async with http_client(self.server, transport=self.transport) as http:
            due = self.clock.now()
            while thief.tries < self.THIEF_MAX_TRIES:
                # Lab time (virtual in tests), looked at every second at most.
                left = due - self.clock.now()
                if left > 0:
                    await asyncio.sleep(min(1.0, max(0.05, left)))
                    continue
                tried = await thief.attempt(http, self.server, self.clock.now())
                self._emit(tried)
                if tried.reason == "expired":
                    return  # the copy is worth nothing any more, to anyone
                due = self.clock.now() + interval

    async def remove_device(self, device_id: str) -> None:
        """Sign the device out (best effort), forget its tokens, and drop it."""
        self.stop_thief(device_id)
        probe = self._probes.pop(device_id, None)
        if probe is not None:
            probe.cancel()
        self._last_access.pop(device_id, None)
        device = self.devices.pop(device_id)
        if device.tokens is not None:
            await device.logout()
        await device.close()
        self._save()

    def use_store(self, store: TokenStore) -> None:
        """Keep tokens in ``store`` from now on — the lab's and every device's
        (the user chose memory-only tokens, or the keyring came back)."""
        self.store = store
        for device in self.devices.values():
            device.use_store(store)

    async def restart_device(self, device_id: str) -> Device:
        """Drop the device's in-memory state and resume it from the token store,
        as an app restart would."""
        old = self.devices.pop(device_id)
        await old.close()
        device = self._create(old.config)
        await device.resume()
        return device

    async def restore(self) -> list[Device]:
        """Recreate the saved devices and resume their sessions from the token store."""
        try:
            configs = self.registry.load()
        except RegistryError as exc:
            self.notice("error", str(exc))
            return []
        restored = []
        for config in configs:
            if config.server.rstrip("/") != self.server or config.id in self.devices:
                continue
            device = self._create(config)
            await device.resume()
            restored.append(device)
        return restored

    def _save(self) -> None:
        try:
            self.registry.save(self.server, [d.config for d in self.devices.values()])
        except OSError as exc:
            self.notice("warning", say.device_list_not_saved(exc))

    # queries ------------------------------------------------------------------

    def get(self, device_id: str) -> Device:
        try:
            return self.devices[device_id]
        except KeyError:
            raise ValueError(say.no_such_device(device_id)) from None

    def snapshots(self) -> list[DeviceSnapshot]:
        """Every device now. On the loop's thread only: devices change there."""
        return [d.snapshot() for d in self.devices.values()]

    async def jwks(self) -> dict[str, Any]:
        """The server's public keys (its JWK Set), for checking signatures."""
        response = await self.http.get(f"{self.server}/.well-known/jwks.json")
        if response.status_code != 200:
            raise ServerFailure(say.keys_unreadable(response.status_code), response.status_code)
        keys: dict[str, Any] = response.json()
        return keys

    def view(self, scenario: str | None = None) -> LabView:
        """The whole lab as one value, for a window on another thread."""
        return LabView(self.clock.now(), tuple(self.snapshots()), self.store.name, scenario)

    async def close(self) -> None:
        self._closed = True
        probes = list(self._probes.values())
        for probe in probes:
            probe.cancel()
        await asyncio.gather(*probes, return_exceptions=True)
        thieves = list(self._thieves.values())
        for device_id in list(self._thieves):
            self.stop_thief(device_id)
        await asyncio.gather(*thieves, return_exceptions=True)  # their clients close
        await asyncio.gather(*(d.close() for d in self.devices.values()), return_exceptions=True)
        await self.http.aclose()
        await self.streams.aclose()
