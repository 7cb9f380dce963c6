"""The desktop lab, driven as a user drives it (pytest-qt, offscreen)."""

from __future__ import annotations

import re
import threading

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from client import DeviceState, KeyringTokenStore, KeyringUnavailable
from client.events import StateChanged
from client.gui.app import LabApp, LaunchOptions, build
from client.gui.dialogs import AddDeviceDialog, TokenInspector
from tests.gui.conftest import answer_dialog, sign_in, stop_listening


def test_launch_shows_two_devices_and_the_server_in_the_status_bar(lab_app: LabApp) -> None:
    window = lab_app.window
    assert list(window.cards) == ["phone", "pc"]
    assert window.cards["phone"].name.text() == "Alice's phone"
    assert window.cards["pc"].name.text() == "Office PC"
    assert window.server_label.text() == "embedded server"
    assert lab_app.server.url in window.server_label.toolTip()
    assert lab_app.server.url in window.console.title.text()
    assert window.admin_label.text() == "Copy admin key"
    assert "The admin key" in window.admin_label.toolTip()
    assert "memory only" in window.store_label.text()
    assert window.console.policy.currentText() == "multi"
    assert window.windowTitle() == "JWT Device Lab"


def test_signing_in_through_the_ui(qtbot: QtBot, lab_app: LabApp) -> None:
    with qtbot.waitSignal(
        lab_app.bridge.devices.device_event,
        check_params_cb=lambda e: isinstance(e, StateChanged) and e.new == "active",
        timeout=10_000,
    ):
        sign_in_button = lab_app.window.cards["phone"].sign_in
        sign_in_button.click()
        lab_app.window.dialog.accept()
    card = lab_app.window.cards["phone"]
    qtbot.waitUntil(lambda: card.badge.text() == "ACTIVE")
    assert card.sign_out.isVisible() and not card.sign_in.isVisible()


def test_the_countdown_falls_as_the_clock_advances(qtbot: QtBot, lab_app: LabApp) -> None:
    sign_in(qtbot, lab_app, "phone")
    card = lab_app.window.cards["phone"]
    qtbot.waitUntil(lambda: card.access_bar.value() == 1000)
    assert card.access_left.text() == "30 s"
    lab_app.server.clock.advance(21)
    qtbot.waitUntil(lambda: card.access_left.text() == "9 s")
    assert 280 <= card.access_bar.value() <= 320
    assert card.access_bar.color().name() == "#f59e0b"  # amber near expiry
    lab_app.server.clock.advance(15)
    qtbot.waitUntil(lambda: card.access_left.text() == "expired")
    assert card.access_bar.value() == 0


def test_dual_login_under_single_signs_the_phone_out(qtbot: QtBot, lab_app: LabApp) -> None:
    window = lab_app.window
    window.console.policy.setCurrentText("single")
    window.console.stateful.click()
    qtbot.waitUntil(
        lambda: lab_app.bridge.server.last_state["settings"]["login_policy"] == "single"
    )
    qtbot.waitUntil(
        lambda: lab_app.bridge.server.last_state["settings"]["verify_mode"] == "stateful"
    )
    sign_in(qtbot, lab_app, "phone")
    sign_in(qtbot, lab_app, "pc")
    phone_card = window.cards["phone"]
    phone_card.call.click()
    phone = lab_app.bridge.devices.lab.get("phone")
    qtbot.waitUntil(lambda: phone.state == DeviceState.SIGNED_OUT, timeout=10_000)
    assert phone.reason == "superseded"
    qtbot.waitUntil(lambda: phone_card.reason_box.isVisible())
    # On the window's one clock (T+, like the timeline and the log); the wall clock on hover.
    assert re.fullmatch(
        r"Signed out: you signed in on PC 'Office PC' at T\+00:\d\d", phone_card.reason.text()
    )
    assert re.fullmatch(
        r"Signed out: you signed in on PC 'Office PC' at \d\d:\d\d:\d\d",
        phone_card.reason.toolTip(),
    )
    assert phone_card.badge.text() == "SIGNED OUT"

    def table_shows_it() -> None:
        rows = {r["device"]: r for r in window.console.sessions_rows()}
        assert {"Alice's phone", "Office PC"} <= set(rows)
        assert rows["Alice's phone"]["state"] == "revoked"
        assert rows["Alice's phone"]["reason"] == "superseded"
        assert rows["Office PC"]["state"] == "active"

    qtbot.waitUntil(table_shows_it, timeout=10_000)


