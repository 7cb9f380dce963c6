"""The menu bar, its shortcuts, the context menus and the exports (issue 12)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from client.gui.app import LabApp
from client.gui.dialogs import AddDeviceDialog, LoginDialog, TokenInspector
from client.gui.menus import card_menu, session_menu
from tests.gui.conftest import sign_in
from tests.gui.test_scenario_player import SCENARIO


def test_the_menu_bar_names_every_command_with_its_shortcut(lab_app: LabApp) -> None:
    actions = lab_app.window.menu_actions
    keys = {name: action.shortcut().toString() for name, action in actions.items()}
    assert keys["new_device"] == "Ctrl+N"
    assert keys["sign_in"] == "Ctrl+L" and keys["call"] == "Ctrl+Return"
    assert keys["play"] == "F5" and keys["find"] == "Ctrl+F"
    assert keys["speed_0"] == "Ctrl+0" and keys["speed_10"] == "Ctrl+3"
    menus = [a.text() for a in lab_app.window.menuBar().actions()]
    assert menus == ["&File", "&Device", "&Scenario", "&Clock", "&View", "&Help"]
    # No two commands share a key.
    bound = [k for k in keys.values() if k]
    assert len(bound) == len(set(bound))
    assert all(QKeySequence(k).count() == 1 for k in bound)


def test_device_commands_act_on_the_current_card(qtbot: QtBot, lab_app: LabApp) -> None:
    window = lab_app.window
    actions = window.menu_actions
    assert window.current_device == "phone" and window.cards["phone"].property("current")
    qtbot.mouseClick(window.cards["pc"], Qt.MouseButton.LeftButton)
    assert window.current_device == "pc" and not window.cards["phone"].property("current")
    actions["sign_in"].trigger()
    assert isinstance(window.dialog, LoginDialog) and "Office PC" in window.dialog.windowTitle()
    window.dialog.accept()
    pc = lab_app.bridge.devices.own_lab.get("pc")
    qtbot.waitUntil(lambda: pc.tokens is not None, timeout=10_000)
    actions["inspect"].trigger()
    qtbot.waitUntil(lambda: isinstance(window.dialog, TokenInspector), timeout=10_000)
    window.dialog.reject()
    actions["new_device"].trigger()
    assert isinstance(window.dialog, AddDeviceDialog)
    window.dialog.reject()
    actions["speed_5"].trigger()
    qtbot.waitUntil(lambda: lab_app.bridge.server.last_state["clock"]["rate"] == 5.0)
    assert window.speed_group.checkedId() == 5
    actions["find"].trigger()
    assert window.tabs.currentIndex() == 1


def test_context_menus_on_cards_and_session_rows(qtbot: QtBot, lab_app: LabApp) -> None:
    window = lab_app.window
    signed_out = [a.text() for a in card_menu(window, "phone").actions() if a.text()]
    assert signed_out == ["Sign in…", "Inspect the tokens", "Remove the device…"]
    sign_in(qtbot, lab_app, "phone")
    menu = card_menu(window, "phone")
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:3] == ["Call the API", "Sign out", "Sign out the other devices"]
    next(a for a in menu.actions() if a.text() == "Call the API").trigger()
    qtbot.waitUntil(lambda: "→ 200" in window.cards["phone"].last_call.text(), timeout=10_000)
    qtbot.waitUntil(lambda: bool(window.console.sessions_rows()))
    sid = lab_app.bridge.server.last_state["sessions"][0]["sid"]
    rows = [a.text() for a in session_menu(window, sid, "alice").actions() if a.text()]
    assert rows == [
        "Revoke this session…",
        "Force-expire every session of alice…",
        "Copy the session id",
    ]


def test_exports_write_the_log_the_timeline_and_the_report(
    qtbot: QtBot, lab_app: LabApp, tmp_path: Path
) -> None:
    window = lab_app.window
    sign_in(qtbot, lab_app, "phone")
    qtbot.waitUntil(lambda: len(window.event_log.model.rows) >= 3)
    log = tmp_path / "out" / "events.jsonl"
    window.export_event_log(log)
    qtbot.waitUntil(log.exists, timeout=5_000)
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len(window.event_log.model.rows)
    assert {"t", "time", "at", "source", "kind", "text"} <= set(lines[0])
    assert any(line["text"] == "Signed in" and line["source"] == "phone" for line in lines)
    assert all(line["time"].startswith("T+") for line in lines)

    png, svg = tmp_path / "timeline.png", tmp_path / "timeline.svg"
    window.export_timeline("png", png)
    window.export_timeline("svg", svg)
    qtbot.waitUntil(lambda: png.exists() and svg.exists(), timeout=5_000)
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    drawing = svg.read_text(encoding="utf-8")
    assert "<svg" in drawing
    texts = set(re.findall(r">([^<]+)</text>", drawing))  # text stays text, not pixels
    assert {"Alice's phone", "Office PC", "access token"} <= texts, texts

    assert not window.menu_actions["export_report"].isEnabled()
    scenario = tmp_path / "jimin.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    window.speed_buttons[10].setChecked(True)
    with qtbot.waitSignal(lab_app.bridge.player.finished, timeout=30_000):
        window.play_scenario(scenario)
    assert window.menu_actions["export_report"].isEnabled()
    report, junit = tmp_path / "report.json", tmp_path / "report.xml"
    window.export_report(report)
    window.export_report(junit)
    qtbot.waitUntil(lambda: report.exists() and junit.exists(), timeout=5_000)
    body = json.loads(report.read_text(encoding="utf-8"))
    assert body["passed"] is True and body["scenarios"][0]["name"] == "jimin"
    assert junit.read_bytes().startswith(b"<?xml")
