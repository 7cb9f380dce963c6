"""The devices of the lab, persisted (no secrets) in a small JSON file.

A restart reads the file, recreates every device and resumes each session
from the token store. The file holds the devices of every server the user
has opened a lab against: a lab saves its own server's devices and leaves the
others' alone, reading and writing under a file lock so two processes cannot
lose each other's changes; every write is atomic. A damaged file is set aside
(``devices.json.broken``) rather than overwritten silently, and the lab starts
empty with a message.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import filelock

from client import messages as say
from client.paths import default_registry_path
from client.values import DeviceConfig


class RegistryError(Exception):
    """The devices file could not be read; ``moved_to`` holds the set-aside copy."""

    def __init__(self, message: str, moved_to: Path | None = None) -> None:
        super().__init__(message)
        self.moved_to = moved_to


class DeviceRegistry:
    """Reads and writes the device list atomically."""

    VERSION = 1

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_registry_path()

    def load(self) -> list[DeviceConfig]:
        """The saved devices; ``RegistryError`` (after setting the file aside) if damaged."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise RegistryError(say.registry_unreadable(self.path, exc)) from exc
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or not isinstance(data.get("devices"), list):
                raise ValueError(say.REGISTRY_SHAPE)
            return [DeviceConfig.from_dict(d) for d in data["devices"]]
        except (ValueError, TypeError, AttributeError) as exc:
            broken = self.path.with_name(self.path.name + ".broken")
            os.replace(self.path, broken)
            raise RegistryError(say.registry_damaged(self.path, exc, broken.name), broken) from exc

    def save(self, server: str, devices: list[DeviceConfig]) -> None:
        """Make ``devices`` the saved devices of ``server``; other servers' stay as they are."""
        server = server.rstrip("/")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with filelock.FileLock(self._lock_path()):
            try:
                others = [d for d in self.load() if d.server.rstrip("/") != server]
            except RegistryError:
                others = []  # the damaged file was set aside; the message went with the error
            self._write([*others, *devices])

    def _lock_path(self) -> str:
        return str(self.path.with_name(self.path.name + ".lock"))

    def _write(self, devices: list[DeviceConfig]) -> None:
        payload = json.dumps(
            {"version": self.VERSION, "devices": [d.to_dict() for d in devices]}, indent=2
        )
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".devices-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(payload + "\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


class MemoryRegistry(DeviceRegistry):
    """A device list that lives in memory only (scenarios, tests)."""

    def __init__(self) -> None:
        super().__init__(Path("<memory>"))
        self._devices: list[DeviceConfig] = []

    def load(self) -> list[DeviceConfig]:
        return list(self._devices)

    def save(self, server: str, devices: list[DeviceConfig]) -> None:
        server = server.rstrip("/")
        kept = [d for d in self._devices if d.server.rstrip("/") != server]
        self._devices = [*kept, *devices]
