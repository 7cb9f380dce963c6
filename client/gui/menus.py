"""The window's menu bar, keyboard shortcuts and context menus.

Every command a menu offers is a method of ``MainWindow`` that a button also
reaches; the menus only name them, bind their shortcuts and enable them when
they apply. Device commands act on the *current* device: the card last
clicked (the first card until then).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from client.gui.i18n import tr
from client.i18n import language

if TYPE_CHECKING:
    from client.gui.main_window import MainWindow

# Clock speeds and their shortcuts: Ctrl+0 stops the clock, Ctrl+1 … Ctrl+3 speed up.
SPEED_KEYS = {0: "Ctrl+0", 1: "Ctrl+1", 5: "Ctrl+2", 10: "Ctrl+3"}
# Each language in its own words: a reader finds theirs whatever the window speaks.
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}


def build_menu_bar(window: MainWindow) -> dict[str, QAction]:
    """The menu bar; returns its actions by name (tests and the window reach them)."""
    bar = window.menuBar()
    actions: dict[str, QAction] = {}

    def add(
        menu: QMenu, name: str, text: str, slot: Callable[[], object], key: str | None = None
    ) -> QAction:
        action = QAction(text, window)
        if key:
            action.setShortcut(QKeySequence(key))
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        actions[name] = action
        return action

    file = bar.addMenu(tr("&File"))
    add(
        file,
        "export_log",
        tr("Export the event log (JSON Lines)…"),
        window.export_event_log,
        "Ctrl+E",
    )
    add(
        file, "export_png", tr("Export the timeline as PNG…"), lambda: window.export_timeline("png")
    )
    add(
        file, "export_svg", tr("Export the timeline as SVG…"), lambda: window.export_timeline("svg")
    )
    add(file, "export_report", tr("Export the scenario report…"), window.export_report)
    file.addSeparator()
    add(file, "quit", tr("Quit"), window.close, "Ctrl+Q")

    device = bar.addMenu(tr("&Device"))
    add(device, "new_device", tr("New device…"), lambda: window.add_device("mobile"), "Ctrl+N")
    device.addSeparator()
    add(device, "sign_in", tr("Sign in"), lambda: window.on_current(window.sign_in), "Ctrl+L")
    add(
        device,
        "call",
        tr("Call the API"),
        lambda: window.on_current(window.bridge.devices.call),
        "Ctrl+Return",
    )
    add(
        device,
        "sign_out",
        tr("Sign out"),
        lambda: window.on_current(window.bridge.devices.logout),
        "Ctrl+Shift+L",
    )
    add(
        device,
        "inspect",
        tr("Inspect the tokens"),
        lambda: window.on_current(window.bridge.devices.inspect),
        "Ctrl+I",
    )
    add(
        device,
        "remove",
        tr("Remove the device…"),
        lambda: window.on_current(window.confirm_remove),
        "Ctrl+Delete",
    )

    scenario = bar.addMenu(tr("&Scenario"))
    add(scenario, "play", tr("Play / Stop"), window.play_or_stop, "F5")
    add(scenario, "open_scenario", tr("Open a scenario file…"), window.open_scenario_file, "Ctrl+O")
    add(scenario, "back", tr("Back to my devices"), window.back_to_own_devices, "Ctrl+B")

    clock = bar.addMenu(tr("&Clock"))
    for speed, key in SPEED_KEYS.items():
        text = tr("Stop the clock (0×)") if speed == 0 else tr("{n}× speed").format(n=speed)
        add(clock, f"speed_{speed}", text, partial(window.choose_speed, speed), key)

    view = bar.addMenu(tr("&View"))
    add(view, "find", tr("Find in the event log"), window.find_in_log, "Ctrl+F")
    add(
        view,
        "show_timeline",
        tr("Timeline"),
        lambda: window.tabs.setCurrentIndex(0),
        "Ctrl+Shift+T",
    )
    add(view, "show_log", tr("Event log"), lambda: window.tabs.setCurrentIndex(1), "Ctrl+Shift+E")

    view.addSeparator()
    languages = view.addMenu(tr("Language"))
    group = QActionGroup(window)
    for lang, name in LANGUAGE_NAMES.items():
        action = add(languages, f"lang_{lang}", name, partial(window.switch_language, lang))
        action.setCheckable(True)
        action.setChecked(lang == language())
        group.addAction(action)

    help_menu = bar.addMenu(tr("&Help"))
    add(help_menu, "about", tr("About JWT Device Lab"), window.show_about)
    return actions


def _menu(window: MainWindow) -> QMenu:
    menu = QMenu(window)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per right-click: freed
    return menu


def card_menu(window: MainWindow, device_id: str) -> QMenu:
    """What a right-click on a card offers (a scenario's card: inspect only)."""
    menu = _menu(window)
    card = window.cards.get(device_id)
    snapshot = window.view.get(device_id) if window.view else None
    signed_in = snapshot is not None and snapshot.access_exp is not None
    devices = window.bridge.devices
    if card is not None and not card.read_only:
        if signed_in:
            menu.addAction(tr("Call the API"), lambda: devices.call(device_id))
            menu.addAction(tr("Sign out"), lambda: devices.logout(device_id))
            menu.addAction(
                tr("Sign out the other devices"), lambda: devices.logout_others(device_id)
            )
            menu.addAction(tr("Steal its access token"), lambda: devices.steal(device_id))
        else:
            menu.addAction(tr("Sign in…"), lambda: window.sign_in(device_id))
    inspect = menu.addAction(tr("Inspect the tokens"), lambda: devices.inspect(device_id))
    inspect.setEnabled(signed_in)
    if card is not None and not card.read_only:
        menu.addSeparator()
        menu.addAction(tr("Remove the device…"), lambda: window.confirm_remove(device_id))
    return menu


def session_menu(window: MainWindow, sid: str, user: str) -> QMenu:
    """What a right-click on a session row offers."""
    menu = _menu(window)
    revoke = menu.addAction(tr("Revoke this session…"), lambda: window.confirm_revoke(sid))
    force = menu.addAction(
        tr("Force-expire every session of {user}…").format(user=user),
        lambda: window.confirm_force_expire(user),
    )
    for action in (revoke, force):
        action.setEnabled(not window.console.read_only)
    menu.addSeparator()
    menu.addAction(tr("Copy the session id"), lambda: QGuiApplication.clipboard().setText(sid))
    return menu
