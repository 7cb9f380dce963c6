"""The wire contract of JWT Device Lab, declared once.

Client and server both import this module (and nothing else of each other):
the server's settings and what may be changed live, the reasons a session
ends, the reasons a token is refused, the device types, the token ``typ``
values and the kinds of server events. The server's ``Settings``, its admin
PATCH model and ``jwt-lab serve``'s flags, the scenario format's server keys,
the console's widgets and the README's settings table are all derived from
``SETTINGS``; ``GET /admin/state`` publishes it as ``schema``.

Standard library only: the module must stay importable by anything.
Adding a setting, a login policy, a reason or a device type starts here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

APP_NAME = "jwt-device-lab"  # the user directories' name, and the lab's OAuth client id

# Token kinds (RFC 9068 for access tokens; refresh tokens get a typ of their own
# so that one can never pass for the other).
ACCESS_TYP = "at+jwt"
REFRESH_TYP = "rt+jwt"

# Ed25519 goes by two names: the polymorphic ``EdDSA`` (RFC 8037, deprecated by
# RFC 9864) and the fully specified ``Ed25519`` (RFC 9864).
ALGORITHMS = ("EdDSA", "Ed25519", "ES256", "RS256", "HS256")
VERIFY_MODES = ("stateless", "stateful")
SESSION_LIFETIMES = ("absolute", "sliding")


# Login policies: what a new login does to the user's other sessions.
# ``max:N`` stands for max:1 … max:9999.
def QT_TR_NOOP(text: str) -> str:
    """Mark a sentence the lab's window shows, for its catalogue (client/assets/i18n);
    the wire and the server keep the English."""
    return text


LOGIN_POLICIES: dict[str, str] = {
    "multi": QT_TR_NOOP("every login may stay signed in"),
    "single": QT_TR_NOOP("a new login signs every other device out (the PC logs the phone out)"),
    "reject": QT_TR_NOOP("a new login is refused while another device is signed in"),
    "per_device_type": QT_TR_NOOP("one session per device type: a second phone logs the first out"),
    "max:N": QT_TR_NOOP("at most N sessions; the oldest is signed out"),
}
_POLICY = re.compile(r"^(multi|single|reject|per_device_type|max:([1-9][0-9]{0,3}))$")


def policy_help(policy: str) -> str:
    """The one-line meaning of a login policy (``max:3`` included)."""
    if policy.startswith("max:"):
        return LOGIN_POLICIES["max:N"].replace("N", policy[4:])
    return LOGIN_POLICIES.get(policy, "")


def parse_login_policy(value: object) -> str:
    """A valid login policy, or ``ValueError`` naming the valid ones."""
    policy: str = SETTINGS_BY_NAME["login_policy"].validate(value)
    return policy


@dataclass(frozen=True, slots=True)
class Setting:
    """One server setting: its type, default, valid values and meaning."""

    name: str
    kind: type  # int or str
    default: Any
    help: str
    live: bool = True  # may be changed while the server runs (PATCH /admin/settings)
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()  # the valid values — or, with a pattern, suggestions
    pattern: str | None = None  # a full-match regular expression for the valid values
    accepts: str = ""  # the valid values in words, for a pattern's error message
    unit: str = ""  # "s" for seconds

    @property
    def flag(self) -> str:
        """Its ``jwt-lab serve`` / ``python -m mock_server`` option."""
        return "--" + self.name.replace("_", "-")

    def validate(self, value: Any) -> Any:
        """``value`` if it is valid for this setting, else ``ValueError``."""
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{self.name} must be a whole number, not {value!r}")
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise ValueError(
                    f"{self.name} must be between {self.minimum} and {self.maximum}"
                    + (" seconds" if self.unit == "s" else "")
                )
            return value
        if self.pattern is not None:
            if not isinstance(value, str) or not re.fullmatch(self.pattern, value):
                words = self.name.replace("_", " ")
                raise ValueError(f"unknown {words} {value!r}: use {self.accepts}")
            return value
        if self.choices and value not in self.choices:
            raise ValueError(f"unknown {self.name} {value!r}: use one of {', '.join(self.choices)}")
        return value

    def describe(self) -> dict[str, Any]:
        """The JSON form published in ``GET /admin/state`` (``schema``)."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": "integer" if self.kind is int else "string",
            "default": self.default,
            "help": self.help,
            "live": self.live,
        }
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.choices:
            out["choices"] = list(self.choices)
        if self.pattern is not None:
            out["pattern"] = self.pattern
        if self.unit:
            out["unit"] = self.unit
        return out


