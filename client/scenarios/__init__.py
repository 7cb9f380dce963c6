"""Scripted scenarios: TOML files of devices and timed steps with expectations.

scenario = load_scenario(resolve("dual-login"))
result = await ScenarioRunner().run(scenario)
assert result.passed
"""

from __future__ import annotations

from client.scenarios.errors import ScenarioError
from client.scenarios.model import (
    Scenario,
    Step,
    builtin_scenarios,
    load_scenario,
    resolve,
)
from client.scenarios.results import ScenarioResult, StepResult
from client.scenarios.runner import ScenarioRunner

__all__ = [
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "ScenarioRunner",
    "Step",
    "StepResult",
    "builtin_scenarios",
    "load_scenario",
    "resolve",
]
