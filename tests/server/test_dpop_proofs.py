"""DPoP proof verification rule by rule (RFC 9449 §4.3): each refusal names its
check (issue 14)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from mock_server.dpop import (
    JWS,
    NonceSource,
    ProofRejected,
    ReplayCache,
    access_token_hash,
    normalize_htu,
    thumbprint,
    verify_proof,
)

NOW = 1_800_000_000.0
URL = "https://lab.example/api/me"


def _ec_key() -> tuple[Any, dict[str, Any]]:
    private = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    return private, public


def proof(
    private: Any = None,
    jwk: dict[str, Any] | None = None,
    *,
    alg: str = "ES256",
    typ: str = "dpop+jwt",
    htm: str = "GET",
    htu: str = URL,
    iat: float = NOW,
    jti: str | None = None,
    **claims: Any,
) -> str:
    if private is None:
        private, jwk = _ec_key()
    header = {"typ": typ, "jwk": jwk}
    body = {"jti": jti or str(uuid.uuid4()), "htm": htm, "htu": htu, "iat": int(iat), **claims}
    return jwt.encode(body, private, algorithm=alg, headers=header)


def check(token: str, **kwargs: Any) -> Any:
    options: dict[str, Any] = {
        "method": "GET",
        "url": URL,
        "now": NOW,
        "max_age": 60,
        "leeway": 5,
        "replay": ReplayCache(),
    }
    options.update(kwargs)
    return verify_proof(token, **options)


def refused(token: object, reason: str, **kwargs: Any) -> None:
    with pytest.raises(ProofRejected) as error:
        check(token, **kwargs)
    assert error.value.reason == reason, error.value.description


def test_a_good_proof_passes_and_names_its_key() -> None:
    private, jwk = _ec_key()
    verified = check(proof(private, jwk))
    assert verified.jkt == thumbprint(jwk)
    ed = ed25519.Ed25519PrivateKey.generate()
    ed_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(ed.public_key()))
    for alg in ("EdDSA", "Ed25519"):
        body = json.dumps({"jti": alg, "htm": "GET", "htu": URL, "iat": int(NOW)}).encode()
        token = JWS.encode(body, ed, algorithm=alg, headers={"typ": "dpop+jwt", "jwk": ed_jwk})
        assert check(token).jkt == thumbprint(ed_jwk)
        assert jwt.get_unverified_header(token)["alg"] == alg


def test_the_rfc_7638_thumbprint_of_its_example() -> None:
    # RFC 7638 §3.1 uses an RSA key; RFC 9449 §6.1's EC example instead:
    jwk = {
        "kty": "EC",
        "x": "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
        "y": "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
        "crv": "P-256",
    }
    assert thumbprint(jwk) == "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: "", "missing_proof"),
        (lambda: "a.b", "malformed_proof"),
        (lambda: "x" * 9000, "malformed_proof"),
        (lambda: proof(typ="JWT"), "wrong_typ"),
        (lambda: proof(htm="POST"), "wrong_htm"),
        (lambda: proof(htu="https://lab.example/api/messages"), "wrong_htu"),
        (lambda: proof(htu="https://evil.example/api/me"), "wrong_htu"),
        (lambda: proof(iat=NOW + 30), "future_proof"),
        (lambda: proof(iat=NOW - 120), "stale_proof"),
    ],
)
def test_each_broken_rule_is_named(make: Any, reason: str) -> None:
    refused(make(), reason)


def test_symmetric_or_unsigned_proofs_are_refused() -> None:
    _, jwk = _ec_key()
    hs = jwt.encode(
        {"jti": "1", "htm": "GET", "htu": URL, "iat": int(NOW)},
        "a-shared-secret-of-enough-length!",
        algorithm="HS256",
        headers={"typ": "dpop+jwt", "jwk": jwk},
    )
    refused(hs, "unsupported_alg")
    unsigned = jwt.encode(
        {"jti": "1", "htm": "GET", "htu": URL, "iat": int(NOW)},
        None,
        algorithm="none",
        headers={"typ": "dpop+jwt", "jwk": jwk},
    )
    refused(unsigned, "unsupported_alg")


def test_a_private_key_in_the_header_or_another_keys_signature_is_refused() -> None:
    private, jwk = _ec_key()
    leaked = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private))
    refused(proof(private, leaked), "private_key")
    other, _ = _ec_key()
    refused(proof(other, jwk), "invalid_signature")  # signed by one key, names another


def test_a_proof_is_used_once_and_htu_is_compared_normalised() -> None:
    replay = ReplayCache()
    token = proof(htu="HTTPS://LAB.example:443/api/me?x=1#f")
    check(token, replay=replay)
    with pytest.raises(ProofRejected) as again:
        check(token, replay=replay)
    assert again.value.reason == "replayed_proof"
    assert normalize_htu("http://[::1]:8080/a?b") == "http://[::1]:8080/a"


def test_the_replay_cache_forgets_only_what_has_expired_and_is_bounded() -> None:
    cache = ReplayCache(limit=2)
    cache.add("a", NOW + 10, NOW)
    cache.add("b", NOW + 10, NOW)
    with pytest.raises(ProofRejected) as full:
        cache.add("c", NOW + 10, NOW)
    assert full.value.reason == "replay_cache_full"
    cache.add("c", NOW + 30, NOW + 11)  # a and b have expired: room again
    assert len(cache) == 1


def test_ath_binds_the_proof_to_its_access_token() -> None:
    private, jwk = _ec_key()
    good = proof(private, jwk, ath=access_token_hash("token-A"))
    check(good, access_token="token-A")
    refused(
        proof(private, jwk, ath=access_token_hash("token-B")), "wrong_ath", access_token="token-A"
    )
    refused(proof(private, jwk), "wrong_ath", access_token="token-A")


def test_a_nonce_from_this_server_and_slot_only() -> None:
    ours, theirs = NonceSource("https://lab.example"), NonceSource("https://other.example")
    current = ours.current(NOW)
    check(proof(nonce=current), nonce=ours)
    refused(proof(), "use_dpop_nonce", nonce=ours)
    refused(proof(nonce=theirs.current(NOW)), "use_dpop_nonce", nonce=ours)
    check(proof(nonce=current), nonce=ours, now=NOW + 61)  # the previous slot still works
    refused(proof(nonce=current, iat=NOW + 200), "use_dpop_nonce", nonce=ours, now=NOW + 200)


def _b64(data: Any) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_the_compact_form_is_parsed_strictly() -> None:
    """The proof's segments are read by hand (bench/dpop.py says why): each way of
    breaking them is still refused with its reason."""
    good = proof()
    head, body, signature = good.split(".")
    refused(f"!!!!.{body}.{signature}", "malformed_proof")  # not base64url
    refused(f"{head[:-1]}.{body}.{signature}"[1:], "malformed_proof")  # a length no base64 has
    refused(f"{_b64([1, 2])}.{body}.{signature}", "malformed_proof")  # not an object
    refused(f"{head}.{body}.{signature[:-2]}!!", "invalid_key")  # an unreadable signature
    refused(f"{head}.{_b64({'jti': 'x', 'htm': 'GET'})}.{signature}", "invalid_signature")
    refused(f"{head}.{body}.{signature}.", "malformed_proof")  # four parts


def test_jwk_members_must_be_strings_and_of_a_known_key_type() -> None:
    private, jwk = _ec_key()
    refused(proof(private, {**jwk, "x": 12345}), "invalid_key")
    refused(proof(private, {"kty": "RSA", "n": "AQAB", "e": "AQAB"}), "invalid_key")
    refused(proof(private, {k: v for k, v in jwk.items() if k != "y"}), "invalid_key")


def test_what_is_worked_out_once_per_header_still_depends_on_the_allowed_algorithms() -> None:
    private, jwk = _ec_key()
    first = check(proof(private, jwk))
    first.header["typ"] = "changed by a caller"  # a copy: the cached header is untouched
    assert check(proof(private, jwk)).header["typ"] == "dpop+jwt"
    refused(proof(private, jwk), "unsupported_alg", algorithms=("Ed25519",))


def test_refused_not_crashed_nested_headers_crit_nan_and_unsigned_junk() -> None:
    """A review found these after the hand parsing: each a refusal with its reason."""
    import base64

    private, jwk = _ec_key()
    good = proof(private, jwk)
    _, body, signature = good.split(".")
    nested = base64.urlsafe_b64encode(b"[" * 3000).rstrip(b"=").decode()
    refused(f"{nested}.{body}.{signature}", "malformed_proof")  # not a RecursionError (500)
    long_header = _b64({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk, "x": "y" * 2000})
    refused(f"{long_header}.{body}.{signature}", "malformed_proof")
    critical = jwt.encode(
        {"jti": "c", "htm": "GET", "htu": URL, "iat": int(NOW)},
        private,
        algorithm="ES256",
        headers={"typ": "dpop+jwt", "jwk": jwk, "crit": ["exp-ext"], "exp-ext": 1},
    )
    refused(critical, "malformed_proof")
    not_json = JWS.encode(
        b"not json", private, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": jwk}
    )
    refused(not_json, "malformed_proof")  # signed, but no claims to read
    nan_iat = JWS.encode(
        b'{"jti":"n","htm":"GET","htu":"' + URL.encode() + b'","iat":NaN}',
        private,
        algorithm="ES256",
        headers={"typ": "dpop+jwt", "jwk": jwk},
    )
    refused(nan_iat, "malformed_proof")  # NaN is not JSON: never fresh, never replayable


def _es256_by_hand(private: Any) -> str:
    """An "ES256" proof signed with a key of any curve (PyJWT would refuse to)."""
    from cryptography.hazmat.primitives import hashes
    from jwt.utils import der_to_raw_signature

    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    head = _b64({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk})
    body = _b64({"jti": str(uuid.uuid4()), "htm": "GET", "htu": URL, "iat": int(NOW)})
    der = private.sign(f"{head}.{body}".encode(), ec.ECDSA(hashes.SHA256()))
    raw = der_to_raw_signature(der, private.curve)
    import base64

    return f"{head}.{body}.{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}"


def test_the_key_must_be_on_the_algorithms_curve() -> None:
    from cryptography.hazmat.primitives.asymmetric import ed448

    assert check(_es256_by_hand(ec.generate_private_key(ec.SECP256R1()))).jti  # the control
    refused(_es256_by_hand(ec.generate_private_key(ec.SECP384R1())), "invalid_key")
    refused(_es256_by_hand(ec.generate_private_key(ec.SECP256K1())), "invalid_key")
    ed448_key = ed448.Ed448PrivateKey.generate()
    ed448_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(ed448_key.public_key()))
    body = json.dumps({"jti": "e", "htm": "GET", "htu": URL, "iat": int(NOW)}).encode()
    for alg in ("EdDSA", "Ed25519"):  # RFC 9864: Ed25519 names one curve
        signed = JWS.encode(
            body, ed448_key, algorithm=alg, headers={"typ": "dpop+jwt", "jwk": ed448_jwk}
        )
        refused(signed, "invalid_key")
    ed = ed25519.Ed25519PrivateKey.generate()
    ed_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(ed.public_key()))
    assert check(proof(ed, ed_jwk, alg="EdDSA")).jkt == thumbprint(ed_jwk)


def test_the_returned_header_is_a_copy_all_the_way_down() -> None:
    private, jwk = _ec_key()
    first = check(proof(private, jwk))
    first.header["jwk"]["x"] = "changed by a caller"
    assert check(proof(private, jwk)).header["jwk"]["x"] == jwk["x"]
