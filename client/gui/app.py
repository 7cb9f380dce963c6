"""Launching the desktop lab: the server, the engine, the lab, the window.

``jwt-lab`` (or ``jwt-lab gui``) starts the bundled server on loopback, an
engine thread for the devices, and the main window with the devices of the
last run — or a phone and a PC for alice the first time.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from client.admin import AdminClient
from client.clock import Clock, ServerClock
from client.engine import Engine
from client.flows import Autopilot
from client.gui.bridge import LabBridge
from client.gui.i18n import install_font, install_language, tr
from client.gui.main_window import MainWindow
from client.gui.theme import apply_theme
from client.i18n import QT_TR_NOOP, language
from client.i18n import tr as core_tr
from client.lab import Lab
from client.paths import builtin_scenario_dir
from client.registry import DeviceRegistry, MemoryRegistry
from client.state import DeviceState
from client.store import KeyringTokenStore, MemoryTokenStore, TokenStore

LIVING_ROOM_TV = QT_TR_NOOP("Living room TV")  # the demo's TV
DEFAULT_DEVICES = (  # named in the lab's language when they are first made
    ("phone", "mobile", QT_TR_NOOP("Alice's phone")),
    ("pc", "pc", QT_TR_NOOP("Office PC")),
)


@dataclass
class LaunchOptions:
    server: str | None = None
    admin_key: str | None = None
    port: int = 8765
    db: str | None = None
    memory_tokens: bool = False
    demo: bool = False
    demo_name: str = "dual-login"  # or "stolen-token" (DEMOS)
    screenshot: Path | None = None
    registry: DeviceRegistry | None = None
    store: TokenStore | None = None  # tests inject one
    clock_rate: float = 1.0  # of the embedded server's virtual clock; 0 = frozen
    server_settings: dict[str, Any] = field(default_factory=dict)
    lang: str = "en"  # the window's language (``--lang``, else the system locale)
    theme: str = "system"  # or "light" / "dark" (``--theme``)


@dataclass
class LabApp:
    """Everything the window needs, and how to shut it all down."""

    window: MainWindow
    bridge: LabBridge
    engine: Engine
    server: Any = None  # an EmbeddedServer, when the lab started one
    server_url: str = ""

    def __post_init__(self) -> None:
        self.window.on_language = self.set_language

    def set_language(self, lang: str) -> None:
        """Speak ``lang``: the window is built again in it, around the same lab, with
        the user's timeline and log as they were (a scenario's lab is left)."""
        app = QApplication.instance()
        if lang == language() or not isinstance(app, QApplication):
            return
        old = self.window
        if self.bridge.devices.scenario is not None:
            self.bridge.player.back_to_own_devices()
        install_language(app, lang)
        old.detach()
        window = MainWindow(self.bridge, server_url=self.server_url)
        window.keep(old, self.bridge.server.last_state)
        window.setGeometry(old.geometry())
        window.on_language = self.set_language
        self.window = window
        if old.isVisible():
            window.show()
        old.hide()
        old.deleteLater()
        self.bridge.devices.request_view()

    def shutdown(self) -> None:
        self.window.ticker.stop()
        self.bridge.shutdown()
        self.engine.stop()
        if self.server is not None:
            self.server.stop()


def _open_store(options: LaunchOptions) -> tuple[TokenStore, Callable[[], None] | None]:
    """The store, and the probe that tells whether it works — run later, off the GUI
    thread, because a locked keyring waits for the user's unlock prompt."""
    if options.demo:
        return MemoryTokenStore(), None
    store = options.store
    if store is None:
        store = MemoryTokenStore() if options.memory_tokens else KeyringTokenStore()
    check = getattr(store, "check", None)
    return store, check if callable(check) else None


