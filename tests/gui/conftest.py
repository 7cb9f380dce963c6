"""GUI fixtures: the real window, the real embedded server on loopback, offscreen Qt."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from client import DeviceRegistry, DeviceState, MemoryTokenStore
from client.flows import Autopilot
from client.gui.app import LabApp, LaunchOptions, build

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def options(tmp_path: Path) -> LaunchOptions:
    return LaunchOptions(
        port=0,
        db=":memory:",
        store=MemoryTokenStore(),
        clock_rate=0.0,
        registry=DeviceRegistry(tmp_path / "devices.json"),
        server_settings={"password_profile": "fast"},
    )


@pytest.fixture
def lab_app(qtbot: QtBot, options: LaunchOptions) -> Iterator[LabApp]:
    app = build(options)
    # The code flow's page is filled by the scripted browser (the real path, no one clicks).
    app.bridge.devices.browser = lambda user, password: Autopilot(user, password)
    app.window.show()
    qtbot.waitUntil(lambda: bool(app.bridge.server.last_state), timeout=10_000)
    yield app
    # Not qtbot.addWidget: a language switch replaces (and deletes) the window.
    app.window.close()
    app.shutdown()


def sign_in(qtbot: QtBot, app: LabApp, device_id: str) -> None:
    """Sign a device in the way a user does: the card's button, then the dialog."""
    app.bridge.devices.browser = lambda user, password: Autopilot(user, password)
    card = app.window.cards[device_id]
    card.sign_in.click()
    dialog = app.window.dialog
    assert dialog is not None and dialog.password.text().endswith("-pass")
    dialog.accept()
    device = app.bridge.devices.lab.get(device_id)
    qtbot.waitUntil(lambda: device.state == DeviceState.ACTIVE, timeout=10_000)
    qtbot.waitUntil(card.call.isEnabled)  # the card has caught up


def stop_listening(qtbot: QtBot, app: LabApp, device_id: str) -> None:
    """Uncheck "Hear sign-outs at once" on the card's menu: the device learns that its
    session ended only from a refused call, as in the seed (its stateless window shows)."""
    card = app.window.cards[device_id]
    device = app.bridge.devices.lab.get(device_id)
    qtbot.waitUntil(lambda: card.listen_action.isChecked() == device.config.listen)
    if card.listen_action.isChecked():
        card.listen_action.trigger()
    qtbot.waitUntil(lambda: not device.config.listen and not device.listening)


def answer_dialog(qtbot: QtBot, button: str) -> None:
    """Click ``button`` on the next modal message box (its exec() blocks the test)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, click)
            return
        for candidate in box.buttons():
            if candidate.text().replace("&", "") == button:
                candidate.click()
                return
        raise AssertionError(f"no {button!r} button among {[b.text() for b in box.buttons()]}")

    QTimer.singleShot(0, click)
