"""The event log reads as sentences; the details are one selection away (issue 12)."""

from __future__ import annotations

import re

from pytestqt.qtbot import QtBot

from client.events import RequestSent, ResponseReceived, StateChanged, TokensIssued, Unauthorized
from client.gui.event_log import EventLog, describe, describe_server

SERVER_EVENTS = [
    {"id": 1, "type": "server_started", "at": 100.0, "issuer": "http://127.0.0.1:8765"},
    {
        "id": 2,
        "type": "login",
        "at": 101.0,
        "user": "alice",
        "sid": "S1",
        "device_id": "pc",
        "device_type": "pc",
        "device_name": "Office PC",
        "access_exp": 131.0,
        "refresh_exp": 281.0,
        "policy": "single",
        "superseded": ["S0"],
    },
    {
        "id": 3,
        "type": "refresh",
        "at": 126.0,
        "user": "alice",
        "sid": "S1",
        "device_id": "pc",
        "access_exp": 156.0,
        "refresh_exp": 281.0,
        "rotated": True,
    },
    {
        "id": 4,
        "type": "refresh_retry",
        "at": 127.0,
        "user": "alice",
        "sid": "S1",
        "device_id": "pc",
    },
    {
        "id": 5,
        "type": "reuse_detected",
        "at": 140.0,
        "user": "alice",
        "sid": "S1",
        "device_id": "pc",
        "rotated_ago": 14.0,
    },
    {
        "id": 6,
        "type": "session_revoked",
        "at": 140.0,
        "user": "alice",
        "sid": "S1",
        "device_id": "pc",
        "device_name": "Office PC",
        "reason": "reuse_detected",
        "by": None,
    },
    {
        "id": 7,
        "type": "settings_changed",
        "at": 141.0,
        "changes": {"verify_mode": "stateful", "access_ttl": "60"},
    },
    {
        "id": 8,
        "type": "token_rejected",
        "at": 142.0,
        "reason": "session_revoked",
        "sid": "S1",
        "mode": "stateful",
    },
    {"id": 9, "type": "force_expire", "at": 143.0, "user": "bob", "sids": ["a", "b"]},
    {"id": 10, "type": "clock_rate", "at": 144.0, "rate": 5.0},
]
DEVICE_EVENTS = [
    StateChanged("phone", 100.0, "signing_in", "active"),
    TokensIssued("phone", 100.0, "login", "#a", "#r", 130.0, 280.0, "S1"),
    TokensIssued("phone", 125.0, "refresh", "#a2", "#r2", 155.0, 280.0, "S1", "proactive", "x"),
    TokensIssued("phone", 160.0, "refresh", "#a3", "#r3", 190.0, 280.0, "S1", "401", "y"),
    TokensIssued("phone", 161.0, "refresh", "#a3", "#r3", 190.0, 280.0, "S1", "401+grace", "y"),
    RequestSent("phone", 161.0, "GET", "/api/me"),
    ResponseReceived("phone", 161.0, "GET", "/api/me", 200, retried=True),
    ResponseReceived("phone", 162.0, "GET", "/api/me", None, error="the server is down"),
    Unauthorized("phone", 160.0, "/api/me", "token_expired"),
    StateChanged("phone", 170.0, "active", "offline"),
]
DUMP = re.compile(r"[{}]|=|\bNone\b|got None|\d{9,}")  # dicts, epochs, "got None"


def test_every_event_is_one_human_sentence() -> None:
    sentences = [describe_server(e) for e in SERVER_EVENTS] + [describe(e) for e in DEVICE_EVENTS]
    for sentence in sentences:
        assert sentence and not DUMP.search(sentence), sentence
    by_type = {e["type"]: describe_server(e) for e in SERVER_EVENTS}
    assert by_type["login"] == "alice signed in on Office PC, ending 1 other session(s) (single)"
    assert (
        "presented again" in by_type["reuse_detected"] and "14.0 s ago" in by_type["reuse_detected"]
    )
    assert by_type["session_revoked"] == (
        "The session of Office PC ended: a refresh token was used twice"
    )
    assert by_type["settings_changed"] == "Settings changed: verify_mode: stateful, access_ttl: 60"
    assert by_type["force_expire"] == "An administrator forced 2 session(s) to expire"
    devices = [describe(e) for e in DEVICE_EVENTS]
    assert devices[0] == "Signed in"
    assert devices[2] == "Refreshed its tokens before the access token expired"
    assert devices[3] == "Refreshed its tokens after the API refused the access token (401)"
    assert "same pair came again" in devices[4]
    assert devices[6] == "GET /api/me answered 200 after a refresh and a retry"
    assert devices[7] == "GET /api/me failed: the server is down"


def test_a_selected_event_shows_its_details_and_find_narrows_the_log(qtbot: QtBot) -> None:
    log = EventLog()
    qtbot.addWidget(log)
    log.show()
    log.model.set_origin(100.0)
    log.add_server_events(SERVER_EVENTS)
    for event in DEVICE_EVENTS:
        log.add_device_event(event)
    assert not log.details.isVisible()
    log.view.selectRow(1)  # the login
    qtbot.waitUntil(log.details.isVisible)
    text = log.details.toPlainText()
    assert 'sid: "S1"' in text and 'superseded: ["S0"]' in text
    assert "access_exp: T+00:31.0  (131.0)" in text  # times on the window's T+ too
    log.search.setText("office pc")
    assert {r.text for r in log.visible_rows()} == {
        "alice signed in on Office PC, ending 1 other session(s) (single)",
        "The session of Office PC ended: a refresh token was used twice",
    }
    log.search.clear()
    assert len(log.visible_rows()) == len(SERVER_EVENTS) + len(DEVICE_EVENTS)
