"""Where a device keeps its tokens.

``KeyringTokenStore`` is the default: the OS keyring through ``keyring``
(Keychain, Windows Credential Manager, Secret Service). Service
``jwt-device-lab``; one entry per server, device and token kind (``access``,
``refresh``, ``meta``). An entry longer than 1,200 characters is split into
chunks, so Windows Credential Manager's limit is never hit; the head entry
records the chunk count and a hash, so a torn or foreign entry is detected.

``MemoryTokenStore`` is for tests and for machines without a keyring — the
app says plainly when it uses it. There is no plaintext-file store, on purpose.

Every keyring failure becomes a ``KeyringUnavailable``; an entry that exists
but is not what we wrote becomes a ``TokenStoreCorrupted``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import keyring
import keyring.backend
import keyring.errors

from client import messages as say
from client.errors import KeyringUnavailable, TokenStoreCorrupted
from client.tokens import TokenSet, fingerprint

SERVICE = "jwt-device-lab"
CHUNK_SIZE = 1200
_KINDS = ("access", "refresh", "meta", "dpop")  # dpop: the device's private key, if any
_CHUNKED = re.compile(r"^chunked:(\d{1,4}):([0-9a-f]{16})$")
_TOKEN = re.compile(r"^[A-Za-z0-9._~+/=-]+$")


@dataclass(frozen=True, slots=True)
class StoreKey:
    """Which tokens: those of one device against one server."""

    server: str
    device_id: str

    def entry(self, kind: str) -> str:
        return f"{self.server} {self.device_id} {kind}"


class TokenStore(ABC):
    """Saves, loads and deletes a device's ``TokenSet``."""

    #: Human-readable name of where tokens live, shown in the app's status bar.
    name: str = "token store"
    #: True when operations may block (D-Bus, OS calls): run them off the event loop.
    blocking: bool = False
    #: True when tokens survive the process.
    persistent: bool = False

    @abstractmethod
    def load(self, key: StoreKey) -> TokenSet | None:
        """The stored tokens, None if there are none."""

    @abstractmethod
    def save(self, key: StoreKey, tokens: TokenSet) -> None: ...

    @abstractmethod
    def delete(self, key: StoreKey) -> None:
        """Forget the tokens; no error if there were none."""


class MemoryTokenStore(TokenStore):
    """Tokens in this process only: gone when it exits."""

    @property
    def name(self) -> str:  # type: ignore[override]
        return say.MEMORY_STORE  # in the language of the moment

    def __init__(self) -> None:
        self._tokens: dict[StoreKey, TokenSet] = {}
        self._lock = threading.Lock()

    def load(self, key: StoreKey) -> TokenSet | None:
        with self._lock:
            return self._tokens.get(key)

    def save(self, key: StoreKey, tokens: TokenSet) -> None:
        with self._lock:
            self._tokens[key] = tokens

    def delete(self, key: StoreKey) -> None:
        with self._lock:
            self._tokens.pop(key, None)


def keyring_backend_name(backend: keyring.backend.KeyringBackend | None = None) -> str:
    backend = backend or keyring.get_keyring()
    cls = type(backend)
    return f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__name__}"


# What a user knows these keyrings as (by the backend's module), instead of a class name.
_KEYRING_LABELS = {
    "SecretService": "Secret Service",
    "libsecret": "Secret Service",
    "macOS": "macOS Keychain",
    "Windows": "Windows Credential Manager",
    "kwallet": "KWallet",
}


def keyring_label(backend: keyring.backend.KeyringBackend | None = None) -> str:
    """The keyring's everyday name; the technical one for backends we do not know."""
    technical = keyring_backend_name(backend)
    return _KEYRING_LABELS.get(technical.split(".")[0], technical)


