"""A resource server of its own (``jwt-lab api``): the lab's ``/api/*`` in another
process than the token service, verifying access tokens in one of four ways
(``contract.API_VERIFY_MODES``), and taking pushed revocations at
``POST /backchannel-logout`` (OpenID Back-Channel Logout 1.0).

    app = create_api_app(ApiConfig("http://127.0.0.1:8765", "api-1", "secret…", "denylist"))

- ``stateless``: signature and claims, against the auth server's JWKS (fetched
  once, again on an unknown ``kid``): a revoked token works until it expires.
- ``introspect``: RFC 7662 at the auth server, each answer cached for
  ``introspect_cache`` seconds (0: every request asks).
- ``denylist``: stateless, plus the sessions the auth server says are revoked —
  pushed as logout tokens, and fetched at start and after the auth server was
  unreachable (``/rs/revocations``), so a restart never reopens one. An entry
  lives until the last token of its session has expired.
- ``stateful``: stateless, plus the session looked up at the auth server on
  every request.

DPoP-bound tokens (``cnf.jkt``) need a proof of their key, as on the auth
server's own API. The resource server's clock is the auth server's (synced from
``/rs/clock``, so a virtual clock is followed), unless one is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import Route

from contract import ACCESS_TYP, API_VERIFY_MODES, BACKCHANNEL_EVENT, BACKCHANNEL_PATH, LOGOUT_TYP
from contract.jose import pyjwt_alg
from mock_server import dpop, http, tokens
from mock_server.errors import (
    DPoPRefused,
    InvalidRequest,
    InvalidToken,
    ServerError,
    TemporarilyUnavailable,
)
from mock_server.keys import SigningKey

log = logging.getLogger(__name__)

LEEWAY = 5.0
AUDIENCE = "jwt-device-lab-api"
SYNC_EVERY = 2.0  # seconds between two reads of the auth server's clock
JWKS_REFRESH_MIN = 5.0  # an unknown kid refetches the JWKS at most this often
MAX_TOKEN_CHARS = 8192


@dataclass(frozen=True, slots=True)
class ApiConfig:
    auth_server: str
    rs_id: str
    secret: str
    verify_mode: str = "stateless"
    introspect_cache: float = 0.0
    public_url: str = ""  # this server's own URL (a DPoP proof's htu); set when it binds

    def __post_init__(self) -> None:
        if self.verify_mode not in API_VERIFY_MODES:
            raise ValueError(f"verify mode {self.verify_mode!r}: one of {API_VERIFY_MODES}")
        if self.introspect_cache < 0:
            raise ValueError("the introspection cache cannot be negative")


class RemoteClock:
    """The auth server's clock as last read (its time and rate), extrapolated."""

    virtual = False

    def __init__(self) -> None:
        self._base, self._rate, self._anchor = time.time(), 1.0, time.monotonic()

    def sync(self, now: float, rate: float) -> None:
        self._base, self._rate, self._anchor = float(now), float(rate), time.monotonic()

    def now(self) -> float:
        return self._base + (time.monotonic() - self._anchor) * self._rate


class JwksKeys:
    """The auth server's published keys, in the shape ``tokens.verify`` reads."""

    def __init__(self) -> None:
        self._keys: dict[str, SigningKey] = {}
        self.fetched_at = 0.0

    def load(self, jwks: dict[str, Any]) -> None:
        keys = {}
        for jwk in jwks.get("keys", []):
            kid, alg = jwk.get("kid"), jwk.get("alg")
            if not isinstance(kid, str) or not isinstance(alg, str):
                continue
            try:
                public = jwt.PyJWK(jwk, algorithm=pyjwt_alg(alg)).key
            except (jwt.PyJWTError, ValueError, TypeError, NotImplementedError):
                continue
            keys[kid] = SigningKey(kid, alg, public, public, 0.0, None)
        self._keys = keys
        self.fetched_at = time.monotonic()

    def verifying_key(self, kid: str) -> SigningKey | None:
        return self._keys.get(kid)

    def is_retired(self, kid: str) -> bool:
        return False  # a retired key is simply gone from the JWKS: unknown_key


