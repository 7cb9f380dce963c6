"""Resource servers of their own in the window (issue 15): the console starts
them beside the bundled server and lists what each knows; after a revocation
the timeline gets a lane per API under the device, each with its own red
window — measured by trying the device's last token on each API."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from client import DeviceState
from client.gui.app import LabApp
from client.gui.dialogs import AddApiDialog
from client.gui.timeline import API
from tests.gui.conftest import sign_in


def _add_api(qtbot: QtBot, app: LabApp, name: str, mode: str) -> None:
    """The console's Add…, then the dialog, as a user does."""
    console = app.window.console
    assert console.add_api.isEnabled()
    console.add_api.click()
    dialog = app.window.dialog
    assert isinstance(dialog, AddApiDialog)
    dialog.name.setText(name)
    dialog.mode.setCurrentText(mode)
    dialog.accept()
    qtbot.waitUntil(lambda: any(row["name"] == name for row in console.apis_rows()), timeout=15_000)


def test_the_console_starts_resource_servers_and_lists_what_they_know(
    qtbot: QtBot, lab_app: LabApp
) -> None:
    console = lab_app.window.console
    assert console.apis_empty.isVisible() and not console.apis.isVisible()
    _add_api(qtbot, lab_app, "fast", "denylist")
    _add_api(qtbot, lab_app, "open", "stateless")
    rows = {row["name"]: row for row in console.apis_rows()}
    assert rows["fast"]["mode"] == "denylist" and rows["fast"]["denylist"] == "0"
    assert rows["open"]["mode"] == "stateless" and rows["open"]["denylist"] == "—"
    assert console.apis.isVisible() and not console.apis_empty.isVisible()
    # A taken name is refused by the dialog itself.
    console.add_api.click()
    dialog = lab_app.window.dialog
    assert isinstance(dialog, AddApiDialog)
    dialog.name.setText("fast")
    dialog._validate()
    assert dialog.isVisible() and "already" in dialog.error.text()
    dialog.reject()

    # A revocation: the deny-list grows by one and its delivery is listed.
    sign_in(qtbot, lab_app, "phone")
    lab_app.engine.run(lab_app.bridge.admin.force_expire(user="alice"))

    def delivered() -> bool:
        fast = next(r for r in console.apis_rows() if r["name"] == "fast")
        return fast["denylist"] == "1" and fast["delivery"].startswith("T+")

    qtbot.waitUntil(delivered, timeout=10_000)


def test_each_api_gets_a_lane_with_its_own_red_window(qtbot: QtBot, lab_app: LabApp) -> None:
    _add_api(qtbot, lab_app, "fast", "denylist")
    _add_api(qtbot, lab_app, "open", "stateless")
    sign_in(qtbot, lab_app, "phone")
    phone = lab_app.bridge.devices.lab.get("phone")
    lab_app.engine.run(lab_app.bridge.admin.force_expire(user="alice"))
    qtbot.waitUntil(lambda: phone.state == DeviceState.SIGNED_OUT, timeout=5_000)
    model = lab_app.window.timeline_model
    fast, open_ = f"{API}phone:fast", f"{API}phone:open"
    qtbot.waitUntil(lambda: fast in model.lanes and open_ in model.lanes, timeout=10_000)
    lanes = list(model.lanes)
    assert lanes.index("phone") < lanes.index(fast) and lanes.index("phone") < lanes.index(open_)
    assert model.lanes[fast].name == "↳ API fast"
    # The deny-list API refuses it at once; the stateless one still takes it.
    qtbot.waitUntil(
        lambda: any(m.kind == "api_refused" for m in model.lanes[fast].markers), timeout=10_000
    )
    refused = next(m for m in model.lanes[fast].markers if m.kind == "api_refused")
    assert "refuses the revoked token (revoked)" in refused.text
    qtbot.waitUntil(lambda: bool(model.lanes[open_].windows), timeout=5_000)
    assert not any(m.kind == "api_refused" for m in model.lanes[open_].markers)
    # Past the token's exp the stateless API refuses it too: its window ends there.
    lab_app.server.clock.advance(60)
    qtbot.waitUntil(
        lambda: any(m.kind == "api_refused" for m in model.lanes[open_].markers), timeout=10_000
    )
    (window,) = model.lanes[open_].windows.values()
    (fast_window,) = model.lanes[fast].windows.values()
    assert window.end - window.start > 30 > fast_window.end - fast_window.start
    # The log keeps the first answer and the change, not every try.
    rows = [r for r in lab_app.window.event_log.model.rows if r.kind == "api_tried"]
    assert 2 <= len(rows) <= 4


def test_the_revocation_demo_draws_each_apis_red_window(qtbot: QtBot, lab_app: LabApp) -> None:
    """``jwt-lab gui --demo revocation`` (the README's picture)."""
    from client.gui.app import DEMO_APIS, revocation_demo

    future = lab_app.engine.submit(revocation_demo(lab_app))
    qtbot.waitUntil(future.done, timeout=60_000)
    assert future.exception() is None
    model = lab_app.window.timeline_model
    names = [name for name, _, _ in DEMO_APIS]
    assert list(model.lanes) == ["phone", *(f"{API}phone:{n}" for n in names), "pc"]
    told = [m for m in model.lanes["phone"].markers if m.kind == "told"]
    assert len(told) == 1 and "you signed in on PC 'Office PC'" in told[0].text

    def window(name: str) -> float:
        lane = model.lanes[f"{API}phone:{name}"]
        assert [m.kind for m in lane.markers] == ["api_refused"]
        (red,) = lane.windows.values()
        return red.end - red.start

    assert window("deny-list") < 1 and window("stateful") < 1
    assert 1 <= window("introspect") <= 6  # until its 5 s cache ran out, seen every 3 s
    assert window("stateless") >= 25  # until exp (and its leeway)
