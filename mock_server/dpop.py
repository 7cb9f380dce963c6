"""DPoP proofs (RFC 9449), checked by hand: no maintained Python library verifies
them (Authlib has none). PyJWT checks the signature; every other rule is here,
each refusal with the ``reason`` a device shows.

A proof is a JWT the client signs with its own key for one request:
``typ`` ``dpop+jwt``, an asymmetric ``alg``, the public ``jwk`` in the header,
and claims ``jti`` (never reused), ``htm`` and ``htu`` (the request), ``iat``
(fresh), ``ath`` (the access token's hash, at the resource) and ``nonce`` (when
the server asks for one). The key's RFC 7638 thumbprint (``jkt``) is what a
token is bound to (``cnf.jkt``).
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import hmac
import json
import math
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import jwt

from contract.jose import JWS, pyjwt_alg

PROOF_TYP = "dpop+jwt"
# Asymmetric algorithms only (§4.2): a shared secret would prove nothing.
PROOF_ALGORITHMS = ("ES256", "EdDSA", "Ed25519")
MAX_PROOF_CHARS = 8 * 1024
_PUBLIC_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")


class ProofRejected(Exception):
    """A DPoP proof the server refuses: ``reason`` names the failed check."""

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description


@dataclass(frozen=True, slots=True)
class Proof:
    jkt: str  # the key's RFC 7638 thumbprint
    jti: str
    iat: float
    header: dict[str, Any]
    claims: dict[str, Any]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: SHA-256 over the required members, sorted, without whitespace."""
    return _thumbprint(_members(jwk))