def test_changing_the_verify_mode_changes_the_server(qtbot: QtBot, lab_app: LabApp) -> None:
    console = lab_app.window.console
    console.stateful.click()
    qtbot.waitUntil(
        lambda: lab_app.bridge.server.last_state["settings"]["verify_mode"] == "stateful"
    )
    console.access_ttl.setValue(12)
    qtbot.waitUntil(lambda: lab_app.bridge.server.last_state["settings"]["access_ttl"] == 12)
    console.stateless.click()
    qtbot.waitUntil(
        lambda: lab_app.bridge.server.last_state["settings"]["verify_mode"] == "stateless"
    )


def test_stateless_window_is_drawn_in_the_timeline(qtbot: QtBot, lab_app: LabApp) -> None:
    window = lab_app.window
    window.console.policy.setCurrentText("single")
    qtbot.waitUntil(
        lambda: lab_app.bridge.server.last_state["settings"]["login_policy"] == "single"
    )
    stop_listening(qtbot, lab_app, "phone")  # it learns of the PC from its next call
    sign_in(qtbot, lab_app, "phone")
    lab_app.server.clock.advance(5)
    sign_in(qtbot, lab_app, "pc")
    window.cards["phone"].call.click()
    phone = lab_app.window.timeline_model.lanes["phone"]
    qtbot.waitUntil(lambda: bool(phone.windows), timeout=10_000)
    (stale,) = phone.windows.values()
    assert stale.reason == "superseded"
    assert stale.end - stale.start == pytest.approx(25, abs=1)
    kinds = [m.kind for m in phone.markers]
    assert "login" in kinds and "revoked" in kinds
    view = window.timeline
    start, end = view._range()
    revoked = next(m for m in phone.markers if m.kind == "revoked")
    hovered = view.marker_at(view._x(revoked.at, start, end), 12 + 13)
    assert hovered is not None and hovered.text.startswith("The session of Alice's phone ended")


def test_event_log_filters_by_device_and_kind(qtbot: QtBot, lab_app: LabApp) -> None:
    sign_in(qtbot, lab_app, "phone")
    sign_in(qtbot, lab_app, "pc")
    log = lab_app.window.event_log
    qtbot.waitUntil(lambda: any(r.source == "server" for r in log.model.rows), timeout=10_000)
    log.source.setCurrentText("phone")
    assert log.visible_rows() and {r.source for r in log.visible_rows()} == {"phone"}
    log.kind.setCurrentText("tokens")
    assert [r.kind for r in log.visible_rows()] == ["tokens"]
    assert "eyJ" not in " ".join(r.text for r in log.model.rows)


def test_the_inspector_decodes_and_verifies(qtbot: QtBot, lab_app: LabApp) -> None:
    sign_in(qtbot, lab_app, "phone")
    card = lab_app.window.cards["phone"]
    qtbot.waitUntil(card.inspect.isEnabled)
    card.inspect.click()
    qtbot.waitUntil(lambda: isinstance(lab_app.window.dialog, TokenInspector), timeout=10_000)
    inspector = lab_app.window.dialog
    report = inspector.reports["access token"]
    assert report.kind == "access token"
    assert report.signature_ok is True
    assert report.claims["device_id"] == "phone"
    assert inspector.reports["refresh token"].header["typ"] == "rt+jwt"
    # Its times age while it is open: move the lab clock and let it tick.
    lifetime = inspector.findChildren(QLabel, options=Qt.FindChildOption.FindChildrenRecursively)
    shown = [label for label in lifetime if label.text().startswith("<b>Lifetime:</b> valid")]
    assert shown
    lab_app.engine.run(lab_app.bridge.admin.advance_clock(3600))
    qtbot.waitUntil(lambda: "expired" in shown[0].text(), timeout=5_000)
    inspector.reject()


