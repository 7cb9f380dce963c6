"""The scenario file format (README "Scenarios"), loaded and validated.

A scenario is a TOML file: ``name``, ``title``, ``description``, a
``[server]`` table, ``[[devices]]`` and timed ``[[steps]]`` with optional
``expect`` tables. ``load_scenario`` turns it into frozen dataclasses or raises
a ``ScenarioError`` whose message names the file, the step and the problem —
never a traceback.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from client.i18n import LANGUAGES
from client.paths import builtin_scenario_dir
from client.scenarios.actions import ACTIONS, EXPECTATIONS, SERVER_KEYS, Kind
from client.scenarios.errors import ScenarioError
from contract import API_VERIFY_MODES, DEVICE_TYPES, SETTINGS_BY_NAME, resource_server_id_ok

DEVICE_KEYS: dict[str, Kind] = {
    "id": str,
    "type": str,
    "user": str,
    "name": str,
    "clock_offset": (int, float),
    "refresh_margin": (int, float),
    "listen": bool,
}

STEP_KEYS = {"at", "device", "action", "expect"}


@dataclass(frozen=True, slots=True)
class DeviceSpec:
    id: str
    type: str
    user: str
    name: str
    clock_offset: float = 0.0
    refresh_margin: float = 5.0
    # Scenarios play the seed's devices, which learn that their session ended
    # only from a refused call; `listen = true` opens GET /api/notifications.
    listen: bool = False


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """A resource server of its own (``jwt-lab api``) the scenario starts."""

    name: str
    verify_mode: str
    introspect_cache: float = 0.0


API_KEYS: dict[str, Kind] = {
    "name": str,
    "verify_mode": str,
    "introspect_cache": (int, float),
}


@dataclass(frozen=True, slots=True)
class Step:
    index: int  # 1-based, as a user counts
    at: float
    action: str
    device: str | None
    params: dict[str, Any] = field(default_factory=dict)
    expect: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        who = f" {self.device}" if self.device else ""
        return f"step {self.index} (at {self.at:g} s,{who} {self.action})"


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    description: str
    server: dict[str, Any]
    devices: tuple[DeviceSpec, ...]
    steps: tuple[Step, ...]
    path: Path | None = None
    # The title and description in other languages: {"ko": {"title": …, "description": …}}
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    # Resource servers of their own the scenario starts beside the server (issue 15).
    apis: tuple[ApiSpec, ...] = ()

    def title_in(self, lang: str) -> str:
        return self.translations.get(lang, {}).get("title", self.title)

    def description_in(self, lang: str) -> str:
        return self.translations.get(lang, {}).get("description", self.description)

    def device(self, device_id: str) -> DeviceSpec:
        return next(d for d in self.devices if d.id == device_id)


def _type_name(expected: Kind) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    names = {int: "an integer", float: "a number", str: "a string", bool: "true or false"}
    return " or ".join(dict.fromkeys(names.get(t, t.__name__) for t in types))


def _check_type(value: object, expected: Kind) -> bool:
    types = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


def _check_table(table: object, allowed: dict[str, Kind], where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ScenarioError(f"{where} must be a table")
    for key, value in table.items():
        if key not in allowed:
            raise ScenarioError(
                f"{where}: unknown key {key!r} (known: {', '.join(sorted(allowed))})"
            )
        if not _check_type(value, allowed[key]):
            raise ScenarioError(
                f"{where}: {key!r} must be {_type_name(allowed[key])}, not {value!r}"
            )
    return dict(table)


def _check_settings(values: dict[str, Any], where: str) -> None:
    """Ranges and choices as the contract declares them: a bad value is the file's
    fault (exit 2), found before any server is asked."""
    for name, value in values.items():
        try:
            SETTINGS_BY_NAME[name].validate(value)
        except ValueError as exc:
            raise ScenarioError(f"{where}: {exc}") from None


def parse_scenario(data: dict[str, Any], source: str, path: Path | None = None) -> Scenario:
    """Validate a decoded TOML document."""

    def fail(message: str) -> ScenarioError:
        return ScenarioError(f"{source}: {message}")

    languages = {lang for lang in LANGUAGES if lang != "en"}  # [ko]: title, description
    known_top = {"name", "title", "description", "server", "devices", "apis", "steps", *languages}
    for key in data:
        if key not in known_top:
            raise fail(f"unknown top-level key {key!r} (known: {', '.join(sorted(known_top))})")
    translations: dict[str, dict[str, str]] = {}
    for lang in sorted(languages & set(data)):
        try:
            table = _check_table(data[lang], {"title": str, "description": str}, f"[{lang}]")
        except ScenarioError as exc:
            raise fail(str(exc)) from None
        translations[lang] = {k: v.strip() for k, v in table.items() if v.strip()}
    for key in ("name", "title"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise fail(f"{key!r} is required and must be a non-empty string")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise fail("'description' must be a string")
    try:
        server = _check_table(data.get("server", {}), SERVER_KEYS, "[server]")
        _check_settings(server, "[server]")
    except ScenarioError as exc:
        raise fail(str(exc)) from None

    raw_devices = data.get("devices", [])
    if not isinstance(raw_devices, list) or not raw_devices:
        raise fail("at least one [[devices]] entry is required")
    devices: list[DeviceSpec] = []
    for i, raw in enumerate(raw_devices, 1):
        where = f"device {i}"
        try:
            table = _check_table(raw, DEVICE_KEYS, where)
        except ScenarioError as exc:
            raise fail(str(exc)) from None
        for key in ("id", "type", "user"):
            if key not in table:
                raise fail(f"{where}: {key!r} is required")
        if table["type"] not in DEVICE_TYPES:
            raise fail(f"{where}: type {table['type']!r} is not one of {', '.join(DEVICE_TYPES)}")
        if any(d.id == table["id"] for d in devices):
            raise fail(f"{where}: the id {table['id']!r} is used twice")
        devices.append(
            DeviceSpec(
                id=table["id"],
                type=table["type"],
                user=table["user"],
                name=table.get("name", table["id"]),
                clock_offset=float(table.get("clock_offset", 0.0)),
                refresh_margin=float(table.get("refresh_margin", 5.0)),
                listen=bool(table.get("listen", False)),
            )
        )
    device_ids = {d.id for d in devices}
    apis = _read_apis(data.get("apis", []), fail)
    api_names = {a.name for a in apis}

    raw_steps = data.get("steps", [])
    if not isinstance(raw_steps, list) or not raw_steps:
        raise fail("at least one [[steps]] entry is required")
    steps: list[Step] = []
    previous_at = 0.0
    for i, raw in enumerate(raw_steps, 1):
        if not isinstance(raw, dict):
            raise fail(f"step {i} must be a table")
        action = raw.get("action")
        if not isinstance(action, str):
            raise fail(f"step {i}: 'action' is required and must be a string")
        if action not in ACTIONS:
            raise fail(f"step {i}: unknown action {action!r} (known: {', '.join(ACTIONS)})")
        raw_at = raw.get("at")
        if not _check_type(raw_at, (int, float)) or float(raw_at) < 0:  # type: ignore[arg-type]
            raise fail(f"step {i} ({action}): 'at' is required, a number of seconds ≥ 0")
        at = float(raw_at)  # type: ignore[arg-type]
        where = f"step {i} (at {at:g} s, {action})"
        if at < previous_at:
            raise fail(
                f"{where}: steps must be in time order (the previous one is at {previous_at:g} s)"
            )
        previous_at = at
        spec = ACTIONS[action]
        device = raw.get("device")
        if device is not None and not isinstance(device, str):
            raise fail(f"{where}: 'device' must be a string")
        if spec.device == "required" and device is None:
            raise fail(f"{where}: this action needs a 'device'")
        if device is not None and device not in device_ids:
            raise fail(
                f"{where}: unknown device {device!r} (declared: {', '.join(sorted(device_ids))})"
            )
        params = {k: v for k, v in raw.items() if k not in STEP_KEYS}
        try:
            params = _check_table(params, spec.kinds(), where)
        except ScenarioError as exc:
            raise fail(str(exc)) from None
        for key, param in spec.params.items():
            if param.required and key not in params:
                raise fail(f"{where}: {param.describe()} is required")
        if spec.open_keys:
            try:
                _check_settings(params, where)
            except ScenarioError as exc:
                raise fail(str(exc)) from None
        if "api" in params and params["api"] not in api_names:
            known = ", ".join(sorted(api_names)) or "none: add [[apis]] tables"
            raise fail(f"{where}: unknown api {params['api']!r} (declared: {known})")
        problem = spec.check(device, params) if spec.check else None
        if problem:
            raise fail(f"{where}: {problem}")
        expect_kinds = {name: e.kind for name, e in EXPECTATIONS.items()}
        try:
            expect = _check_table(raw.get("expect", {}), expect_kinds, f"{where}: expect")
        except ScenarioError as exc:
            raise fail(str(exc)) from None
        for key, value in expect.items():
            choices = EXPECTATIONS[key].choices
            if choices and value not in choices:
                raise fail(f"{where}: expect.{key} {value!r} is not one of {', '.join(choices)}")
            if device is None and EXPECTATIONS[key].needs_device:
                raise fail(f"{where}: expectations about a device need the step's 'device'")
        steps.append(Step(i, at, action, device, params, expect))
    return Scenario(
        name=data["name"],
        title=data["title"],
        description=description.strip(),
        server=server,
        devices=tuple(devices),
        steps=tuple(steps),
        apis=apis,
        path=path,
        translations=translations,
    )


def _read_apis(raw_apis: object, fail: Callable[[str], ScenarioError]) -> tuple[ApiSpec, ...]:
    if not isinstance(raw_apis, list):
        raise fail("'apis' must be a list of [[apis]] tables")
    apis: list[ApiSpec] = []
    for i, raw in enumerate(raw_apis, 1):
        where = f"api {i}"
        try:
            table = _check_table(raw, API_KEYS, where)
        except ScenarioError as exc:
            raise fail(str(exc)) from None
        for key in ("name", "verify_mode"):
            if key not in table:
                raise fail(f"{where}: {key!r} is required")
        if not resource_server_id_ok(table["name"]):
            raise fail(f"{where}: a name is 1-64 letters, digits and . _ -")
        if any(a.name == table["name"] for a in apis):
            raise fail(f"{where}: the name {table['name']!r} is used twice")
        if table["verify_mode"] not in API_VERIFY_MODES:
            raise fail(f"{where}: verify_mode must be one of {', '.join(API_VERIFY_MODES)}")
        cache = float(table.get("introspect_cache", 0.0))
        if cache < 0 or (cache and table["verify_mode"] != "introspect"):
            raise fail(f"{where}: introspect_cache is seconds ≥ 0, for verify_mode introspect")
        apis.append(ApiSpec(table["name"], table["verify_mode"], cache))
    return tuple(apis)


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    return parse_scenario(data, str(path), path)


def builtin_scenarios() -> list[Path]:
    """The built-in library (``client/assets/scenarios``), in file-name order."""
    return sorted(builtin_scenario_dir().glob("*.toml"))


def resolve(name_or_path: str) -> Path:
    """A file path as given, or the built-in scenario of that name."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        return candidate
    for path in builtin_scenarios():
        # "04a-dual-login.toml" answers to its file name, "04a", and "dual-login".
        prefix, _, name = path.stem.partition("-")
        if name_or_path in (path.stem, prefix, name):
            return path
    raise ScenarioError(
        f"{name_or_path}: no such file or built-in scenario (see `jwt-lab scenario list`)"
    )