YEAR = 365 * 24 * 3600

SETTINGS: tuple[Setting, ...] = (
    Setting(
        "login_policy",
        str,
        "multi",
        "what a new login does to the user's other sessions: `multi` allow all; `single` revoke "
        "every other session (the PC logs the phone out); `reject` refuse while another session "
        "is active; `per_device_type` one session per device type; `max:N` at most N, the oldest "
        "logged out",
        choices=("multi", "single", "reject", "per_device_type", "max:2", "max:3"),
        pattern=_POLICY.pattern,
        accepts="multi, single, reject, per_device_type or max:N",
    ),
    Setting(
        "verify_mode",
        str,
        "stateless",
        "`stateless`: signature and claims only — a revoked session's access token keeps "
        "working until its `exp`; `stateful`: also checks the session, so revocation takes "
        "effect at once",
        choices=VERIFY_MODES,
    ),
    Setting(
        "access_ttl",
        int,
        30,
        QT_TR_NOOP("access-token lifetime"),
        minimum=1,
        maximum=YEAR,
        unit="s",
    ),
    Setting(
        "refresh_ttl",
        int,
        180,
        QT_TR_NOOP("session / refresh-token lifetime"),
        minimum=1,
        maximum=YEAR,
        unit="s",
    ),
    Setting(
        "session_lifetime",
        str,
        "absolute",
        "`absolute`: the session ends `refresh_ttl` after login; `sliding`: each refresh "
        "extends it",
        choices=SESSION_LIFETIMES,
    ),
    Setting(
        "algorithm",
        str,
        "EdDSA",
        "`EdDSA`, `Ed25519` (RFC 9864), `ES256`, `RS256` or `HS256`; switching generates a key, "
        "old tokens still verify",
        choices=ALGORITHMS,
    ),
    Setting(
        "leeway",
        int,
        5,
        QT_TR_NOOP("clock-skew tolerance for `exp`, `iat`, `nbf`"),
        minimum=0,
        maximum=3600,
        unit="s",
    ),
    Setting(
        "password_grant",
        str,
        "on",
        "the resource-owner password grant: legacy — removed in OAuth 2.1; `off` leaves "
        "sign-in to the authorization code (PKCE) and device grants",
        choices=("on", "off"),
    ),
    Setting(
        "require_dpop",
        str,
        "off",
        "`on`: every token request needs a DPoP proof (RFC 9449), so every token is bound to "
        "the device's key; `off`: a proof is used when sent",
        choices=("off", "on"),
    ),
    Setting(
        "dpop_nonce",
        str,
        "off",
        "`on`: DPoP proofs must carry the server's nonce (`DPoP-Nonce`, RFC 9449 §8)",
        choices=("off", "on"),
    ),
    Setting(
        "dpop_proof_max_age",
        int,
        60,
        "how old a DPoP proof's `iat` may be (plus the leeway)",
        minimum=5,
        maximum=3600,
        unit="s",
    ),
    Setting(
        "reuse_grace",
        int,
        2,
        "how long a rotated refresh token may be retried; 0 makes every replay reuse",
        minimum=0,
        maximum=600,
        unit="s",
    ),
    Setting(
        "login_max_failures",
        int,
        5,
        "failed logins of one user within `login_window` before further attempts get 429",
        live=False,
        minimum=1,
        maximum=10**9,  # a huge value switches throttling off (fuzzing, timing tests)
    ),
    Setting(
        "login_max_failures_per_address",
        int,
        20,
        "failed logins from one address within `login_window` before it gets 429",
        live=False,
        minimum=1,
        maximum=10**9,
    ),
    Setting(
        "login_window",
        int,
        60,
        "the window the failure counts are kept for",
        live=False,
        minimum=1,
        maximum=86400,
        unit="s",
    ),
)

SETTINGS_BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
LIVE_SETTINGS: tuple[str, ...] = tuple(s.name for s in SETTINGS if s.live)


def schema() -> list[dict[str, Any]]:
    """Every setting, as JSON (``GET /admin/state`` → ``schema``)."""
    return [s.describe() for s in SETTINGS]


