"""Token stores: memory, and the keyring store's chunking and failure handling.

These use real ``keyring`` backends written for the test (a dict-backed one and
failing ones); the real Secret Service is exercised in test_keyring.py.
"""

from __future__ import annotations

import json

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


@pytest.mark.parametrize("length", [CHUNK_SIZE, CHUNK_SIZE + 1])
def test_the_chunk_boundary(length: int) -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    store._write("entry", "t" * length)  # the boundary itself, on the internal writer
    head = backend.entries[(SERVICE, "entry")]
    if length == CHUNK_SIZE:
        assert head == "t" * length
        assert (SERVICE, "entry #0") not in backend.entries
    else:
        assert head.startswith("chunked:2:")
        assert backend.entries[(SERVICE, "entry #1")] == "t"
    assert store._read("entry") == "t" * length


def test_shrinking_chunks_removes_exactly_the_extra_ones() -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    store._write("entry", "a" * (CHUNK_SIZE * 3))
    store._write("entry", "b" * (CHUNK_SIZE + 5))
    assert sorted(u for (_, u) in backend.entries) == ["entry", "entry #0", "entry #1"]
    assert store._read("entry") == "b" * (CHUNK_SIZE + 5)
    store._write("entry", "c")
    assert sorted(u for (_, u) in backend.entries) == ["entry"]
    store._write("entry", "d" * (CHUNK_SIZE * 2))
    assert sorted(u for (_, u) in backend.entries) == ["entry", "entry #0", "entry #1"]


def test_a_chunk_that_changed_breaks_the_checksum() -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    store.save(KEY, tokens(length=3000))
    backend.entries[(SERVICE, KEY.entry("access") + " #1")] = "x" * CHUNK_SIZE
    with pytest.raises(
        TokenStoreCorrupted, match=r"^keyring entry .* does not match its checksum$"
    ):
        store.load(KEY)


def test_tokens_without_a_refresh_token_leave_no_refresh_entry() -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    store.save(KEY, tokens())
    no_refresh = TokenSet.from_response(token_body(NOW, refresh=False), NOW)
    store.save(KEY, no_refresh)
    assert (SERVICE, KEY.entry("refresh")) not in backend.entries
    loaded = store.load(KEY)
    assert loaded == no_refresh
    assert loaded is not None and loaded.refresh_token is None and loaded.refresh_exp is None


def test_optional_meta_fields_round_trip_as_none_and_as_values() -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    saved = tokens()
    assert saved.session_start == NOW and saved.refresh_exp == NOW + 180
    store.save(KEY, saved)
    assert store.load(KEY) == saved
    meta = json.loads(backend.entries[(SERVICE, KEY.entry("meta"))])
    meta["session_start"] = None
    backend.entries[(SERVICE, KEY.entry("meta"))] = json.dumps(meta)
    loaded = store.load(KEY)
    assert loaded is not None and loaded.session_start is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [("access", "are incomplete"), ("meta", "are incomplete")],
)
def test_a_missing_entry_is_reported_as_incomplete(entry: str, message: str) -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    store.save(KEY, tokens())
    del backend.entries[(SERVICE, KEY.entry(entry))]
    with pytest.raises(TokenStoreCorrupted, match=f"^the stored tokens of 'phone' {message}$"):
        store.load(KEY)


def test_a_meta_entry_without_its_times_is_unreadable() -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    store.save(KEY, tokens())
    meta = json.loads(backend.entries[(SERVICE, KEY.entry("meta"))])
    del meta["access_exp"]
    backend.entries[(SERVICE, KEY.entry("meta"))] = json.dumps(meta)
    with pytest.raises(
        TokenStoreCorrupted, match=r"^the stored tokens of 'phone' have an unreadable"
    ):
        store.load(KEY)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (keyring.errors.KeyringLocked("x"), "the OS keyring is locked; unlock it and try again"),
        (keyring.errors.NoKeyringError("x"), "no OS keyring is available"),
        (RuntimeError("first line\nsecond line"), "the OS keyring failed: first line"),
        (RuntimeError("e" * 300), "the OS keyring failed: " + "e" * 200),
        (RuntimeError(), "the OS keyring failed: RuntimeError"),
    ],
)
def test_keyring_failure_messages(error: Exception, message: str) -> None:
    with pytest.raises(KeyringUnavailable) as raised:
        KeyringTokenStore(BrokenKeyring(error)).load(KEY)
    assert str(raised.value) == message


