"""The runner itself: failing expectations, invalid files, reports, modes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from client.scenarios import ScenarioError, ScenarioRunner, load_scenario, resolve
from client.scenarios.environment import external_environment
from mock_server import ServerThread, Settings, VirtualClock

GOOD = """
name = "tiny"
title = "A tiny scenario"
[[devices]]
id = "phone"
type = "mobile"
user = "alice"
[[steps]]
at = 0
device = "phone"
action = "login"
expect = { state = "active" }
[[steps]]
at = 40
device = "phone"
action = "call"
expect = { status = 200 }
"""


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def jwt_lab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "client", "scenario", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_a_wrong_expectation_fails_and_the_scenario_goes_on(tmp_path: Path) -> None:
    wrong = GOOD.replace('expect = { state = "active" }', 'expect = { state = "signed_out" }')
    result = await ScenarioRunner().run(load_scenario(write(tmp_path, wrong)))
    assert not result.passed
    assert [c.passed for c in result.checks] == [False, True]  # the second step still ran
    (failed,) = [c for c in result.checks if not c.passed]
    assert (failed.expected, failed.actual) == ("signed_out", "active")


@pytest.mark.subprocess
def test_cli_exit_codes_and_reports(tmp_path: Path) -> None:
    good = write(tmp_path, GOOD, "good.toml")
    bad = write(tmp_path, GOOD.replace("status = 200", "status = 418"), "bad.toml")
    ok = jwt_lab("run", str(good))
    assert ok.returncode == 0, ok.stderr
    assert "✓ status = 200" in ok.stdout
    failed = jwt_lab(
        "run",
        str(good),
        str(bad),
        "--json",
        str(tmp_path / "r.json"),
        "--junit",
        str(tmp_path / "r.xml"),
    )
    assert failed.returncode == 1
    assert "✗ status: expected 418, got 200" in failed.stdout
    assert "1/2 scenarios passed" in failed.stdout
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["passed"] is False
    assert [s["passed"] for s in report["scenarios"]] == [True, False]
    step = report["scenarios"][1]["steps"][1]
    assert step["expectations"] == [
        {"key": "status", "expected": 418, "actual": 200, "passed": False}
    ]
    suite = ET.parse(tmp_path / "r.xml").getroot()
    assert suite.get("tests") == "2"
    assert suite.get("failures") == "1"
    cases = suite.findall("testcase")
    assert cases[0].find("failure") is None
    failure = cases[1].find("failure")
    assert failure is not None and "expected 418, got 200" in (failure.get("message") or "")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda t: t.replace('action = "call"', 'action = "dance"'),
            "step 2: unknown action 'dance'",
        ),
        (
            lambda t: t.replace(
                'device = "phone"\naction = "call"', 'device = "toaster"\naction = "call"'
            ),
            "step 2 (at 40 s, call): unknown device 'toaster'",
        ),
        (lambda t: t.replace("at = 40", "at = -1"), "step 2 (call): 'at' is required"),
        (lambda t: t.replace("at = 0", "at = 50"), "steps must be in time order"),
        (lambda t: t.replace("status = 200", 'status = "200"'), "'status' must be an integer"),
        (lambda t: t.replace("status = 200", "colour = 1"), "unknown key 'colour'"),
        (
            lambda t: t.replace('user = "alice"', 'user = "alice"\nfavourite = 1'),
            "device 1: unknown key",
        ),
        (lambda t: t.replace('type = "mobile"', 'type = "fridge"'), "type 'fridge' is not one of"),
        (lambda t: t + "\n[server]\nlogin_policy = 3\n", "'login_policy' must be a string"),
        (
            lambda t: t + "\n[server]\naccess_ttl = 99999999\n",
            "[server]: access_ttl must be between",
        ),
        (
            lambda t: t + '\n[server]\nlogin_policy = "sometimes"\n',
            "[server]: unknown login policy 'sometimes'",
        ),
        (
            lambda t: t + '\n[[steps]]\nat = 50\naction = "set_server"\nleeway = -3\n',
            "set_server): leeway must be between",
        ),
        (lambda t: t.replace('name = "tiny"', ""), "'name' is required"),
        (
            lambda t: t + '\n[[steps]]\nat = 50\naction = "steal_refresh"\ndevice = "phone"\n',
            "'as' (the attacker's name) is required",
        ),
        (lambda t: "name = [", "not valid TOML"),
    ],
)
def test_invalid_files_name_the_file_the_step_and_the_problem(
    tmp_path: Path,
    edit,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    path = write(tmp_path, edit(GOOD))
    with pytest.raises(ScenarioError) as excinfo:
        load_scenario(path)
    assert str(path) in str(excinfo.value)
    assert message in str(excinfo.value)


@pytest.mark.subprocess
def test_cli_invalid_file_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('action = "call"', 'action = "dance"'))
    result = jwt_lab("run", str(path))
    assert result.returncode == 2
    assert "unknown action 'dance'" in result.stderr
    assert "Traceback" not in result.stderr
    out_of_range = write(tmp_path, GOOD + "\n[server]\naccess_ttl = 99999999\n", "range.toml")
    result = jwt_lab("run", str(out_of_range))
    assert result.returncode == 2, result.stdout  # the file's fault, found before playing
    assert "access_ttl must be between" in result.stderr
    missing = jwt_lab("run", "no-such-scenario")
    assert missing.returncode == 2
    assert "no such file or built-in scenario" in missing.stderr


@pytest.mark.subprocess
def test_list_shows_the_builtins_with_titles() -> None:
    result = jwt_lab("list")
    assert result.returncode == 0
    assert "dual-login" in result.stdout
    assert "Signing in on a PC logs the phone out" in result.stdout


def test_names_resolve_to_builtins() -> None:
    assert resolve("dual-login").name == "04a-dual-login.toml"
    assert resolve("04b").name == "04b-dual-login-stateless.toml"


async def test_realtime_waits_between_steps_divided_by_speed(tmp_path: Path) -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    runner = ScenarioRunner(realtime=True, speed=5, sleep=fake_sleep, tick=0.5)
    result = await runner.run(load_scenario(write(tmp_path, GOOD)))
    assert result.passed
    assert sum(waits) == pytest.approx(8.0)  # 40 s of scenario time at 5×
    assert len(waits) == 16 and max(waits) <= 0.5  # in ticks, so a GUI sees time flow


async def test_stop_ends_the_play_before_its_next_tick(tmp_path: Path) -> None:
    from client.scenarios.report import format_summary, to_json, write_junit

    waits: list[float] = []
    runner: ScenarioRunner

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            runner.stop()  # as the window's Stop button does, from another thread

    runner = ScenarioRunner(realtime=True, speed=1, sleep=fake_sleep, tick=1)
    result = await runner.run(load_scenario(write(tmp_path, GOOD)))
    assert result.stopped and not result.passed and result.error is None
    assert len(waits) == 3  # not one tick more
    assert [s.step.at for s in result.steps] == [0]  # the login at 0 ran, the step at 40 not
    assert "stopped after 1/2 steps" in format_summary(result)
    assert to_json([result])["scenarios"][0]["stopped"] is True
    write_junit([result], tmp_path / "junit.xml")
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    assert suite.get("skipped") == "1" and suite.get("failures") == "0"
    assert suite.find("testcase/skipped") is not None


async def test_a_watching_window_gets_the_servers_state_and_each_event_once(
    tmp_path: Path,
) -> None:
    seen: list[tuple[dict, list]] = []  # type: ignore[type-arg]

    async def no_wait(_: float) -> None:
        pass

    runner = ScenarioRunner(
        realtime=True,
        sleep=no_wait,
        tick=10,
        on_server=lambda state, events: seen.append((state, events)),
    )
    result = await runner.run(load_scenario(write(tmp_path, GOOD)))
    assert result.passed
    ids = [e["id"] for _, events in seen for e in events]
    assert ids == sorted(set(ids)) and ids  # in order, none twice
    assert "login" in {e["type"] for _, events in seen for e in events}
    assert any(state["sessions"] for state, _ in seen)  # the session, as the server sees it


@pytest.mark.live
async def test_an_external_virtual_clock_server_can_be_driven(tmp_path: Path) -> None:
    settings = Settings(password_profile="fast", admin_key="ext-key")
    with ServerThread(settings, clock=VirtualClock()) as server:
        runner = ScenarioRunner(external_environment(server.url, "ext-key"))
        result = await runner.run(load_scenario(resolve("dual-login")))
        assert result.passed, [c for c in result.checks if not c.passed]
        # Played twice against the same server: earlier sessions do not leak in.
        again = await runner.run(load_scenario(resolve("dual-login")))
        assert again.passed


@pytest.mark.live
async def test_an_external_real_clock_server_is_refused_clearly() -> None:
    from mock_server import SystemClock

    with ServerThread(Settings(admin_key="k"), clock=SystemClock()) as server:
        result = await ScenarioRunner(external_environment(server.url, "k")).run(
            load_scenario(resolve("dual-login"))
        )
    assert result.error is not None and "--virtual-clock" in result.error


@pytest.mark.parametrize("command", [["run", "--all"], ["list"]])
def test_no_scenarios_found_is_an_error_not_a_pass(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # What an install without its data files looked like: "0/0 scenarios passed", exit 0.
    from client import cli
    from client.scenarios import model

    monkeypatch.setattr(model, "builtin_scenario_dir", lambda: Path("/nonexistent"))
    assert cli.main(["scenario", *command]) == 2
    out, err = capsys.readouterr()
    assert "no scenarios found" in err
    assert "passed" not in out


def test_a_scenario_may_carry_its_title_in_korean_and_nothing_else(tmp_path: Path) -> None:
    good = GOOD + '\n[ko]\ntitle = "작은 시나리오"\n'
    scenario = load_scenario(write(tmp_path, good))
    assert scenario.title_in("ko") == "작은 시나리오"
    assert scenario.description_in("ko") == scenario.description  # not given: the source's
    assert scenario.title_in("en") == "A tiny scenario"
    for bad, said in [
        ('\n[ko]\nsteps = "no"\n', "[ko]: unknown key 'steps'"),
        ("\n[ko]\ntitle = 3\n", "'title' must be a string"),
        ('\n[fr]\ntitle = "Un petit"\n', "unknown top-level key 'fr'"),
    ]:
        with pytest.raises(ScenarioError, match=re.escape(said)):
            load_scenario(write(tmp_path, GOOD + bad))


def test_a_login_flow_must_be_one_the_lab_knows(tmp_path: Path) -> None:
    bad = GOOD.replace('action = "login"', 'action = "login"\nflow = "magic"', 1)
    with pytest.raises(
        ScenarioError, match=re.escape("'flow' must be one of password, code, device")
    ):
        load_scenario(write(tmp_path, bad))


async def test_approving_from_a_device_that_does_not_exist_is_a_failed_step(tmp_path: Path) -> None:
    text = """
name = "lonely-tv"
title = "Nobody to approve"
[[devices]]
id = "tv"
type = "tv"
user = "alice"
[[steps]]
at = 0
device = "tv"
action = "login"
flow = "device"
expect = { state = "signing_in" }
[[steps]]
at = 6
device = "tv"
action = "approve_device"
as = "phone"
expect = { ok = false, state = "signing_in" }
"""
    result = await ScenarioRunner().run(load_scenario(write(tmp_path, text)))
    assert result.passed, [c for c in result.checks if not c.passed]
    assert result.steps[1].outcome == "no device 'phone' to approve from"


def test_a_replay_names_a_known_kind_of_proof(tmp_path: Path) -> None:
    bad = GOOD + '\n[[steps]]\nat = 41\naction = "replay_access"\nas = "x"\nwith_proof = "magic"\n'
    with pytest.raises(
        ScenarioError, match="'with_proof' must be one of none, own_key, copied_proof"
    ):
        load_scenario(write(tmp_path, bad))
