"""The server's HTML pages: sign-in (authorization code) and device verification.

Plain, accessible HTML in the lab's style, with no JavaScript: a label for
every input, the page's language in ``<html lang>``, a visible focus ring,
light and dark colours. English and Korean (``ui_locales``). Rendered with
Jinja2, autoescaped: a device name is text, never markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2
import markupsafe

from contract import DEVICE_TYPE_INFO

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)
# Our own style sheet, not user input: inserted as it is (autoescape would mangle quotes).
_CSS = markupsafe.Markup((_TEMPLATES / "lab.css").read_text(encoding="utf-8"))  # noqa: S704


@dataclass(frozen=True, slots=True)
class Words:
    sign_in_title: str
    device_title: str
    error_title: str
    asks: str
    client: str
    username: str
    password: str
    sign_in: str
    demo: str
    device_intro: str
    user_code: str
    approve: str
    deny: str
    footer: str
    error_hint: str
    # messages
    wrong_credentials: str
    throttled: str
    wrong_code: str
    code_throttled: str
    approved: str
    denied: str
    need_credentials: str
    device_asks: str
    kinds: dict[str, str]


WORDS = {
    "en": Words(
        sign_in_title="Sign in to JWT Device Lab",
        device_title="Connect a device",
        error_title="This sign-in request cannot be used",
        asks="{device} ({kind}) asks to sign in as you.",
        client="Client {client} · access: {scope}",
        username="Username",
        password="Password",  # noqa: S106 - a label
        sign_in="Sign in",
        demo="Demo users: alice / alice-pass, bob / bob-pass",
        device_intro="Enter the code your TV or other device shows, then sign in to approve it.",
        user_code="Code shown on the device",
        approve="Approve",
        deny="Deny",
        footer="JWT Device Lab · mock authorization server",
        error_hint="Go back to the app and start the sign-in again.",
        wrong_credentials="The username or password is wrong.",
        throttled="Too many failed sign-ins. Try again in {seconds} s.",
        wrong_code="That code is not valid, or it has expired. Check the code on the device.",
        code_throttled="Too many wrong codes. Try again in {seconds} s.",
        approved="Approved: {device} is signed in as {user}. You can close this page.",
        denied="Denied: {device} was not signed in.",
        need_credentials="Enter your username and password to approve or deny.",
        device_asks="{device} ({kind}), through {client}, asks to sign in as you.",
        kinds={t: info.name for t, info in DEVICE_TYPE_INFO.items()},
    ),
    "ko": Words(
        sign_in_title="JWT Device Lab에 로그인",
        device_title="기기 연결",
        error_title="이 로그인 요청은 사용할 수 없습니다",
        asks="{device}({kind})이(가) 내 계정으로 로그인하려고 합니다.",
        client="클라이언트 {client} · 권한: {scope}",
        username="사용자 이름",
        password="비밀번호",  # noqa: S106 - a label
        sign_in="로그인",
        demo="데모 사용자: alice / alice-pass, bob / bob-pass",
        device_intro="TV나 다른 기기에 표시된 코드를 입력하고, 로그인해서 승인하세요.",
        user_code="기기에 표시된 코드",
        approve="승인",
        deny="거부",
        footer="JWT Device Lab · 모의 인가 서버",
        error_hint="앱으로 돌아가 로그인을 다시 시작하세요.",
        wrong_credentials="사용자 이름 또는 비밀번호가 틀렸습니다.",
        throttled="로그인 실패가 너무 많습니다. {seconds}초 뒤에 다시 시도하세요.",
        wrong_code="올바르지 않거나 만료된 코드입니다. 기기에 표시된 코드를 확인하세요.",
        code_throttled="틀린 코드가 너무 많습니다. {seconds}초 뒤에 다시 시도하세요.",
        approved="승인됨: {device}이(가) {user}(으)로 로그인합니다. 이 페이지를 닫아도 됩니다.",
        denied="거부됨: {device}은(는) 로그인하지 않았습니다.",
        need_credentials="승인하거나 거부하려면 사용자 이름과 비밀번호를 입력하세요.",
        device_asks="{device}({kind})이(가) {client}을(를) 통해 내 계정으로 로그인하려고 합니다.",
        kinds={"mobile": "휴대폰", "pc": "PC", "tablet": "태블릿", "web": "브라우저", "tv": "TV"},
    ),
}


def language(ui_locales: str | None) -> str:
    """The first of the ``ui_locales`` (space-separated BCP 47 tags) this server speaks."""
    for tag in (ui_locales or "").split():
        primary = tag.split("-")[0].lower()
        if primary in WORDS:
            return primary
    return "en"


def sign_in_page(
    lang: str,
    *,
    action: str,
    hidden: Sequence[tuple[str, str]],
    client_id: str,
    scope: str,
    device_name: str,
    device_type: str,
    username: str = "",
    message: str = "",
) -> str:
    words = WORDS[lang]
    return _ENV.get_template("authorize.html").render(
        lang=lang,
        title=words.sign_in_title,
        css=_CSS,
        t=words,
        action=action,
        hidden=hidden,
        client_id=client_id,
        scope=scope,
        device_name=device_name,
        device_kind=words.kinds.get(device_type, device_type),
        username=username,
        message=message,
    )


def device_page(
    lang: str,
    *,
    action: str,
    hidden: Sequence[tuple[str, str]],
    user_code: str = "",
    username: str = "",
    message: str = "",
    done: str = "",
    asking: str = "",
) -> str:
    words = WORDS[lang]
    return _ENV.get_template("device.html").render(
        asking=asking,
        lang=lang,
        title=words.device_title,
        css=_CSS,
        t=words,
        action=action,
        hidden=hidden,
        user_code=user_code,
        username=username,
        message=message,
        done=done,
    )


def error_page(lang: str, message: str) -> str:
    words = WORDS[lang]
    return _ENV.get_template("error.html").render(
        lang=lang, title=words.error_title, css=_CSS, t=words, message=message
    )
