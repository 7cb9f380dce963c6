"""Password hashing with Argon2id (argon2-cffi).

``verify`` always does the same work whether or not the user exists (it checks
against a dummy hash for unknown users), so response times do not reveal which
usernames are real.
"""

from __future__ import annotations

import argon2
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY


class PasswordHasher:
    """Argon2id with the ``default`` (RFC 9106 low-memory) or ``fast`` profile."""

    def __init__(self, profile: str = "default") -> None:
        params = RFC_9106_LOW_MEMORY if profile == "default" else CHEAPEST
        self._hasher = argon2.PasswordHasher.from_parameters(params)
        self._dummy = self._hasher.hash("no such user: constant-time filler")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        """True if ``password`` matches; with no hash, the same work and False."""
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False
