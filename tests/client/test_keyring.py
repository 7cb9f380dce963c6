"""The real OS keyring: Secret Service (gnome-keyring) in the private D-Bus session
that ``make test`` starts. Skipped locally without it; with ``CI`` set, a
missing keyring fails the run instead."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from client import DeviceRegistry, DeviceState, KeyringTokenStore, Lab, StoreKey, TokenSet
from client.errors import TokenStoreCorrupted
from client.store import CHUNK_SIZE, SERVICE, keyring_backend_name
from mock_server import ServerThread, Settings, VirtualClock
from tests.client.conftest import asgi_lab, make_jwt, token_body

ROOT = Path(__file__).resolve().parents[2]


def _secret_service() -> KeyringTokenStore:
    from keyring.backends.SecretService import Keyring

    backend = Keyring()
    backend.priority  # noqa: B018 - raises when no Secret Service is reachable
    store = KeyringTokenStore(backend)
    store.check()
    return store


@pytest.fixture
def secret_service() -> Iterator[KeyringTokenStore]:
    try:
        store = _secret_service()
    except Exception as exc:
        message = f"no usable Secret Service keyring: {exc}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must run the real keyring: use `make test`)")
        pytest.skip(f"{message}; run `make test` to start a private gnome-keyring")
    yield store


def test_backend_is_the_real_secret_service(secret_service: KeyringTokenStore) -> None:
    assert keyring_backend_name(secret_service.backend) == "SecretService.Keyring"
    assert secret_service.name == "OS keyring (Secret Service)"  # what a user reads


def test_a_3000_character_token_round_trips_in_chunks(secret_service: KeyringTokenStore) -> None:
    key = StoreKey("http://keyring.test", "long-device")
    now = 1_700_000_000.0
    body = token_body(now)
    body["access_token"] = make_jwt(now + 30, padding="p" * 3000)
    saved = TokenSet.from_response(body, now)
    assert len(saved.access_token) > 3000
    secret_service.save(key, saved)
    backend = secret_service.backend
    assert backend.get_password(SERVICE, key.entry("access")).startswith("chunked:")
    assert len(backend.get_password(SERVICE, key.entry("access") + " #0")) <= CHUNK_SIZE
    assert secret_service.load(key) == saved
    secret_service.delete(key)
    assert secret_service.load(key) is None
    assert backend.get_password(SERVICE, key.entry("access") + " #0") is None


def test_a_corrupted_entry_is_a_clear_error(secret_service: KeyringTokenStore) -> None:
    key = StoreKey("http://keyring.test", "corrupted")
    now = 1_700_000_000.0
    secret_service.save(key, TokenSet.from_response(token_body(now), now))
    secret_service.backend.set_password(SERVICE, key.entry("refresh"), "%%% not a token %%%")
    with pytest.raises(TokenStoreCorrupted, match="not a token"):
        secret_service.load(key)
    secret_service.delete(key)


async def test_a_restart_after_a_refresh_finds_the_rotated_pair_in_the_keyring(
    secret_service: KeyringTokenStore, app: FastAPI, clock: VirtualClock, tmp_path: Path
) -> None:
    """What the keyring holds after a refresh is the successor pair: the device
    restarted past the reuse grace keeps its session instead of revoking it."""
    registry = DeviceRegistry(tmp_path / "devices.json")

    def new_lab() -> Lab:
        return asgi_lab(app, clock, secret_service, registry)

    first = new_lab()
    phone = await first.add_device("kr-phone", "mobile", user="alice", refresh_margin=0)
    await phone.login("alice-pass")
    clock.advance(40)
    assert (await phone.call()).retried
    rotated = phone.tokens
    await first.close()
    assert secret_service.load(phone.store_key) == rotated

    second = new_lab()
    await second.restore()
    clock.advance(40)
    result = await second.devices["kr-phone"].call()
    assert (result.status, result.retried) == (200, True)
    assert second.devices["kr-phone"].state == DeviceState.ACTIVE
    await second.devices["kr-phone"].logout()
    await second.close()
    assert secret_service.load(phone.store_key) is None


def readme_script() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- script: dual_login.py -->\s*```python\n(.*?)```", text, re.S)
    assert match, "the README lost its dual-login script"
    return match.group(1)


@pytest.mark.live
@pytest.mark.subprocess
def test_the_readme_script_kicks_the_phone_and_a_new_process_finds_the_pc_signed_in(
    secret_service: KeyringTokenStore, tmp_path: Path
) -> None:
    script = tmp_path / "dual_login.py"
    script.write_text(readme_script(), encoding="utf-8")
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), "PYTHONPATH": str(ROOT)}
    settings = Settings(login_policy="single", verify_mode="stateful", password_profile="fast")
    with ServerThread(settings) as server:
        first = subprocess.run(
            [sys.executable, str(script), server.url],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert first.returncode == 0, first.stderr
        assert "phone: signed_out - Signed out: you signed in on PC 'Office PC'" in first.stdout
        second = subprocess.run(
            [sys.executable, str(script), server.url, "restart"],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert second.returncode == 0, second.stderr
        assert "pc: active 200" in second.stdout
        assert "phone: signed_out" in second.stdout
        # Tokens never reach the output.
        for line in (first.stdout + second.stdout).split():
            assert not line.startswith("eyJ")


LOCKED_KEYRING_SCRIPT = """
import asyncio, secretstorage
from keyring.backends.SecretService import Keyring
from client import DeviceConfig, Device, KeyringTokenStore, KeyringUnavailable, StoreKey, TokenSet
from tests.client.conftest import token_body

store = KeyringTokenStore(Keyring())
key = StoreKey("http://lab.test", "phone")
store.save(key, TokenSet.from_response(token_body(1.7e9), 1.7e9))
secretstorage.get_default_collection(secretstorage.dbus_init()).lock()
try:
    store.load(key)
    print("NOT REFUSED")
except KeyringUnavailable as exc:
    print("refused:", exc)

async def resume():
    device = Device(DeviceConfig("phone", "mobile", "Phone", "alice", "http://lab.test"), store=store)
    await device.resume()
    print("device:", device.state, device.reason, device.message)
    await device.close()

asyncio.run(resume())
"""


@pytest.mark.subprocess
def test_a_locked_real_keyring_signs_the_device_out_with_a_message(
    secret_service: KeyringTokenStore, tmp_path: Path
) -> None:
    """Locks a real gnome-keyring — in a D-Bus session of its own, because a
    headless keyring cannot be unlocked again without a prompt."""
    import shutil

    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        pytest.fail(
            "dbus-run-session and gnome-keyring-daemon are needed (Debian: dbus, gnome-keyring)"
        )
    home = tmp_path / "home"
    (home / "run").mkdir(parents=True)
    (home / "run").chmod(0o700)
    (tmp_path / "locked.py").write_text(LOCKED_KEYRING_SCRIPT)
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(home / "run"),
        "XDG_DATA_HOME": str(home / "data"),  # a keyring of its own, not the suite's
        "XDG_CONFIG_HOME": str(home / "config"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    result = subprocess.run(
        [
            "dbus-run-session",
            "--",
            "sh",
            "-c",
            "echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "
            f"exec {sys.executable} {tmp_path / 'locked.py'}",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert "refused: the OS keyring is locked" in result.stdout, result.stdout + result.stderr
    assert "device: signed_out keyring_error Signed out: the OS keyring is locked" in result.stdout