def test_adding_and_removing_a_device(qtbot: QtBot, lab_app: LabApp) -> None:
    window = lab_app.window
    window.add_buttons["tablet"].click()
    dialog = window.dialog
    assert isinstance(dialog, AddDeviceDialog)
    dialog.name.setText("Kitchen tablet")
    dialog.offset.setValue(-40)
    dialog.accept()
    qtbot.waitUntil(lambda: "tablet-1" in window.cards, timeout=10_000)
    card = window.cards["tablet-1"]
    assert card.name.text() == "Kitchen tablet"
    assert "clock -40 s" in card.subtitle.text()
    answer_dialog(qtbot, "Remove")
    card.remove_requested.emit("tablet-1")
    qtbot.waitUntil(lambda: "tablet-1" not in window.cards, timeout=10_000)


def test_auto_call_calls_repeatedly(qtbot: QtBot, lab_app: LabApp) -> None:
    sign_in(qtbot, lab_app, "pc")
    lab_app.bridge.devices.set_auto_call("pc", 0.2)
    pc = lab_app.bridge.devices.lab.get("pc")
    qtbot.waitUntil(lambda: pc.last_call is not None and pc.last_call.ok, timeout=10_000)
    card = lab_app.window.cards["pc"]
    qtbot.waitUntil(lambda: card.auto.text() == "⟳ 0.2 s" and card.auto.isChecked())
    lab_app.bridge.devices.set_auto_call("pc", 0)
    assert lab_app.bridge.devices.auto_call_interval("pc") == 0
    qtbot.waitUntil(lambda: card.auto.text() == "Auto" and not card.auto.isChecked())


def test_the_scenario_player_passes_a_builtin(qtbot: QtBot, lab_app: LabApp) -> None:
    window = lab_app.window
    window.scenario_combo.setCurrentText("dual-login")
    window.speed_buttons[10].setChecked(True)
    with qtbot.waitSignal(lab_app.bridge.player.finished, timeout=30_000) as finished:
        window.play.click()
    result = finished.args[0]
    assert result.passed, [c for c in result.checks if not c.passed]
    assert "passed" in window.scenario_text.text()
    assert list(window.cards) == ["phone", "laptop"]  # the scenario's devices appeared
    assert window.back.isVisible()
    window.back.click()
    qtbot.waitUntil(lambda: list(window.cards) == ["phone", "pc"])


def test_a_failing_command_shows_a_message_not_a_crash(qtbot: QtBot, lab_app: LabApp) -> None:
    card = lab_app.window.cards["phone"]
    card.sign_in.click()
    dialog = lab_app.window.dialog
    dialog.password.setText("wrong")
    with qtbot.waitSignal(lab_app.bridge.dispatch.failed, timeout=10_000) as failed:
        dialog.accept()
    # The code flow (the dialog's choice for a phone): the page said it, the lab repeats it.
    assert "The username or password is wrong." in failed.args[0]
    assert "the sign-in page said: The username or password is wrong." in (
        lab_app.window.message.full_text
    )


def test_keyring_unavailable_offers_memory_only_tokens(
    qtbot: QtBot, options: LaunchOptions
) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    options.store = None
    app = build(options)
    qtbot.addWidget(app.window)
    try:
        app.window.show()
        banner = app.window.keyring_banner
        qtbot.waitUntil(
            lambda: "keyring is unavailable" in app.window.keyring_text.text(), timeout=10_000
        )
        assert banner.isVisible()
        assert "keyring unavailable" in app.window.store_label.text()
        use_memory = next(
            b
            for b in banner.findChildren(type(app.window.play))
            if b.text().startswith("Continue with memory-only")
        )
        use_memory.click()
        qtbot.waitUntil(lambda: not banner.isVisible())
        assert "memory only" in app.window.store_label.text()
        sign_in(qtbot, app, "phone")
    finally:
        app.shutdown()
        keyring.set_keyring(previous)


