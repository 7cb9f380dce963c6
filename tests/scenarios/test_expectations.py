"""Each expectation key can fail, and nothing unobserved counts as held.

One scenario exercises every key with the right values; each variant changes
one expected value and must fail on exactly that check, with the real value
reported. A server that is down cannot "pass" an expectation it never observed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from client.scenarios import ScenarioRunner, load_scenario
from client.scenarios.results import ScenarioResult

EVERY_KEY = """
name = "every-key"
title = "Every expectation key, right"
[server]
login_policy = "single"
verify_mode = "stateful"
[[devices]]
id = "phone"
type = "mobile"
user = "alice"
refresh_margin = 0
[[devices]]
id = "pc"
type = "pc"
user = "alice"
[[steps]]
at = 0
device = "phone"
action = "login"
expect = { state = "active", ok = true, active_sessions = 1 }
[[steps]]
at = 40
device = "phone"
action = "call"
expect = { status = 200, refreshes = 1 }
[[steps]]
at = 41
device = "phone"
action = "steal_refresh"
as = "eve"
[[steps]]
at = 42
device = "pc"
action = "login"
expect = { active_sessions = 1 }
[[steps]]
at = 43
device = "phone"
action = "call"
expect = { status = 401, state = "signed_out", reason = "superseded", ok = false }
[[steps]]
at = 44
action = "replay_refresh"
as = "eve"
expect = { attacker_ok = false }
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def play(tmp_path: Path, text: str) -> ScenarioResult:
    return await ScenarioRunner().run(load_scenario(write(tmp_path, text)))


async def test_the_scenario_with_every_key_right_passes(tmp_path: Path) -> None:
    result = await play(tmp_path, EVERY_KEY)
    assert result.error is None
    assert result.passed, [c for c in result.checks if not c.passed]
    keys = {c.key for c in result.checks}
    assert keys == {
        "state",
        "reason",
        "status",
        "ok",
        "refreshes",
        "active_sessions",
        "attacker_ok",
    }


# (the text to change, its wrong replacement, the key, the wrong value, the real value)
WRONG = [
    ('expect = { state = "active",', 'expect = { state = "offline",', "state", "offline", "active"),
    ('reason = "superseded"', 'reason = "forced"', "reason", "forced", "superseded"),
    ("expect = { status = 200,", "expect = { status = 401,", "status", 401, 200),
    ("status = 401, state", "status = 200, state", "status", 200, 401),
    ("ok = true, active_sessions", "ok = false, active_sessions", "ok", False, True),
    ('"superseded", ok = false }', '"superseded", ok = true }', "ok", True, False),
    ("refreshes = 1", "refreshes = 2", "refreshes", 2, 1),
    ("refreshes = 1", "refreshes = 0", "refreshes", 0, 1),
    (
        'action = "login"\nexpect = { active_sessions = 1 }',
        'action = "login"\nexpect = { active_sessions = 2 }',
        "active_sessions",
        2,
        1,
    ),
    ("attacker_ok = false", "attacker_ok = true", "attacker_ok", True, False),
]


@pytest.mark.parametrize(
    ("old", "new", "key", "expected", "actual"),
    WRONG,
    ids=[f"{w[2]}={w[3]}" for w in WRONG],
)
async def test_a_wrong_expectation_fails_on_exactly_its_check(
    tmp_path: Path, old: str, new: str, key: str, expected: object, actual: object
) -> None:
    assert EVERY_KEY.count(old) == 1, old
    result = await play(tmp_path, EVERY_KEY.replace(old, new))
    assert not result.passed
    failed = [c for c in result.checks if not c.passed]
    assert [(c.key, c.expected, c.actual) for c in failed] == [(key, expected, actual)]


SERVER_DOWN = """
name = "down"
title = "Nothing observed while the server is down"
[[devices]]
id = "phone"
type = "mobile"
user = "alice"
[[steps]]
at = 0
device = "phone"
action = "login"
[[steps]]
at = 1
action = "server_down"
[[steps]]
at = 2
device = "phone"
action = "call"
expect = { EXPECT }
"""


@pytest.mark.parametrize(
    "expect",
    [
        "status = 200",
        "status = 401",
        'reason = "superseded"',
        "ok = true",
        "refreshes = 1",
        'state = "signed_out"',
    ],
)
async def test_a_server_that_is_down_passes_no_expectation_it_never_observed(
    tmp_path: Path, expect: str
) -> None:
    result = await play(tmp_path, SERVER_DOWN.replace("EXPECT", expect))
    (check,) = result.checks
    assert not check.passed, check
    assert not result.passed
    # What was observed is reported as it is: no status, no reason.
    if check.key in ("status", "reason"):
        assert check.actual is None


async def test_an_attacker_who_never_replayed_did_not_succeed(tmp_path: Path) -> None:
    text = SERVER_DOWN.replace(
        'action = "call"\nexpect = { EXPECT }',
        'action = "steal_refresh"\nas = "eve"\nexpect = { attacker_ok = true }',
    )
    result = await play(tmp_path, text)
    (check,) = result.checks
    assert (check.passed, check.actual) == (False, None)


STATELESS_WINDOW = """
name = "window"
title = "The stateless window reaches exp even when nobody calls late"
[server]
login_policy = "single"
verify_mode = "stateless"
access_ttl = 30
[[devices]]
id = "phone"
type = "mobile"
user = "alice"
refresh_margin = 0
[[devices]]
id = "pc"
type = "pc"
user = "alice"
[[steps]]
at = 0
device = "phone"
action = "login"
[[steps]]
at = 5
device = "pc"
action = "login"
[[steps]]
at = 8
device = "phone"
action = "call"
expect = { status = 200 }
[[steps]]
at = 12
device = "pc"
action = "call"
expect = { status = 200 }
"""


async def test_the_stateless_window_reaches_exp_without_a_late_call(tmp_path: Path) -> None:
    result = await play(tmp_path, STATELESS_WINDOW)
    assert result.passed
    (window,) = result.windows
    assert window["device"] == "phone"
    assert (window["revoked_at"], window["last_accepted_at"], window["token_exp"]) == (5, 8, 30)
    assert window["window"] == 25  # to exp, not to the last call seen (3 s)
