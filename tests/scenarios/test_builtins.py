"""Every built-in scenario plays and every expectation holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from client.scenarios import ScenarioRunner, builtin_scenarios, load_scenario

BUILTINS = builtin_scenarios()


def test_the_library_covers_the_issue() -> None:
    names = {load_scenario(p).name for p in BUILTINS}
    assert len(BUILTINS) >= 12
    for required in (
        "refresh-on-401",
        "proactive-refresh",
        "refresh-expiry",
        "dual-login",
        "dual-login-stateless",
        "policy-reject",
        "policy-per-device-type",
        "policy-max-2",
        "forced-expiry-stateful",
        "forced-expiry-stateless",
        "stolen-refresh-after-owner",
        "stolen-refresh-before-owner",
        "concurrent-refresh",
        "key-rotation",
        "clock-skew",
        "restart-and-logout",
        "server-down",
    ):
        assert required in names


@pytest.mark.parametrize("path", BUILTINS, ids=[p.stem for p in BUILTINS])
async def test_builtin_scenario_passes(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.description, "every built-in explains what it demonstrates"
    result = await ScenarioRunner().run(scenario)
    failed = [f"{s.step.describe()}: {c}" for s in result.steps for c in s.checks if not c.passed]
    assert result.error is None, result.error
    assert not failed, failed
    assert result.checks, "a scenario without expectations proves nothing"


async def test_the_stateless_dual_login_reports_its_window() -> None:
    result = await ScenarioRunner().run(load_scenario(next(p for p in BUILTINS if "04b" in p.name)))
    (window,) = result.windows
    assert window["device"] == "phone"
    assert window["reason"] == "superseded"
    assert window["revoked_at"] == 5
    assert window["last_accepted_at"] == 30
    assert window["window"] == 25


async def test_the_stateful_dual_login_has_no_window() -> None:
    result = await ScenarioRunner().run(load_scenario(next(p for p in BUILTINS if "04a" in p.name)))
    assert result.passed
    assert result.windows == []
