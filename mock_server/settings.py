"""Server settings: what a lab user can switch, live, from the console or the CLI.

``Settings`` is a frozen value; the running server holds one and swaps it for
an updated copy (``settings.replace(...)``) when the admin API changes it, so a
request always sees one consistent set.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from contract import ALGORITHMS, APP_NAME, LIVE_SETTINGS, SETTINGS_BY_NAME

__all__ = ["ALGORITHMS", "LIVE_SETTINGS", "SessionLifetime", "Settings", "VerifyMode"]

_D = {name: spec.default for name, spec in SETTINGS_BY_NAME.items()}


class VerifyMode(StrEnum):
    """How the resource API checks an access token."""

    STATELESS = "stateless"  # signature and claims only: revocation waits for `exp`
    STATEFUL = "stateful"  # also asks the session store: revocation is immediate


class SessionLifetime(StrEnum):
    """Whether refreshing extends a session."""

    ABSOLUTE = "absolute"  # refresh TTL counted from login
    SLIDING = "sliding"  # refresh TTL counted from the last refresh


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that shapes the server's behaviour.

    Times are seconds. ``issuer`` is the URL clients reach the server at: it is
    the ``iss`` of every token and the base of the metadata's endpoint URLs.
    """

    issuer: str = "http://127.0.0.1:8765"
    audience: str = "jwt-device-lab-api"
    access_ttl: int = _D["access_ttl"]
    refresh_ttl: int = _D["refresh_ttl"]
    login_policy: str = _D["login_policy"]
    verify_mode: VerifyMode = VerifyMode.STATELESS  # the contract default, checked
    algorithm: str = _D["algorithm"]
    leeway: int = _D["leeway"]
    reuse_grace: int = _D["reuse_grace"]
    password_grant: str = _D["password_grant"]  # "on" | "off": legacy, removed in OAuth 2.1
    require_dpop: str = _D["require_dpop"]  # "on": every token request needs a DPoP proof
    dpop_nonce: str = _D["dpop_nonce"]  # "on": proofs carry the server's nonce
    dpop_proof_max_age: int = _D["dpop_proof_max_age"]
    session_lifetime: SessionLifetime = SessionLifetime.ABSOLUTE  # the contract default
    admin_key: str = ""
    clients: tuple[str, ...] = (APP_NAME,)
    scopes: tuple[str, ...] = ("profile", "messages")
    # Argon2id cost: "default" is RFC 9106's low-memory profile, "fast" the
    # cheapest valid parameters (tests and scenarios hash many times).
    password_profile: str = "default"  # noqa: S105 - a profile name, not a password
    login_max_failures: int = _D["login_max_failures"]
    login_max_failures_per_address: int = _D["login_max_failures_per_address"]
    login_window: int = _D["login_window"]
    max_body_bytes: int = 64 * 1024
    max_token_chars: int = 8 * 1024

    def __post_init__(self) -> None:
        # Every setting of the contract is checked by the contract's own rule.
        for name, spec in SETTINGS_BY_NAME.items():
            spec.validate(str(getattr(self, name)) if spec.kind is str else getattr(self, name))
        object.__setattr__(self, "verify_mode", VerifyMode(self.verify_mode))
        object.__setattr__(self, "session_lifetime", SessionLifetime(self.session_lifetime))
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
        """The settings an operator may see: where it is, and every live setting."""
        live = {name: getattr(self, name) for name in LIVE_SETTINGS}
        return {
            "issuer": self.issuer,
            "audience": self.audience,
            **{k: str(v) if isinstance(v, StrEnum) else v for k, v in live.items()},
        }
