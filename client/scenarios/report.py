"""Reporting scenario results: a readable timeline, JSON, and JUnit XML."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from client.scenarios.results import Check, ScenarioResult, StepResult

TICK, CROSS = "✓", "✗"
STOPPED = "stopped by the user before its last step"


def format_step(result: StepResult) -> list[str]:
    """One line for the step, one per expectation."""
    step = result.step
    state = result.state or ""
    if result.reason and result.state == "signed_out":
        state += f" ({result.reason})"
    lines = [
        f"  +{result.elapsed:6.1f}s  {step.device or '-':<10} {step.action:<16} "
        f"{result.outcome:<34} {state}".rstrip()
    ]
    lines += [f"            {_check(c)}" for c in result.checks]
    return lines


def _check(check: Check) -> str:
    if check.passed:
        return f"{TICK} {check.key} = {_show(check.expected)}"
    return f"{CROSS} {check.key}: expected {_show(check.expected)}, got {_show(check.actual)}"


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def format_windows(result: ScenarioResult) -> list[str]:
    lines = []
    for w in result.windows:
        lines.append(
            f"  window: {w['device']}'s session was revoked at +{w['revoked_at']:g}s "
            f"({w['reason']}), yet its access token was still accepted (last at "
            f"+{w['last_accepted_at']:g}s) and stayed usable until its exp at "
            f"+{w['token_exp']:g}s: "
            f"a {w['window']:g} s window of stateless verification"
        )
    return lines


def format_summary(result: ScenarioResult) -> str:
    checks = result.checks
    failed = [c for c in checks if not c.passed]
    mark = TICK if result.passed else CROSS
    name = result.scenario.name
    if result.error:
        return f"{mark} {name}: error — {result.error}"
    if result.stopped:
        return (
            f"{mark} {name}: stopped after {len(result.steps)}/{len(result.scenario.steps)} "
            f"steps; {len(checks) - len(failed)}/{len(checks)} expectations held"
        )
    return (
        f"{mark} {name}: {len(checks) - len(failed)}/{len(checks)} expectations held "
        f"({result.wall_seconds * 1000:.0f} ms)"
    )


def to_json(results: list[ScenarioResult]) -> dict[str, Any]:
    return {
        "passed": all(r.passed for r in results),
        "scenarios": [
            {
                "name": r.scenario.name,
                "title": r.scenario.title,
                "file": str(r.scenario.path) if r.scenario.path else None,
                "passed": r.passed,
                "error": r.error,
                "stopped": r.stopped,
                "wall_seconds": round(r.wall_seconds, 4),
                "windows": r.windows,
                "steps": [
                    {
                        "index": s.step.index,
                        "at": s.step.at,
                        "device": s.step.device,
                        "action": s.step.action,
                        "outcome": s.outcome,
                        "ok": s.ok,
                        "state": s.state,
                        "reason": s.reason,
                        "expectations": [
                            {
                                "key": c.key,
                                "expected": c.expected,
                                "actual": c.actual,
                                "passed": c.passed,
                            }
                            for c in s.checks
                        ],
                    }
                    for s in r.steps
                ],
            }
            for r in results
        ],
    }


def write_json(results: list[ScenarioResult], path: Path) -> None:
    path.write_text(json.dumps(to_json(results), indent=2) + "\n", encoding="utf-8")


def write_junit(results: list[ScenarioResult], path: Path) -> None:
    path.write_bytes(junit_xml(results))


def junit_xml(results: list[ScenarioResult]) -> bytes:
    """JUnit XML: one test case per scenario, its failed expectations as the failure."""
    suite = ET.Element(
        "testsuite",
        name="jwt-lab scenarios",
        tests=str(len(results)),
        failures=str(sum(1 for r in results if not r.passed and r.error is None and not r.stopped)),
        skipped=str(sum(1 for r in results if r.stopped and r.error is None)),
        errors=str(sum(1 for r in results if r.error is not None)),
        time=f"{sum(r.wall_seconds for r in results):.3f}",
    )
    for r in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname="scenarios",
            name=r.scenario.name,
            time=f"{r.wall_seconds:.3f}",
        )
        if r.error is not None:
            ET.SubElement(case, "error", message=r.error).text = r.error
        elif r.stopped:
            ET.SubElement(case, "skipped", message=STOPPED)
        elif not r.passed:
            failed = [
                f"{s.step.describe()}: {_check(c)}"
                for s in r.steps
                for c in s.checks
                if not c.passed
            ]
            ET.SubElement(case, "failure", message=failed[0]).text = "\n".join(failed)
        ET.SubElement(case, "system-out").text = "\n".join(
            line for s in r.steps for line in format_step(s)
        )
    out = io.BytesIO()
    ET.ElementTree(suite).write(out, encoding="utf-8", xml_declaration=True)
    return out.getvalue()
