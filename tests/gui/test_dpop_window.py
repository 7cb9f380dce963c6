"""DPoP in the window (issue 14): a switch in the sign-in dialog, a key badge on
the card, and the last proof in the inspector."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from client import DeviceState
from client.flows import Autopilot
from client.gui.app import LabApp
from client.gui.dialogs import LoginDialog, TokenInspector


def test_a_phone_signed_in_with_dpop_shows_its_key_and_last_proof(
    qtbot: QtBot, lab_app: LabApp
) -> None:
    window, devices = lab_app.window, lab_app.bridge.devices
    devices.browser = lambda user, password: Autopilot(user, password)
    card = window.cards["phone"]
    assert not card.key_badge.isVisible()
    card.sign_in.click()
    dialog = window.dialog
    assert isinstance(dialog, LoginDialog) and not dialog.dpop.isChecked()
    dialog.dpop.setChecked(True)
    dialog.accept()
    phone = devices.own_lab.get("phone")
    qtbot.waitUntil(lambda: phone.state == DeviceState.ACTIVE, timeout=10_000)
    assert phone.tokens is not None and phone.tokens.token_type == "DPoP"
    assert phone.config.dpop  # kept with the device
    qtbot.waitUntil(card.key_badge.isVisible)
    assert phone.oauth.dpop is not None and phone.oauth.dpop.jkt[:12] in card.key_badge.toolTip()
    qtbot.waitUntil(card.call.isEnabled)
    card.call.click()
    qtbot.waitUntil(lambda: "→ 200" in card.last_call.text(), timeout=10_000)
    card.inspect.click()
    qtbot.waitUntil(lambda: isinstance(window.dialog, TokenInspector), timeout=10_000)
    inspector = window.dialog
    proof = inspector.reports["last DPoP proof"]
    assert proof.header["typ"] == "dpop+jwt" and proof.claims["htm"] == "GET"
    access = inspector.reports["access token"]
    assert access.claims["cnf"] == {"jkt": phone.oauth.dpop.jkt}
    inspector.reject()
