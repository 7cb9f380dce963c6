"""Discovery: RFC 8414 metadata, the JWKS, and a health check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from contract import ALGORITHMS, DPOP_ALGORITHMS
from mock_server.grants import grants_on
from mock_server.http import service_of

router = APIRouter(tags=["discovery"])


@router.get("/.well-known/oauth-authorization-server", summary="RFC 8414 metadata")
async def metadata(request: Request) -> dict[str, Any]:
    settings = service_of(request).settings
    issuer = settings.issuer.rstrip("/")
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "device_authorization_endpoint": f"{issuer}/oauth/device_authorization",
        "token_endpoint": f"{issuer}/oauth/token",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "introspection_endpoint": f"{issuer}/oauth/introspect",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "grant_types_supported": grants_on(settings),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
        "ui_locales_supported": ["en", "ko"],
        "dpop_signing_alg_values_supported": list(DPOP_ALGORITHMS),
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "introspection_endpoint_auth_methods_supported": ["bearer"],
        "scopes_supported": list(settings.scopes),
        "token_endpoint_auth_signing_alg_values_supported": list(ALGORITHMS),
        "service_documentation": f"{issuer}/docs",
        "x_access_token_signing_alg": settings.algorithm,
        "x_audience": settings.audience,
    }


@router.get("/.well-known/jwks.json", summary="RFC 7517 public signing keys")
async def jwks(request: Request) -> JSONResponse:
    return JSONResponse(service_of(request).jwks(), headers={"Cache-Control": "public, max-age=60"})


@router.get("/healthz", summary="Liveness", response_class=PlainTextResponse)
async def healthz() -> PlainTextResponse:
    return PlainTextResponse("ok")
