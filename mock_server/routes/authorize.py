"""Browser sign-in: the authorization endpoint (code + PKCE, RFC 6749 §4.1,
RFC 7636, RFC 9207) and the device grant's endpoints (RFC 8628).

``GET /oauth/authorize`` checks the client and its redirect URI first: a
request that fails there gets an error *page*, never a redirect (an open
redirector is an attack). Anything else wrong is redirected back with an
``error``. The page's form posts to the same URL; a good password answers
``303`` to the redirect URI with ``code``, ``state`` and ``iss``.

``POST /oauth/device_authorization`` starts a device authorization; the user
approves or denies it on ``/oauth/device`` (the verification URI).
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from contract import DEVICE_TYPES, redirect_uri_allowed
from mock_server import pages
from mock_server.authorization import Grantee, show_user_code
from mock_server.errors import InvalidGrant, InvalidRequest, RateLimited, ServerError
from mock_server.grants import client_id, device_info
from mock_server.http import NO_STORE, form_body_schema, optional, read_form, service_of
from mock_server.service import USERNAME, AuthService

router = APIRouter(prefix="/oauth", tags=["browser sign-in"])
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")

# The authorization request's parameters: carried by the page's hidden inputs.
REQUEST_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "scope",
    "code_challenge",
    "code_challenge_method",
    "device_id",
    "device_type",
    "device_name",
    "ui_locales",
)
PAGE_HEADERS = {
    **NO_STORE,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# The page frames nothing and is framed by nobody; it runs no script at all. Its
# form posts here only — and, since browsers hold the redirect after a post to
# form-action too, on to the checked redirect URI's origin.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'{also}; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else f"{parts.scheme}:"


def _page(html: str, status: int = 200, redirect_uri: str | None = None) -> HTMLResponse:
    also = f" {_origin(redirect_uri)}" if redirect_uri else ""
    headers = {**PAGE_HEADERS, "Content-Security-Policy": CSP.format(also=also)}
    return HTMLResponse(html, status_code=status, headers=headers)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


class _BadClient(Exception):
    """The client or its redirect URI is wrong: an error page, no redirect."""


class _Redirected(Exception):
    """An error to send back to the (checked) redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def _checked(request: Request, params: dict[str, str], service: AuthService) -> Grantee:
    """The authorization request, checked in RFC 6749 §4.1.2.1's order."""
    try:
        client = client_id(request, params, required=True)
    except ServerError as exc:
        raise _BadClient(exc.description) from None
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri_allowed(redirect_uri):
        raise _BadClient(
            f"redirect_uri {redirect_uri[:200]!r} is not registered for this client "
            "(a loopback http://127.0.0.1:PORT/callback or dev.jwtlab.app:/callback)"
        )
    assert client is not None
    if len(params.get("state", "")) > 512:  # before any redirect: it would be echoed back
        raise _BadClient("state is longer than 512 characters")
    if params.get("response_type") != "code":
        raise _Redirected("unsupported_response_type", "response_type must be 'code'")
    challenge = params.get("code_challenge", "")
    if not challenge:
        raise _Redirected("invalid_request", "code_challenge is required (PKCE, RFC 7636)")
    if params.get("code_challenge_method") != "S256":
        raise _Redirected("invalid_request", "code_challenge_method must be S256")
    if not _CHALLENGE.fullmatch(challenge):
        raise _Redirected("invalid_request", "code_challenge must be 43 base64url characters")
    try:
        device = device_info(params, client)
        scope = service.granted_scope(optional(params, "scope", max_len=256))
    except ServerError as exc:
        raise _Redirected(exc.error, exc.description) from None
    return Grantee(client, device.device_id, device.device_type, device.device_name, scope)


def _back(params: dict[str, str], issuer: str, **answer: str) -> RedirectResponse:
    """303 to the checked redirect URI with ``answer``, ``state`` and ``iss`` (RFC 9207)."""
    query = dict(answer)
    if params.get("state"):
        query["state"] = params["state"]
    query["iss"] = issuer
    uri = params["redirect_uri"]
    separator = "&" if "?" in uri else "?"
    return RedirectResponse(f"{uri}{separator}{urlencode(query)}", 303, headers=NO_STORE)