def build(options: LaunchOptions) -> LabApp:
    """Start the server (unless external), the engine and the lab; build the window."""
    server = None
    if options.server:
        if not options.admin_key:
            raise SystemExit("jwt-lab gui: --server needs --admin-key")
        url, admin_key = options.server.rstrip("/"), options.admin_key
        clock: Clock = ServerClock()
    else:
        from client.embedded import EmbeddedServer, default_db_path

        db = options.db or (":memory:" if options.demo else str(default_db_path()))
        server = EmbeddedServer(
            port=0 if options.demo else options.port,
            db=db,
            rate=0.0 if options.demo else options.clock_rate,
            settings=options.server_settings,
        )
        url, admin_key = server.url, server.admin_key
        clock = server.clock
    store, check = _open_store(options)
    registry = options.registry or (MemoryRegistry() if options.demo else DeviceRegistry())
    engine = Engine().start()
    lab = Lab(url, store=store, clock=clock, registry=registry)
    admin = AdminClient(url, admin_key)
    bridge = LabBridge(
        engine,
        lab,
        admin,
        admin_key=admin_key,
        embedded=server is not None,
    )
    if server is not None:  # the bundled server starts resource servers of its own
        bridge.server.start_api = server.start_api
    # The window first; the keyring and the devices follow on the engine thread.
    bridge.devices.open_lab(check, _restore_or_create)
    window = MainWindow(bridge, server_url=url)
    if server is None:
        bridge.start()  # an external server: follow it now (failures become messages)
    else:
        # The window is ready before the server: FastAPI loads and uvicorn starts
        # in the background, and the console fills in once it answers.
        def ready(error: BaseException | None) -> None:
            if error is None:
                bridge.start()
            else:
                bridge.dispatch.failed.emit(
                    tr("The embedded server could not start: {error}").format(error=error)
                )

        server.start(on_ready=lambda error: bridge.dispatch.to_gui(ready, error))
    return LabApp(window, bridge, engine, server, url)


async def _restore_or_create(lab: Lab) -> None:
    restored = await lab.restore()
    if not restored and not lab.devices:
        for device_id, kind, name in DEFAULT_DEVICES:
            await lab.add_device(device_id, kind, user="alice", name=core_tr(name))


async def demo_script(app: LabApp) -> None:
    """The demo: the seed's dual login under 'single' with stateless verification,
    so the screenshot shows a signed-out phone, a live PC and the red window —
    the phone and the PC signing in as apps do today (the browser, a code, PKCE;
    the page filled by the scripted browser), and a TV showing its code."""
    admin = app.bridge.admin
    await asyncio.to_thread(app.bridge.devices.opened.wait, 30)  # the devices are restored
    lab = app.bridge.devices.own_lab  # the coroutine runs on the engine thread
    phone, pc = lab.get("phone"), lab.get("pc")
    await admin.update_settings(login_policy="single", verify_mode="stateless")
    await lab.set_listen("phone", False)  # the seed's phone: it learns from a refused call
    await phone.login_in_browser(Autopilot("alice", "alice-pass"))
    await admin.advance_clock(8)
    await phone.call()
    await admin.advance_clock(4)
    await pc.login_in_browser(Autopilot("alice", "alice-pass"))
    await admin.advance_clock(5)
    await phone.call()  # the revoked session's token still works: stateless
    await pc.call()
    await admin.advance_clock(14)
    await phone.call()  # expired, the refresh is refused: superseded
    await admin.advance_clock(6)
    await pc.call()
    tv = await lab.add_device(
        "tv", "tv", user="alice", name=core_tr("Living room TV"), flow="device"
    )
    await tv.start_device_flow()  # its code waits for approval on the phone or the PC
    await admin.advance_clock(3)


DEMO_APIS = (  # name, verify mode, introspection cache
    ("deny-list", "denylist", 0.0),
    ("introspect", "introspect", 5.0),
    ("stateful", "stateful", 0.0),
    ("stateless", "stateless", 0.0),
)


async def revocation_demo(app: LabApp) -> None:
    """Issue 15's picture: four resource servers of their own beside the bundled
    server, one per way to verify. The PC's login ends the phone's session; the
    phone is told at once (no call), and each API's lane shows how long it still
    took the phone's last token — the deny-list and stateful ones not at all, the
    introspecting one until its 5 s cache ran out, the stateless one until exp."""
    if app.server is None:
        raise RuntimeError("the revocation demo starts resource servers beside the bundled server")
    admin, monitor = app.bridge.admin, app.bridge.server
    await asyncio.to_thread(app.bridge.devices.opened.wait, 30)
    lab = app.bridge.devices.own_lab
    phone, pc = lab.get("phone"), lab.get("pc")
    await admin.update_settings(login_policy="single", verify_mode="stateless")
    for name, mode, cache in DEMO_APIS:
        await asyncio.to_thread(app.server.start_api, name, mode, cache)
    monitor.refresh()
    async with asyncio.timeout(20):
        while len(lab.apis) < len(DEMO_APIS):  # noqa: ASYNC110 - told by the monitor's reads
            await asyncio.sleep(0.05)
    await phone.login_in_browser(Autopilot("alice", "alice-pass"))
    await admin.advance_clock(3)
    for url in lab.apis.values():
        await phone.call(f"{url}/api/me")  # in use everywhere: the cache holds it
    await admin.advance_clock(4)
    await pc.login_in_browser(Autopilot("alice", "alice-pass"))  # the phone is told
    async with asyncio.timeout(10):
        while phone.state != DeviceState.SIGNED_OUT:  # noqa: ASYNC110 - moved by its stream
            await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # the pushes land and the first tries are made: real time
    for _ in range(14):  # time passes; the lab keeps trying the token on each API
        await asyncio.sleep(0.6)
        await admin.advance_clock(3)
    await pc.call()
    await asyncio.sleep(1.0)


