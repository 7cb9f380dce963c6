"""A scenario's verdicts: each expectation's check, each step's and the whole result,
and the stale windows of stateless verification.

Pure values and functions: the player (``runner.py``) observes, this module
judges. An expectation holds only when what was observed equals what was
expected; nothing observed (``None``) never equals a stated expectation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from client.scenarios.model import Scenario, Step


@dataclass(frozen=True, slots=True)
class Check:
    key: str
    expected: Any
    actual: Any

    @property
    def passed(self) -> bool:
        return bool(self.expected == self.actual)


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    outcome: str
    ok: bool
    state: str | None
    reason: str | None
    checks: tuple[Check, ...]
    elapsed: float  # scenario seconds

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


@dataclass(slots=True)
class ScenarioResult:
    scenario: Scenario
    steps: list[StepResult] = field(default_factory=list)
    windows: list[dict[str, Any]] = field(default_factory=list)
    api_windows: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    stopped: bool = False  # stopped by the user before its last step
    wall_seconds: float = 0.0

    @property
    def checks(self) -> list[Check]:
        return [c for s in self.steps for c in s.checks]

    @property
    def passed(self) -> bool:
        return self.error is None and not self.stopped and all(c.passed for c in self.checks)


def stale_windows(events: Iterable[dict[str, Any]], start: float) -> list[dict[str, Any]]:
    """How long each revoked session's access token was still accepted.

    ``events`` are the server's (``session_revoked`` and
    ``revoked_token_accepted`` matter); times are reported in seconds from
    ``start``. A window lasts from the revocation to the token's ``exp`` —
    however few of the accepted calls were seen — or to the last accepted
    call, should one come later (leeway).
    """
    revoked: dict[str, dict[str, Any]] = {}
    windows: dict[str, dict[str, Any]] = {}
    for event in events:
        if event.get("type") == "session_revoked":
            revoked[event["sid"]] = event
        elif event.get("type") == "revoked_token_accepted" and event.get("sid") in revoked:
            begin = revoked[event["sid"]]
            window = windows.setdefault(
                event["sid"],
                {
                    "device": begin.get("device_id"),
                    "reason": begin.get("reason"),
                    "revoked_at": round(begin["at"] - start, 3),
                    "token_exp": round(event["access_exp"] - start, 3),
                },
            )
            window["last_accepted_at"] = round(event["at"] - start, 3)
            window["window"] = round(max(event["access_exp"], event["at"]) - begin["at"], 3)
    return list(windows.values())


REFUSED = (401, 403)  # the API's verdict on the token (other answers say nothing of it)


def api_windows(
    attempts: Iterable[dict[str, Any]],
    revoked: dict[str, dict[str, Any]],
    start: float,
    apis: dict[str, Any],
) -> list[dict[str, Any]]:
    """Each API's red window: from a session's revocation until the API first
    refused one of its tokens (``refused_at`` None: still accepted at the last try).

    ``attempts`` are ``{api, at, status, sid, who}`` on scenario time; ``revoked``
    the server's ``session_revoked`` events by sid (server time, ``start`` its
    T+0)."""
    windows: dict[tuple[str, str], dict[str, Any]] = {}
    for attempt in attempts:
        event = revoked.get(attempt.get("sid") or "")
        if event is None or attempt["status"] not in (200, *REFUSED):
            continue  # no answer, or one about something else (a wrong path, a 5xx)
        revoked_at = round(event["at"] - start, 3)
        if attempt["at"] < revoked_at:
            continue
        api = attempt["api"]
        spec = apis.get(api)
        window = windows.setdefault(
            (api, event["sid"]),
            {
                "api": api,
                "verify_mode": getattr(spec, "verify_mode", None),
                "introspect_cache": getattr(spec, "introspect_cache", 0.0),
                "device": event.get("device_id"),
                "reason": event.get("reason"),
                "revoked_at": revoked_at,
                "last_accepted_at": None,
                "refused_at": None,
            },
        )
        if window["refused_at"] is not None:
            continue
        if attempt["status"] == 200:
            window["last_accepted_at"] = attempt["at"]
        else:
            window["refused_at"] = attempt["at"]
            window["window"] = round(attempt["at"] - revoked_at, 3)
    return list(windows.values())