def settings_table() -> list[str]:
    """The README's settings rows (a test keeps the README equal to these)."""
    rows = []
    for s in SETTINGS:
        live = " *live*" if s.live else ""
        default = f"`{s.default}`" if s.kind is str else str(s.default)
        unit = ", seconds" if s.unit == "s" else ""
        rows.append(f"| `{s.name}`{live} | {default} | {s.help}{unit} |")
    return rows


# Why a session ended, as the server says it (token endpoint, stateful 401s).
REVOCATION_REASONS: dict[str, str] = {
    "superseded": "the session was ended by a login on another device",
    "forced": "an administrator forced the session to expire",
    "logout": "the session was signed out",
    "reuse_detected": "a refresh token of this session was used twice; the session was revoked",
    "refresh_expired": "the session has expired; sign in again",
    "code_reuse": "an authorization code of this session was used twice; the session was revoked",
}

# Why a token was refused (``reason`` of 401 bodies and ``token_rejected`` events).
TOKEN_REJECTIONS: dict[str, str] = {
    "malformed": "the token is not a well-formed JWT of an acceptable size",
    "wrong_token_type": "a token of the other kind (typ: access for refresh, or back)",
    "unknown_key": "no key of this server signed the token (kid)",
    "key_retired": "the key that signed the token has been retired",
    "invalid_algorithm": "the token's algorithm is not the key's",
    "invalid_signature": "the token's signature does not verify",
    "invalid_claims": "issuer, audience or a required claim is wrong",
    "expired": "the token has expired",
    "not_yet_valid": "the token is not valid yet (iat or nbf in the future)",
    "unknown_subject": "the token's user no longer exists",
    "unknown_session": "the token's session is unknown (stateful)",
    **{reason: f"{text} (stateful)" for reason, text in REVOCATION_REASONS.items()},
    # At a resource server of its own (jwt-lab api):
    "inactive": "the auth server says the token is not active (introspect)",
    "revoked": "the session was revoked, as the auth server pushed it (denylist)",
}


@dataclass(frozen=True, slots=True)
class DeviceType:
    id: str
    name: str  # a label: "Phone", "PC"
    word: str  # inside a sentence: "you signed in on phone 'X'"
    icon: str  # the file in client/assets/icons


DEVICE_TYPE_INFO: dict[str, DeviceType] = {
    t.id: t
    for t in (
        DeviceType("mobile", "Phone", "phone", "mobile.svg"),
        DeviceType("pc", "PC", "PC", "pc.svg"),
        DeviceType("tablet", "Tablet", "tablet", "tablet.svg"),
        DeviceType("web", "Browser", "browser", "web.svg"),
        DeviceType("tv", "TV", "TV", "tv.svg"),  # signs in with the device grant
    )
}
DEVICE_TYPES: tuple[str, ...] = tuple(DEVICE_TYPE_INFO)


def device_word(device_type: str) -> str:
    """How a sentence names a device type (the id itself for an unknown one)."""
    info = DEVICE_TYPE_INFO.get(device_type)
    return info.word if info else device_type


# Server events (GET /admin/events): kind → the fields it may carry besides
# id, type and at. The server refuses to publish anything else.
EVENT_KINDS: dict[str, tuple[str, ...]] = {
    "server_started": ("issuer",),
    "settings_changed": ("changes",),
    "user_saved": ("user",),
    "user_deleted": ("user",),
    "login_failed": ("user",),
    "login_throttled": ("user", "retry_after"),
    "login_rejected": ("user", "device_id", "policy"),
    "login": (
        "user",
        "sid",
        "device_id",
        "device_type",
        "device_name",
        "access_exp",
        "refresh_exp",
        "policy",
        "superseded",
    ),
    "refresh": ("user", "sid", "device_id", "access_exp", "refresh_exp", "rotated"),
    "refresh_retry": ("user", "sid", "device_id"),
    "reuse_detected": ("user", "sid", "device_id", "rotated_ago"),
    "session_revoked": ("user", "sid", "device_id", "device_name", "reason", "by"),
    "force_expire": ("user", "sid", "device_id", "sids"),
    "token_rejected": ("reason", "sid", "mode"),
    "revoked_token_accepted": ("sid", "user", "device_id", "reason", "access_exp"),
    "key_rotated": ("kid", "alg"),
    "key_retired": ("kid", "alg"),
    "clock_advanced": ("seconds",),
    "clock_rate": ("rate",),
    "resource_server_saved": ("resource_server", "backchannel_uri"),
    "resource_server_deleted": ("resource_server",),
    "backchannel_delivered": ("resource_server", "sid", "attempts", "delay"),
    "backchannel_failed": ("resource_server", "sid", "attempts", "error", "retry_in"),
}


