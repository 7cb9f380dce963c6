"""Authorization in the browser: codes with PKCE (RFC 6749 §4.1, RFC 7636) and the
device grant (RFC 8628), kept in memory on the server's clock.

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
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

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

FORM_LIFETIME = 600  # seconds a sign-in or verification page may be submitted
_FORM_TOKEN = re.compile(r"[0-9]{1,12}\.[A-Za-z0-9_-]{16}\.[0-9a-f]{64}")
MAX_PENDING = 100_000  # codes or device authorizations kept at most; the oldest go first
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
    presented: bool = False  # its one exchange was tried (whatever came of it)
    sid: str | None = None  # the session its one exchange opened


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


@dataclass(slots=True)
class _Forms:
    used: dict[str, float] = field(default_factory=dict)  # token → its expiry


class Authorizations:
    """Pending authorization codes and device authorizations, and the forms' tokens."""

    def __init__(self, clock: Clock, secret: bytes | None = None) -> None:
        self._clock = clock
        self._secret = secret or secrets.token_bytes(32)
        self._codes: OrderedDict[str, CodeRecord] = OrderedDict()  # in issue order
        self._devices: OrderedDict[str, DeviceRecord] = OrderedDict()  # device-code hash → record
        self._user_codes: dict[str, str] = {}  # user code → device-code hash
        self._forms = _Forms()
        self._lock = threading.Lock()

    # forms ---------------------------------------------------------------------------

    def form_token(self, fields: Mapping[str, str]) -> str:
        """An anti-CSRF token bound to the form's hidden fields, valid for a while."""
        expires = int(self._clock.now()) + FORM_LIFETIME
        nonce = secrets.token_urlsafe(12)  # each page its own token, even within a second
        return f"{expires}.{nonce}.{self._mac(fields, expires, nonce)}"

    def check_form_token(self, token: str, fields: Mapping[str, str]) -> None:
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
        with self._lock:
            for old in [t for t, until in self._forms.used.items() if until < now]:
                del self._forms.used[old]
            if token in self._forms.used:
                raise InvalidRequest("the form was already submitted: open the page again")
            self._forms.used[token] = expires

    def _mac(self, fields: Mapping[str, str], expires: int, nonce: str) -> str:
        message = json.dumps([sorted(fields.items()), expires, nonce], separators=(",", ":"))
        return hmac.new(self._secret, message.encode(), hashlib.sha256).hexdigest()

    # authorization codes -----------------------------------------------------------

    def issue_code(self, grantee: Grantee, username: str, redirect_uri: str, challenge: str) -> str:
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
        with self._lock:
            self._forget_old_codes(now)
            self._codes[_digest(code)] = record
        return code

    def take_code(self, code: str, client_id: str, redirect_uri: str, verifier: str) -> CodeRecord:
        """The code's record for its first exchange. A code seen before raises
        ``InvalidGrant`` carrying the session its first exchange opened
        (``extra["replayed_sid"]``), for the caller to revoke (RFC 6749 §4.1.2)."""
        key = _digest(code)
        with self._lock:
            record = self._codes.get(key)
            if record is None:
                raise InvalidGrant("the authorization code is unknown or expired")
            if record.sid is not None:
                raise InvalidGrant(
                    "the authorization code was already used: the session it opened is revoked",
                    reason="code_reuse",
                    extra={"replayed_sid": record.sid},
                )
            if record.presented:
                raise InvalidGrant("the authorization code was already presented once")
            if self._clock.now() > record.expires_at:
                raise InvalidGrant("the authorization code has expired (it lives 60 s)")
            # Whatever follows, this code has been presented: it never works again.
            self._codes[key] = replace(record, presented=True)
        if record.grantee.client_id != client_id:
            raise InvalidGrant("the authorization code was issued to another client")
        if record.redirect_uri != redirect_uri:
            raise InvalidGrant("redirect_uri does not match the one of the authorization request")
        if not pkce_matches(verifier, record.challenge):
            raise InvalidGrant("code_verifier does not match the code_challenge (PKCE)")
        return record

    def code_exchanged(self, code: str, sid: str) -> None:
        """Remember the session a code opened, so that a replay can revoke it."""
        key = _digest(code)
        with self._lock:
            record = self._codes.get(key)
            if record is not None:
                self._codes[key] = replace(record, sid=sid)

    def _forget_old_codes(self, now: float) -> None:
        # Codes are kept past their use, while a replay could revoke what they opened;
        # in issue order, so the oldest go first — also when there are too many.
        while self._codes:
            key, oldest = next(iter(self._codes.items()))
            if oldest.forget_at > now and len(self._codes) < MAX_PENDING:
                break
            del self._codes[key]

    # device authorizations ---------------------------------------------------------

    def start_device(self, grantee: Grantee) -> tuple[str, DeviceRecord]:
        device_code = secrets.token_urlsafe(32)
        now = self._clock.now()
        with self._lock:
            self._forget_expired_devices(now)
            while True:
                user_code = "".join(
                    secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH)
                )
                if user_code not in self._user_codes:
                    break
            record = DeviceRecord(
                grantee, user_code, now + DEVICE_CODE_LIFETIME, DEVICE_POLL_INTERVAL
            )
            self._devices[_digest(device_code)] = record
            self._user_codes[user_code] = _digest(device_code)
        return device_code, record

    def pending(self, user_code: str) -> DeviceRecord | None:
        """The device authorization a user code names, if it still waits for a user."""
        with self._lock:
            key = self._user_codes.get(normalize_user_code(user_code))
            record = self._devices.get(key) if key else None
            if record is None or record.username or record.denied:
                return None
            if self._clock.now() > record.expires_at:
                return None
            return record

    def decide(self, user_code: str, username: str | None) -> DeviceRecord | None:
        """Approve for ``username``, or deny (None); the record, or None if the code
        names nothing that waits."""
        with self._lock:
            key = self._user_codes.get(normalize_user_code(user_code))
            record = self._devices.get(key) if key else None
            if record is None or record.username or record.denied:
                return None
            if self._clock.now() > record.expires_at:
                return None
            if username is None:
                record.denied = True
            else:
                record.username = username
            return record

    def poll(self, device_code: str, client_id: str) -> DeviceRecord:
        """RFC 8628 §3.5: the record once it is approved (exchanged from then on);
        until then the answer the device should act on."""
        now = self._clock.now()
        with self._lock:
            record = self._devices.get(_digest(device_code))
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
                raise SlowDown(
                    f"polled faster than the interval: wait {record.interval} s",
                    extra={"interval": record.interval},
                )
            if record.username is None:
                raise AuthorizationPending("the user has not approved the sign-in yet")
            record.exchanged = True
            return record

    def _forget_expired_devices(self, now: float) -> None:
        # In start order: expired ones go, and the oldest when there are too many.
        while self._devices:
            key, oldest = next(iter(self._devices.items()))
            if oldest.expires_at >= now - 60 and len(self._devices) < MAX_PENDING:
                break
            del self._devices[key]
            self._user_codes.pop(oldest.user_code, None)


def show_user_code(code: str) -> str:
    """``BCDFGHJK`` as it is shown and read out: ``BCDF-GHJK``."""
    return f"{code[:4]}-{code[4:]}"
