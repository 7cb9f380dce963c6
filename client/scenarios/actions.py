"""The scenario step kinds and expectations: one function each, in a registry.

A step kind is an async function decorated with ``@action``. Its signature is
its contract with the scenario file:

- a ``device: Device`` parameter means the step needs a ``device``;
  ``device: Device | None`` means it may have one; none means it ignores it;
- its keyword-only parameters are the step's keys, with their types and
  defaults (``as_`` is written ``as`` in the file; ``float`` also takes an
  integer; a parameter without a default is required);
- ``**settings`` takes any ``[server]`` key.

An expectation is a function decorated with ``@expectation``: its return
type (``None`` aside) is the type the file must give, and its parameters,
named after what it reads (``play``, ``step``, ``device``, ``outcome``), are
passed by name; one that takes ``device: Device`` needs the step's device.

The parser (``model.py``) and the player (``play.py``) loop over ``ACTIONS``
and ``EXPECTATIONS``; adding a step kind is one function here.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import parse_qsl, urlsplit

from client.attack import Thief, refusal
from client.device import Device
from client.errors import LoginRefused, ServerUnreachable
from client.events import TokenStolen
from client.flows import Autopilot
from client.http import http_client
from client.scenarios.errors import ScenarioError
from client.tokens import fingerprint
from contract import FLOWS, LIVE_SETTINGS, SETTINGS_BY_NAME

if TYPE_CHECKING:
    from client.scenarios.model import Step
    from client.scenarios.play import Play

Kind = type | tuple[type, ...]

# The server settings a scenario may set: the contract's live ones.
SERVER_KEYS: dict[str, Kind] = {name: SETTINGS_BY_NAME[name].kind for name in LIVE_SETTINGS}
Attacker = Annotated[str, "the attacker's name"]
Flow = Annotated[str | None, "password, code or device"]
STATES = ("signed_out", "signing_in", "active", "refreshing", "offline")


@dataclass(slots=True)
class Outcome:
    """What a step did, in a few words, and whether it went as the device wanted."""

    text: str
    ok: bool = True
    attacker_ok: bool | None = None


@dataclass(frozen=True, slots=True)
class Param:
    key: str  # as written in the scenario file
    kind: Kind
    required: bool
    help: str | None = None  # from ``Annotated[type, "help"]``

    def describe(self) -> str:
        return f"{self.key!r} ({self.help})" if self.help else repr(self.key)


Check = Callable[[str | None, Mapping[str, Any]], str | None]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    run: Callable[..., Awaitable[Outcome]]
    device: Literal["required", "optional", "unused"]
    params: dict[str, Param]  # by file key
    open_keys: dict[str, Kind] | None  # ``**settings``: any of these keys
    check: Check | None
    help: str

    def kinds(self) -> dict[str, Kind]:
        """Every key the step may carry, with its type."""
        return {**(self.open_keys or {}), **{k: p.kind for k, p in self.params.items()}}


@dataclass(frozen=True, slots=True)
class ExpectationSpec:
    name: str
    read: Callable[..., Any]
    kind: Kind
    needs_device: bool
    choices: tuple[str, ...] | None
    help: str


ACTIONS: dict[str, ActionSpec] = {}
EXPECTATIONS: dict[str, ExpectationSpec] = {}


def _kind(annotation: Any) -> Kind:
    """``str | None`` → ``str``; ``float`` → int or float (TOML writes ``5`` for 5.0)."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        inner = tuple(a for a in typing.get_args(annotation) if a is not type(None))
        kinds = tuple(dict.fromkeys(t for a in inner for t in _as_tuple(_kind(a))))
        return kinds[0] if len(kinds) == 1 else kinds
    if annotation is float:
        return (int, float)
    if annotation in (str, int, bool):
        return typing.cast(type, annotation)
    raise TypeError(f"a scenario parameter cannot be {annotation!r}")


def _as_tuple(kind: Kind) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    # ``Play`` and ``Step`` are imported for type checkers only; they are never a step's key.
    names = {**globals(), "Play": object, "Step": object}
    return typing.get_type_hints(fn, globalns=names, include_extras=True)


def _device_use(
    hints: dict[str, Any], signature: inspect.Signature
) -> Literal["required", "optional", "unused"]:
    if "device" not in signature.parameters:
        return "unused"
    annotation = hints["device"]
    return "required" if annotation is Device else "optional"


def _help(fn: Callable[..., Any]) -> str:
    return (inspect.getdoc(fn) or "").split("\n\n")[0].replace("\n", " ")