def _hidden(params: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, params[k]) for k in REQUEST_PARAMS if params.get(k)]


async def _authorization(request: Request) -> dict[str, str]:
    if request.method == "GET":
        params: dict[str, str] = {}
        for key, value in request.query_params.multi_items():
            if key in params:
                raise InvalidRequest(f"parameter {key!r} is repeated")
            params[key] = value
        return params
    return await read_form(request)


@router.get("/authorize", summary="Authorization endpoint: the sign-in page (code + PKCE)")
@router.post(
    "/authorize",
    summary="The sign-in page's form: 303 to the redirect URI with code, state and iss",
    openapi_extra=form_body_schema(
        {
            "username": {"type": "string", "maxLength": 64},
            "password": {"type": "string", "maxLength": 1024},
            "csrf": {"type": "string"},
            **{name: {"type": "string"} for name in REQUEST_PARAMS},
        },
        ["username", "password", "csrf"],
    ),
)
async def authorize(request: Request) -> Response:
    service = service_of(request)
    issuer = service.settings.issuer.rstrip("/")
    try:
        params = await _authorization(request)
    except ServerError as exc:
        return _page(pages.error_page("en", exc.description), 400)
    lang = pages.language(params.get("ui_locales"))
    try:
        grantee = _checked(request, params, service)
    except _BadClient as exc:
        return _page(pages.error_page(lang, str(exc)), 400)
    except _Redirected as exc:
        return _back(params, issuer, error=exc.error, error_description=exc.description)
    fields = dict(_hidden(params))

    def page(message: str = "", status: int = 200, username: str = "") -> HTMLResponse:
        return _page(
            pages.sign_in_page(
                lang,
                action=f"{issuer}/oauth/authorize",
                hidden=[*fields.items(), ("csrf", service.authorizations.form_token(fields))],
                client_id=grantee.client_id,
                scope=grantee.scope or "",
                device_name=grantee.device_name,
                device_type=grantee.device_type,
                username=username,
                message=message,
            ),
            status,
            params["redirect_uri"],  # checked above: the form may end there
        )

    if request.method == "GET":
        return page()
    try:
        await service.authorizations.check_form_token(params.get("csrf", ""), fields)
    except InvalidRequest as exc:
        return _page(pages.error_page(lang, exc.description), 400)
    username = params.get("username", "")[:64]
    password = params.get("password", "")[:1024]
    words = pages.WORDS[lang]
    if not USERNAME.fullmatch(username) or not password:
        return page(words.wrong_credentials, 400, username)
    try:
        user = await service.check_password(username, password, _address(request))
    except RateLimited as exc:
        return page(words.throttled.format(seconds=exc.retry_after), 429, username)
    except InvalidGrant:
        return page(words.wrong_credentials, 400, username)
    code = await service.authorizations.issue_code(
        grantee, user.username, params["redirect_uri"], params["code_challenge"]
    )
    return _back(params, issuer, code=code)


@router.post(
    "/device_authorization",
    summary="RFC 8628 device authorization: a device code and a user code to show",
    openapi_extra=form_body_schema(
        {
            "client_id": {"type": "string", "maxLength": 64},
            "scope": {"type": "string", "maxLength": 256},
            "device_id": {"type": "string", "maxLength": 64},
            "device_type": {"type": "string", "enum": list(DEVICE_TYPES)},
            "device_name": {"type": "string", "maxLength": 64},
        },
        ["client_id"],
    ),
)
async def device_authorization(request: Request) -> JSONResponse:
    params = await read_form(request)
    service = service_of(request)
    address = _address(request)
    wait = await service.device_start_limiter.retry_after("", address)
    if wait is not None:
        raise RateLimited(wait)
    await service.device_start_limiter.failed("", address)  # counted, failed or not
    client = client_id(request, params, required=True)
    assert client is not None
    device = device_info(params, client)
    scope = service.granted_scope(optional(params, "scope", max_len=256))
    grantee = Grantee(client, device.device_id, device.device_type, device.device_name, scope)
    device_code, record = await service.authorizations.start_device(grantee)
    issuer = service.settings.issuer.rstrip("/")
    shown = show_user_code(record.user_code)
    return JSONResponse(
        {
            "device_code": device_code,
            "user_code": shown,
            "verification_uri": f"{issuer}/oauth/device",
            "verification_uri_complete": f"{issuer}/oauth/device?{urlencode({'user_code': shown})}",
            "expires_in": int(record.expires_at - service.now()),
            "interval": record.interval,
        },
        headers=NO_STORE,
    )