class LockedKeyring(KeyringTokenStore):
    """A keyring whose unlock prompt nobody answers (until the test says so)."""

    def __init__(self) -> None:
        super().__init__(FailKeyring())
        self.answered = threading.Event()
        self.asked = threading.Event()

    def check(self) -> None:
        self.asked.set()
        self.answered.wait(30)
        raise KeyringUnavailable("the OS keyring is locked; unlock it and try again")


def test_a_locked_keyring_does_not_keep_the_window_from_appearing(
    qtbot: QtBot, options: LaunchOptions
) -> None:
    locked = LockedKeyring()
    options.store = locked
    app = build(options)  # returns although the keyring has not answered
    qtbot.addWidget(app.window)
    try:
        app.window.show()
        assert locked.asked.wait(10) and not locked.answered.is_set()
        window = app.window
        qtbot.waitUntil(window.keyring_banner.isVisible, timeout=10_000)
        assert "Opening the OS keyring" in window.keyring_text.text()
        assert window.cards == {}  # the devices wait for their tokens' store
        window.use_memory.click()  # the user does not wait for the prompt
        qtbot.waitUntil(lambda: set(window.cards) == {"phone", "pc"}, timeout=10_000)
        qtbot.waitUntil(lambda: not window.keyring_banner.isVisible(), timeout=10_000)
        assert "memory only" in window.store_label.text()
        sign_in(qtbot, app, "phone")
    finally:
        locked.answered.set()
        app.shutdown()


def test_an_unreachable_external_server_is_reported(qtbot: QtBot, options: LaunchOptions) -> None:
    options.server, options.admin_key = "http://127.0.0.1:9", "nope"
    app = build(options)
    qtbot.addWidget(app.window)
    try:
        with qtbot.waitSignal(app.bridge.dispatch.failed, timeout=15_000) as failed:
            app.bridge.server.refresh()
        assert "cannot reach" in failed.args[0]
        assert not app.bridge.embedded
    finally:
        app.shutdown()


