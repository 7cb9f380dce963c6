"""The step registry: each action's file keys come from its function's signature."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import httpx
import pytest

from client.device import Device
from client.scenarios import ScenarioError, ScenarioRunner, load_scenario
from client.scenarios.actions import (
    ACTIONS,
    EXPECTATIONS,
    Outcome,
    action,
    actions_table,
    expectation,
    expectations_table,
)
from client.scenarios.model import parse_scenario

README = Path(__file__).resolve().parents[2] / "README.md"

DEVICES = [{"id": "phone", "type": "mobile", "user": "alice"}]


def scenario(*steps: dict[str, object]) -> dict[str, object]:
    return {"name": "t", "title": "T", "devices": DEVICES, "steps": list(steps)}


def test_the_readme_step_tables_are_the_registry() -> None:
    text = README.read_text(encoding="utf-8").split("### Writing one", 1)[1]
    rows = [r for r in text.splitlines() if re.match(r"^\| `[a-z_]+`", r)]
    assert rows == actions_table() + expectations_table()


def test_signatures_give_each_action_its_keys_types_and_device_need() -> None:
    call = ACTIONS["call"]
    assert call.device == "required"
    assert {k: (p.kind, p.required) for k, p in call.params.items()} == {
        "path": (str, False),
        "n": (int, False),
        "api": (str, False),
    }
    assert ACTIONS["restart"].device == "optional"
    assert ACTIONS["rotate_key"].device == "unused"
    assert ACTIONS["set_clock_offset"].params["seconds"].kind == (int, float)
    steal = ACTIONS["steal_refresh"].params["as"]  # `as_` in Python
    assert (steal.required, steal.help) == (True, "the attacker's name")
    assert "access_ttl" in ACTIONS["set_server"].kinds()
    assert EXPECTATIONS["state"].needs_device and not EXPECTATIONS["active_sessions"].needs_device
    assert EXPECTATIONS["status"].kind is int and EXPECTATIONS["ok"].kind is bool


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"action": "call"}, "this action needs a 'device'"),
        ({"action": "call", "device": "phone", "n": "2"}, "'n' must be an integer"),
        ({"action": "call", "device": "phone", "n": 0}, "'n' must be at least 1"),
        ({"action": "set_clock_offset", "device": "phone"}, "'seconds' is required"),
        ({"action": "force_expire"}, "exactly one of 'user' or 'device'"),
        ({"action": "set_server"}, "name at least one setting"),
        ({"action": "set_server", "access_ttl": "x"}, "'access_ttl' must be an integer"),
        ({"action": "rotate_key", "expect": {"state": "active"}}, "need the step's 'device'"),
        ({"action": "login", "device": "phone", "expect": {"state": "gone"}}, "not one of"),
        ({"action": "login", "device": "phone", "expect": {"ok": 1}}, "'ok' must be true"),
    ],
)
def test_the_parser_refuses_what_the_signatures_refuse(
    step: dict[str, object], message: str
) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)):
        parse_scenario(scenario({"at": 0, **step}), "s.toml")


@pytest.mark.parametrize(
    ("apis", "step", "message"),
    [
        ([], {"action": "call", "device": "phone", "api": "x"}, "unknown api 'x' (declared: none"),
        (
            [{"name": "a", "verify_mode": "denylist"}],
            {"action": "call", "device": "phone", "api": "b"},
            "unknown api 'b' (declared: a)",
        ),
        ([{"name": "a"}], None, "'verify_mode' is required"),
        ([{"name": "a", "verify_mode": "magic"}], None, "verify_mode must be one of"),
        ([{"name": "a b", "verify_mode": "stateless"}], None, "a name is 1-64 letters"),
        ([{"name": "a", "verify_mode": "stateless"}] * 2, None, "used twice"),
        (
            [{"name": "a", "verify_mode": "stateless", "introspect_cache": 5}],
            None,
            "introspect_cache is seconds ≥ 0, for verify_mode introspect",
        ),
        (
            [{"name": "a", "verify_mode": "introspect", "introspect_cache": -1}],
            None,
            "introspect_cache is seconds ≥ 0",
        ),
        ([{"name": "a", "verify_mode": "stateless", "port": 1}], None, "port"),
        ("nope", None, "'apis' must be a list"),
    ],
)
def test_apis_of_their_own_are_checked_as_they_are_read(
    apis: object, step: dict[str, object] | None, message: str
) -> None:
    data = scenario({"at": 0, **(step or {"action": "login", "device": "phone"})})
    data["apis"] = apis
    with pytest.raises(ScenarioError, match=re.escape(message)):
        parse_scenario(data, "s.toml")


def test_apis_are_read_with_their_modes() -> None:
    data = scenario({"at": 0, "action": "call", "device": "phone", "api": "cached"})
    data["apis"] = [{"name": "cached", "verify_mode": "introspect", "introspect_cache": 2}]
    parsed = parse_scenario(data, "s.toml")
    assert [(a.name, a.verify_mode, a.introspect_cache) for a in parsed.apis] == [
        ("cached", "introspect", 2.0)
    ]


async def test_apis_need_the_bundled_server(tmp_path: Path) -> None:
    """An external server: the scenario cannot start resource servers beside it."""
    from client.scenarios.environment import HttpEnvironment

    data = scenario({"at": 0, "action": "login", "device": "phone"})
    data["apis"] = [{"name": "a", "verify_mode": "stateless"}]
    env = HttpEnvironment("http://127.0.0.1:9", "k", httpx.AsyncHTTPTransport)
    with pytest.raises(ScenarioError, match="not one the scenario can start them for"):
        await env.start_api("a", "stateless", 0.0)
    await env.close()


@pytest.fixture
def a_new_step() -> Iterator[None]:
    """A step kind and an expectation added the way the docs say: one function each."""

    @action()
    async def wave(device: Device, *, times: Annotated[int, "how often"]) -> Outcome:
        """Wave at the server."""
        return Outcome(f"{device.id} waved {times}×", ok=times < 3)

    @expectation()
    def waved(outcome: Outcome) -> str:
        """What the wave said."""
        return outcome.text

    try:
        yield
    finally:
        del ACTIONS["wave"], EXPECTATIONS["waved"]


@pytest.mark.usefixtures("a_new_step")
async def test_a_new_step_is_one_function(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=re.escape("'times' (how often) is required")):
        parse_scenario(scenario({"at": 0, "device": "phone", "action": "wave"}), "s.toml")
    path = tmp_path / "wave.toml"
    path.write_text(
        'name = "wave"\ntitle = "Wave"\n'
        '[[devices]]\nid = "phone"\ntype = "mobile"\nuser = "alice"\n'
        '[[steps]]\nat = 0\ndevice = "phone"\naction = "wave"\ntimes = 2\n'
        'expect = { waved = "phone waved 2×", ok = true }\n'
        '[[steps]]\nat = 1\ndevice = "phone"\naction = "wave"\ntimes = 5\n'
        'expect = { waved = "phone waved 5×", ok = true }\n',
        encoding="utf-8",
    )
    result = await ScenarioRunner().run(load_scenario(path))
    assert result.error is None
    first, second = result.steps
    assert first.passed and [c.actual for c in first.checks] == ["phone waved 2×", True]
    assert not second.passed and [c.actual for c in second.checks] == ["phone waved 5×", False]
