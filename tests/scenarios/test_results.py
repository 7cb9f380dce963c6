"""The verdict module on its own: checks, step and scenario results, stale windows."""

from __future__ import annotations

from typing import Any

from client.scenarios.model import Scenario, Step
from client.scenarios.results import Check, ScenarioResult, StepResult, stale_windows

STEP = Step(1, 0.0, "call", "phone")
SCENARIO = Scenario("s", "S", "", {}, (), (STEP,))


def step(*checks: Check) -> StepResult:
    return StepResult(STEP, "200", True, "active", None, checks, 0.0)


def test_a_check_holds_only_on_an_equal_observation() -> None:
    assert Check("status", 200, 200).passed
    assert not Check("status", 200, 401).passed
    assert not Check("status", 200, None).passed
    assert not Check("ok", False, None).passed
    assert not Check("refreshes", 0, None).passed


def test_a_step_and_a_scenario_pass_only_when_every_check_holds() -> None:
    good, bad = Check("status", 200, 200), Check("state", "active", "offline")
    assert step(good).passed and step().passed
    assert not step(good, bad).passed
    result = ScenarioResult(SCENARIO, [step(good), step(good)])
    assert result.passed and result.checks == [good, good]
    result.steps.append(step(bad))
    assert not result.passed
    assert result.checks == [good, good, bad]
    errored = ScenarioResult(SCENARIO, [step(good)], error="the server refused the admin key")
    assert not errored.passed


def revoked(sid: str, at: float, **extra: Any) -> dict[str, Any]:
    return {"type": "session_revoked", "sid": sid, "at": at, "device_id": "phone"} | {
        "reason": "superseded",
        **extra,
    }


def accepted(sid: str, at: float, exp: float) -> dict[str, Any]:
    return {"type": "revoked_token_accepted", "sid": sid, "at": at, "access_exp": exp}


def test_a_window_runs_from_the_revocation_to_exp() -> None:
    start = 1000.0
    events = [
        {"type": "login", "sid": "a", "at": 1000.0},
        revoked("a", 1005.0),
        accepted("a", 1008.0, 1030.0),
        accepted("a", 1012.5, 1030.0),
    ]
    assert stale_windows(events, start) == [
        {
            "device": "phone",
            "reason": "superseded",
            "revoked_at": 5.0,
            "token_exp": 30.0,
            "last_accepted_at": 12.5,
            "window": 25.0,
        }
    ]


def test_a_call_accepted_after_exp_within_the_leeway_stretches_the_window() -> None:
    (window,) = stale_windows([revoked("a", 5.0), accepted("a", 33.0, 30.0)], 0.0)
    assert (window["window"], window["last_accepted_at"]) == (28.0, 33.0)


def test_no_window_without_an_accepted_call_or_without_a_revocation() -> None:
    assert stale_windows([revoked("a", 5.0)], 0.0) == []
    assert stale_windows([accepted("a", 8.0, 30.0)], 0.0) == []
    assert stale_windows([], 0.0) == []


def test_each_revoked_session_has_its_own_window() -> None:
    events = [
        revoked("a", 5.0),
        revoked("b", 6.0, device_id="pc", reason="forced"),
        accepted("b", 7.0, 20.0),
        accepted("a", 8.0, 30.0),
    ]
    windows = stale_windows(events, 0.0)
    assert [(w["device"], w["reason"], w["window"]) for w in windows] == [
        ("pc", "forced", 14.0),
        ("phone", "superseded", 25.0),
    ]


def test_times_are_rounded_to_milliseconds() -> None:
    (window,) = stale_windows([revoked("a", 5.0006), accepted("a", 8.12345, 30.00049)], 0.0)
    assert window["revoked_at"] == 5.001
    assert window["token_exp"] == 30.0
    assert window["last_accepted_at"] == 8.123
    assert window["window"] == 25.0  # 24.99989
    (later,) = stale_windows([revoked("a", 5.0), accepted("a", 8.0, 30.0006)], 0.0)
    assert later["token_exp"] == 30.001


def test_times_are_kept_to_the_millisecond() -> None:
    (window,) = stale_windows([revoked("a", 5.1234), accepted("a", 8.0006, 30.2004)], 0.0)
    assert window == {
        "device": "phone",
        "reason": "superseded",
        "revoked_at": 5.123,
        "token_exp": 30.2,
        "last_accepted_at": 8.001,
        "window": 25.077,
    }


def test_an_apis_red_window_runs_from_the_revocation_to_its_first_refusal() -> None:
    from types import SimpleNamespace

    from client.scenarios.results import api_windows

    revoked = {"s1": {"sid": "s1", "at": 110.0, "device_id": "phone", "reason": "forced"}}
    attempts = [
        {"api": "cached", "at": 8.0, "status": 200, "sid": "s1", "who": "phone"},  # before
        {"api": "cached", "at": 10.0, "status": 200, "sid": "s1", "who": "thief"},
        {"api": "cached", "at": 14.0, "status": 401, "sid": "s1", "who": "thief"},
        {"api": "cached", "at": 20.0, "status": 200, "sid": "s1", "who": "thief"},  # after: no
        {"api": "open", "at": 12.0, "status": 200, "sid": "s1", "who": "thief"},
        {"api": "open", "at": 12.0, "status": None, "sid": "s1", "who": "thief"},  # unreachable
        {"api": "open", "at": 12.0, "status": 200, "sid": "other", "who": "thief"},  # not revoked
    ]
    modes = {
        "cached": SimpleNamespace(verify_mode="introspect", introspect_cache=5.0),
        "open": SimpleNamespace(verify_mode="stateless", introspect_cache=0.0),
    }
    windows = {w["api"]: w for w in api_windows(attempts, revoked, 100.0, modes)}
    assert windows["cached"]["revoked_at"] == 10.0
    assert windows["cached"]["last_accepted_at"] == 10.0
    assert (windows["cached"]["refused_at"], windows["cached"]["window"]) == (14.0, 4.0)
    assert windows["open"]["refused_at"] is None
    assert windows["open"]["last_accepted_at"] == 12.0
    assert "window" not in windows["open"]


def test_an_answer_about_something_else_is_no_window() -> None:
    """A 404 (a wrong path) or a 5xx says nothing of the token: no window, no crash."""
    from types import SimpleNamespace

    from client.scenarios.report import format_api_windows
    from client.scenarios.results import ScenarioResult, api_windows

    revoked = {"s1": {"sid": "s1", "at": 10.0, "device_id": "phone", "reason": "forced"}}
    attempts = [
        {"api": "a", "at": 11.0, "status": 404, "sid": "s1", "who": "phone"},
        {"api": "a", "at": 12.0, "status": 503, "sid": "s1", "who": "phone"},
    ]
    spec = SimpleNamespace(verify_mode="stateless", introspect_cache=0.0)
    assert api_windows(attempts, revoked, 0.0, {"a": spec}) == []
    result = ScenarioResult(scenario=None)  # type: ignore[arg-type]
    result.api_windows = [
        {
            "api": "a",
            "verify_mode": "stateless",
            "introspect_cache": 0.0,
            "revoked_at": 10.0,
            "last_accepted_at": None,
            "refused_at": None,
        }
    ]
    assert format_api_windows(result) == []
