"""Login policies: what a new login does to the user's other sessions.

A pure decision over the user's active sessions, so every policy can be tested
without a server:

    >>> decide("single", [phone], new_device_type="pc", new_device_id="pc-1")
    LoginDecision(refused=False, revoke=('sid-of-phone',))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contract import parse_login_policy
from mock_server.store import SessionRecord


@dataclass(frozen=True, slots=True)
class LoginDecision:
    """Refuse the login, or allow it and revoke these sessions (``superseded``)."""

    refused: bool
    revoke: tuple[str, ...] = ()


def decide(
    policy: str,
    active: Sequence[SessionRecord],
    *,
    new_device_type: str,
    new_device_id: str,
) -> LoginDecision:
    """Apply ``policy`` to a new login given the user's ``active`` sessions (oldest first).

    A device that signs in again replaces its own previous session whatever the
    policy: it is the same device, not a second one.
    """
    parse_login_policy(policy)
    same_device = tuple(s.sid for s in active if s.device_id == new_device_id)
    others = [s for s in active if s.device_id != new_device_id]
    if policy == "multi":
        return LoginDecision(False, same_device)
    if policy == "single":
        return LoginDecision(False, same_device + tuple(s.sid for s in others))
    if policy == "reject":
        if others:
            return LoginDecision(True)
        return LoginDecision(False, same_device)
    if policy == "per_device_type":
        kicked = tuple(s.sid for s in others if s.device_type == new_device_type)
        return LoginDecision(False, same_device + kicked)
    limit = int(policy.removeprefix("max:"))
    excess = len(others) + 1 - limit
    oldest = tuple(s.sid for s in others[: max(0, excess)])
    return LoginDecision(False, same_device + oldest)
