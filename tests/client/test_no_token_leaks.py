"""Tokens never appear in logs, events or error messages — only fingerprints."""

from __future__ import annotations

import logging

import pytest

from client import Lab
from client.events import DeviceEvent
from mock_server import VirtualClock


async def test_a_whole_session_leaks_no_token(
    lab: Lab, clock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    events: list[DeviceEvent] = []
    lab.subscribe(events.append)
    phone = await lab.add_device("phone", "mobile", user="alice", refresh_margin=0)
    await phone.login("alice-pass")
    seen = set()
    for _ in range(3):
        assert phone.tokens is not None
        seen |= {phone.tokens.access_token, phone.tokens.refresh_token or ""}
        clock.advance(40)
        await phone.call()
    await phone.logout()
    text = "\n".join(
        [record.getMessage() for record in caplog.records]
        + [repr(e) for e in events]
        + [repr(phone.snapshot())]
    )
    assert events and caplog.records
    for token in seen:
        assert token and token not in text
        assert token[:40] not in text