@router.get("/device", summary="RFC 8628 verification page: approve or deny a device")
@router.post(
    "/device",
    summary="The verification page's form (action=approve|deny)",
    openapi_extra=form_body_schema(
        {
            "user_code": {"type": "string", "maxLength": 16},
            "username": {"type": "string", "maxLength": 64},
            "password": {"type": "string", "maxLength": 1024},
            "action": {"type": "string", "enum": ["approve", "deny"]},
            "csrf": {"type": "string"},
            "ui_locales": {"type": "string"},
        },
        ["user_code", "action", "csrf"],
    ),
)
async def device_verification(request: Request) -> Response:
    service = service_of(request)
    issuer = service.settings.issuer.rstrip("/")
    try:
        params = await _authorization(request)
    except ServerError as exc:
        return _page(pages.error_page("en", exc.description), 400)
    lang = pages.language(params.get("ui_locales"))
    words = pages.WORDS[lang]
    fields = {"ui_locales": params["ui_locales"]} if params.get("ui_locales") else {}
    # Shown back in the page: letters, digits, dashes and spaces only.
    user_code = "".join(c for c in params.get("user_code", "") if c.isalnum() or c in "- ")[:16]
    username = params.get("username", "")[:64]

    async def page(message: str = "", status: int = 200, done: str = "") -> HTMLResponse:
        # RFC 8628 §5.4: say which device asks before anyone approves it.
        waiting = await service.authorizations.pending(user_code) if user_code else None
        asking = (
            words.device_asks.format(
                device=waiting.grantee.device_name,
                kind=words.kinds.get(waiting.grantee.device_type, waiting.grantee.device_type),
                client=waiting.grantee.client_id,
            )
            if waiting is not None and not done
            else ""
        )
        return _page(
            pages.device_page(
                lang,
                action=f"{issuer}/oauth/device",
                hidden=[*fields.items(), ("csrf", service.authorizations.form_token(fields))],
                user_code=user_code,
                username=username,
                message=message,
                done=done,
                asking=asking,
            ),
            status,
        )

    if request.method == "GET":
        return await page()
    try:
        await service.authorizations.check_form_token(params.get("csrf", ""), fields)
    except InvalidRequest as exc:
        return _page(pages.error_page(lang, exc.description), 400)
    address = _address(request)
    wait = await service.user_code_limiter.retry_after("", address)
    if wait is not None:
        return await page(words.code_throttled.format(seconds=int(wait) + 1), 429)
    record = await service.authorizations.pending(user_code)
    if record is None:
        await service.user_code_limiter.failed("", address)
        return await page(words.wrong_code, 400)
    device = record.grantee.device_name
    if params.get("action") not in ("approve", "deny"):
        return await page(words.need_credentials, 400)
    password = params.get("password", "")[:1024]
    if not USERNAME.fullmatch(username) or not password:
        return await page(words.need_credentials, 400)
    try:
        user = await service.check_password(username, password, address)
    except RateLimited as exc:
        return await page(words.throttled.format(seconds=exc.retry_after), 429)
    except InvalidGrant:
        return await page(words.wrong_credentials, 400)
    if params.get("action") == "deny":  # a signed-in user only: no stranger cancels a TV
        await service.authorizations.decide(user_code, None)
        return await page(done=words.denied.format(device=device))
    if await service.authorizations.decide(user_code, user.username) is None:
        return await page(words.wrong_code, 400)  # it expired, or another tab decided meanwhile
    return await page(done=words.approved.format(device=device, user=user.username))