def test_a_restart_restores_devices_still_signed_in(
    qtbot: QtBot, options: LaunchOptions, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from mock_server.runner import bind_socket

    probe = bind_socket("127.0.0.1", 0)
    options.port = probe.getsockname()[1]  # the same port twice: the issuer stays the same
    probe.close()
    options.db = str(tmp_path / "server.sqlite3")
    first = build(options)
    qtbot.addWidget(first.window)
    try:
        qtbot.waitUntil(lambda: bool(first.bridge.server.last_state), timeout=10_000)
        sign_in(qtbot, first, "pc")
    finally:
        first.shutdown()

    second = build(options)  # same devices file, token store and server database
    qtbot.addWidget(second.window)
    try:
        pc = second.bridge.devices.lab.get("pc")
        assert pc.state == DeviceState.ACTIVE
        qtbot.waitUntil(lambda: "pc" in second.window.cards)
        assert second.bridge.devices.lab.get("phone").state == DeviceState.SIGNED_OUT
        second.window.cards["pc"].call.click()
        qtbot.waitUntil(lambda: pc.last_call is not None, timeout=10_000)
        assert pc.last_call.status == 200
    finally:
        second.shutdown()


def test_palettes_follow_the_colour_scheme() -> None:
    from client.gui.theme import _palette

    light, dark = _palette(False), _palette(True)
    assert light.window().color().lightness() > 200
    assert dark.window().color().lightness() < 60


def test_auto_call_stops_when_the_server_ends_the_session(qtbot: QtBot, lab_app: LabApp) -> None:
    stop_listening(qtbot, lab_app, "pc")  # the automatic call is what meets the revocation
    sign_in(qtbot, lab_app, "pc")
    lab_app.engine.run(lab_app.bridge.admin.update_settings(verify_mode="stateful"))
    devices = lab_app.bridge.devices
    devices.set_auto_call("pc", 0.2)
    assert devices.auto_call_interval("pc") == 0.2
    lab_app.engine.run(lab_app.bridge.admin.force_expire(user="alice"))
    pc = devices.lab.get("pc")
    # The next automatic call meets the revoked session and the device is signed out...
    qtbot.waitUntil(lambda: pc.state == DeviceState.SIGNED_OUT, timeout=10_000)
    assert pc.reason == "forced"
    # ...and the calls stop with it, instead of "not signed in" every 0.2 s.
    qtbot.waitUntil(lambda: devices.auto_call_interval("pc") == 0, timeout=5_000)
    card = lab_app.window.cards["pc"]
    qtbot.waitUntil(lambda: card.auto.text() == "Auto" and not card.auto.isChecked())
    devices.set_auto_call("pc", 0.2)  # a signed-out device does not start calling
    assert devices.auto_call_interval("pc") == 0


def test_the_status_bar_counts_in_plain_words(qtbot: QtBot, lab_app: LabApp) -> None:
    sign_in(qtbot, lab_app, "pc")
    label = lab_app.window.counts_label
    qtbot.waitUntil(lambda: "1 active session ·" in label.text(), timeout=10_000)
    assert f"{len(lab_app.window.cards)} devices" in label.text()


def test_the_clock_buttons_show_the_servers_rate(qtbot: QtBot, lab_app: LabApp) -> None:
    window = lab_app.window
    # The fixture's server clock stands still: the pause button, not "1×".
    qtbot.waitUntil(lambda: window.speed_buttons[0].isChecked(), timeout=10_000)
    assert not window.speed_buttons[1].isChecked()
    window.speed_buttons[5].click()
    qtbot.waitUntil(lambda: lab_app.bridge.server.last_state["clock"]["rate"] == 5, timeout=10_000)
    assert window.speed_buttons[5].isChecked()
    window._show_speed(2.0)  # a rate without a button: none is lit
    assert window.speed_group.checkedButton() is None


def test_the_timeline_paints_tokens_in_the_cards_colours(qtbot: QtBot, lab_app: LabApp) -> None:
    from client.gui import theme

    sign_in(qtbot, lab_app, "pc")
    window = lab_app.window
    window.tabs.setCurrentIndex(0)
    timeline = window.timeline

    def pixels(colour: object) -> int:
        image = timeline.grab().toImage()
        return sum(
            image.pixelColor(x, y) == colour
            for y in range(0, image.height(), 2)
            for x in range(0, image.width(), 2)
        )

    # The access-token bar is the cards' green (and the legend says so), not blue.
    qtbot.waitUntil(lambda: pixels(theme.ACCESS) > 50, timeout=10_000)


def test_a_revoked_session_whose_token_still_works_says_so_on_its_card(
    qtbot: QtBot, lab_app: LabApp
) -> None:
    admin, engine = lab_app.bridge.admin, lab_app.engine
    stop_listening(qtbot, lab_app, "phone")
    sign_in(qtbot, lab_app, "phone")
    engine.run(admin.update_settings(login_policy="single", verify_mode="stateless"))
    sign_in(qtbot, lab_app, "pc")  # the PC's login supersedes the phone's session
    card = lab_app.window.cards["phone"]
    # The phone has not called since: it still thinks it is signed in. The card knows better.
    qtbot.waitUntil(lambda: card.badge.text() == "REVOKED", timeout=10_000)
    assert lab_app.bridge.devices.lab.get("phone").state == DeviceState.ACTIVE
    assert re.fullmatch(
        r"Revoked at T\+00:\d\d \(superseded\) — still accepted \(stateless\) for \d+ s",
        card.reason.text(),
    )
    assert re.match(r"Revoked at \d\d:\d\d:\d\d \(superseded\)", card.reason.toolTip())
    assert card.reason_box.isVisible()
    engine.run(admin.update_settings(verify_mode="stateful"))
    qtbot.waitUntil(lambda: "refused from now on" in card.reason.text(), timeout=10_000)


def test_a_card_whose_tokens_have_both_expired_is_not_active(qtbot: QtBot, lab_app: LabApp) -> None:
    sign_in(qtbot, lab_app, "pc")
    card = lab_app.window.cards["pc"]
    qtbot.waitUntil(lambda: card.badge.text() == "ACTIVE", timeout=10_000)
    settings = lab_app.bridge.server.last_state["settings"]
    lab_app.engine.run(lab_app.bridge.admin.advance_clock(settings["refresh_ttl"] + 60))
    qtbot.waitUntil(lambda: card.badge.text() == "EXPIRED", timeout=10_000)


def test_session_times_count_from_the_windows_origin_with_wall_time_on_hover(
    qtbot: QtBot, lab_app: LabApp
) -> None:
    sign_in(qtbot, lab_app, "pc")
    table = lab_app.window.console.table
    qtbot.waitUntil(lambda: table.rowCount() >= 1 and table.item(0, 2) is not None, timeout=10_000)
    created = table.item(0, 2)
    assert re.fullmatch(r"T\+\d\d:\d\d", created.text()), created.text()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", created.toolTip())
    assert lab_app.window.clock_label.text().startswith("T+")


def test_force_expire_revoke_and_remove_ask_first(qtbot: QtBot, lab_app: LabApp) -> None:
    sign_in(qtbot, lab_app, "pc")
    window, server = lab_app.window, lab_app.bridge.server

    def active() -> int:
        return sum(s["state"] == "active" for s in server.last_state.get("sessions", []))

    qtbot.waitUntil(lambda: active() == 1, timeout=10_000)
    answer_dialog(qtbot, "Cancel")
    window.console.force.click()
    answer_dialog(qtbot, "Cancel")
    window.cards["phone"].remove_requested.emit("phone")
    assert "phone" in window.cards and active() == 1  # nothing happened
    answer_dialog(qtbot, "Force-expire")
    window.console.force.click()
    qtbot.waitUntil(lambda: active() == 0, timeout=10_000)
    answer_dialog(qtbot, "Remove")
    window.cards["phone"].remove_requested.emit("phone")
    qtbot.waitUntil(lambda: "phone" not in window.cards, timeout=10_000)


def test_device_names_fit_in_the_sessions_table_at_1280_by_800(
    qtbot: QtBot, lab_app: LabApp
) -> None:
    window = lab_app.window
    window.resize(1280, 800)
    sign_in(qtbot, lab_app, "phone")
    table = window.console.table
    qtbot.waitUntil(lambda: table.rowCount() >= 1 and table.item(0, 1) is not None, timeout=10_000)
    name = table.item(0, 1)
    assert name.text() == "Alice's phone" and "mobile" in name.toolTip()
    needed = table.fontMetrics().horizontalAdvance(name.text()) + 12  # the cell's padding
    assert table.columnWidth(1) >= needed, (table.columnWidth(1), needed)


def test_signing_in_does_not_move_the_cards_buttons(qtbot: QtBot, lab_app: LabApp) -> None:
    card = lab_app.window.cards["phone"]
    qtbot.waitUntil(card.sign_in.isVisible, timeout=10_000)
    before = {b.text(): b.x() for b in (card.call, card.inspect)}
    sign_in(qtbot, lab_app, "phone")
    qtbot.waitUntil(card.sign_out.isVisible, timeout=10_000)
    after = {b.text(): b.x() for b in (card.call, card.inspect)}
    assert after == before


def test_the_status_bar_elides_a_long_message_beside_its_labels(
    qtbot: QtBot, lab_app: LabApp
) -> None:
    window = lab_app.window
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.store_label.text().startswith("Tokens: memory only"))
    long = "⚠ Changing the server settings: " + "the server could not be reached; " * 6
    window.show_message(long, 10_000)
    qtbot.waitUntil(lambda: window.message.text() != "")
    message, store = window.message.geometry(), window.store_label.geometry()
    assert message.right() < store.left()  # side by side, not over each other
    assert window.message.text().endswith("…") and window.message.toolTip() == long
    assert window.message.fontMetrics().horizontalAdvance(window.message.text()) <= message.width()
    # Every permanent label is whole and inside the window.
    window.resize(860, 700)  # narrow: all of it still fits
    qtbot.waitUntil(lambda: window.width() == 860)
    window.statusBar().layout().activate()
    for label in (window.store_label, window.counts_label, window.server_label):
        assert label.geometry().right() <= window.statusBar().width()
        assert label.width() >= label.fontMetrics().horizontalAdvance(label.text())
    # The store's why is on hover, not in the bar.
    assert window.store_label.text() == "Tokens: memory only ·"
    assert "lost when the app exits" in window.store_label.toolTip()


