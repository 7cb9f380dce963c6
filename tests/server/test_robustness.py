"""Property-based: malformed bodies, headers and tokens never produce a 5xx."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server import Settings, VirtualClock, create_app
from tests.conftest import ADMIN_KEY, BASE_URL

# Thousands of generated requests: part of `make test`, left out of `make mutation`
# (they look for 5xx answers, not at behaviour a mutant would change).
pytestmark = pytest.mark.fuzz

ADMIN = {"X-Admin-Key": ADMIN_KEY}
SENT: list[str] = []  # every generated request, so the volume itself is checked


class SyncASGI:
    """Drives the app in-process from synchronous hypothesis tests, one loop for all."""

    def __init__(self, app: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        SENT.append(path)
        return self._loop.run_until_complete(self._client.request(method, path, **kwargs))

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()


@pytest.fixture(scope="module")
def http() -> Iterator[SyncASGI]:
    app = create_app(
        Settings(
            issuer=BASE_URL,
            password_profile="fast",
            admin_key=ADMIN_KEY,
            login_max_failures=10**6,
            login_max_failures_per_address=10**6,
        ),
        clock=VirtualClock(),
    )
    client = SyncASGI(app)
    yield client
    client.close()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)

# Tokens that look more or less like JWTs: random segments, real-looking headers
# with hostile values, wrong segment counts.
jwt_like = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.text(alphabet="ABCDEFGHIJabcdefgh0123456789-_=", max_size=40), min_size=1, max_size=5
    ).map(".".join),
    st.tuples(
        st.fixed_dictionaries(
            {
                "alg": st.sampled_from(
                    ["none", "NONE", "nOnE", "HS256", "EdDSA", "RS256", "ES256", "xx"]
                )
            },
            optional={
                "kid": st.one_of(
                    st.text(max_size=30),
                    st.integers(),
                    st.just("../../etc/passwd"),
                    st.just("' OR 1=1 --"),
                ),
                "typ": st.sampled_from(["at+jwt", "rt+jwt", "JWT", ""]),
                "jku": st.just("http://127.0.0.1:1/jwks"),
                "jwk": json_values,
            },
        ),
        st.dictionaries(
            st.sampled_from(["sub", "sid", "exp", "iat", "iss", "aud", "jti", "nbf"]),
            json_values,
            max_size=8,
        ),
        st.binary(max_size=64),
    ).map(
        lambda t: f"{b64(json.dumps(t[0]).encode())}.{b64(json.dumps(t[1]).encode())}.{b64(t[2])}"
    ),
)

form_fields = st.dictionaries(
    st.sampled_from(
        [
            "grant_type",
            "username",
            "password",
            "client_id",
            "scope",
            "refresh_token",
            "device_id",
            "device_type",
            "device_name",
            "token",
            "token_type_hint",
            "x",
        ]
    ),
    st.one_of(
        st.text(max_size=80),
        st.sampled_from(
            ["password", "refresh_token", "alice", "alice-pass", "jwt-device-lab", "mobile"]
        ),
    ),
    max_size=9,
)

FORM_ENDPOINTS = ["/oauth/token", "/oauth/revoke", "/oauth/introspect", "/classic/login"]
JSON_ENDPOINTS = [
    ("PATCH", "/admin/settings"),
    ("POST", "/admin/force-expire"),
    ("PUT", "/admin/users/zed"),
    ("POST", "/admin/keys/retire"),
    ("POST", "/admin/clock/advance"),
    ("PUT", "/admin/clock"),
]
BEARER_ENDPOINTS = [
    ("GET", "/api/me"),
    ("GET", "/api/messages"),
    ("GET", "/api/sessions"),
    ("POST", "/api/sessions/logout-others"),
    ("DELETE", "/api/sessions/x"),
]

COMMON = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@COMMON
@given(path=st.sampled_from(FORM_ENDPOINTS), fields=form_fields)
def test_form_endpoints_never_fail_with_5xx(
    http: SyncASGI, path: str, fields: dict[str, str]
) -> None:
    for endpoint in (path, *(p for p in FORM_ENDPOINTS if p != path)):
        response = http.post(endpoint, data=fields, headers=ADMIN)
        assert response.status_code < 500
        if response.status_code >= 400:
            assert "error" in response.json()


@COMMON
@given(
    path=st.sampled_from(FORM_ENDPOINTS),
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/json",
            "multipart/form-data; boundary=xx",
            "text/plain",
            "",
        ]
    ),
)
def test_raw_bodies_never_fail_with_5xx(
    http: SyncASGI, path: str, body: bytes, content_type: str
) -> None:
    for endpoint in (path, *(p for p in FORM_ENDPOINTS if p != path)):
        headers = {**ADMIN, "Content-Type": content_type}
        response = http.post(endpoint, content=body, headers=headers)
        assert response.status_code < 500
        assert response.status_code >= 400 or endpoint == "/oauth/revoke"
        if response.status_code >= 400:
            assert "error" in response.json()


@COMMON
@given(token=jwt_like)
def test_hostile_tokens_never_pass_or_crash(http: SyncASGI, token: str) -> None:
    for method, path in BEARER_ENDPOINTS:
        try:
            response = http.request(method, path, headers={"Authorization": f"Bearer {token}"})
        except UnicodeEncodeError:
            return  # not sendable as a header at all
        assert response.status_code in (400, 401), (path, response.text)
        assert "error" in response.json()
    refreshed = http.post(
        "/oauth/token", data={"grant_type": "refresh_token", "refresh_token": token}
    )
    assert refreshed.status_code in (400, 401)
    introspected = http.post("/oauth/introspect", data={"token": token}, headers=ADMIN)
    if token:
        assert introspected.json() == {"active": False}
    else:
        assert introspected.json()["error"] == "invalid_request"


@COMMON
@given(method_path=st.sampled_from(JSON_ENDPOINTS), body=json_values)
def test_admin_json_bodies_never_fail_with_5xx(
    http: SyncASGI, method_path: tuple[str, str], body: object
) -> None:
    method, path = method_path
    response = http.request(method, path, json=body, headers=ADMIN)
    assert response.status_code < 500, response.text


def test_the_fuzzers_sent_at_least_5000_requests() -> None:
    """Runs after the fuzzers above (pytest keeps file order): the suite's
    default run must throw a real volume of generated requests at the server."""
    assert len(SENT) >= 5000, len(SENT)
    paths = {p.split("?")[0] for p in SENT}
    assert paths >= {"/oauth/token", "/oauth/introspect", "/api/me", "/admin/settings"}
