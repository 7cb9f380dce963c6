"""HTTP plumbing shared by the routers: errors as JSON, body limits, form and
bearer parsing, the admin-key check."""

from __future__ import annotations

import base64
import logging
import secrets
from typing import Any
from urllib.parse import unquote_plus

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_server.errors import (
    AdminAuthRequired,
    InvalidRequest,
    InvalidToken,
    MissingToken,
    PayloadTooLarge,
    ServerError,
    TemporarilyUnavailable,
)
from mock_server.service import AuthService
from mock_server.store import ResourceServerRecord, StoreUnavailable

log = logging.getLogger(__name__)

FORM_TYPE = "application/x-www-form-urlencoded"


def service_of(request: Request) -> AuthService:
    service: AuthService = request.app.state.service
    return service


def error_response(exc: ServerError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers())


def app_options() -> dict[str, Any]:
    """What every app of the lab is built with (the auth server, `jwt-lab api`):
    its error answers, and no OpenTelemetry — asking on each request whether a
    provider is set costs more than a cached token check (bench/api_throughput.py)."""
    return {
        "telemetry": {"tracing": False, "metrics": False, "logs": False},
        "exception_handlers": {
            ServerError: on_server_error,
            StoreUnavailable: on_store_unavailable,
            RequestValidationError: on_validation_error,
            StarletteHTTPException: on_http_error,
            Exception: on_unexpected_error,
        },
    }


async def on_server_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServerError)
    return error_response(exc)


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors()[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    return error_response(InvalidRequest("; ".join(problems) or "the request is invalid"))


_HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 406: "not_acceptable"}


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(
        exc.status_code, "invalid_request" if exc.status_code < 500 else "server_error"
    )
    return JSONResponse(
        {"error": code, "error_description": str(exc.detail)},
        status_code=exc.status_code,
        headers=exc.headers,
    )


async def on_store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.warning("%s %s: %s", request.method, request.url.path, exc)
    return error_response(
        TemporarilyUnavailable(
            "the server's store cannot be reached: try again", reason="store_unavailable"
        )
    )


async def on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # The last line of defence: a bug must never leak a traceback to a client.
    return JSONResponse(
        {"error": "server_error", "error_description": "an unexpected error occurred"},
        status_code=500,
    )


class BodyLimitMiddleware:
    """Refuse request bodies over ``limit`` bytes with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = PayloadTooLarge(f"the request body is larger than {self.limit} bytes")
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0:
                    await error_response(InvalidRequest("bad Content-Length"))(scope, receive, send)
                    return
                if declared > self.limit:
                    await error_response(too_large)(scope, receive, send)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await error_response(too_large)(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


async def read_form(request: Request, *, allowed_repeats: tuple[str, ...] = ()) -> dict[str, str]:
    """An RFC 6749 form body as a dict; each parameter at most once (§3.2)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        raise InvalidRequest(f"the request body must be {FORM_TYPE}")
    try:
        form = await request.form(max_files=0, max_fields=64)
    except ServerError:
        raise
    except Exception as exc:  # python-multipart's errors are not one family
        raise InvalidRequest("the form body could not be parsed") from exc
    params: dict[str, str] = {}
    for key, value in form.multi_items():
        if not isinstance(value, str):
            raise InvalidRequest("file uploads are not accepted here")
        if key in params and key not in allowed_repeats:
            raise InvalidRequest(f"parameter {key!r} is repeated")
        params[key] = value
    return params


def require(params: dict[str, str], name: str, *, max_len: int = 1024) -> str:
    value = params.get(name)
    if value is None or value == "":
        raise InvalidRequest(f"missing parameter {name!r}")
    if len(value) > max_len:
        raise InvalidRequest(f"parameter {name!r} is longer than {max_len} characters")
    return value


def optional(params: dict[str, str], name: str, *, max_len: int = 1024) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if len(value) > max_len:
        raise InvalidRequest(f"parameter {name!r} is longer than {max_len} characters")
    return value


def access_credentials(request: Request) -> tuple[str, str]:
    """The scheme (``bearer`` or ``dpop``) and the access token of a request."""
    header = request.headers.get("authorization")
    if not header:
        raise MissingToken("this resource needs an access token (Bearer or DPoP)")
    scheme, _, token = header.partition(" ")
    scheme = scheme.lower()
    if scheme not in ("bearer", "dpop"):
        raise MissingToken("this resource needs an access token (Bearer or DPoP)")
    token = token.strip()
    if not token:
        raise InvalidToken("the access token is empty", reason="malformed")
    return scheme, token


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """``Authorization: Basic`` as (id, secret) — RFC 7617, each part form-decoded
    as RFC 6749 §2.3.1 says — or None if the request carries none."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    rs_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return unquote_plus(rs_id), unquote_plus(secret)


async def require_resource_server(request: Request) -> ResourceServerRecord:
    """The resource server calling (its own credential, HTTP Basic), or a 401."""
    given = basic_credentials(request)
    servers = service_of(request).resource_servers
    return await servers.authenticate(*(given or (None, None)))


def require_admin(request: Request) -> None:
    """FastAPI dependency: the request must carry the admin key."""
    expected: str = service_of(request).settings.admin_key
    given = request.headers.get("x-admin-key")
    if given is None:
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        given = value.strip() if scheme.lower() == "bearer" else None
    if not given or not secrets.compare_digest(given.encode(), expected.encode()):
        raise AdminAuthRequired("the admin API needs the admin key (X-Admin-Key or Bearer)")


NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def form_body_schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """OpenAPI ``requestBody`` for an RFC 6749 form, for /docs and fuzzers."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                FORM_TYPE: {
                    "schema": {"type": "object", "properties": properties, "required": required}
                }
            },
        }
    }
