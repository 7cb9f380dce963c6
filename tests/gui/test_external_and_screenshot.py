"""`jwt-lab gui --server …` against a separate server, and the screenshot command."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from client import DeviceRegistry, MemoryTokenStore
from client.embedded import hold_database
from client.gui.app import LabApp, LaunchOptions, build, main
from mock_server import ServerThread
from tests.gui.conftest import sign_in

pytestmark = pytest.mark.live


def test_the_gui_drives_an_external_server(
    qtbot: QtBot, live_server: ServerThread, tmp_path: Path
) -> None:
    app = build(
        LaunchOptions(
            server=live_server.url,
            admin_key=live_server.admin_key,
            store=MemoryTokenStore(),
            registry=DeviceRegistry(tmp_path / "d.json"),
        )
    )
    qtbot.addWidget(app.window)
    try:
        qtbot.waitUntil(lambda: bool(app.bridge.server.last_state), timeout=10_000)
        assert app.window.server_label.text() == "external server"
        assert "The external server at http" in app.window.server_label.toolTip()
        sign_in(qtbot, app, "phone")
        sessions = live_server.call(live_server.service.sessions, "alice")
        assert [s["device_id"] for s in sessions] == ["phone"]
    finally:
        app.shutdown()


def test_screenshot_command_writes_a_png_of_the_window(tmp_path: Path) -> None:
    target = tmp_path / "window.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "client", "gui", "--demo", "--screenshot", str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 1280 and height >= 800
    assert len(data) > 20_000  # a real picture, not an empty canvas
    assert not (tmp_path / "jwt-device-lab" / "devices.json").exists()  # the demo persists nothing


def test_a_second_lab_on_the_same_database_says_so_and_exits_2(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "lab.sqlite")
    lock = hold_database(db)  # the first lab
    try:
        options = LaunchOptions(
            port=0,
            db=db,
            registry=DeviceRegistry(tmp_path / "d.json"),
            store=MemoryTokenStore(),
            screenshot=tmp_path / "never.png",
        )
        assert main(options) == 2
    finally:
        assert lock is not None
        lock.release()
    assert "already runs its bundled server" in capsys.readouterr().err
    assert not (tmp_path / "never.png").exists()


def test_a_wrong_admin_key_is_one_banner_and_no_invented_settings(
    qtbot: QtBot, live_server: ServerThread, tmp_path: Path
) -> None:
    app = build(
        LaunchOptions(
            server=live_server.url,
            admin_key="not-the-key",
            store=MemoryTokenStore(),
            registry=DeviceRegistry(tmp_path / "d.json"),
        )
    )
    qtbot.addWidget(app.window)
    window, console = app.window, app.window.console
    try:
        window.show()
        qtbot.waitUntil(window.server_banner.isVisible, timeout=10_000)
        assert "refused the admin key" in window.server_text.text()
        # Nothing shown that the server did not say: no TTLs, no policy, no mode.
        assert [s.text() for s in (console.access_ttl, console.refresh_ttl, console.leeway)] == [
            "—",
            "—",
            "—",
        ]
        assert console.policy.currentText() == "" and console.algorithm.currentText() == ""
        assert not console.stateless.isChecked() and not console.stateful.isChecked()
        assert not console.access_ttl.isEnabled() and not console.force.isEnabled()
        assert app.bridge.server.last_state == {}
    finally:
        app.shutdown()


def test_the_banner_goes_once_the_server_is_followed(qtbot: QtBot, lab_app: LabApp) -> None:
    window, console = lab_app.window, lab_app.window.console
    qtbot.waitUntil(lambda: console.access_ttl.isEnabled(), timeout=10_000)
    assert not window.server_banner.isVisible()
    settings = lab_app.bridge.server.last_state["settings"]
    assert console.access_ttl.value() == settings["access_ttl"]
    assert console.policy.currentText() == settings["login_policy"]
    window.on_connection("the event stream of http://x broke: reset")
    assert window.server_banner.isVisible()
    window.on_connection("following")
    assert not window.server_banner.isVisible()


def test_without_a_display_the_window_says_what_to_do_instead_of_a_qt_abort(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-m", "client", "gui", "--db", str(tmp_path / "lab.sqlite")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 2
    assert "no display" in result.stderr and "--screenshot" in result.stderr
    assert "qt.qpa" not in result.stderr and "Aborted" not in result.stderr


def test_no_display_means_linux_without_x11_wayland_or_a_chosen_platform() -> None:
    from client.cli import _no_display

    assert _no_display({}, "linux")
    assert not _no_display({"DISPLAY": ":0"}, "linux")
    assert not _no_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert not _no_display({"QT_QPA_PLATFORM": "offscreen"}, "linux")
    assert not _no_display({}, "win32") and not _no_display({}, "darwin")


def test_the_screenshot_in_the_dark_theme_and_in_korean(tmp_path: Path) -> None:
    """What the README shows: the window in the dark palette, and in Korean."""
    from PySide6.QtGui import QImage

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    shots = {}
    for name, extra in (
        ("dark", ["--theme", "dark"]),
        ("ko", ["--lang", "ko", "--theme", "light"]),
    ):
        shots[name] = tmp_path / f"{name}.png"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "client",
                "gui",
                "--demo",
                *extra,
                "--screenshot",
                str(shots[name]),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert result.returncode == 0, result.stderr
    dark, light = QImage(str(shots["dark"])), QImage(str(shots["ko"]))
    corner = (640, 300)  # the window's background beside the cards
    assert dark.pixelColor(*corner).lightness() < 80
    assert light.pixelColor(*corner).lightness() > 200
