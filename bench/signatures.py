"""3. Signature algorithms: sign and verify cost as the server uses them
(mock_server.tokens, with its checks) next to raw PyJWT on the same keys.

    python bench/signatures.py [--quick]
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import jwt
from common import banner, quick_mode, record

from mock_server import SqliteStore, VirtualClock
from mock_server.keys import KeyManager
from mock_server.tokens import ACCESS_TYP, encode, verify

ISSUER, AUDIENCE = "http://bench", "jwt-device-lab-api"


def per_call(fn: Callable[[], object], n: int) -> float:
    """Median of three runs of ``n`` calls, in microseconds per call."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - start) / n * 1e6)
    return sorted(runs)[1]


def main() -> None:
    n = 300 if quick_mode() else 2000
    clock = VirtualClock()
    keys = KeyManager(SqliteStore(":memory:"), clock)
    now = int(clock.now())
    claims = {
        "iss": ISSUER,
        "sub": "alice",
        "aud": AUDIENCE,
        "exp": now + 3600,
        "iat": now,
        "jti": "j",
        "client_id": "c",
        "scope": "profile",
        "sid": "s",
    }
    banner("Signature algorithms (µs per operation; lower is better)")
    print(
        f"  {'alg':<6} {'sign (server)':>14} {'sign (PyJWT)':>13} {'verify (server)':>16} "
        f"{'verify (PyJWT)':>15} {'token bytes':>12}"
    )
    figures = {}
    for alg in ("EdDSA", "ES256", "RS256", "HS256"):
        key = keys.rotate(alg)
        token = encode(claims, key, ACCESS_TYP)
        server_sign = per_call(lambda: encode(claims, key, ACCESS_TYP), n)
        raw_sign = per_call(lambda: jwt.encode(claims, key.signing, algorithm=alg), n)
        server_verify = per_call(
            lambda: verify(
                token,
                keys,
                typ=ACCESS_TYP,
                issuer=ISSUER,
                audience=AUDIENCE,
                now=now,
                leeway=5,
                max_chars=8192,
            ),
            n,
        )
        raw_verify = per_call(
            lambda: jwt.decode(
                token,
                key.verifying,
                algorithms=[alg],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"verify_exp": False},
            ),
            n,
        )
        print(
            f"  {alg:<6} {server_sign:>14.1f} {raw_sign:>13.1f} {server_verify:>16.1f} "
            f"{raw_verify:>15.1f} {len(token):>12}"
        )
        figures[alg] = {
            "sign_us": round(server_sign, 1),
            "sign_pyjwt_us": round(raw_sign, 1),
            "verify_us": round(server_verify, 1),
            "verify_pyjwt_us": round(raw_verify, 1),
            "token_bytes": len(token),
        }
    print(
        "  (the server's verify adds header, typ, kid and claim-type checks to PyJWT's; "
        "the resource API caches verified tokens, so steady-state calls skip this cost)"
    )
    record("signatures", figures)


if __name__ == "__main__":
    sys.exit(main())