# --- how devices sign in --------------------------------------------------------------

CLIENT_ID = APP_NAME  # the lab's public native client
GRANT_PASSWORD = "password"  # noqa: S105 - a grant name (RFC 6749 §4.3; legacy, gone in OAuth 2.1)
GRANT_CODE = "authorization_code"  # RFC 6749 §4.1 with PKCE (RFC 7636)
GRANT_REFRESH = "refresh_token"
GRANT_DEVICE = "urn:ietf:params:oauth:grant-type:device_code"  # RFC 8628
FLOWS: tuple[str, ...] = ("password", "code", "device")  # a device's way to sign in

# RFC 8252 §7.3: loopback redirects on any port; §7.1: a private-use URI scheme.
PRIVATE_USE_REDIRECT = "dev.jwtlab.app:/callback"
_LOOPBACK_REDIRECT = re.compile(r"^http://(127\.0\.0\.1|\[::1\]):([1-9][0-9]{0,4})/callback$")

CODE_LIFETIME = 60  # seconds an authorization code may be exchanged, once
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1: no vowels, no look-alikes
USER_CODE_LENGTH = 8  # shown XXXX-XXXX
DEVICE_CODE_LIFETIME = 600
DEVICE_POLL_INTERVAL = 5  # seconds; slow_down adds 5 (RFC 8628 §3.5)


def redirect_uri_allowed(uri: str) -> bool:
    """Is ``uri`` one of the lab client's redirect URIs (loopback on any port, or
    the private-use scheme)? Exact match: no query, no fragment, no other path."""
    if uri == PRIVATE_USE_REDIRECT:
        return True
    match = _LOOPBACK_REDIRECT.fullmatch(uri)
    return match is not None and int(match.group(2)) <= 65535


def normalize_user_code(entered: str) -> str:
    """A user code as typed: case and dashes (and spaces) do not matter."""
    return "".join(c for c in entered.upper() if c not in "- ")


DPOP_ALGORITHMS: tuple[str, ...] = ("ES256", "EdDSA", "Ed25519")  # proofs (RFC 9449, RFC 9864)


# --- resource servers of their own (jwt-lab api) --------------------------------------

# How a resource server decides that an access token is good, from the cheapest
# to the most current: the seed's two extremes and the two answers between them.
API_VERIFY_MODES: tuple[str, ...] = ("stateless", "introspect", "denylist", "stateful")
API_VERIFY_MODE_HELP: dict[str, str] = {
    "stateless": QT_TR_NOOP("signature and claims only: a revoked token works until it expires"),
    "introspect": QT_TR_NOOP(
        "RFC 7662 at the auth server, each answer cached for --introspect-cache seconds"
    ),
    "denylist": QT_TR_NOOP(
        "stateless, plus the revoked sessions the auth server pushes (OpenID Back-Channel Logout)"
    ),
    "stateful": QT_TR_NOOP("the session looked up at the auth server on every request"),
}
LOGOUT_TYP = "logout+jwt"  # OpenID Back-Channel Logout 1.0 §2.4 (logout token)
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
BACKCHANNEL_PATH = "/backchannel-logout"  # where every `jwt-lab api` takes logout tokens
# A device's own line to the auth server (server-sent events): one `signed_out`
# event when its session ends — reason, when, and which device caused it — then
# the stream closes. Comment lines keep it alive in between.
NOTIFICATIONS_PATH = "/api/notifications"
SIGNED_OUT_NOTIFICATION = "signed_out"
NOTIFICATIONS_HEARTBEAT = 10.0  # seconds between two keep-alive comments
_RESOURCE_SERVER_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def resource_server_id_ok(rs_id: str) -> bool:
    return _RESOURCE_SERVER_ID.fullmatch(rs_id) is not None