def action(
    *, open_keys: dict[str, Kind] | None = None, check: Check | None = None
) -> Callable[[Callable[..., Awaitable[Outcome]]], Callable[..., Awaitable[Outcome]]]:
    """Register a step kind under its function's name (see the module doc)."""

    def register(fn: Callable[..., Awaitable[Outcome]]) -> Callable[..., Awaitable[Outcome]]:
        signature = inspect.signature(fn)
        hints = _hints(fn)
        params: dict[str, Param] = {}
        for p in signature.parameters.values():
            if p.kind is inspect.Parameter.KEYWORD_ONLY:
                key = p.name.removesuffix("_")
                annotation, notes = hints[p.name], list[Any]()
                if typing.get_origin(annotation) is typing.Annotated:
                    annotation, *notes = typing.get_args(annotation)
                required = p.default is inspect.Parameter.empty
                params[key] = Param(key, _kind(annotation), required, notes[0] if notes else None)
        name = fn.__name__.removesuffix("_")
        ACTIONS[name] = ActionSpec(
            name=name,
            run=fn,
            device=_device_use(hints, signature),
            params=params,
            open_keys=open_keys,
            check=check,
            help=_help(fn),
        )
        return fn

    return register


def expectation(
    *, choices: tuple[str, ...] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an expectation under its function's name (see the module doc)."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        hints = _hints(fn)
        signature = inspect.signature(fn)
        EXPECTATIONS[fn.__name__] = ExpectationSpec(
            name=fn.__name__,
            read=fn,
            kind=_kind(hints["return"]),
            needs_device="device" in signature.parameters and hints["device"] is Device,
            choices=choices,
            help=_help(fn),
        )
        return fn

    return register


async def run_action(spec: ActionSpec, play: Play, step: Step, device: Device | None) -> Outcome:
    """Call a step kind with what its signature asks for."""
    kwargs: dict[str, Any] = {}
    signature = inspect.signature(spec.run)
    for name in signature.parameters:
        if name == "play":
            kwargs[name] = play
        elif name == "step":
            kwargs[name] = step
        elif name == "device":
            kwargs[name] = device
    for key, value in step.params.items():
        python_name = key if key in signature.parameters else f"{key}_"
        if python_name in signature.parameters:
            kwargs[python_name] = value
        else:  # ``**settings``
            kwargs[key] = value
    return await spec.run(**kwargs)


async def read_expectation(
    spec: ExpectationSpec, play: Play, step: Step, device: Device | None, outcome: Outcome
) -> Any:
    """The value an expectation compares with the file's."""
    available = {"play": play, "step": step, "device": device, "outcome": outcome}
    kwargs = {name: available[name] for name in inspect.signature(spec.read).parameters}
    value = spec.read(**kwargs)
    return await value if inspect.isawaitable(value) else value


# --- step kinds ---------------------------------------------------------------------------


def _known_flow(device: str | None, params: Mapping[str, Any]) -> str | None:
    flow = params.get("flow")
    return None if flow in (None, *FLOWS) else f"'flow' must be one of {', '.join(FLOWS)}"


@action(check=_known_flow)
async def login(
    play: Play,
    device: Device,
    *,
    password: str | None = None,
    flow: Flow = None,
    dpop: bool = False,
) -> Outcome:
    """Sign in (`flow`: `password` — legacy —, `code` through the scripted browser with
    PKCE, or `device`: show a code to approve with `approve_device`; default the
    device's own). `password`: the user's own by default."""
    secret = f"{device.config.user}-pass" if password is None else password
    chosen = flow or device.config.flow
    if dpop != device.config.dpop:  # `dpop = true`: tokens bound to a key it keeps
        device.config = replace(device.config, dpop=dpop)
    try:
        if chosen == "code":
            browser = Autopilot(device.config.user, secret, transport=play.transport())
            await device.login_in_browser(browser)
            play.callbacks[device.id] = browser.callback_url
        elif chosen == "device":
            shown = await device.start_device_flow()
            return Outcome(f"shows code {shown.user_code}: waiting for approval")
        else:
            await device.login(secret)
    except LoginRefused as exc:
        return Outcome(f"refused ({exc.reason})", ok=False)
    return Outcome("signed in" if chosen == "password" else f"signed in ({chosen})")


@action()
async def approve_device(
    play: Play,
    device: Device,
    *,
    as_: Annotated[str, "the approving device's id"],
    deny: bool = False,
    password: str | None = None,
) -> Outcome:
    """Approve (or, with `deny = true`, deny) the device's pending sign-in from
    another device of the lab (`as`), on the verification page with that user."""
    if as_ not in play.lab.devices:
        return Outcome(f"no device {as_!r} to approve from", ok=False)
    approver = play.lab.get(as_)
    secret = f"{approver.config.user}-pass" if password is None else password
    try:
        await play.lab.approve_device(device.id, as_, secret, deny=deny)
    except LoginRefused as exc:
        return Outcome(f"refused ({exc.reason})", ok=False)
    return Outcome(f"{'denied' if deny else 'approved'} on {as_}")


@action()
async def replay_code(play: Play, device: Device, *, as_: Attacker) -> Outcome:
    """An attacker (`as`) who intercepted the device's last authorization code (its
    callback) presents it at the token endpoint — without the PKCE verifier."""
    callback = play.callbacks.get(device.id)
    code = dict(parse_qsl(urlsplit(callback).query)).get("code") if callback else None
    if code is None:
        return play.attacker_result(Outcome(f"{as_} has no code", ok=False), got_tokens=False)
    async with http_client(play.env.url, transport=play.transport()) as http:
        try:
            endpoint = (await play.lab.discovery.endpoints()).token_endpoint
            response = await http.post(
                endpoint,
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": callback.split("?")[0] if callback else "",
                    "client_id": device.config.client_id,
                    "code_verifier": "x" * 43,  # the thief never saw the verifier
                },
            )
        except ServerUnreachable:
            return play.attacker_result(
                Outcome(f"{as_}: server unreachable", ok=False), got_tokens=False
            )
    if response.status_code != 200:
        return play.attacker_result(
            Outcome(f"{as_} refused ({refusal(response)})"), got_tokens=False
        )
    return play.attacker_result(Outcome(f"{as_} got tokens!", ok=False), got_tokens=True)