def test_the_window_shrinks_and_the_cards_reflow(qtbot: QtBot, lab_app: LabApp) -> None:
    window = lab_app.window
    assert window.minimumSizeHint().width() <= 900  # it was 1,123 px: the tool bar now folds
    phone, pc = window.cards["phone"], window.cards["pc"]
    window.resize(900, 760)
    qtbot.waitUntil(lambda: phone.x() == pc.x() and pc.y() > phone.y())  # one column
    viewport = window.cards_scroll.viewport()
    qtbot.waitUntil(  # no sideways scrolling
        lambda: pc.mapTo(viewport, pc.rect().topRight()).x() <= viewport.width()
    )
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: phone.y() == pc.y() and pc.x() > phone.x())  # side by side


def test_the_inspector_shows_the_sessions_token_family(qtbot: QtBot, lab_app: LabApp) -> None:
    window = lab_app.window
    window.console.policy.setCurrentText("single")
    qtbot.waitUntil(
        lambda: lab_app.bridge.server.last_state["settings"]["login_policy"] == "single"
    )
    stop_listening(qtbot, lab_app, "phone")
    sign_in(qtbot, lab_app, "phone")
    phone = lab_app.bridge.devices.own_lab.get("phone")
    lab_app.server.clock.advance(26)  # inside the refresh margin: the next call refreshes first
    window.cards["phone"].call.click()
    qtbot.waitUntil(lambda: phone.refresh_count == 1, timeout=10_000)
    sign_in(qtbot, lab_app, "pc")  # supersedes the phone's session (it does not know yet)
    window.cards["phone"].inspect.click()
    qtbot.waitUntil(lambda: isinstance(window.dialog, TokenInspector), timeout=10_000)
    inspector = window.dialog
    tabs = [inspector.tabs.tabText(i) for i in range(inspector.tabs.count())]
    assert tabs == ["access token", "refresh token", "token family"]
    family = inspector.family
    assert [m.cause for m in family] == [
        "sign-in in the browser (code + PKCE)",
        "refreshed before the access token expired",
    ]
    assert family[0].then.startswith("rotated at T+00:26 → #2")
    assert family[1].then == "ended with the session"
    assert family[1].id in phone.family_causes  # the device and the server name it alike
    assert inspector.family_end == "Signed out: you signed in on PC 'Office PC' at T+00:26"
    inspector.reject()


