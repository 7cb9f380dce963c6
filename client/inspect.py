"""Decode and explain a JWT, as a debugger would: for ``jwt-lab decode`` and the GUI's inspector.

``inspect_token`` decodes without trusting anything; given a JWK Set it also
checks the signature — with the algorithm of the key the ``kid`` names, never
the one the token's header asks for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt

from client import messages as say
from client.i18n import QT_TR_NOOP, tr
from contract.jose import ED25519_NAMES, JWT, pyjwt_alg

TIME_CLAIMS = ("iat", "nbf", "exp")
_KINDS = {"at+jwt": "access token", "rt+jwt": "refresh token"}


@dataclass(frozen=True, slots=True)
class TokenReport:
    header: dict[str, Any]
    claims: dict[str, Any]
    kind: str
    now: float
    signature: str  # a sentence: "valid (key …)", "INVALID", "not checked", …
    signature_ok: bool | None
    notes: list[str] = field(default_factory=list)

    @property
    def expires_in(self) -> float | None:
        exp = self.claims.get("exp")
        return float(exp) - self.now if isinstance(exp, int | float) else None

    @property
    def expired(self) -> bool:
        left = self.expires_in
        return left is not None and left <= 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "header": self.header,
            "claims": self.claims,
            "expires_in": self.expires_in,
            "signature": self.signature,
            "signature_ok": self.signature_ok,
            "notes": self.notes,
        }


def human_time(value: float, now: float) -> str:
    """``2026-11-29 14:03:12 (in 25 s)`` — local time and distance from ``now``."""
    stamp = datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    return f"{stamp} ({relative(value - now)})"


def relative(seconds: float) -> str:
    magnitude = abs(seconds)
    if magnitude < 1:
        return tr("now")
    if magnitude < 120:
        text = tr("{n} s").format(n=f"{magnitude:.0f}")
    elif magnitude < 7200:
        text = tr("{n} min").format(n=f"{magnitude / 60:.0f}")
    elif magnitude < 172800:
        text = tr("{n} h").format(n=f"{magnitude / 3600:.1f}")
    else:
        text = tr("{n} days").format(n=f"{magnitude / 86400:.1f}")
    return (tr("in {span}") if seconds > 0 else tr("{span} ago")).format(span=text)


UNCHECKED = QT_TR_NOOP("not checked (give --jwks URL or --server URL)")


def inspect_token(
    token: str, now: float, jwks: dict[str, Any] | None = None, *, unchecked: str = UNCHECKED
) -> TokenReport:
    """Decode ``token``; ``ValueError`` if it is not a JWT at all. A pasted
    ``Authorization`` value (``Bearer eyJ…``) is read as the token it carries.
    Without ``jwks`` the signature is ``unchecked`` (the sentence says why)."""
    token = token.strip()
    scheme, _, rest = token.partition(" ")
    if rest and scheme.lower() in ("bearer", "dpop", "authorization:"):
        token = rest.strip()
        if token.lower().startswith(("bearer ", "dpop ")):  # "Authorization: Bearer eyJ…"
            token = token.partition(" ")[2].strip()
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise ValueError(tr("not a JWT: {error}").format(error=exc)) from exc
    kind = _KINDS.get(str(header.get("typ")), "JWT")
    notes = []
    if str(header.get("alg", "")).lower() == "none":
        notes.append("alg 'none': an unsigned token — no server should accept it")
    for name in ("jku", "x5u", "jwk"):
        if name in header:
            notes.append(f"header '{name}' points at a key: a server must never fetch or trust it")
    signature, ok = (
        _check_signature(token, header, jwks) if jwks is not None else (tr(unchecked), None)
    )
    return TokenReport(header, claims, kind, now, signature, ok, notes)


def _check_signature(
    token: str, header: dict[str, Any], jwks: dict[str, Any]
) -> tuple[str, bool | None]:
    if str(header.get("alg")) == "HS256":
        return tr("not checkable: HS256 uses a shared secret that is never published"), None
    kid = header.get("kid")
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        return tr("not checked: the JWK Set is unusable ({error})").format(error="no keys"), None
    jwk = next((k for k in keys if isinstance(k, dict) and k.get("kid") == kid), None)
    if jwk is None:
        text = tr("INVALID: no published key has kid {kid!r} (unknown or retired)")
        return text.format(kid=kid), False
    try:
        key = jwt.PyJWK(jwk, algorithm=pyjwt_alg(jwk["alg"]) if "alg" in jwk else None)
    except (jwt.PyJWTError, TypeError, NotImplementedError) as exc:  # "alg": "none", …
        return tr("not checked: the JWK Set is unusable ({error})").format(error=exc), None
    # A key that names no alg is known by its type; an Ed25519 key by both its names.
    algorithm = str(jwk.get("alg") or key.algorithm_name)
    if "alg" not in jwk and algorithm == "EdDSA" and header.get("alg") in ED25519_NAMES:
        algorithm = str(header["alg"])
    if header.get("alg") != algorithm:
        text = tr("INVALID: the header says {alg!r} but key {kid} is {algorithm}")
        return text.format(alg=header.get("alg"), kid=kid, algorithm=algorithm), False
    try:
        JWT.decode(
            token,
            key.key,
            algorithms=[algorithm],
            options={
                "verify_exp": False,
                "verify_aud": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_iss": False,
            },
        )
    except jwt.InvalidSignatureError:
        return tr("INVALID: the signature does not verify under key {kid}").format(kid=kid), False
    except jwt.PyJWTError as exc:
        return tr("INVALID: {error}").format(error=exc), False
    return tr("valid ({algorithm}, key {kid})").format(algorithm=algorithm, kid=kid), True


def format_report(report: TokenReport) -> str:
    """The report as terminal text."""
    lines = [f"{report.kind}", "", "header"]
    lines += [f"  {k:<12} {json.dumps(v)}" for k, v in report.header.items()]
    lines += ["", "claims"]
    for name, value in report.claims.items():
        shown = json.dumps(value)
        if name in TIME_CLAIMS and isinstance(value, int | float):
            shown = f"{value}  {human_time(float(value), report.now)}"
        lines.append(f"  {name:<12} {shown}")
    left = report.expires_in
    lifetime, signature, note = tr("lifetime"), tr("signature"), tr("note")
    lines.append("")
    if left is not None:
        status = (tr("EXPIRED {when}") if left <= 0 else tr("valid, expires {when}")).format(
            when=relative(left)
        )
        lines.append(f"{lifetime:<12} {status}")
    lines.append(f"{signature:<12} {report.signature}")
    lines += [f"{note:<12} {n}" for n in report.notes]
    return "\n".join(lines)


# --- the token family ---------------------------------------------------------------

FAMILY_CAUSES = {
    "login": QT_TR_NOOP("sign-in"),
    "password": QT_TR_NOOP("sign-in (password grant, legacy)"),
    "code": QT_TR_NOOP("sign-in in the browser (code + PKCE)"),
    "device": QT_TR_NOOP("sign-in approved on another device (device grant)"),
    "restored": QT_TR_NOOP("restored from the store"),
    "proactive": QT_TR_NOOP("refreshed before the access token expired"),
    "401": QT_TR_NOOP("refreshed after the API refused the access token (401)"),
}


@dataclass(frozen=True, slots=True)
class FamilyMember:
    """One refresh token of a session, as the inspector lists it."""

    index: int
    id: str  # the server's name: SHA-256(jti)[:12]
    issued: str
    cause: str  # why the device got it; "" if this device does not know
    then: str  # what became of it


def token_family(
    lineage: dict[str, Any],
    causes: dict[str, str],
    at_format: Callable[[float], str],
) -> tuple[list[FamilyMember], str]:
    """The session's refresh tokens, each → its successor, with why it came
    (``causes``, the device's own record) and how it ended; and one sentence on
    how the session ended (empty while it is active)."""
    tokens = lineage.get("tokens") or []
    number = {token["id"]: i + 1 for i, token in enumerate(tokens)}
    members = []
    for i, token in enumerate(tokens):
        cause = causes.get(token["id"], "")
        base, _, grace = cause.partition("+")
        why = tr(FAMILY_CAUSES[base]) if base in FAMILY_CAUSES else base
        if grace:
            why += tr(", then again within the reuse grace period")
        if token.get("successor"):
            then = tr("rotated at {at} → #{n}").format(
                at=at_format(token["rotated_at"]), n=number.get(token["successor"], "?")
            )
        elif lineage.get("ended"):
            then = tr("ended with the session")
        else:
            then = tr("current (expires at {at})").format(at=at_format(token["expires_at"]))
        if i == 0 and not why:
            why = tr("sign-in")
        members.append(FamilyMember(i + 1, token["id"], at_format(token["issued_at"]), why, then))
    ended = lineage.get("ended")
    if not ended:
        return members, ""
    reason = str(ended.get("reason"))
    sentence = say.sign_out_message(reason, ended, at_format)
    if reason == "reuse_detected":
        sentence += tr(
            " — every token of this family is refused from then on, the thief's and the owner's"
        )
    return members, sentence
