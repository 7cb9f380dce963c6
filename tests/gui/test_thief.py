"""*Steal token* (issue 14): a thief copies a device's access token and tries it on
the API, on a lane of its own in the timeline — a bearer copy gets in until it
expires, a DPoP-bound one is refused every time with the check that stopped it."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from client import DeviceState
from client.gui.app import LabApp
from client.gui.dialogs import LoginDialog
from client.gui.timeline import THIEF
from tests.gui.conftest import sign_in


def _markers(app: LabApp, kind: str) -> list[str]:
    lane = app.window.timeline_model.lanes.get(THIEF + "phone")
    return [m.text for m in lane.markers if m.kind == kind] if lane else []


def test_a_stolen_bearer_token_lets_the_thief_in_until_it_expires(
    qtbot: QtBot, lab_app: LabApp
) -> None:
    sign_in(qtbot, lab_app, "phone")
    window, lab = lab_app.window, lab_app.bridge.devices.own_lab
    card = window.cards["phone"]
    assert card.steal_action.isEnabled()
    card.steal_action.trigger()
    qtbot.waitUntil(lambda: bool(_markers(lab_app, "thief_in")), timeout=10_000)
    model = window.timeline_model
    lanes = list(model.lanes)
    assert lanes[lanes.index("phone") + 1] == THIEF + "phone"  # right under the phone's
    thief = model.lanes[THIEF + "phone"]
    assert thief.name == "↳ its thief"
    phone = lab.get("phone")
    assert phone.tokens is not None
    (stolen,) = [s for s in thief.segments if s.kind == "stolen"]
    assert stolen.end == phone.tokens.access_exp  # the damage lasts as long as the token
    assert "a bearer token" in _markers(lab_app, "stolen")[0]
    assert "200" in _markers(lab_app, "thief_in")[0]
    assert lab.robbed() == ["phone"]
    # Past the token's expiry (and the leeway), the copy is worth nothing: the thief stops.
    lab_app.server.clock.advance(40)
    qtbot.waitUntil(lambda: bool(_markers(lab_app, "thief_refused")), timeout=10_000)
    assert "expired" in _markers(lab_app, "thief_refused")[-1]
    qtbot.waitUntil(lambda: lab.robbed() == [], timeout=10_000)
    assert window.timeline.grab().toImage().width() > 0  # the lane and legend paint
    rows = [row.text for row in window.own.log.rows]
    assert any("A thief copied its access token" in text for text in rows)


def test_a_stolen_dpop_token_is_refused_every_time_with_its_reason(
    qtbot: QtBot, lab_app: LabApp
) -> None:
    window, lab = lab_app.window, lab_app.bridge.devices.own_lab
    card = window.cards["phone"]
    card.sign_in.click()
    dialog = window.dialog
    assert isinstance(dialog, LoginDialog)
    dialog.dpop.setChecked(True)
    dialog.accept()
    phone = lab.get("phone")
    qtbot.waitUntil(lambda: phone.state == DeviceState.ACTIVE, timeout=10_000)
    qtbot.waitUntil(card.call.isEnabled)  # the card has caught up
    card.call.click()  # a request the thief can capture, proof and all
    qtbot.waitUntil(lambda: "→ 200" in card.last_call.text(), timeout=10_000)
    card.steal_action.trigger()
    try:
        qtbot.waitUntil(lambda: len(_markers(lab_app, "thief_refused")) == 1, timeout=10_000)
    except Exception:
        print(
            "DBG",
            window.timeline_model.lanes.get(THIEF + "phone"),
            [r.text for r in window.own.log.rows][-8:],
        )
        raise
    assert "its last DPoP proof" in _markers(lab_app, "stolen")[0]
    for advance, count in ((3, 2), (3, 3)):  # the thief's next tries, 3 s apart
        lab_app.server.clock.advance(advance)
        qtbot.waitUntil(
            lambda n=count: len(_markers(lab_app, "thief_refused")) == n, timeout=10_000
        )
    refusals = _markers(lab_app, "thief_refused")
    assert "with the copied proof" in refusals[0] and "replayed_proof" in refusals[0]
    assert "with a proof of its own key" in refusals[1] and "key_mismatch" in refusals[1]
    assert "as a bearer token" in refusals[2] and "dpop_bound_token" in refusals[2]
    assert _markers(lab_app, "thief_in") == []  # never in
    assert phone.state == DeviceState.ACTIVE  # and the device is not disturbed
    card.call.click()
    qtbot.waitUntil(lambda: "→ 200" in card.last_call.text(), timeout=10_000)


def test_the_stolen_token_demo_draws_both_thieves(qtbot: QtBot, lab_app: LabApp) -> None:
    """``jwt-lab gui --demo stolen-token`` (the README's picture) plays the built-in
    dpop-stolen-access-token in the window: the bearer thief's lane shows it got in
    until expiry, the DPoP thief's only refusals."""
    from client.gui.app import stolen_token_demo

    future = lab_app.engine.submit(stolen_token_demo(lab_app))
    qtbot.waitUntil(future.done, timeout=60_000)
    assert future.exception() is None
    model = lab_app.window.timeline_model
    assert model is not lab_app.window.own.timeline  # the scenario's, not the user's
    bearer, bound = THIEF + "phone", THIEF + "dpop-phone"
    assert list(model.lanes) == ["phone", bearer, "dpop-phone", bound]
    kinds = {lane: [m.kind for m in model.lanes[lane].markers] for lane in (bearer, bound)}
    assert kinds[bearer] == ["stolen", "thief_in", "thief_in", "thief_refused"]
    assert kinds[bound] == ["stolen"] + ["thief_refused"] * 4
    assert "expired" in model.lanes[bearer].markers[-1].text
    assert [s.kind for s in model.lanes["phone"].segments] == ["access", "refresh"]  # drawn early