class DenyList:
    """Revoked sessions (sid → until when their tokens may still be unexpired);
    an entry is dropped once no token of its session can be valid any more."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def add(self, sid: str, until: float) -> None:
        self._until[sid] = max(until, self._until.get(sid, 0.0))

    def denied(self, sid: str, now: float) -> bool:
        until = self._until.get(sid)
        if until is None:
            return False
        if until < now:
            del self._until[sid]
            return False
        return True

    def prune(self, now: float) -> None:
        for sid in [s for s, until in self._until.items() if until < now]:
            del self._until[sid]

    def __len__(self) -> int:
        return len(self._until)


class ResourceServer:
    """The state of one ``jwt-lab api``: its keys, caches, deny-list and clock."""

    def __init__(self, config: ApiConfig, clock: Any = None, transport: Any = None) -> None:
        self.config = config
        self.remote_clock = RemoteClock()
        self.clock = clock or self.remote_clock
        self.keys = JwksKeys()
        self.denylist = DenyList()
        self.issuer = config.auth_server.rstrip("/")
        self.token_lifetime = 3600.0 + LEEWAY  # until the auth server says (/rs/clock)
        self.verified = tokens.VerifiedCache()
        self.introspected: OrderedDict[str, tuple[float, dict[str, Any]]] = OrderedDict()
        self.logout_jtis = dpop.ReplayCache(limit=100_000)
        self.dpop_replay = dpop.ReplayCache()
        self.reachable = False
        self.last_logout_at: float | None = None
        self.http = httpx.AsyncClient(
            base_url=self.issuer,
            auth=(config.rs_id, config.secret),
            timeout=5.0,
            trust_env=False,
            transport=transport,
        )

    # the auth server ----------------------------------------------------------

    async def sync(self) -> None:
        """Read the auth server's clock; catch up on revocations after a gap."""
        response = await self.http.get("/rs/clock")
        if response.status_code == 401:
            raise RuntimeError(f"the auth server refused resource server {self.config.rs_id!r}")
        response.raise_for_status()
        body = response.json()
        self.remote_clock.sync(body["now"], body["rate"])
        self.issuer = str(body.get("issuer") or self.issuer).rstrip("/")
        self.token_lifetime = float(body.get("token_lifetime", self.token_lifetime))
        if not self.reachable:  # at start, or back after the auth server was away
            if self.config.verify_mode == "denylist":
                await self.catch_up()
            self.reachable = True

    async def catch_up(self) -> None:
        response = await self.http.get("/rs/revocations")
        response.raise_for_status()
        for entry in response.json()["revocations"]:
            self.denylist.add(entry["sid"], float(entry["until"]))

    async def refresh_keys(self, force: bool = False) -> bool:
        if not force and time.monotonic() - self.keys.fetched_at < JWKS_REFRESH_MIN:
            return False
        response = await self.http.get("/.well-known/jwks.json", auth=None)
        response.raise_for_status()
        self.keys.load(response.json())
        return True

    # verification ---------------------------------------------------------------

    def _verify(self, token: str, typ: str, audience: str | None) -> tokens.VerifiedToken:
        return tokens.verify(
            token,
            self.keys,  # type: ignore[arg-type]
            typ=typ,
            issuer=self.issuer,
            audience=audience,
            now=self.clock.now(),
            leeway=LEEWAY,
            max_chars=MAX_TOKEN_CHARS,
            cache=self.verified if typ == ACCESS_TYP else None,
        )

    async def verify_signed(self, token: str, typ: str, audience: str | None) -> dict[str, Any]:
        """Signature and claims, refetching the JWKS once for an unknown key."""
        try:
            return self._verify(token, typ, audience).claims
        except tokens.TokenRejected as exc:
            if exc.reason != "unknown_key" or not await self.refresh_keys():
                raise
        return self._verify(token, typ, audience).claims

    async def check(self, request: Request) -> dict[str, Any]:
        """The claims of the request's access token, or a 401 naming the reason."""
        scheme, token = http.access_credentials(request)
        mode = self.config.verify_mode
        try:
            if mode == "introspect":
                claims = await self._introspect(token)
            else:
                claims = await self.verify_signed(token, ACCESS_TYP, AUDIENCE)
        except tokens.TokenRejected as exc:
            raise InvalidToken(exc.description, reason=exc.reason) from exc
        self._check_binding(claims, token, scheme, request)
        now = self.clock.now()
        if mode == "denylist" and self.denylist.denied(claims["sid"], now):
            raise InvalidToken("the session was revoked (pushed to this API)", reason="revoked")
        if mode == "stateful":
            state = await self._session_state(claims["sid"])
            if not state.get("active"):
                reason = str(state.get("reason") or "revoked")
                raise InvalidToken("the token's session is not active", reason=reason)
        return claims

    async def _introspect(self, token: str) -> dict[str, Any]:
        now = self.clock.now()
        cached = self.introspected.get(token)
        if cached is not None and cached[0] > now:
            answer = cached[1]
        else:
            try:
                response = await self.http.post("/oauth/introspect", data={"token": token})
            except httpx.HTTPError as exc:
                raise _unavailable() from exc
            if response.status_code != 200:
                raise _unavailable()
            answer = response.json()
            if self.config.introspect_cache > 0:
                self.introspected[token] = (now + self.config.introspect_cache, answer)
                while len(self.introspected) > 10_000:
                    self.introspected.popitem(last=False)
        if not answer.get("active") or answer.get("token_type") != "access_token":
            raise tokens.TokenRejected("inactive", "the auth server says the token is not active")
        return answer

    async def _session_state(self, sid: str) -> dict[str, Any]:
        try:
            response = await self.http.get(f"/rs/sessions/{sid}")
        except httpx.HTTPError as exc:
            raise _unavailable() from exc
        if response.status_code != 200:
            raise _unavailable()
        body: dict[str, Any] = response.json()
        return body

    def _check_binding(
        self, claims: dict[str, Any], token: str, scheme: str, request: Request
    ) -> None:
        cnf = claims.get("cnf")
        jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
        if jkt is None:
            if scheme == "dpop":
                raise DPoPRefused(
                    "invalid_token", "this token is not bound to a key", reason="not_dpop_bound"
                )
            return
        if scheme != "dpop":
            raise DPoPRefused(
                "invalid_token",
                "this token is bound to a key (DPoP): a bearer copy of it is worth nothing",
                reason="dpop_bound_token",
            )
        proofs = request.headers.getlist("dpop")
        base = self.config.public_url or str(request.base_url)
        try:
            proof = dpop.verify_proof(
                proofs[0] if len(proofs) == 1 else None,
                method=request.method,
                url=f"{base.rstrip('/')}{request.url.path}",
                now=self.clock.now(),
                max_age=60,
                leeway=LEEWAY,
                replay=self.dpop_replay,
                access_token=token,
            )
        except dpop.ProofRejected as exc:
            raise DPoPRefused("invalid_dpop_proof", exc.description, reason=exc.reason) from exc
        if proof.jkt != jkt:
            raise DPoPRefused(
                "invalid_dpop_proof",
                "the proof is signed by another key than the token is bound to",
                reason="key_mismatch",
            )

    # back-channel logout ----------------------------------------------------------

    async def logout(self, logout_token: str) -> str:
        """Check a logout token (Back-Channel Logout §2.6) and deny its session;
        the sid, or ``InvalidRequest`` naming what is wrong."""
        try:
            claims = await self.verify_signed(logout_token, LOGOUT_TYP, self.config.rs_id)
        except tokens.TokenRejected as exc:
            raise InvalidRequest(f"the logout token is refused: {exc.description}") from exc
        events = claims.get("events")
        if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
            raise InvalidRequest("the logout token carries no back-channel logout event")
        if "nonce" in claims:
            raise InvalidRequest("a logout token must not carry a nonce (§2.4)")
        sid = claims["sid"]
        now = self.clock.now()
        try:
            self.logout_jtis.add(claims["jti"], float(claims["exp"]) + LEEWAY, now)
        except dpop.ProofRejected as exc:
            raise InvalidRequest("this logout token was already used (jti)") from exc
        self.denylist.add(sid, float(claims["iat"]) + self.token_lifetime)
        self.last_logout_at = now
        return str(sid)

    def state(self) -> dict[str, Any]:
        now = self.clock.now()
        self.denylist.prune(now)
        return {
            "id": self.config.rs_id,
            "verify_mode": self.config.verify_mode,
            "introspect_cache": self.config.introspect_cache,
            "auth_server": self.config.auth_server,
            "auth_server_reachable": self.reachable,
            "denylist_size": len(self.denylist),
            "last_logout_at": self.last_logout_at,
            "now": now,
        }


