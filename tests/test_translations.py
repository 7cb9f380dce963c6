"""Korean and English: the catalogue is whole and current, the window and the
core speak it, the bundled font draws it (issue 12)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from client import i18n
from client import messages as say
from client.paths import asset

ROOT = Path(__file__).resolve().parent.parent
TS = asset("i18n", "jwt_lab_ko.ts")
QM = asset("i18n", "jwt_lab_ko.qm")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing (PySide6 ships it)")
        pytest.skip(f"{name} is not installed")
    return found


def _messages(path: Path) -> dict[str, ET.Element]:
    return {m.findtext("source") or "": m for m in ET.parse(path).iter("message")}


@pytest.fixture(autouse=True)
def english_afterwards() -> object:
    yield None
    i18n.set_language("en")


def test_every_marked_sentence_is_in_the_catalogue_and_none_is_stale(tmp_path: Path) -> None:
    sources = subprocess.run(
        ["git", "ls-files", "client/*.py", "client/**/*.py", "contract/__init__.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    fresh = tmp_path / "fresh.ts"
    subprocess.run(
        [_tool("pyside6-lupdate"), *sorted(set(sources)), "-ts", str(fresh), "-no-obsolete"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    assert set(_messages(fresh)) == set(_messages(TS)), "run tools/update_translations.sh"
    assert len(_messages(TS)) > 300


def test_every_sentence_is_translated_with_its_placeholders() -> None:
    for source, message in _messages(TS).items():
        translation = message.find("translation")
        assert translation is not None and translation.get("type") is None, source
        text = translation.text or ""
        assert text, source
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), source


def test_the_compiled_catalogue_is_current(tmp_path: Path) -> None:
    compiled = tmp_path / "ko.qm"
    subprocess.run(
        [_tool("pyside6-lrelease"), str(TS), "-qm", str(compiled)],
        capture_output=True,
        check=True,
    )
    assert compiled.read_bytes() == QM.read_bytes(), "run tools/update_translations.sh"


def test_the_core_speaks_korean_when_asked() -> None:
    assert say.SIGNED_OUT == "Signed out"
    i18n.set_language("ko")
    assert say.SIGNED_OUT == "로그아웃됨"
    assert (
        say.sign_out_message(
            "superseded",
            {"revoked_by": {"device_type": "pc", "device_name": "사무실 PC"}, "revoked_at": 0},
            lambda t: "T+00:12",
        )
        == "로그아웃됨: PC '사무실 PC'에서 로그인했습니다 (T+00:12)"
    )
    assert say.too_many_sign_ins(4.2) == "로그인 실패가 너무 많습니다. 4초 뒤에 다시 시도하세요"
    i18n.set_language("en")
    assert say.too_many_sign_ins(4.2) == "too many failed sign-ins; try again in 4 s"
    with pytest.raises(ValueError):
        i18n.set_language("fr")


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}, "ko"),
        ({"LANGUAGE": "en:ko", "LANG": "ko_KR.UTF-8"}, "en"),
        ({"LANGUAGE": "ko", "LANG": "C"}, "ko"),
        ({}, "en"),
    ],
)
def test_the_language_follows_the_system_locale(environ: dict[str, str], lang: str) -> None:
    assert i18n.system_language(environ) == lang


def test_the_cli_speaks_korean_with_lang_ko() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    result = subprocess.run(
        [sys.executable, "-m", "client", "gui", "--lang", "ko"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "창을 띄울 디스플레이가 없습니다" in result.stderr


def test_the_font_is_shipped_with_its_licence() -> None:
    licence = asset("fonts", "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE" in licence and "NanumGothic" in licence


def test_the_cli_reports_a_scenario_in_korean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "client", "scenario", "run", "dual-login-stateless", "--lang", "ko"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "시나리오 1개 중 1개 통과" in result.stdout
    assert "무상태 검증의 25초짜리 틈" in result.stdout
    decoded = subprocess.run(
        [sys.executable, "-m", "client", "decode", "--lang", "ko", "not-a-token"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert decoded.returncode != 0 and "JWT가 아닙니다" in decoded.stderr


def test_every_built_in_scenario_has_its_korean_title_and_description() -> None:
    from client.scenarios.model import builtin_scenarios, load_scenario

    for path in builtin_scenarios():
        scenario = load_scenario(path)
        assert scenario.title_in("ko") != scenario.title, path.name
        assert scenario.description_in("ko") != scenario.description, path.name
        assert re.search("[가-힣]", scenario.title_in("ko") + scenario.description_in("ko"))
    listed = subprocess.run(
        [sys.executable, "-m", "client", "scenario", "list", "--lang", "ko"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "PC에서 로그인하면 휴대폰이 로그아웃됩니다" in listed.stdout