def _at_least_one_call(device: str | None, params: Mapping[str, Any]) -> str | None:
    return "'n' must be at least 1" if params.get("n", 1) < 1 else None


@action(check=_at_least_one_call)
async def call(
    play: Play, device: Device, *, path: str = "/api/me", n: int = 1, api: str | None = None
) -> Outcome:
    """Call the API (`path`, default /api/me); `n` > 1 sends that many calls at once;
    `api`: one of the scenario's `[[apis]]` instead of the server's own."""
    sid = device.tokens.sid if device.tokens else None
    if api is not None:
        path = f"{play.apis[api]}{path}"
    results = [await device.call(path)] if n == 1 else await device.call_many(n, path)
    if api is not None:
        for result in results:
            play.record_api_try(api, device.id, result.status, sid)
    statuses = [str(r.status) if r.status is not None else (r.error or "?") for r in results]
    text = ", ".join(f"{s} ×{statuses.count(s)}" if n > 1 else s for s in dict.fromkeys(statuses))
    if any(r.retried for r in results):
        text += " (after refresh)"
    return Outcome(text, ok=all(r.ok for r in results))


@action()
async def logout(device: Device) -> Outcome:
    """Sign out: revoke the refresh token and forget the tokens."""
    await device.logout()
    return Outcome("signed out")


@action()
async def logout_others(device: Device) -> Outcome:
    """Sign out the user's other devices (the server ends their sessions)."""
    result = await device.logout_others()
    if not result.ok:
        return Outcome(f"failed ({result.status or result.error})", ok=False)
    ended = len(result.body.get("revoked", [])) if isinstance(result.body, dict) else 0
    return Outcome(f"{ended} other session(s) ended")


@action()
async def restart(play: Play, device: Device | None) -> Outcome:
    """Restart the app on one device (or all, without `device`); tokens come from the store."""
    for device_id in [device.id] if device else list(play.lab.devices):
        await play.restart(device_id)
    return Outcome("restarted from the token store")


@action()
async def steal_refresh(play: Play, device: Device, *, as_: Attacker) -> Outcome:
    """An attacker (`as`: a name) copies the device's refresh token."""
    stolen = device.tokens.refresh_token if device.tokens else None
    play.attackers[as_] = stolen
    if stolen is None:
        return Outcome("nothing to steal", ok=False)
    return Outcome(f"{as_} copied the refresh token")


@action()
async def replay_refresh(play: Play, *, as_: Attacker) -> Outcome:
    """The attacker (`as`) presents the stolen refresh token at the token endpoint."""
    stolen = play.attackers.get(as_)
    if stolen is None:
        return play.attacker_result(
            Outcome(f"{as_} has no token to replay", ok=False), got_tokens=False
        )
    # The attacker's own client: not the lab's, which belongs to the devices.
    async with http_client(play.env.url, transport=play.transport()) as http:
        try:
            endpoint = (await play.lab.discovery.endpoints()).token_endpoint
            response = await http.post(
                endpoint, data={"grant_type": "refresh_token", "refresh_token": stolen}
            )
        except ServerUnreachable:
            return play.attacker_result(
                Outcome(f"{as_}: server unreachable", ok=False), got_tokens=False
            )
    if response.status_code != 200:
        # The step itself went fine: the replay was made, and refused.
        return play.attacker_result(
            Outcome(f"{as_} refused ({refusal(response)})"), got_tokens=False
        )
    play.attackers[as_] = response.json().get("refresh_token", stolen)
    return play.attacker_result(Outcome(f"{as_} got fresh tokens"), got_tokens=True)


