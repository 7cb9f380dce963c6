"""PyJWT, taught the fully specified name of Ed25519 (RFC 9864).

PyJWT knows Ed25519 keys only by the polymorphic, now deprecated name
``EdDSA``. Both sides sign and verify with ``JWS`` and ``JWT`` from here, which
know both names: the server its tokens and proofs, the client its proofs and
the inspector's signature check. PyJWT's global instances are left alone, so
nothing else in the process changes. (The contract's ``__init__`` stays
standard library only; this module is the one place it leans on PyJWT.)
"""

from __future__ import annotations

import jwt
from jwt.algorithms import OKPAlgorithm

JWS = jwt.PyJWS()
JWS.register_algorithm("Ed25519", OKPAlgorithm())

JWT = jwt.PyJWT()
# PyJWT has no public way to hand a PyJWT its PyJWS; claims checks stay PyJWT's.
JWT._jws = JWS

ED25519_NAMES = ("EdDSA", "Ed25519")


def pyjwt_alg(alg: str) -> str:
    """The name PyJWT's key classes know ``alg`` by (``Ed25519`` → ``EdDSA``)."""
    return "EdDSA" if alg == "Ed25519" else alg
