"""Where the lab keeps things: the user's own files, and the files it ships.

The shipped files (style sheet, icons, built-in scenarios) live in
``client/assets`` and are found through :mod:`importlib.resources`, so they
are there however the package was installed — an editable checkout, a wheel
in a virtualenv, ``pipx install .``. The user's files live in the platform's
directories for this application and are never written by a demo or a test
lab (those get their own paths).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import platformdirs

from contract import APP_NAME


def default_registry_path() -> Path:
    """The device list (no secrets: tokens are in the OS keyring)."""
    return Path(platformdirs.user_config_dir(APP_NAME)) / "devices.json"


def assets_dir() -> Path:
    """The shipped files, as a directory on disk."""
    root = resources.files("client").joinpath("assets")
    if not isinstance(root, Path):  # pragma: no cover - only a zipped install
        raise RuntimeError(
            "jwt-device-lab cannot run from a zip archive: install it as a wheel (pip, pipx)"
        )
    return root


def asset(*parts: str) -> Path:
    """One shipped file, e.g. ``asset("icons", "pc.svg")``."""
    return assets_dir().joinpath(*parts)


def builtin_scenario_dir() -> Path:
    """The built-in scenario library."""
    return asset("scenarios")


def installed_version() -> str:
    """The installed package's version (``jwt-lab --version``, the About box)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jwt-device-lab")
    except PackageNotFoundError:  # a source checkout that was never installed
        return "(not installed)"
