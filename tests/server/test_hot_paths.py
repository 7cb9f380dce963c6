"""The hot endpoints run as plain Starlette routes ahead of FastAPI's router
(issue 16: FastAPI's matching and dependency solving cost more than the
request). They must answer exactly as the documented routes would."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from starlette.routing import Route

from mock_server import Settings, create_app
from mock_server.api_server import ApiConfig, create_api_app

HOT = {
    ("/api/me", "GET"),
    ("/healthz", "GET"),
    ("/oauth/token", "POST"),
    ("/oauth/introspect", "POST"),
}


def test_the_hot_routes_come_first_and_stay_documented(app: FastAPI) -> None:
    first = app.router.routes[: len(HOT)]
    assert all(type(route) is Route for route in first)
    assert {(r.path, m) for r in first for m in (r.methods or ()) if m != "HEAD"} == HOT
    paths = app.openapi()["paths"]
    for path, method in HOT:
        assert method.lower() in paths[path], path


async def test_a_wrong_method_on_a_hot_path_is_a_json_405(client: httpx.AsyncClient) -> None:
    answer = await client.post("/api/me")
    assert answer.status_code == 405
    assert answer.json()["error"]
    answer = await client.get("/oauth/token")
    assert answer.status_code == 405


async def test_hot_path_errors_keep_their_shape(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/me")
    assert answer.status_code == 401
    assert answer.json()["error"] == "missing_token"
    assert answer.headers["www-authenticate"].startswith("Bearer")
    answer = await client.post("/oauth/token", data={"grant_type": "magic"})
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"
    answer = await client.post("/oauth/introspect", data={"token": "x"})
    assert answer.status_code == 401  # neither a resource server nor the admin


def test_a_resource_servers_api_me_comes_first_too() -> None:
    app = create_api_app(ApiConfig("http://127.0.0.1:9", "rs", "rs-secret-0123456789"), sync=False)
    first = app.router.routes[0]
    assert type(first) is Route and first.path == "/api/me"
    assert "/api/me" in app.openapi()["paths"]


def test_no_opentelemetry_is_asked_per_request() -> None:
    """Off in the config: FastAPI then never asks OpenTelemetry for a provider."""
    for app in (
        create_app(Settings(password_profile="fast")),
        create_api_app(ApiConfig("http://127.0.0.1:9", "rs", "rs-secret-0123456789"), sync=False),
    ):
        config = app._telemetry  # type: ignore[attr-defined]
        assert (config["tracing"], config["metrics"], config["logs"]) == (False, False, False)