THEFT_SCENARIO = "14a-dpop-stolen-access-token.toml"


async def stolen_token_demo(app: LabApp) -> None:
    """DPoP's point, as the built-in scenario ``dpop-stolen-access-token`` plays it
    in the window (its own lab, its own server, at 10×): a thief copies a bearer
    and a DPoP-bound access token. The bearer copy gets in until it expires; the
    DPoP copy is refused every time, each with its reason — on the thieves' lanes."""
    done = asyncio.get_running_loop().create_future()

    def start(_: object) -> None:  # on the GUI thread
        window, player = app.window, app.bridge.player

        def finished(result: object) -> None:
            app.engine.loop.call_soon_threadsafe(
                lambda: None if done.done() else done.set_result(result)
            )

        player.finished.connect(finished)
        window.speed_buttons[10].setChecked(True)
        window.play_scenario(builtin_scenario_dir() / THEFT_SCENARIO)

    await asyncio.to_thread(app.bridge.devices.opened.wait, 30)
    app.bridge.dispatch.to_gui(start, None)
    result = await asyncio.wait_for(done, 120)
    if not result.passed:
        raise RuntimeError(f"the scenario {result.scenario.name} did not pass")


DEMOS = {
    "dual-login": demo_script,
    "stolen-token": stolen_token_demo,
    "revocation": revocation_demo,
}


def take_screenshot(app: LabApp, path: Path, qapp: QApplication, demo: str = "dual-login") -> int:
    """Run the demo, let the window catch up, save a PNG of it, and quit."""
    window = app.window
    window.resize(1280, 800)
    if demo == "stolen-token":  # room for four lanes: two devices and their thieves
        window.split.setSizes([430, 370])
    if demo == "revocation":  # room for six lanes: the phone, its four APIs, the PC
        window.resize(1280, 960)
        window.split.setSizes([450, 510])
    window.show()
    if app.server is not None:
        app.server.wait()
    future = app.engine.submit(DEMOS[demo](app))
    result: dict[str, int] = {}

    def finish() -> None:
        if future.exception() is not None:
            print(f"jwt-lab gui --demo: {future.exception()}", file=sys.stderr)
            result["code"] = 1
            qapp.quit()
            return
        app.bridge.server.refresh()
        app.window.tick()
        QTimer.singleShot(1200, save)

    def save() -> None:
        window.tick()
        image = window.grab()
        ok = image.save(str(path))
        if ok:
            print(f"screenshot saved to {path} ({image.width()}×{image.height()})")
        else:
            print(f"jwt-lab gui: could not write {path}", file=sys.stderr)
        result["code"] = 0 if ok else 1
        qapp.quit()

    def wait() -> None:
        if future.done():
            finish()
        else:
            QTimer.singleShot(50, wait)

    QTimer.singleShot(300, wait)
    qapp.exec()
    return result.get("code", 1)


def main(options: LaunchOptions) -> int:
    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(qapp, QApplication)
    qapp.setApplicationName("JWT Device Lab")
    apply_theme(qapp, options.theme)
    install_font(qapp)
    install_language(qapp, options.lang)
    from client.embedded import LabBusy

    try:
        app = build(options)
    except LabBusy as exc:
        # Said where a desktop user looks (a dialog) and where a terminal user looks.
        print(f"jwt-lab gui: {exc}", file=sys.stderr)
        if options.screenshot is None:
            QMessageBox.critical(None, tr("JWT Device Lab is already open"), str(exc))
        return 2
    try:
        if options.screenshot is not None:
            return take_screenshot(app, options.screenshot, qapp, options.demo_name)
        if options.demo:
            if app.server is not None:
                app.server.wait()
            app.engine.submit(DEMOS[options.demo_name](app))
        app.window.show()
        return qapp.exec()
    finally:
        app.shutdown()


__all__ = ["LabApp", "LaunchOptions", "build", "main"]
