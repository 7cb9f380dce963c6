"""Authorization in the browser: codes with PKCE (RFC 6749 §4.1, RFC 7636) and the
device grant (RFC 8628), kept in the store on the server's clock.

``Authorizations`` holds what is pending between a page and the token
endpoint: an authorization code until its one exchange (60 s), a device
authorization until it is approved, denied, expired or exchanged. Codes and
device codes are kept as SHA-256 hashes. The sign-in and verification forms
carry a per-form anti-CSRF token: an HMAC of the form's own fields and an
expiry, used once.

The rules a user or an attacker meets are here; the pages and routes
(``routes/authorize.py``) and the grants (``grants.py``) only call them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from contract import (
    CODE_LIFETIME,
    DEVICE_CODE_LIFETIME,
    DEVICE_POLL_INTERVAL,
    USER_CODE_ALPHABET,
    USER_CODE_LENGTH,
    normalize_user_code,
)
from mock_server.clock import Clock
from mock_server.errors import (
    AccessDenied,
    AuthorizationPending,
    ExpiredToken,
    InvalidGrant,
    InvalidRequest,
    SlowDown,
)
from mock_server.store import Store

FORM_LIFETIME = 600  # seconds a sign-in or verification page may be submitted
_FORM_TOKEN = re.compile(r"[0-9]{1,12}\.[A-Za-z0-9_-]{16}\.[0-9a-f]{64}")
SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: each slow_down adds 5 s to the interval


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def pkce_matches(verifier: str, challenge: str) -> bool:
    """RFC 7636 §4.6, S256: BASE64URL(SHA256(verifier)) == challenge."""
    digest = hashlib.sha256(verifier.encode("utf-8", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=")
    return hmac.compare_digest(computed, challenge.encode("utf-8", "replace"))


@dataclass(frozen=True, slots=True)
class Grantee:
    """Who a code or a device authorization is for: the user, once they said so,
    and the device and client that asked."""

    client_id: str
    device_id: str
    device_type: str
    device_name: str
    scope: str | None


@dataclass(frozen=True, slots=True)
class CodeRecord:
    grantee: Grantee
    username: str
    redirect_uri: str
    challenge: str
    expires_at: float
    forget_at: float  # kept this long after issue, to catch a replay


@dataclass(slots=True)
class DeviceRecord:
    grantee: Grantee
    user_code: str
    expires_at: float
    interval: int
    last_poll: float | None = None
    username: str | None = None  # set when approved
    denied: bool = False
    exchanged: bool = False


class Authorizations:
    """Pending authorization codes and device authorizations, and the forms' tokens.

    Kept as short-lived values of the store (``Store.put_value``): over a shared
    Redis a code issued by one process is exchanged at another, and every
    "once" (a code presented, a device code exchanged, a form submitted, a user
    code handed out) is decided by whichever process claims it first
    (``only_new``, a ``SET NX``), once.
    """

    def __init__(self, clock: Clock, store: Store) -> None:
        self._clock = clock
        self._store = store
        self._secret = secrets.token_bytes(32)

    async def start(self) -> None:
        """The forms' HMAC secret: one for every process of a shared store."""
        await self._store.put_value("form-secret", secrets.token_hex(32), 0, only_new=True)
        shared = await self._store.get_value("form-secret")
        if shared is not None:
            self._secret = bytes.fromhex(shared)

    # forms ---------------------------------------------------------------------------

    def form_token(self, fields: Mapping[str, str]) -> str:
        """An anti-CSRF token bound to the form's hidden fields, valid for a while."""
        expires = int(self._clock.now()) + FORM_LIFETIME
        nonce = secrets.token_urlsafe(12)  # each page its own token, even within a second
        return f"{expires}.{nonce}.{self._mac(fields, expires, nonce)}"

    async def check_form_token(self, token: str, fields: Mapping[str, str]) -> None:
        """The token this server put in this very form, not expired, not used before."""
        if not _FORM_TOKEN.fullmatch(token):
            raise InvalidRequest("the form is not one of this server's (no anti-CSRF token)")
        expires_text, nonce, mac = token.split(".")
        expires = int(expires_text)
        if not hmac.compare_digest(mac.encode(), self._mac(fields, expires, nonce).encode()):
            raise InvalidRequest("the form's anti-CSRF token does not match its fields")
        now = self._clock.now()
        if now > expires:
            raise InvalidRequest("the form has expired: open the page again")
        if not await self._store.put_value(
            f"form-used:{nonce}", "1", expires - now + 60, only_new=True
        ):
            raise InvalidRequest("the form was already submitted: open the page again")

    def _mac(self, fields: Mapping[str, str], expires: int, nonce: str) -> str:
        message = json.dumps([sorted(fields.items()), expires, nonce], separators=(",", ":"))
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()

    # authorization codes -----------------------------------------------------------

    async def issue_code(
        self, grantee: Grantee, username: str, redirect_uri: str, challenge: str
    ) -> str:
        code = secrets.token_urlsafe(32)
        now = self._clock.now()
        record = CodeRecord(
            grantee,
            username,
            redirect_uri,
            challenge,
            now + CODE_LIFETIME,
            now + CODE_LIFETIME * 10,
        )
        # Kept past its use while a replay could revoke what it opened.
        await self._store.put_value(f"code:{_digest(code)}", _dump(record), CODE_LIFETIME * 10)
        return code

    async def take_code(
        self, code: str, client_id: str, redirect_uri: str, verifier: str
    ) -> CodeRecord:
        """The code's record for its first exchange. A code seen before raises
        ``InvalidGrant`` carrying the session its first exchange opened
        (``extra["replayed_sid"]``), for the caller to revoke (RFC 6749 §4.1.2)."""
        key = _digest(code)
        kept = await self._store.get_value(f"code:{key}")
        if kept is None:
            raise InvalidGrant("the authorization code is unknown or expired")
        record = _code(kept)
        if self._clock.now() > record.expires_at and not await self._store.get_value(
            f"code-sid:{key}"
        ):
            raise InvalidGrant("the authorization code has expired (it lives 60 s)")
        # Whatever follows, this code has been presented: it never works again.
        if not await self._store.put_value(
            f"code-presented:{key}", "1", CODE_LIFETIME * 10, only_new=True
        ):
            sid = await self._store.get_value(f"code-sid:{key}")
            if sid is not None:
                raise InvalidGrant(
                    "the authorization code was already used: the session it opened is revoked",
                    reason="code_reuse",
                    extra={"replayed_sid": sid},
                )
            raise InvalidGrant("the authorization code was already presented once")
        if record.grantee.client_id != client_id:
            raise InvalidGrant("the authorization code was issued to another client")
        if record.redirect_uri != redirect_uri:
            raise InvalidGrant("redirect_uri does not match the one of the authorization request")
        if not pkce_matches(verifier, record.challenge):
            raise InvalidGrant("code_verifier does not match the code_challenge (PKCE)")
        return record

    async def code_exchanged(self, code: str, sid: str) -> None:
        """Remember the session a code opened, so that a replay can revoke it."""
        await self._store.put_value(f"code-sid:{_digest(code)}", sid, CODE_LIFETIME * 10)

    # device authorizations ---------------------------------------------------------

    async def start_device(self, grantee: Grantee) -> tuple[str, DeviceRecord]:
        device_code = secrets.token_urlsafe(32)
        key = _digest(device_code)
        now = self._clock.now()
        lifetime = DEVICE_CODE_LIFETIME + 60
        while True:  # a user code names one waiting device at a time
            user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
            if await self._store.put_value(f"user-code:{user_code}", key, lifetime, only_new=True):
                break
        record = DeviceRecord(grantee, user_code, now + DEVICE_CODE_LIFETIME, DEVICE_POLL_INTERVAL)
        await self._save_device(key, record)
        return device_code, record

    async def _device(self, key: str) -> DeviceRecord | None:
        kept = await self._store.get_value(f"device:{key}")
        return _device(kept) if kept is not None else None

    async def _save_device(self, key: str, record: DeviceRecord) -> None:
        await self._store.put_value(f"device:{key}", _dump(record), DEVICE_CODE_LIFETIME + 60)

    async def _waiting(self, user_code: str) -> tuple[str, DeviceRecord] | None:
        key = await self._store.get_value(f"user-code:{normalize_user_code(user_code)}")
        record = await self._device(key) if key else None
        if key is None or record is None or record.username or record.denied:
            return None
        if self._clock.now() > record.expires_at:
            return None
        return key, record

    async def pending(self, user_code: str) -> DeviceRecord | None:
        """The device authorization a user code names, if it still waits for a user."""
        found = await self._waiting(user_code)
        return found[1] if found else None

    async def decide(self, user_code: str, username: str | None) -> DeviceRecord | None:
        """Approve for ``username``, or deny (None); the record, or None if the code
        names nothing that waits (or another page decided first)."""
        found = await self._waiting(user_code)
        if found is None:
            return None
        key, record = found
        if not await self._store.put_value(
            f"device-decided:{key}", "1", DEVICE_CODE_LIFETIME + 60, only_new=True
        ):
            return None
        if username is None:
            record.denied = True
        else:
            record.username = username
        await self._save_device(key, record)
        return record

    async def poll(self, device_code: str, client_id: str) -> DeviceRecord:
        """RFC 8628 §3.5: the record once it is approved (exchanged from then on);
        until then the answer the device should act on."""
        now = self._clock.now()
        key = _digest(device_code)
        record = await self._device(key)
        if record is None or record.exchanged:
            raise InvalidGrant("the device code is unknown or was already exchanged")
        if record.grantee.client_id != client_id:
            raise InvalidGrant("the device code was issued to another client")
        if now > record.expires_at:
            raise ExpiredToken("the device code has expired: start again")
        if record.denied:
            raise AccessDenied("the user denied the sign-in")
        too_soon = record.last_poll is not None and now - record.last_poll < record.interval
        record.last_poll = now
        if too_soon:
            record.interval += SLOW_DOWN_STEP
            await self._save_device(key, record)
            raise SlowDown(
                f"polled faster than the interval: wait {record.interval} s",
                extra={"interval": record.interval},
            )
        if record.username is None:
            await self._save_device(key, record)
            raise AuthorizationPending("the user has not approved the sign-in yet")
        if not await self._store.put_value(
            f"device-exchanged:{key}", "1", DEVICE_CODE_LIFETIME + 60, only_new=True
        ):
            raise InvalidGrant("the device code is unknown or was already exchanged")
        record.exchanged = True
        await self._save_device(key, record)
        return record


def _dump(record: CodeRecord | DeviceRecord) -> str:
    return json.dumps(asdict(record), separators=(",", ":"))


def _code(text: str) -> CodeRecord:
    data = json.loads(text)
    return CodeRecord(**{**data, "grantee": Grantee(**data["grantee"])})


def _device(text: str) -> DeviceRecord:
    data = json.loads(text)
    return DeviceRecord(**{**data, "grantee": Grantee(**data["grantee"])})


def show_user_code(code: str) -> str:
    """``BCDFGHJK`` as it is shown and read out: ``BCDF-GHJK``."""
    return f"{code[:4]}-{code[4:]}"