class KeyringTokenStore(TokenStore):
    """Tokens in the OS keyring (or in a given ``keyring`` backend)."""

    blocking = True
    persistent = True

    def __init__(
        self, backend: keyring.backend.KeyringBackend | None = None, service: str = SERVICE
    ) -> None:
        self._backend = backend
        self.service = service
        self._lock = threading.Lock()

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        return self._backend or keyring.get_keyring()

    @property
    def name(self) -> str:  # type: ignore[override]
        return say.keyring_name(keyring_label(self.backend))

    def check(self) -> None:
        """Raise ``KeyringUnavailable`` unless a usable keyring is there."""
        backend = self.backend
        if _is_fail_backend(backend):
            raise KeyringUnavailable(say.NO_KEYRING_HINT)
        self._get(StoreKey("probe", "probe").entry("meta"))

    def load(self, key: StoreKey) -> TokenSet | None:
        with self._lock:
            values = {kind: self._read(key.entry(kind)) for kind in _KINDS}
        if all(v is None for v in values.values()):
            return None
        return _decode(key, values)

    def save(self, key: StoreKey, tokens: TokenSet) -> None:
        meta = {
            "access_exp": tokens.access_exp,
            "refresh_exp": tokens.refresh_exp,
            "obtained_at": tokens.obtained_at,
            "scope": tokens.scope,
            "sid": tokens.sid,
            "session_start": tokens.session_start,
            "access_fp": fingerprint(tokens.access_token),
            "refresh_fp": fingerprint(tokens.refresh_token),
            "token_type": tokens.token_type,
            "dpop_fp": fingerprint(tokens.dpop_key),
        }
        with self._lock:
            # Tokens first, the meta entry that ties them together last: a torn
            # write is then seen as a mismatch, never as a valid older pair.
            self._write(key.entry("access"), tokens.access_token)
            if tokens.refresh_token:
                self._write(key.entry("refresh"), tokens.refresh_token)
            else:
                self._remove(key.entry("refresh"))
            if tokens.dpop_key:  # kept with its tokens: the same chunking, the same failures
                self._write(key.entry("dpop"), tokens.dpop_key)
            else:
                self._remove(key.entry("dpop"))
            self._write(key.entry("meta"), json.dumps(meta))

    def delete(self, key: StoreKey) -> None:
        with self._lock:
            for kind in _KINDS:
                self._remove(key.entry(kind))

    # chunking ----------------------------------------------------------------

    def _read(self, entry: str) -> str | None:
        head = self._get(entry)
        if head is None:
            return None
        match = _CHUNKED.match(head)
        if not match:
            return head
        count, digest = int(match.group(1)), match.group(2)
        parts = [self._get(f"{entry} #{i}") for i in range(count)]
        if any(p is None for p in parts):
            raise TokenStoreCorrupted(say.entry_incomplete(entry))
        value = "".join(p for p in parts if p is not None)
        if _digest(value) != digest:
            raise TokenStoreCorrupted(say.entry_checksum(entry))
        return value

    def _write(self, entry: str, value: str) -> None:
        old_count = self._chunk_count(entry)
        if len(value) <= CHUNK_SIZE:
            self._set(entry, value)
            count = 0
        else:
            parts = [value[i : i + CHUNK_SIZE] for i in range(0, len(value), CHUNK_SIZE)]
            for i, part in enumerate(parts):
                self._set(f"{entry} #{i}", part)
            self._set(entry, f"chunked:{len(parts)}:{_digest(value)}")
            count = len(parts)
        for i in range(count, old_count):
            self._del(f"{entry} #{i}")

    def _remove(self, entry: str) -> None:
        for i in range(self._chunk_count(entry)):
            self._del(f"{entry} #{i}")
        self._del(entry)

    def _chunk_count(self, entry: str) -> int:
        head = self._get(entry)
        match = _CHUNKED.match(head) if head else None
        return int(match.group(1)) if match else 0

    # the keyring boundary ------------------------------------------------------

    def _get(self, entry: str) -> str | None:
        try:
            value = self.backend.get_password(self.service, entry)
        except Exception as exc:  # every backend fails in its own way
            raise _unavailable(exc) from exc
        if value is not None and not isinstance(value, str):
            raise TokenStoreCorrupted(say.entry_not_text(entry))
        return value

    def _set(self, entry: str, value: str) -> None:
        try:
            self.backend.set_password(self.service, entry, value)
        except Exception as exc:
            raise _unavailable(exc) from exc

    def _del(self, entry: str) -> None:
        try:
            if self.backend.get_password(self.service, entry) is not None:
                self.backend.delete_password(self.service, entry)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone
        except Exception as exc:
            raise _unavailable(exc) from exc


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _is_fail_backend(backend: Any) -> bool:
    return type(backend).__module__.startswith("keyring.backends.fail")


def _unavailable(exc: Exception) -> KeyringUnavailable:
    if isinstance(exc, keyring.errors.KeyringLocked):
        return KeyringUnavailable(say.KEYRING_LOCKED)
    if isinstance(exc, keyring.errors.NoKeyringError):
        return KeyringUnavailable(say.NO_KEYRING)
    detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return KeyringUnavailable(say.keyring_failed(detail))


def _decode(key: StoreKey, values: dict[str, str | None]) -> TokenSet:
    access, refresh, meta_raw = values["access"], values["refresh"], values["meta"]
    if access is None or meta_raw is None:
        raise TokenStoreCorrupted(say.stored_tokens(key.device_id, "incomplete"))
    for token in (access, refresh):
        if token is not None and not _TOKEN.match(token):
            raise TokenStoreCorrupted(say.stored_tokens(key.device_id, "not_a_token"))
    try:
        meta = json.loads(meta_raw)
    except ValueError as exc:
        raise TokenStoreCorrupted(say.stored_tokens(key.device_id, "unreadable")) from exc
    if not isinstance(meta, dict):
        raise TokenStoreCorrupted(say.stored_tokens(key.device_id, "unreadable"))
    dpop_key = values.get("dpop")
    if meta.get("access_fp") != fingerprint(access) or meta.get("refresh_fp") != fingerprint(
        refresh
    ):
        raise TokenStoreCorrupted(say.stored_tokens(key.device_id, "torn"))
    if "dpop_fp" in meta and meta["dpop_fp"] != fingerprint(dpop_key):
        raise TokenStoreCorrupted(say.stored_tokens(key.device_id, "torn"))
    try:
        return TokenSet(
            access_token=access,
            refresh_token=refresh,
            access_exp=float(meta["access_exp"]),
            refresh_exp=None if meta.get("refresh_exp") is None else float(meta["refresh_exp"]),
            obtained_at=float(meta["obtained_at"]),
            scope=str(meta.get("scope") or ""),
            sid=meta.get("sid") if isinstance(meta.get("sid"), str) else None,
            session_start=(
                float(meta["session_start"]) if meta.get("session_start") is not None else None
            ),
            token_type=str(meta.get("token_type") or "Bearer"),
            dpop_key=dpop_key,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenStoreCorrupted(say.stored_tokens(key.device_id, "unreadable")) from exc
