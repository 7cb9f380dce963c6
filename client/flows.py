"""Signing in the way apps do today: the authorization code with PKCE through a
browser (RFC 6749 §4.1, RFC 7636, RFC 8252, RFC 9207), and the device grant
for a TV (RFC 8628).

- ``LoopbackListener``: one callback on ``127.0.0.1``, an ephemeral port, then
  closed (RFC 8252 §7.3).
- A *browser* opens the authorization URL: ``SystemBrowser`` (the user's) or
  ``Autopilot``, a scripted one for scenarios and tests that fills the forms
  asking for a username and a password, submits consent forms, and follows
  redirects until the loopback callback. It works on the lab's pages and on a
  third-party provider's (``tests/interop``).
- ``pkce_pair`` and ``DeviceAuthorization``: the values the grants carry.

The token requests themselves are ``OAuthClient``'s (``oauth.py``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import secrets
import webbrowser
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import lxml.html

from client import messages as say
from client.errors import LoginRefused, ServerUnreachable

CALLBACK_PATH = "/callback"
_LOOPBACK_HOSTS = ("127.0.0.1", "[::1]", "::1")
USER_FIELDS = ("username", "login", "email", "user")  # what a sign-in form calls the user
MAX_BROWSER_STEPS = 15


def pkce_pair() -> tuple[str, str]:
    """A fresh code verifier (256 bits) and its S256 challenge (RFC 7636 §4.1-4.2)."""
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class DeviceAuthorization:
    """What a device shows while the user approves it elsewhere (RFC 8628 §3.2)."""

    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_at: float  # on the device's clock
    interval: int

    def shown(self) -> dict[str, Any]:
        """The parts a window shows: never the device code."""
        return {
            "user_code": self.user_code,
            "verification_uri": self.verification_uri,
            "verification_uri_complete": self.verification_uri_complete,
            "expires_at": self.expires_at,
        }


class LoopbackListener:
    """An HTTP listener for one authorization callback (RFC 8252 §7.3)."""

    def __init__(self, state: str | None = None) -> None:
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[dict[str, str]] | None = None
        self.port = 0
        # Only the callback of this sign-in counts: another local page or process
        # calling the port cannot end it (answered 400, still listening).
        self.state = state

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    async def start(self) -> LoopbackListener:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def wait(self, seconds: float) -> dict[str, str]:
        """The callback's query parameters; ``LoginRefused`` after ``seconds``."""
        assert self._result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), seconds)
        except TimeoutError:
            raise LoginRefused("timeout", say.callback_timeout(seconds)) from None
        finally:
            await self.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            line = request.split(b"\r\n", 1)[0].decode("latin-1")
            method, target, _ = [*line.split(" ", 2), "", ""][:3]
            parts = urlsplit(target)
            if method != "GET" or parts.path != CALLBACK_PATH:
                await _answer(writer, 404, say.CALLBACK_NOT_HERE)
                return
            params = dict(parse_qsl(parts.query, keep_blank_values=True))
            if self.state is not None and not secrets.compare_digest(
                params.get("state", "").encode(), self.state.encode()
            ):
                await _answer(writer, 400, say.CALLBACK_NOT_HERE)
                return
            first = self._result is not None and not self._result.done()
            if first:
                assert self._result is not None
                self._result.set_result(params)
            await _answer(writer, 200 if first else 409, say.CALLBACK_DONE)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            pass
        finally:
            writer.close()


async def _answer(writer: asyncio.StreamWriter, status: int, text: str) -> None:
    body = (
        '<!doctype html><html><head><meta charset="utf-8"><title>JWT Device Lab</title>'
        f"</head><body><p>{text}</p></body></html>"
    ).encode()
    head = (
        f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not here'}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
    )
    writer.write(head.encode() + body)
    with contextlib.suppress(OSError):
        await writer.drain()


class Browser(Protocol):
    async def open(self, url: str) -> None: ...


class SystemBrowser:
    """The user's own browser (``webbrowser``): they sign in on the real page."""

    async def open(self, url: str) -> None:
        if not await asyncio.to_thread(webbrowser.open, url):
            raise LoginRefused("no_browser", say.NO_BROWSER)


class AutopilotStuck(LoginRefused):
    def __init__(self, message: str) -> None:
        super().__init__("autopilot", message)


