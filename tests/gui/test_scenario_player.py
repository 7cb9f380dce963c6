"""The scenario player plays in a lab of its own, on a server of its own, and
leaves the user's lab exactly as it was (issue 12, item 4)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pytestqt.qtbot import QtBot

from client import DeviceState
from client.gui.app import LabApp
from client.gui.dialogs import UNCHECKED, TokenInspector
from client.scenarios.model import builtin_scenarios
from tests.gui.conftest import sign_in

# Same device id as the user's phone, another name: the scenario's card must be
# its own, not the user's card retitled. Its [server] differs from the defaults.
SCENARIO = """
name = "jimin"
title = "Jimin signs in on a PC"
description = "The phone is logged out under 'single'."

[server]
login_policy = "single"
verify_mode = "stateful"
access_ttl = 40

[[devices]]
id = "phone"
type = "mobile"
user = "alice"
name = "지민의 휴대폰"

[[devices]]
id = "laptop"
type = "pc"
user = "alice"
name = "Jimin's laptop"

[[steps]]
at = 0
device = "phone"
action = "login"

[[steps]]
at = 1
device = "phone"
action = "call"
expect = { status = 200 }

[[steps]]
at = 2
device = "laptop"
action = "login"

[[steps]]
at = 3
device = "phone"
action = "call"
expect = { state = "signed_out", reason = "superseded" }
"""


def _server_state(app: LabApp) -> dict[str, Any]:
    return app.bridge.engine.run(app.bridge.admin.state(), 10)


def _own_lab(app: LabApp) -> list[tuple[Any, ...]]:
    lab = app.bridge.devices.own_lab
    return [
        (
            d.id,
            d.config.name,
            str(d.state),
            *((d.tokens.sid, d.tokens.access_exp) if d.tokens else (None, None)),
        )
        for d in lab.devices.values()
    ]


def _history(app: LabApp) -> tuple[Any, ...]:
    own = app.window.own
    rows = list(own.log.rows)
    return copy.deepcopy(own.timeline.lanes), own.timeline.origin, rows, own.log.origin


def test_a_played_scenario_leaves_the_users_lab_as_it_was(
    qtbot: QtBot, lab_app: LabApp, tmp_path: Path
) -> None:
    window, devices = lab_app.window, lab_app.bridge.devices
    sign_in(qtbot, lab_app, "phone")  # the user's own session, on the user's server
    window.cards["phone"].call.click()
    qtbot.waitUntil(lambda: "Last: GET /api/me → 200" in window.cards["phone"].last_call.text())
    qtbot.waitUntil(lambda: len(window.own.log.rows) >= 4)
    before_server = _server_state(lab_app)
    before_lab, before_history = _own_lab(lab_app), _history(lab_app)
    before_cards = list(window.cards)

    path = tmp_path / "jimin.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    window.speed_buttons[10].setChecked(True)
    with qtbot.waitSignal(lab_app.bridge.player.finished, timeout=30_000) as finished:
        window.play_scenario(path)
        # While it plays, the button stops it.
        qtbot.waitUntil(lambda: window.play.text() == "■ Stop")
    result = finished.args[0]
    assert result.passed, [c for c in result.checks if not c.passed]

    # The scenario's devices on cards of their own, driven by the scenario only.
    qtbot.waitUntil(lambda: list(window.cards) == ["phone", "laptop"])
    phone = window.cards["phone"]
    assert phone.name.text() == "지민의 휴대폰"
    assert phone.read_only and not phone.sign_in.isVisibleTo(phone)
    assert not phone.call.isVisibleTo(phone) and phone.inspect.isVisibleTo(phone)
    qtbot.waitUntil(lambda: phone.badge.text() == "SIGNED OUT")  # the next view shows it
    assert "GET /api/me → 401" in phone.last_call.text()  # its own calls, not the user's
    assert not window.add_buttons["mobile"].isEnabled()
    assert not window.menu_actions["new_device"].isEnabled()  # nor its menu item (Ctrl+N)
    # A failure of the user's own lab is noted in the user's log, not the scenario's.
    scenario_rows = len(window.event_log.model.rows)
    lab_app.bridge.dispatch.failed.emit("the keyring failed: boom")
    assert len(window.event_log.model.rows) == scenario_rows
    assert window.own.log.rows[-1].text == "the keyring failed: boom"
    before_history = (
        *before_history[:2],
        [*before_history[2], window.own.log.rows[-1]],
        before_history[3],
    )
    # The console shows the scenario's server, read-only: its settings, its sessions.
    console = window.console
    assert console.title.text() == "Server · the scenario's own (jimin)"
    qtbot.waitUntil(lambda: console.policy.currentText() == "single")
    assert console.access_ttl.value() == 40 and not console.policy.isEnabled()
    assert {r["device"] for r in console.sessions_rows()} == {"지민의 휴대폰", "Jimin's laptop"}
    # The scenario's history is on the timeline: its lanes, its server's revocation.
    assert [lane.name for lane in window.timeline_model.lanes.values()] == [
        "지민의 휴대폰",
        "Jimin's laptop",
    ]
    markers = [m.kind for m in window.timeline_model.lanes["phone"].markers]
    assert "revoked" in markers, markers
    assert window.timeline_model is not window.own.timeline
    assert window.play.text() == "▶ Play"
    # Its tokens can still be read; the signature cannot be checked once it is over.
    window.cards["laptop"].inspect.click()
    qtbot.waitUntil(lambda: isinstance(window.dialog, TokenInspector))
    assert window.dialog.windowTitle() == "Token inspector — Jimin's laptop"
    assert window.dialog.reports["access token"].signature == UNCHECKED
    assert window.dialog.reports["access token"].claims["iss"] == "http://scenario.lab"
    window.dialog.reject()

    # The user's server: same settings, same sessions, same clock — untouched.
    after_server = _server_state(lab_app)
    for key in ("settings", "sessions", "users"):
        assert after_server[key] == before_server[key], key
    assert after_server["clock"]["rate"] == before_server["clock"]["rate"]
    assert _own_lab(lab_app) == before_lab

    window.back.click()
    qtbot.waitUntil(lambda: list(window.cards) == before_cards)
    assert window.cards["phone"].name.text() == "Alice's phone"
    assert not window.cards["phone"].read_only
    assert window.cards["phone"].call.isEnabled()
    assert "Last: GET /api/me → 200" in window.cards["phone"].last_call.text()
    assert window.timeline_model is window.own.timeline
    assert _history(lab_app) == before_history
    assert window.event_log.model is window.own.log
    assert window.add_buttons["mobile"].isEnabled()
    assert console.title.text().startswith("Server · http://127.0.0.1:")
    assert console.policy.currentText() == before_server["settings"]["login_policy"]
    assert console.policy.isEnabled()
    assert {r["device"] for r in console.sessions_rows()} == {"Alice's phone"}
    assert devices.own_lab.get("phone").state == DeviceState.ACTIVE


def test_stop_ends_a_scenario_at_once_and_says_so(qtbot: QtBot, lab_app: LabApp) -> None:
    window = lab_app.window
    window.scenario_combo.setCurrentText("refresh-on-401")  # 80 s of scenario time
    window.speed_buttons[1].setChecked(True)
    path = next(p for p in builtin_scenarios() if p.name.startswith("01-"))
    window.play_scenario(path)
    qtbot.waitUntil(lambda: window.play.text() == "■ Stop")
    qtbot.waitUntil(lambda: list(window.cards) == ["phone"])  # its lab is shown
    # The window cannot be rebuilt under a playing scenario: the menu says so and stays true.
    window.menu_actions["lang_ko"].trigger()
    assert lab_app.window is window and window.menu_actions["lang_en"].isChecked()
    assert "Stop the scenario first" in window.message.full_text
    with qtbot.waitSignal(lab_app.bridge.player.finished, timeout=5_000) as finished:
        window.play.click()
    result = finished.args[0]
    assert result.stopped and not result.passed
    assert len(result.steps) < len(result.scenario.steps)
    assert window.scenario_title.text().startswith("■ ")
    assert "stopped after step" in window.scenario_text.text()
    assert window.play.text() == "▶ Play"
    assert not lab_app.bridge.player.running
    window.back.click()
    qtbot.waitUntil(lambda: list(window.cards) == ["phone", "pc"])
