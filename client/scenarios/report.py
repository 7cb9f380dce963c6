"""Reporting scenario results: a readable timeline, JSON, and JUnit XML."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from client.i18n import tr
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
    return f"{CROSS} " + tr("{key}: expected {expected}, got {actual}").format(
        key=check.key, expected=_show(check.expected), actual=_show(check.actual)
    )


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, str) else value


def format_windows(result: ScenarioResult) -> list[str]:
    lines = []
    for w in result.windows:
        text = tr(
            "  window: {device}'s session was revoked at +{revoked}s ({reason}), yet its "
            "access token was still accepted (last at +{last}s) and stayed usable until its "
            "exp at +{exp}s: a {window} s window of stateless verification"
        )
        lines.append(
            text.format(
                device=w["device"],
                revoked=f"{w['revoked_at']:g}",
                reason=w["reason"],
                last=f"{w['last_accepted_at']:g}",
                exp=f"{w['token_exp']:g}",
                window=f"{w['window']:g}",
            )
        )
    return lines


def format_api_windows(result: ScenarioResult) -> list[str]:
    """One line per API of its own: how long it still took the revoked token."""
    lines = []
    for w in result.api_windows:
        mode = w["verify_mode"] or "?"
        if w.get("introspect_cache"):
            mode = tr("{mode}, answers cached {cache} s").format(
                mode=mode, cache=f"{w['introspect_cache']:g}"
            )
        if w["refused_at"] is None:
            last = w["last_accepted_at"]
            if last is None:
                continue
            text = tr(
                "  api {api} ({mode}): the session revoked at +{revoked}s was still accepted "
                "at its last try (+{last}s)"
            ).format(api=w["api"], mode=mode, revoked=f"{w['revoked_at']:g}", last=f"{last:g}")
        else:
            text = tr(
                "  api {api} ({mode}): the session revoked at +{revoked}s was refused from "
                "+{refused}s — a red window of {window} s"
            ).format(
                api=w["api"],
                mode=mode,
                revoked=f"{w['revoked_at']:g}",
                refused=f"{w['refused_at']:g}",
                window=f"{w['window']:g}",
            )
        lines.append(text)
    return lines


def format_summary(result: ScenarioResult) -> str:
    checks = result.checks
    failed = [c for c in checks if not c.passed]
    mark = TICK if result.passed else CROSS
    name = result.scenario.name
    held = len(checks) - len(failed)
    if result.error:
        return f"{mark} {name}: " + tr("error — {error}").format(error=result.error)
    if result.stopped:
        text = tr("stopped after {done}/{total} steps; {held}/{n} expectations held")
        return f"{mark} {name}: " + text.format(
            done=len(result.steps), total=len(result.scenario.steps), held=held, n=len(checks)
        )
    text = tr("{held}/{n} expectations held ({ms} ms)")
    return f"{mark} {name}: " + text.format(
        held=held, n=len(checks), ms=f"{result.wall_seconds * 1000:.0f}"
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
                "api_windows": r.api_windows,
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