class Autopilot:
    """A scripted browser: it follows redirects, fills every form that asks for a
    username and a password, submits the others (consent, confirmation), and
    stops at the loopback callback — or, for a verification page, at the first
    page without a form. ``choose`` picks a named submit button's value
    (``action=approve`` or ``deny`` on the lab's device page).

    It keeps cookies (a provider's interaction needs them) in a client of its
    own; ``transport`` reaches the server (the in-process one in scenarios)."""

    def __init__(
        self,
        username: str,
        password: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        choose: dict[str, str] | None = None,
    ) -> None:
        self.username = username
        self.password = password
        self.transport = transport
        self.choose = choose or {"action": "approve"}
        self.pages: list[str] = []  # the URLs it went through, for a report
        self.last_text = ""
        self.callback_url: str | None = None  # the callback it delivered (code, state, iss)
        self._decided = False  # a chosen button (approve, deny, abort) was pressed

    async def open(self, url: str) -> None:
        await self._walk(url, until_callback=True)

    async def approve(self, url: str) -> str:
        """Go through a verification page: the text of the page it ends on."""
        return await self._walk(url, until_callback=False)

    async def _walk(self, url: str, *, until_callback: bool) -> str:
        method, data = "GET", None
        async with httpx.AsyncClient(transport=self.transport, timeout=30) as http:
            for _ in range(MAX_BROWSER_STEPS):
                if until_callback and _is_callback(url):
                    self.callback_url = url
                    await _deliver(url)
                    return ""
                self.pages.append(url)
                try:
                    if method == "GET":  # a GET form's fields go in the query
                        response = await http.request(method, url, params=data)
                    else:
                        response = await http.request(method, url, data=data)
                except httpx.TransportError as exc:
                    raise ServerUnreachable(say.unreachable(url, str(exc))) from exc
                if response.is_redirect:
                    url = urljoin(url, response.headers["location"])
                    method, data = "GET", None
                    continue
                self.last_text = _text(response.text)
                form = _pick_form(response.text, str(response.url))
                if form is None:
                    if until_callback:
                        raise AutopilotStuck(say.autopilot_stuck(url, response.status_code))
                    return self.last_text
                if response.status_code >= 400 and method == "POST":
                    # The same form again, with a message: wrong password, bad code…
                    said = _alert(response.text) or self.last_text
                    raise AutopilotStuck(
                        say.page_said(said) if until_callback else say.approval_failed(said)
                    )
                if not until_callback and self._decided:
                    return self.last_text  # the chosen answer was given: what follows is theirs
                method, url, data = self._fill(form)
        raise AutopilotStuck(say.autopilot_stuck(url, 0))

    def _fill(self, form: Any) -> tuple[str, str, dict[str, str]]:
        values = dict(form.form_values())
        for name in list(form.inputs.keys()):
            element = form.inputs[name]
            kind = getattr(element, "type", "")
            if kind == "password":
                values[name] = self.password
            elif name in USER_FIELDS and kind in ("text", "email", ""):
                values[name] = self.username
        buttons = _submit_buttons(form)
        chosen = next(
            (
                b
                for b in buttons
                if b.get("name") in self.choose and self.choose[b.get("name")] == b.get("value")
            ),
            None,
        )
        # As a browser does on Enter: the first submit button, unless one was chosen.
        pressed = chosen if chosen is not None else (buttons[0] if buttons else None)
        self._decided = self._decided or chosen is not None
        if pressed is not None and pressed.get("name"):
            values[pressed.get("name")] = pressed.get("value", "")
        method = (form.method or "GET").upper()
        # A form without an action posts back to its own page (HTML).
        return method, form.action or form.base_url, values


def _submit_buttons(form: Any) -> list[Any]:
    """The form's submit buttons in document order, with those outside it that name
    it (HTML's ``form`` attribute)."""
    inside = ".//button[not(@type) or @type='submit'] | .//input[@type='submit']"
    form_id = form.get("id")
    if not form_id:
        return list(form.xpath(inside))
    return list(
        form.getroottree().xpath(
            "//form[@id=$id]//button[not(@type) or @type='submit']"
            " | //form[@id=$id]//input[@type='submit']"
            " | //button[@form=$id][not(@type) or @type='submit']"
            " | //input[@type='submit'][@form=$id]",
            id=form_id,
        )
    )


def _pick_form(html: str, base_url: str) -> Any:
    if "<form" not in html.lower():
        return None
    document = lxml.html.fromstring(html, base_url=base_url)
    document.make_links_absolute(base_url)
    forms = list(document.forms)
    return forms[0] if forms else None


def _alert(html: str) -> str:
    """The page's message to the user (``role="alert"``, or a class naming an error)."""
    try:
        document = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    found = document.xpath(
        "//*[@role='alert'] | //*[contains(@class, 'error')] | //*[contains(@class, 'alert')]"
    )
    return " ".join(found[0].text_content().split()) if found else ""


def _text(html: str) -> str:
    """What a person reads on the page (no style sheet, no script)."""
    if not html.strip():
        return ""
    try:
        document = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for hidden in document.xpath("//style | //script | //head/title"):
        hidden.drop_tree()
    return " ".join(document.text_content().split())


def _is_callback(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS and parts.path == CALLBACK_PATH
    ) or url.startswith("dev.jwtlab.app:")


async def _deliver(url: str) -> None:
    """Hand the redirect to the loopback listener, over the real network."""
    async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
        try:
            await http.get(url)
        except httpx.TransportError as exc:
            raise ServerUnreachable(say.unreachable(url, str(exc))) from exc