def _members(jwk: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """The members a thumbprint covers, in order, or ``ProofRejected``."""
    names = _PUBLIC_MEMBERS.get(str(jwk.get("kty")))
    if names is None:
        raise ProofRejected("invalid_key", f"kty {jwk.get('kty')!r} is not EC or OKP")
    try:
        members = tuple((m, jwk[m]) for m in names)
    except KeyError as exc:
        raise ProofRejected("invalid_key", f"the jwk lacks {exc.args[0]!r}") from None
    if not all(isinstance(value, str) for _, value in members):
        raise ProofRejected("invalid_key", "the jwk's members must be strings")
    return members


def _thumbprint(members: tuple[tuple[str, str], ...]) -> str:
    canonical = json.dumps(dict(members), separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
MAX_HEADER_CHARS = 1024  # an EC P-256 key's header is ~300: room, and a bound on the cache
# The curve each algorithm may use (RFC 9449 §4.2 names the alg; RFC 9864 ties
# Ed25519 to its curve; ES256 is P-256 only, RFC 7518 §3.4).
_CURVES = {"ES256": "P-256", "EdDSA": "Ed25519", "Ed25519": "Ed25519"}


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _json(data: bytes) -> Any:
    """Strict JSON: no NaN or Infinity, and a nesting too deep is an error, not a crash."""
    try:
        return json.loads(data, parse_constant=_no_constants)
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _segment(part: str) -> bytes:
    """One base64url segment of a compact JWS, decoded (``ValueError`` if it is
    not one). By hand, with one regular expression: PyJWT checks the alphabet a
    character at a time, which cost a third of a proof's verification."""
    if not _BASE64URL.fullmatch(part) or len(part) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def access_token_hash(token: str) -> str:
    """``ath`` (§4.2): base64url(SHA-256(the access token's ASCII))."""
    return b64url(hashlib.sha256(token.encode("ascii", "replace")).digest())


@functools.lru_cache(maxsize=1024)
def normalize_htu(url: str) -> str:
    """§4.3: compare without query and fragment; scheme and host case-insensitive,
    the default port dropped."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    scheme = parts.scheme.lower()
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}" if ":" not in host else f"[{host}]:{port}"
    elif ":" in host:
        host = f"[{host}]"
    return urlunsplit((scheme, host, parts.path or "/", "", ""))


class ReplayCache:
    """The ``jti`` of every proof seen within the window, bounded in memory: the
    oldest entries go first, and past the bound a proof is refused rather than
    forgotten (a flood cannot evict a recent jti)."""

    def __init__(self, limit: int = 100_000) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def add(self, key: str, until: float, now: float) -> None:
        """Remember ``key`` until ``until``; ``ProofRejected`` if already there."""
        with self._lock:
            while self._seen:
                oldest, expiry = next(iter(self._seen.items()))
                if expiry > now:
                    break
                del self._seen[oldest]
            if key in self._seen:
                raise ProofRejected("replayed_proof", "this proof (jti) was already used")
            if len(self._seen) >= self._limit:
                raise ProofRejected("replay_cache_full", "too many proofs: try again shortly")
            self._seen[key] = until

    def __len__(self) -> int:
        return len(self._seen)


class NonceSource:
    """Server-chosen nonces (§8): an HMAC of a time slot, so several server
    processes with the same secret agree; the current and the previous slot are
    accepted."""

    def __init__(self, issuer: str, secret: bytes | None = None, slot: int = 60) -> None:
        self._issuer = issuer
        self._secret = secret or secrets.token_bytes(32)
        self._slot = slot

    def current(self, now: float) -> str:
        return self._for(int(now // self._slot))

    def valid(self, nonce: object, now: float) -> bool:
        slot = int(now // self._slot)
        return isinstance(nonce, str) and any(
            hmac.compare_digest(nonce, self._for(s)) for s in (slot, slot - 1)
        )

    def _for(self, slot: int) -> str:
        message = f"{self._issuer}|{slot}".encode()
        return b64url(hmac.new(self._secret, message, hashlib.sha256).digest()[:18])


# A device's proofs all share one header (typ, alg, its public key): what it
# yields is worked out once per header — the thumbprint, and the loaded key,
# whose EC point validation costs as much as a signature check. Refusals are
# not cached (an exception leaves nothing behind); bounded.
@functools.lru_cache(maxsize=4096)
def _proof_header(head: str, algorithms: tuple[str, ...]) -> tuple[dict[str, Any], str, str, Any]:
    """The header's checks (typ, alg, a public jwk), or ``ProofRejected``:
    the header, its alg, the key's thumbprint and the key."""
    if len(head) > MAX_HEADER_CHARS:
        raise ProofRejected("malformed_proof", f"the header is longer than {MAX_HEADER_CHARS}")
    try:
        header = _json(_segment(head))
    except ValueError:
        raise ProofRejected("malformed_proof", "the proof header is not base64url JSON") from None
    if not isinstance(header, dict):
        raise ProofRejected("malformed_proof", "the proof header is not a JSON object")
    if "crit" in header:  # RFC 7515 §4.1.11: an extension this server cannot honour
        raise ProofRejected("malformed_proof", "the proof names critical extensions (crit)")
    if header.get("typ") != PROOF_TYP:
        raise ProofRejected("wrong_typ", f"the proof's typ must be {PROOF_TYP}")
    alg = header.get("alg")
    if alg not in algorithms:
        raise ProofRejected("unsupported_alg", f"alg {alg!r} is not one of {', '.join(algorithms)}")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise ProofRejected("invalid_key", "the proof carries no public jwk in its header")
    if any(member in jwk for member in _PRIVATE_MEMBERS):
        raise ProofRejected("private_key", "the header's jwk holds a private key")
    members = _members(jwk)
    if dict(members)["crv"] != _CURVES.get(alg):
        raise ProofRejected("invalid_key", f"alg {alg} needs a {_CURVES.get(alg)} key")
    try:
        key = jwt.PyJWK(dict(members), algorithm=pyjwt_alg(alg)).key
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise ProofRejected("invalid_key", f"the proof's key is unusable: {exc}") from None
    return header, alg, _thumbprint(members), key


def verify_proof(
    proof: object,
    *,
    method: str,
    url: str,
    now: float,
    max_age: float,
    leeway: float,
    replay: ReplayCache | None,
    access_token: str | None = None,
    nonce: NonceSource | None = None,
    algorithms: tuple[str, ...] = PROOF_ALGORITHMS,
) -> Proof:
    """Check one proof for one request (§4.3), in the order of the RFC's list;
    ``ProofRejected`` names the first rule it breaks. Without ``replay`` the
    caller checks the jti itself (``replay_entry``: a store shared by processes)."""
    if not isinstance(proof, str) or not proof:
        raise ProofRejected("missing_proof", "the request carries no DPoP proof")
    if len(proof) > MAX_PROOF_CHARS:
        raise ProofRejected("malformed_proof", f"the proof is longer than {MAX_PROOF_CHARS}")
    parts = proof.split(".")
    if len(parts) != 3:
        raise ProofRejected("malformed_proof", "a DPoP proof is a JWS: three dot-separated parts")
    head, body, signature = parts
    header, alg, jkt, key = _proof_header(head, algorithms)
    try:
        verified = JWS.get_algorithm_by_name(alg).verify(
            f"{head}.{body}".encode(), key, _segment(signature)
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise ProofRejected("invalid_key", f"the proof's signature is unusable: {exc}") from None
    if not verified:
        raise ProofRejected("invalid_signature", "the proof's signature does not verify")
    try:
        claims = _json(_segment(body))
    except ValueError:
        raise ProofRejected("malformed_proof", "the payload is not base64url JSON") from None
    if not isinstance(claims, dict):
        raise ProofRejected("malformed_proof", "the proof's payload is not a JSON object")
    jti, htm, htu, iat = (claims.get(k) for k in ("jti", "htm", "htu", "iat"))
    if not isinstance(jti, str) or not jti or len(jti) > 256:
        raise ProofRejected("missing_claim", "the proof needs a jti (at most 256 characters)")
    if htm != method:
        raise ProofRejected("wrong_htm", f"the proof is for {htm!r}, not {method}")
    if not isinstance(htu, str) or normalize_htu(htu) != normalize_htu(url):
        raise ProofRejected("wrong_htu", "the proof is for another URL (htu)")
    if isinstance(iat, bool) or not isinstance(iat, int | float) or not math.isfinite(iat):
        raise ProofRejected("missing_claim", "the proof needs a numeric iat")
    if iat > now + leeway:
        raise ProofRejected("future_proof", "the proof's iat is in the future")
    if iat < now - max_age - leeway:
        raise ProofRejected("stale_proof", f"the proof is older than {max_age:g} s")
    if nonce is not None and not nonce.valid(claims.get("nonce"), now):
        raise ProofRejected("use_dpop_nonce", "the proof must carry the server's current nonce")
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(
            ath, access_token_hash(access_token)
        ):
            raise ProofRejected("wrong_ath", "the proof is for another access token (ath)")
    # Last: only a proof that passed everything else uses up its jti.
    if replay is not None:
        replay.add(*replay_entry(jkt, jti, iat, max_age, leeway), now)
    return Proof(jkt, jti, float(iat), copy.deepcopy(header), claims)  # the cache's stays


def replay_entry(
    jkt: str, jti: str, iat: float, max_age: float, leeway: float
) -> tuple[str, float]:
    """What a proof uses up: its key and jti, until it could no longer be fresh."""
    return f"{jkt}|{jti}", iat + max_age + 2 * leeway
