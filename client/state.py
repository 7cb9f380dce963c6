"""The device state machine, as data.

    signed_out → signing_in → active ⇄ refreshing
                                 ↘ offline ↗
    any state with tokens → signed_out (with a reason)

``transition`` refuses a move the machine does not have, so a bug shows up as
an error instead of a device in an impossible state.
"""

from __future__ import annotations

from enum import StrEnum


class DeviceState(StrEnum):
    SIGNED_OUT = "signed_out"
    SIGNING_IN = "signing_in"
    ACTIVE = "active"
    REFRESHING = "refreshing"
    OFFLINE = "offline"


S = DeviceState
ALLOWED: dict[DeviceState, frozenset[DeviceState]] = {
    S.SIGNED_OUT: frozenset({S.SIGNING_IN, S.ACTIVE, S.OFFLINE}),  # ACTIVE/OFFLINE: restored
    S.SIGNING_IN: frozenset({S.ACTIVE, S.SIGNED_OUT, S.OFFLINE}),  # OFFLINE: a failed re-login
    S.ACTIVE: frozenset({S.REFRESHING, S.OFFLINE, S.SIGNED_OUT, S.SIGNING_IN}),
    S.REFRESHING: frozenset({S.ACTIVE, S.OFFLINE, S.SIGNED_OUT}),
    S.OFFLINE: frozenset({S.ACTIVE, S.REFRESHING, S.SIGNED_OUT, S.SIGNING_IN}),
}


class InvalidTransition(RuntimeError):
    """A state change the device state machine does not allow."""


def transition(current: DeviceState, target: DeviceState) -> DeviceState:
    """``target`` if the machine allows moving there from ``current`` (staying is allowed)."""
    if target != current and target not in ALLOWED[current]:
        raise InvalidTransition(f"a device cannot go from {current} to {target}")
    return target
