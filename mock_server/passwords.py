"""Password hashing with Argon2id (argon2-cffi).

``verify`` always does the same work whether or not the user exists (it checks
against a dummy hash for unknown users), so response times do not reveal which
usernames are real.
"""

from __future__ import annotations

import threading

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY


class PasswordHasher:
    """Argon2id with the ``default`` (RFC 9106 low-memory) or ``fast`` profile."""

    def __init__(self, profile: str = "default") -> None:
        params = RFC_9106_LOW_MEMORY if profile == "default" else CHEAPEST
        self._hasher = argon2.PasswordHasher.from_parameters(params)
        self._dummy: str | None = None  # made on first need: it costs a full hash
        self._lock = threading.Lock()

    def _dummy_hash(self) -> str:
        with self._lock:
            if self._dummy is None:
                self._dummy = self._hasher.hash("no such user: constant-time filler")
            return self._dummy

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True if ``password`` matches; with no hash, the same work and False."""
        try:
            return self._hasher.verify(stored_hash or self._dummy_hash(), password) and bool(
                stored_hash
            )
        except (VerificationError, InvalidHashError):
            return False