def _proof_choice(device: str | None, params: Mapping[str, Any]) -> str | None:
    choice = params.get("with_proof", "none")
    choices = ("none", "own_key", "copied_proof")
    return None if choice in choices else f"'with_proof' must be one of {', '.join(choices)}"


@action()
async def steal_access(play: Play, device: Device, *, as_: Attacker) -> Outcome:
    """An attacker (`as`) copies the device's access token — and the last DPoP proof
    it sent, as a man in the middle would."""
    tokens = device.tokens
    if tokens is None:
        return Outcome("nothing to steal", ok=False)
    key = device.oauth.dpop
    bound = tokens.token_type == "DPoP" and key is not None  # noqa: S105 - a token type
    proof = key.last_proof if key is not None and bound else None
    play.stolen_access[as_] = Thief(device.id, tokens.access_token, proof, bound, tokens.access_exp)
    play.lab.report(
        TokenStolen(
            device.id, play.clock.now(), fingerprint(tokens.access_token), tokens.access_exp, bound
        )
    )
    return Outcome(f"{as_} copied the access token" + (" and a proof" if proof else ""))


@action(check=_proof_choice)
async def replay_access(
    play: Play,
    *,
    as_: Attacker,
    with_proof: Annotated[str, "none, own_key or copied_proof"] = "none",
    api: str | None = None,
) -> Outcome:
    """The attacker (`as`) calls the API — or one of the `[[apis]]` (`api`) — with
    the stolen access token: as a bearer token (`with_proof = "none"`), with a
    proof of its own key, or with the proof it copied. Only a bearer token gives in."""
    thief = play.stolen_access.get(as_)
    if thief is None:
        return play.attacker_result(
            Outcome(f"{as_} has nothing to replay", ok=False), got_tokens=False
        )
    how = "bearer" if with_proof == "none" else with_proof
    return await _attacker_call(play, as_, thief, how, api)


@action()
async def replay_proof(play: Play, device: Device, *, as_: Attacker) -> Outcome:
    """The attacker (`as`) resends the device's last request as captured — its
    token and its proof — once more."""
    tokens = device.tokens
    proof = device.oauth.dpop.last_proof if device.oauth.dpop else None
    if tokens is None or proof is None:
        return play.attacker_result(
            Outcome(f"{as_}: no proof to replay", ok=False), got_tokens=False
        )
    thief = Thief(device.id, tokens.access_token, proof, True, tokens.access_exp)
    return await _attacker_call(play, as_, thief, "copied_proof")


async def _attacker_call(
    play: Play, as_: str, thief: Thief, how: str, api: str | None = None
) -> Outcome:
    server = play.apis[api] if api is not None else play.env.url
    async with http_client(server, transport=play.transport()) as http:
        tried = await thief.attempt(http, server, play.clock.now(), how)
    play.lab.report(tried)  # on the thief's lane of the scenario's timeline
    if api is not None:
        play.record_api_try(api, as_, tried.status, thief.sid)
    if tried.status is None:
        return play.attacker_result(
            Outcome(f"{as_}: server unreachable", ok=False), got_tokens=False
        )
    where = f" at {api}" if api is not None else ""
    if tried.got_in:
        return play.attacker_result(Outcome(f"{as_} got in{where} (200)"), got_tokens=True)
    return play.attacker_result(
        Outcome(f"{as_} refused{where} ({tried.status} {tried.reason})"), got_tokens=False
    )


def _user_or_device(device: str | None, params: Mapping[str, Any]) -> str | None:
    if ("user" in params) == (device is not None):
        return "give exactly one of 'user' or 'device'"
    return None


@action(check=_user_or_device)
async def force_expire(play: Play, device: Device | None, *, user: str | None = None) -> Outcome:
    """The server ends sessions early: all of a `user`'s, or the step's `device`'s."""
    body = {"user": user} if user is not None else {"device_id": device.id if device else None}
    response = await play.env.admin("POST", "/admin/force-expire", body)
    if response.status_code != 200:
        return Outcome(f"refused: {refusal(response)}", ok=False)
    return Outcome(f"{len(response.json()['revoked'])} session(s) revoked")


