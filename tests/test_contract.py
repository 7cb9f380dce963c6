"""The contract is the one place settings, reasons, device types and event
kinds are declared: everything derived from it must agree with it."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from pytestqt.qtbot import QtBot

import contract
from mock_server import Settings, VirtualClock, create_app
from mock_server.events import EventBus

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_settings_table_is_the_contracts() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Settings", 1)[1].split("\n## ", 1)[0]
    named = [r for r in section.splitlines() if re.match(r"^\| `[a-z_]+`", r)]
    assert named == contract.settings_table()


@pytest.mark.parametrize("spec", contract.SETTINGS, ids=lambda s: s.name)
def test_settings_refuse_what_the_contract_refuses(spec: contract.Setting) -> None:
    assert getattr(Settings(), spec.name) == spec.default
    bad = (spec.maximum or 0) + 1 if spec.kind is int else "no-such-value"
    with pytest.raises(ValueError, match=spec.name.split("_")[0]):
        Settings(**{spec.name: bad})


async def test_admin_state_publishes_the_schema_and_patch_follows_it() -> None:
    settings = Settings(admin_key="k", password_profile="fast")
    app = create_app(settings, clock=VirtualClock(), store=None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://t", headers={"X-Admin-Key": "k"}
    ) as http:
        state = (await http.get("/admin/state")).json()
        assert state["schema"] == contract.schema()
        assert set(state["settings"]) >= set(contract.LIVE_SETTINGS)
        for spec in contract.SETTINGS:
            if not spec.live:
                refused = await http.patch("/admin/settings", json={spec.name: spec.default})
                assert refused.status_code == 400, spec.name
                continue
            value = spec.choices[-1] if spec.choices else spec.maximum
            ok = await http.patch("/admin/settings", json={spec.name: value})
            assert ok.status_code == 200 and ok.json()[spec.name] == value, spec.name
            if spec.kind is int:
                too_big = await http.patch("/admin/settings", json={spec.name: value + 1})
                assert too_big.status_code == 400, spec.name
                assert too_big.json()["error"] == "invalid_request"
        metadata = (await http.get("/.well-known/oauth-authorization-server")).json()
        from mock_server.grants import GRANTS

        # password_grant was switched "off" above: the metadata lists only what is on.
        assert metadata["grant_types_supported"] == [g for g in GRANTS if g != "password"]


def test_the_event_bus_publishes_only_the_contracts_kinds_and_fields() -> None:
    bus = EventBus(VirtualClock())
    bus.publish("key_rotated", kid="k", alg="EdDSA")
    with pytest.raises(ValueError, match="not a server event kind"):
        bus.publish("key_rotatd", kid="k")
    with pytest.raises(ValueError, match="carry no"):
        bus.publish("key_rotated", kid="k", token="secret")


def test_the_console_takes_ranges_and_choices_from_the_servers_schema(qtbot: QtBot) -> None:
    from client.gui.server_console import ServerConsole

    console = ServerConsole("http://example", embedded=False)
    qtbot.addWidget(console)
    spec = contract.SETTINGS_BY_NAME["access_ttl"]
    assert (console.access_ttl.minimum(), console.access_ttl.maximum()) == (
        spec.minimum,
        spec.maximum,
    )
    schema = contract.schema()
    for entry in schema:
        if entry["name"] == "access_ttl":
            entry["maximum"] = 600
        if entry["name"] == "algorithm":
            entry["choices"] = ["ES256", "RS256"]
    console.apply_schema(schema)
    assert console.access_ttl.maximum() == 600
    assert [console.algorithm.itemText(i) for i in range(console.algorithm.count())] == [
        "ES256",
        "RS256",
    ]


def test_device_types_name_their_icons_and_words() -> None:
    from client.paths import asset
    from client.values import DeviceConfig

    for kind, info in contract.DEVICE_TYPE_INFO.items():
        assert asset("icons", info.icon).is_file(), kind
        DeviceConfig("d", kind, "D", "alice", "http://x")  # every type is a valid device
    with pytest.raises(ValueError, match="device type"):
        DeviceConfig("d", "toaster", "D", "alice", "http://x")


def _server_literals() -> tuple[set[str], set[str]]:
    """Every event kind the server publishes and every reason it rejects a token with."""
    import ast

    kinds: set[str] = set()
    reasons: set[str] = set()
    for path in (Path(__file__).resolve().parents[1] / "mock_server").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            first = node.args[0] if node.args else None
            if name == "publish" and isinstance(first, ast.Constant):
                kinds.add(first.value)
            if name == "TokenRejected" and isinstance(first, ast.Constant):
                reasons.add(first.value)
            if name == "InvalidToken":
                for keyword in node.keywords:
                    if keyword.arg == "reason" and isinstance(keyword.value, ast.Constant):
                        reasons.add(keyword.value.value)
    return kinds, reasons


def test_every_event_kind_and_token_rejection_the_server_uses_is_declared() -> None:
    kinds, reasons = _server_literals()
    assert kinds and reasons
    assert kinds <= set(contract.EVENT_KINDS)
    assert reasons <= set(contract.TOKEN_REJECTIONS)