class FailingDelete(DictKeyring):
    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError("D-Bus went away")


def test_a_failing_delete_is_a_keyring_error_not_silence() -> None:
    backend = FailingDelete()
    store = KeyringTokenStore(backend)
    store.save(KEY, tokens())
    with pytest.raises(KeyringUnavailable, match=r"^the OS keyring failed: D-Bus went away$"):
        store.delete(KEY)


def test_the_store_names_its_backend() -> None:
    assert KeyringTokenStore(DictKeyring()).name == "OS keyring (test_store.DictKeyring)"
    from keyring.backends.SecretService import Keyring

    assert KeyringTokenStore(Keyring()).name == "OS keyring (Secret Service)"


def test_memory_store_keeps_devices_apart() -> None:
    store = MemoryTokenStore()
    other = StoreKey("http://lab.test", "pc")
    store.save(KEY, tokens())
    store.save(other, tokens())
    store.delete(KEY)
    assert store.load(KEY) is None and store.load(other) is not None
    store.delete(KEY)  # deleting twice is fine


def test_a_session_id_that_is_not_text_is_dropped() -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    store.save(KEY, tokens())
    meta = json.loads(backend.entries[(SERVICE, KEY.entry("meta"))])
    meta["sid"] = 5
    backend.entries[(SERVICE, KEY.entry("meta"))] = json.dumps(meta)
    loaded = store.load(KEY)
    assert loaded is not None and loaded.sid is None


class BytesKeyring(DictKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        value = super().get_password(service, username)
        return value.encode() if value is not None else None  # type: ignore[return-value]


def test_a_backend_that_answers_bytes_is_refused_as_corrupted() -> None:
    store = KeyringTokenStore(BytesKeyring())
    store.save(KEY, tokens())
    entry = KEY.entry("access")
    with pytest.raises(TokenStoreCorrupted, match=f"^keyring entry {entry!r} is not text$"):
        store.load(KEY)


class CountingKeyring(DictKeyring):
    """Counts the calls that cost a D-Bus round trip each on a real keyring."""

    def __init__(self) -> None:
        super().__init__()
        self.deleted: list[str] = []
        self.read: list[str] = []

    def get_password(self, service: str, username: str) -> str | None:
        self.read.append(username)
        return super().get_password(service, username)

    def delete_password(self, service: str, username: str) -> None:
        self.deleted.append(username)
        super().delete_password(service, username)


def test_unchunked_entries_cost_no_calls_for_chunks_that_never_existed() -> None:
    backend = CountingKeyring()
    store = KeyringTokenStore(backend)
    store.save(KEY, tokens())
    store.save(KEY, tokens())
    store.load(KEY)
    store.delete(KEY)
    assert sorted(backend.deleted) == sorted(KEY.entry(k) for k in ("access", "refresh", "meta"))
    assert [entry for entry in backend.read if " #" in entry] == []


def test_a_backend_from_a_top_level_module_is_named_too() -> None:
    backend_class = type("Vault", (DictKeyring,), {"__module__": "vault"})
    assert KeyringTokenStore(backend_class()).name == "OS keyring (vault.Vault)"


def test_an_empty_scope_comes_back_empty() -> None:
    backend = DictKeyring()
    store = KeyringTokenStore(backend)
    body = token_body(NOW)
    body["scope"] = ""
    saved = TokenSet.from_response(body, NOW)
    # token_body's access token carries no scope claim: nothing to fall back to.
    assert saved.scope == ""
    store.save(KEY, saved)
    loaded = store.load(KEY)
    assert loaded is not None and loaded.scope == ""