def _some_setting(device: str | None, params: Mapping[str, Any]) -> str | None:
    return None if params else "name at least one setting to change"


@action(open_keys=SERVER_KEYS, check=_some_setting)
async def set_server(play: Play, step: Step, **settings: Any) -> Outcome:
    """Change live server settings (any `[server]` key)."""
    response = await play.env.admin("PATCH", "/admin/settings", settings)
    if response.status_code != 200:
        raise ScenarioError(f"{step.describe()}: the server refused: {refusal(response)}")
    return Outcome(", ".join(f"{k}={v}" for k, v in settings.items()))


async def _key_command(play: Play, verb: str) -> Outcome:
    response = await play.env.admin("POST", f"/admin/keys/{verb}")
    if response.status_code != 200:
        return Outcome(f"refused: {refusal(response)}", ok=False)
    return Outcome(f"key {response.json()['kid'][:8]}… {verb}d")


@action()
async def rotate_key(play: Play) -> Outcome:
    """The server signs with a new key; the old one still verifies."""
    return await _key_command(play, "rotate")


@action()
async def retire_key(play: Play) -> Outcome:
    """The server stops accepting tokens signed with its previous key."""
    return await _key_command(play, "retire")


@action()
async def set_clock_offset(device: Device, *, seconds: float) -> Outcome:
    """Skew the device's clock by `seconds` (positive: fast)."""
    device.set_clock_offset(float(seconds))
    return Outcome(f"clock {seconds:+g} s")


@action()
async def check(device: Device | None) -> Outcome:
    """Nothing happens: the step only reads its expectations (no call is made)."""
    return Outcome("checked")


@action()
async def server_down(play: Play) -> Outcome:
    """The network to the server fails for every device (connection refused)."""
    play.set_network(up=False)
    return Outcome("server unreachable")


@action()
async def server_up(play: Play) -> Outcome:
    """The network to the server works again."""
    play.set_network(up=True)
    return Outcome("server reachable")


# --- expectations -------------------------------------------------------------------------


@expectation(choices=STATES)
def state(device: Device) -> str:
    """The device's state after the step."""
    return str(device.state)


@expectation()
def reason(device: Device) -> str | None:
    """Why the device was signed out (the server's reason)."""
    return device.reason


@expectation()
def told(device: Device) -> bool:
    """Whether the server's push (GET /api/notifications) told the device that its
    session ended — rather than a refused call or refresh."""
    return device.told_at is not None


@expectation()
def status(device: Device) -> int | None:
    """The HTTP status the device's last call finally got."""
    return device.last_call.status if device.last_call else None


@expectation()
def ok(outcome: Outcome) -> bool:
    """Whether the step did what it set out to (every call succeeded, the login was accepted)."""
    return outcome.ok


@expectation()
def refreshes(play: Play, device: Device) -> int:
    """Refresh requests the device has made so far (across restarts)."""
    return play.refreshes(device)


@expectation()
async def active_sessions(play: Play, step: Step, device: Device | None) -> int:
    """The user's active sessions on the server."""
    user = (device.config.user if device else step.params.get("user")) or (
        play.scenario.devices[0].user
    )
    sessions = (await play.env.admin("GET", f"/admin/sessions?user={user}")).json()
    return sum(1 for s in sessions["sessions"] if s["state"] == "active")


@expectation()
def attacker_ok(play: Play, outcome: Outcome) -> bool | None:
    """Whether the attacker's last replay got fresh tokens."""
    return outcome.attacker_ok if outcome.attacker_ok is not None else play.last_attacker_ok


def actions_table() -> list[str]:
    """The README's step rows (a test keeps the README equal to these)."""
    rows = []
    for spec in ACTIONS.values():
        keys = [f"`{k}`" if p.required else f"`{k}`?" for k, p in spec.params.items()]
        if spec.open_keys:
            keys.append("any `[server]` key")
        device = {"required": "yes", "optional": "optional", "unused": "–"}[spec.device]
        rows.append(f"| `{spec.name}` | {device} | {', '.join(keys) or '–'} | {spec.help} |")
    return rows


def expectations_table() -> list[str]:
    """The README's expectation rows."""
    names = {int: "integer", str: "string", bool: "true/false"}
    rows = []
    for spec in EXPECTATIONS.values():
        kind = " or ".join(names[t] for t in _as_tuple(spec.kind))
        if spec.choices:
            kind = " \\| ".join(f"`{c}`" for c in spec.choices)
        rows.append(f"| `{spec.name}` | {kind} | {spec.help} |")
    return rows
