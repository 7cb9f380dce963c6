"""The window in Korean: switched from the menu, rebuilt around the same lab, drawn
with the bundled font where the machine has none (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from shiboken6 import isValid

from client import i18n
from client.gui.app import LabApp
from client.gui.i18n import FONT_FAMILY, install_font, install_language
from tests.gui.conftest import sign_in


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    yield
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_language(app, "en")


def test_the_menu_switches_the_window_to_korean_and_back(qtbot: QtBot, lab_app: LabApp) -> None:
    sign_in(qtbot, lab_app, "phone")
    old = lab_app.window
    qtbot.waitUntil(lambda: len(old.own.log.rows) >= 3)
    history, rows = old.own, len(old.own.log.rows)
    old.menu_actions["lang_ko"].trigger()
    window = lab_app.window
    # The old window no longer listens (it is deleted on the next turn of the loop).
    lab_app.bridge.dispatch.info.emit("only the new window hears this")
    assert old.message.full_text != "only the new window hears this"
    assert window.message.full_text == "only the new window hears this"
    assert window is not old and i18n.language() == "ko"
    assert window.windowTitle() == "JWT Device Lab"
    assert [a.text() for a in window.menuBar().actions()][:3] == [
        "파일(&F)",
        "기기(&D)",
        "시나리오(&S)",
    ]
    assert window.tabs.tabText(0) == "타임라인" and window.tabs.tabText(1) == "이벤트 로그"
    qtbot.waitUntil(lambda: set(window.cards) == {"phone", "pc"})
    phone = window.cards["phone"]
    qtbot.waitUntil(lambda: phone.badge.text() == "활성")
    assert phone.sign_out.text() == "로그아웃" and phone.call.text() == "API 호출"
    assert window.menu_actions["lang_ko"].isChecked()
    # The console's words too; the wire's codes stay on hover.
    qtbot.waitUntil(lambda: [r["state"] for r in window.console.sessions_rows()] == ["활성"])
    assert window.console.table.item(0, 4).toolTip() == "active"
    policy = window.console.policy
    tips = [policy.itemData(i, Qt.ItemDataRole.ToolTipRole) for i in range(policy.count())]
    assert "PC가 휴대폰을 로그아웃시킴" in tips[policy.findText("single")]
    assert tips[policy.findText("max:3")] == "세션은 최대 3개, 가장 오래된 세션이 로그아웃됩니다"
    assert window.console.access_ttl.toolTip() == "액세스 토큰 유효 기간"
    combo = window.scenario_combo
    tip = combo.itemData(combo.findText("dual-login"), Qt.ItemDataRole.ToolTipRole)
    assert tip == "PC에서 로그인하면 휴대폰이 로그아웃됩니다"  # the scenario's own [ko] title
    # The same lab and the same history: nothing was lost by the switch.
    assert window.own is history and window.timeline_model is history.timeline
    assert len(window.event_log.model.rows) >= rows
    assert lab_app.bridge.devices.own_lab.get("phone").tokens is not None
    # Sentences made after the switch are Korean too; the old window hears nothing.
    phone.call.click()
    qtbot.waitUntil(lambda: "최근: GET /api/me → 200" in phone.last_call.text(), timeout=10_000)
    assert any(r.text == "GET /api/me 응답 200" for r in window.event_log.model.rows)
    assert not isValid(old)  # the old window is gone, not left behind hidden
    window.menu_actions["lang_en"].trigger()
    assert lab_app.window.tabs.tabText(0) == "Timeline" and i18n.language() == "en"


def test_korean_renders_with_the_bundled_font(qtbot: QtBot) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    install_font(app)
    assert FONT_FAMILY in QFontDatabase.families()
    assert FONT_FAMILY in app.font().families()  # behind the system's font, for each glyph
    metrics = QFontMetrics(QFont(FONT_FAMILY))
    assert all(metrics.inFontUcs4(ord(c)) for c in "앨리스의 휴대폰 로그아웃됨 똠방각하")
