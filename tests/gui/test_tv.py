"""The TV in the window (issue 13): it signs in with the device grant, shows its
code and a QR code, and the phone approves it."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from client import DeviceState
from client.gui.app import LabApp
from client.gui.dialogs import AddDeviceDialog, ApproveDialog, LoginDialog


def test_a_tv_shows_its_code_and_the_phone_approves_it(qtbot: QtBot, lab_app: LabApp) -> None:
    window, devices = lab_app.window, lab_app.bridge.devices
    window.add_buttons["tv"].click()
    dialog = window.dialog
    assert isinstance(dialog, AddDeviceDialog) and dialog.type.currentData() == "tv"
    dialog.name.setText("Living room TV")
    dialog.accept()
    qtbot.waitUntil(lambda: "tv-1" in window.cards, timeout=10_000)
    tv_card = window.cards["tv-1"]
    tv_card.sign_in.click()
    login = window.dialog
    assert isinstance(login, LoginDialog) and login.chosen_flow() == "device"  # TVs: a code
    assert not login.password.isEnabled()
    login.accept()
    qtbot.waitUntil(lambda: tv_card.pending_box.isVisible(), timeout=10_000)
    code = tv_card.user_code.text()
    assert len(code) == 9 and code[4] == "-"
    assert tv_card.badge.text() == "WAITING FOR APPROVAL"
    assert not tv_card.bars_box.isVisible()  # no tokens yet: the code takes their place
    assert not tv_card.qr.pixmap().isNull() and code in tv_card.qr.toolTip()
    phone_card = window.cards["phone"]
    qtbot.waitUntil(phone_card.approve.isVisible)
    assert not tv_card.approve.isVisible()  # a TV does not approve itself
    phone_card.approve.click()
    approve = window.dialog
    assert (
        isinstance(approve, ApproveDialog)
        and code in approve.findChildren(type(tv_card.name))[0].text()
    )
    approve.accept()
    tv = devices.own_lab.get("tv-1")
    lab_app.server.clock.advance(5)  # the TV's interval: it polls and gets its tokens
    qtbot.waitUntil(lambda: tv.state == DeviceState.ACTIVE, timeout=10_000)
    qtbot.waitUntil(lambda: not tv_card.pending_box.isVisible())
    assert tv_card.bars_box.isVisible()
    assert not phone_card.approve.isVisible()
    assert devices.own_lab.get("tv-1").config.flow == "device"  # kept with the device


def test_a_waiting_tv_can_give_up(qtbot: QtBot, lab_app: LabApp) -> None:
    window = lab_app.window
    lab_app.bridge.devices.add_device("tv", "tv", user="alice", name="TV")
    qtbot.waitUntil(lambda: "tv" in window.cards, timeout=10_000)
    card = window.cards["tv"]
    card.sign_in.click()
    window.dialog.accept()
    qtbot.waitUntil(card.pending_box.isVisible, timeout=10_000)
    card.cancel_pending.click()
    qtbot.waitUntil(lambda: not card.pending_box.isVisible(), timeout=10_000)
    assert lab_app.bridge.devices.own_lab.get("tv").state == DeviceState.SIGNED_OUT
    assert not window.cards["phone"].approve.isVisible()