def test_a_listening_phone_is_told_of_the_pc_before_any_call(qtbot: QtBot, lab_app: LabApp) -> None:
    """Issue 15: the card turns "Signed out: you signed in on PC …" within a
    second, with no API call; the timeline marks the moment it was told."""
    window = lab_app.window
    lab_app.engine.run(lab_app.bridge.admin.update_settings(login_policy="single"))
    sign_in(qtbot, lab_app, "phone")
    card = window.cards["phone"]
    phone = lab_app.bridge.devices.lab.get("phone")
    qtbot.waitUntil(lambda: "listening" in card.subtitle.text(), timeout=5_000)
    assert card.listen_action.isChecked()
    calls_before = [r for r in window.event_log.model.rows if "/api/me" in r.text]
    sign_in(qtbot, lab_app, "pc")
    qtbot.waitUntil(lambda: phone.state == DeviceState.SIGNED_OUT, timeout=1_000)
    assert phone.reason == "superseded"
    qtbot.waitUntil(lambda: card.reason_box.isVisible(), timeout=2_000)
    assert re.fullmatch(
        r"Signed out: you signed in on PC 'Office PC' at T\+00:\d\d", card.reason.text()
    )
    assert "listening" not in card.subtitle.text()
    assert [r for r in window.event_log.model.rows if "/api/me" in r.text] == calls_before
    lane = window.timeline_model.lanes["phone"]
    qtbot.waitUntil(lambda: any(m.kind == "told" for m in lane.markers), timeout=2_000)
    told = next(m for m in lane.markers if m.kind == "told")
    assert told.text.startswith("Told at once by the server")
    assert window.timeline_model.has_told()
