"""Server settings: what a lab user can switch, live, from the console or the CLI.

``Settings`` is a frozen value; the running server holds one and swaps it for
an updated copy (``settings.replace(...)``) when the admin API changes it, so a
request always sees one consistent set.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

ALGORITHMS = ("EdDSA", "ES256", "RS256", "HS256")


class VerifyMode(StrEnum):
    """How the resource API checks an access token."""

    STATELESS = "stateless"  # signature and claims only: revocation waits for `exp`
    STATEFUL = "stateful"  # also asks the session store: revocation is immediate


class SessionLifetime(StrEnum):
    """Whether refreshing extends a session."""

    ABSOLUTE = "absolute"  # refresh TTL counted from login
    SLIDING = "sliding"  # refresh TTL counted from the last refresh


_POLICY = re.compile(r"^(multi|single|reject|per_device_type|max:([1-9][0-9]{0,3}))$")


def parse_login_policy(value: str) -> str:
    """Validate a login policy name: ``multi``, ``single``, ``reject``,
    ``per_device_type`` or ``max:N`` (1 ≤ N ≤ 9999)."""
    if not isinstance(value, str) or not _POLICY.match(value):
        raise ValueError(
            f"unknown login policy {value!r}: use multi, single, reject, per_device_type or max:N"
        )
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that shapes the server's behaviour.

    Times are seconds. ``issuer`` is the URL clients reach the server at: it is
    the ``iss`` of every token and the base of the metadata's endpoint URLs.
    """

    issuer: str = "http://127.0.0.1:8765"
    audience: str = "jwt-device-lab-api"
    access_ttl: int = 30
    refresh_ttl: int = 180
    login_policy: str = "multi"
    verify_mode: VerifyMode = VerifyMode.STATELESS
    algorithm: str = "EdDSA"
    leeway: int = 5
    reuse_grace: int = 2
    session_lifetime: SessionLifetime = SessionLifetime.ABSOLUTE
    admin_key: str = ""
    clients: tuple[str, ...] = ("jwt-device-lab",)
    scopes: tuple[str, ...] = ("profile", "messages")
    # Argon2id cost: "default" is RFC 9106's low-memory profile, "fast" the
    # cheapest valid parameters (tests and scenarios hash many times).
    password_profile: str = "default"  # noqa: S105 - a profile name, not a password
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_window: int = 60
    max_body_bytes: int = 64 * 1024
    max_token_chars: int = 8 * 1024

    def __post_init__(self) -> None:
        parse_login_policy(self.login_policy)
        object.__setattr__(self, "verify_mode", VerifyMode(self.verify_mode))
        object.__setattr__(self, "session_lifetime", SessionLifetime(self.session_lifetime))
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {self.algorithm!r}: use one of {ALGORITHMS}")
        for name in ("access_ttl", "refresh_ttl"):
            if not 1 <= getattr(self, name) <= 365 * 24 * 3600:
                raise ValueError(f"{name} must be between 1 second and a year")
        if not 0 <= self.leeway <= 3600:
            raise ValueError("leeway must be between 0 and 3600 seconds")
        if not 0 <= self.reuse_grace <= 600:
            raise ValueError("reuse_grace must be between 0 and 600 seconds")
        if self.password_profile not in ("default", "fast"):
            raise ValueError("password_profile must be 'default' or 'fast'")

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied and validated."""
        return dataclasses.replace(self, **changes)

    @property
    def max_sessions(self) -> int | None:
        """N for a ``max:N`` policy, else None."""
        if self.login_policy.startswith("max:"):
            return int(self.login_policy[4:])
        return None

    def public(self) -> dict[str, Any]:
        """The settings an operator may see (everything but the admin key)."""
        return {
            "issuer": self.issuer,
            "audience": self.audience,
            "access_ttl": self.access_ttl,
            "refresh_ttl": self.refresh_ttl,
            "login_policy": self.login_policy,
            "verify_mode": str(self.verify_mode),
            "algorithm": self.algorithm,
            "leeway": self.leeway,
            "reuse_grace": self.reuse_grace,
            "session_lifetime": str(self.session_lifetime),
        }


# The settings the admin API may change while the server runs.
LIVE_SETTINGS = (
    "access_ttl",
    "refresh_ttl",
    "login_policy",
    "verify_mode",
    "algorithm",
    "leeway",
    "reuse_grace",
    "session_lifetime",
)