def _unavailable() -> ServerError:
    return TemporarilyUnavailable(
        "the auth server cannot be reached to check the token", reason="auth_server_unreachable"
    )


def create_api_app(
    config: ApiConfig, *, clock: Any = None, transport: Any = None, sync: bool = True
) -> FastAPI:
    """The resource server's app. ``clock``: share one (tests, the GUI's embedded
    servers) instead of following the auth server's; ``sync=False`` skips the
    background clock sync (tests drive ``server.sync()`` themselves)."""
    server = ResourceServer(config, clock=clock, transport=transport)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with contextlib.suppress(httpx.HTTPError, RuntimeError, KeyError, ValueError):
            await server.refresh_keys(force=True)
            await server.sync()
        task = asyncio.create_task(_keep_in_sync(server)) if sync else None
        yield
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        await server.http.aclose()

    app = FastAPI(
        title=f"JWT Device Lab — resource server {config.rs_id} ({config.verify_mode})",
        version="0.1.0",
        lifespan=lifespan,
        **http.app_options(),
    )
    app.state.resource_server = server
    app.add_middleware(http.BodyLimitMiddleware, limit=64 * 1024)

    @app.get("/api/me", summary="Who the access token belongs to, as this API sees it")
    async def me(request: Request) -> JSONResponse:
        claims = await server.check(request)
        return JSONResponse(
            {
                "user": claims.get("sub") or claims.get("username"),
                "sid": claims.get("sid"),
                "device_id": claims.get("device_id"),
                "api": config.rs_id,
                "verify_mode": config.verify_mode,
                "token_expires_at": claims.get("exp"),
                "server_time": server.clock.now(),
            },
            headers=http.NO_STORE,
        )

    @app.post(BACKCHANNEL_PATH, summary="OpenID Back-Channel Logout: a logout token")
    async def backchannel_logout(request: Request) -> JSONResponse:
        params = await http.read_form(request)
        token = http.require(params, "logout_token", max_len=MAX_TOKEN_CHARS)
        sid = await server.logout(token)
        return JSONResponse({"sid": sid}, headers=http.NO_STORE)

    @app.get("/healthz", summary="Alive, and what this resource server knows")
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", **server.state()}

    # The hot path as a plain Starlette route ahead of FastAPI's router (as the auth
    # server's: mock_server/app.py); its FastAPI route stays for the OpenAPI schema.
    app.router.routes.insert(0, Route("/api/me", me, methods=["GET"]))
    return app


async def _keep_in_sync(server: ResourceServer) -> None:
    while True:
        try:
            await server.sync()
        except (httpx.HTTPError, RuntimeError, KeyError, ValueError) as exc:
            if server.reachable:
                log.warning("the auth server is unreachable: %s", exc)
            server.reachable = False
        await asyncio.sleep(SYNC_EVERY)
