"""``jwt-lab decode``: a token explained, with its signature checked against the JWKS."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import httpx
import jwt
import pytest

from client.inspect import inspect_token, relative
from mock_server import ServerThread
from tests.conftest import ADMIN_KEY

pytestmark = [pytest.mark.live, pytest.mark.subprocess]


def jwt_lab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "client", "decode", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def tokens(live_server: ServerThread) -> dict[str, str]:
    response = httpx.post(
        f"{live_server.url}/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": "jwt-device-lab",
            "device_id": "phone",
            "device_type": "mobile",
        },
    )
    return response.json()  # type: ignore[no-any-return]


def test_decode_shows_claims_times_and_a_valid_signature(
    live_server: ServerThread, tokens: dict[str, str]
) -> None:
    result = jwt_lab(tokens["access_token"], "--server", live_server.url)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("access token")
    assert '"alice"' in out
    assert "device_type" in out
    assert "signature    valid (EdDSA, key " in out
    assert re.search(r"lifetime     valid, expires in (2\d|30) s", out)  # real time passes


def test_decode_flags_a_tampered_token(live_server: ServerThread, tokens: dict[str, str]) -> None:
    header, payload, signature = tokens["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    result = jwt_lab(
        f"{header}.{forged}.{signature}", "--jwks", f"{live_server.url}/.well-known/jwks.json"
    )
    assert result.returncode == 1
    assert "INVALID" in result.stdout


def test_decode_explains_a_refresh_token_as_json(tokens: dict[str, str]) -> None:
    result = jwt_lab(tokens["refresh_token"], "--json")
    report = json.loads(result.stdout)
    assert report["kind"] == "refresh token"
    assert report["signature_ok"] is None
    assert report["claims"]["sid"]


def test_decode_refuses_garbage_clearly() -> None:
    result = jwt_lab("not-a-token")
    assert result.returncode == 2
    assert "not a JWT" in result.stderr


def test_alg_none_is_called_out() -> None:
    def b64(d: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()

    report = inspect_token(f"{b64({'alg': 'none'})}.{b64({'sub': 'x', 'exp': 10})}.", now=20)
    assert report.expired
    assert any("unsigned" in note for note in report.notes)


def test_relative_times_read_naturally() -> None:
    assert relative(25) == "in 25 s"
    assert relative(-300) == "5 min ago"
    assert relative(0.2) == "now"


@pytest.mark.parametrize("prefix", ["Bearer ", "bearer  ", "Authorization: Bearer ", "DPoP "])
def test_a_pasted_authorization_value_is_read_as_its_token(
    tokens: dict[str, str], prefix: str
) -> None:
    plain = inspect_token(tokens["access_token"], 0.0)
    pasted = inspect_token(f"{prefix}{tokens['access_token']}\n", 0.0)
    assert pasted.claims == plain.claims and pasted.claims["sub"] == "alice"
    with pytest.raises(ValueError, match="not a JWT"):
        inspect_token("Bearer not-a-token", 0.0)


def test_the_version_is_the_installed_packages() -> None:
    from importlib.metadata import version

    result = subprocess.run(
        [sys.executable, "-m", "client", "--version"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"jwt-lab {version('jwt-device-lab')}"


@pytest.mark.parametrize("algorithm", ["EdDSA", "Ed25519", "ES256", "RS256"])
def test_the_inspector_checks_every_published_algorithm_with_and_without_alg_in_the_jwks(
    live_server: ServerThread, algorithm: str
) -> None:
    """Ed25519 (RFC 9864) is a name PyJWT lacks: the check still verifies it, and
    a JWKS whose keys name no alg (allowed by RFC 7517) is read by key type."""
    changed = httpx.patch(
        f"{live_server.url}/admin/settings",
        json={"algorithm": algorithm},
        headers={"X-Admin-Key": ADMIN_KEY},
    )
    assert changed.status_code == 200, changed.text
    token = httpx.post(
        f"{live_server.url}/oauth/token",
        data={
            "grant_type": "password",
            "username": "alice",
            "password": "alice-pass",
            "client_id": "jwt-device-lab",
            "device_id": "phone",
        },
    ).json()["access_token"]
    jwks = httpx.get(f"{live_server.url}/.well-known/jwks.json").json()
    report = inspect_token(token, 0, jwks)
    assert (report.signature_ok, report.header["alg"]) == (True, algorithm)
    assert report.signature.startswith(f"valid ({algorithm}, key ")
    bare = {"keys": [{k: v for k, v in key.items() if k != "alg"} for key in jwks["keys"]]}
    assert inspect_token(token, 0, bare).signature_ok is True
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert inspect_token(forged, 0, jwks).signature_ok is False


def test_a_jwks_key_that_names_alg_none_is_unusable_not_a_crash(
    tokens: dict[str, str],
) -> None:
    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    report = inspect_token(
        tokens["access_token"], 0, {"keys": [{"kid": kid, "kty": "oct", "alg": "none"}]}
    )
    assert report.signature_ok is None and "unusable" in report.signature
