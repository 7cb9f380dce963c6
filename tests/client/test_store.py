"""Token stores: memory, and the keyring store's chunking and failure handling.

These use real ``keyring`` backends written for the test (a dict-backed one and
failing ones); the real Secret Service is exercised in test_keyring.py.
"""

from __future__ import annotations

import keyring.backend
import keyring.errors
import pytest

from client import KeyringTokenStore, KeyringUnavailable, MemoryTokenStore, StoreKey, TokenSet
from client.errors import TokenStoreCorrupted
from client.store import CHUNK_SIZE, SERVICE
from tests.client.conftest import make_jwt, token_body

NOW = 1_700_000_000.0
KEY = StoreKey("http://lab.test", "phone")


class DictKeyring(keyring.backend.KeyringBackend):
    """An in-memory keyring backend: the real API, no OS behind it."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if len(password) > CHUNK_SIZE:
            raise keyring.errors.PasswordSetError("too long for Windows Credential Manager")
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("not found")


class BrokenKeyring(DictKeyring):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        raise self.error


def tokens(length: int = 0) -> TokenSet:
    body = token_body(NOW)
    if length:
        body["access_token"] = make_jwt(NOW + 30, padding="x" * length)
    return TokenSet.from_response(body, NOW)


def test_memory_store_round_trip() -> None:
    store = MemoryTokenStore()
    assert store.load(KEY) is None
    saved = tokens()
    store.save(KEY, saved)
    assert store.load(KEY) == saved
    store.delete(KEY)
    assert store.load(KEY) is None


def test_keyring_store_round_trip_one_entry_per_kind() -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    saved = tokens()
    store.save(KEY, saved)
    assert store.load(KEY) == saved
    assert {u for (s, u) in backend.entries if s == SERVICE} == {
        "http://lab.test phone access",
        "http://lab.test phone refresh",
        "http://lab.test phone meta",
    }
    store.delete(KEY)
    assert store.load(KEY) is None
    assert backend.entries == {}


def test_long_tokens_are_chunked_under_the_windows_limit() -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    long = tokens(length=3000)
    assert len(long.access_token) > 3000
    store.save(KEY, long)
    assert all(len(v) <= CHUNK_SIZE for v in backend.entries.values())
    assert store.load(KEY) == long
    # Shorter tokens later leave no orphaned chunks behind.
    store.save(KEY, tokens())
    assert not [u for (_, u) in backend.entries if "#" in u]
    store.delete(KEY)
    assert backend.entries == {}


@pytest.mark.parametrize(
    ("entry", "value", "message"),
    [
        ("access", "not a token!", "not a token"),
        ("meta", "{broken", "unreadable meta"),
        ("meta", "[]", "unreadable meta"),
        ("access", "chunked:3:0123456789abcdef", "missing some of its chunks"),
    ],
)
def test_garbage_in_the_keyring_is_reported_as_corrupted(
    entry: str, value: str, message: str
) -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    store.save(KEY, tokens())
    backend.entries[(SERVICE, KEY.entry(entry))] = value
    with pytest.raises(TokenStoreCorrupted, match=message):
        store.load(KEY)


def test_a_torn_write_is_detected() -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    store.save(KEY, tokens())
    other = tokens()
    backend.entries[(SERVICE, KEY.entry("access"))] = other.access_token
    with pytest.raises(TokenStoreCorrupted, match="do not belong together"):
        store.load(KEY)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (keyring.errors.KeyringLocked("locked"), "locked"),
        (keyring.errors.NoKeyringError("none"), "no OS keyring"),
        (RuntimeError("org.freedesktop.DBus.Error.ServiceUnknown"), "failed"),
    ],
)
def test_keyring_failures_become_keyring_unavailable(error: Exception, message: str) -> None:
    store = KeyringTokenStore(BrokenKeyring(error))
    with pytest.raises(KeyringUnavailable, match=message):
        store.save(KEY, tokens())
    with pytest.raises(KeyringUnavailable):
        store.load(KEY)
    with pytest.raises(KeyringUnavailable):
        store.check()


def test_the_fail_backend_is_reported_plainly() -> None:
    from keyring.backends.fail import Keyring as FailKeyring

    store = KeyringTokenStore(FailKeyring())
    with pytest.raises(KeyringUnavailable, match="memory-only"):
        store.check()
