"""The scenario package's one error: a scenario that cannot be read or played."""

from __future__ import annotations


class ScenarioError(Exception):
    """A scenario file that cannot be played, with a message a user can act on."""
