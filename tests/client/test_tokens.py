"""Pure token decisions: parsing token responses, staleness, messages."""

from __future__ import annotations

import pytest

from client.messages import sign_out_message
from client.tokens import TokenSet, fingerprint, needs_refresh, refresh_expired
from tests.client.conftest import make_jwt, token_body

NOW = 1_700_000_000.0


def test_from_response_reads_expiry_from_the_exp_claims() -> None:
    tokens = TokenSet.from_response(token_body(NOW), NOW)
    assert tokens.access_exp == NOW + 30
    assert tokens.refresh_exp == NOW + 180
    assert tokens.sid == "sid-1"
    assert tokens.scope == "profile messages"


def test_opaque_tokens_fall_back_to_expires_in() -> None:
    body = {
        "access_token": "opaque",
        "token_type": "bearer",
        "expires_in": 60,
        "refresh_token": "opaque-rt",
        "refresh_expires_in": 600,
    }
    tokens = TokenSet.from_response(body, NOW)
    assert tokens.access_exp == NOW + 60
    assert tokens.refresh_exp == NOW + 600


def test_response_without_refresh_token_keeps_the_old_one() -> None:
    first = TokenSet.from_response(token_body(NOW), NOW)
    second = TokenSet.from_response(token_body(NOW + 10, refresh=False), NOW + 10, previous=first)
    assert second.refresh_token == first.refresh_token
    assert second.refresh_exp == first.refresh_exp
    assert second.access_token != first.access_token


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"access_token": ""},
        {"access_token": "x", "token_type": "mac"},
        {"access_token": "x", "refresh_token": 5},
    ],
)
def test_unusable_token_responses_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TokenSet.from_response(body, NOW)


@pytest.mark.parametrize(
    ("now", "margin", "expected"),
    [
        (NOW, 5, False),
        (NOW + 24, 5, False),
        (NOW + 25, 5, True),
        (NOW + 40, 5, True),
        (NOW + 40, 0, False),
    ],
)
def test_needs_refresh_honours_the_margin(now: float, margin: float, expected: bool) -> None:
    tokens = TokenSet.from_response(token_body(NOW), NOW)
    assert needs_refresh(tokens, now, margin) is expected


def test_refresh_expired() -> None:
    tokens = TokenSet.from_response(token_body(NOW), NOW)
    assert not refresh_expired(tokens, NOW + 179)
    assert refresh_expired(tokens, NOW + 180)


def test_repr_and_fingerprint_never_show_the_token() -> None:
    tokens = TokenSet.from_response(token_body(NOW), NOW)
    assert tokens.access_token not in repr(tokens)
    assert tokens.refresh_token is not None
    assert tokens.refresh_token not in repr(tokens)
    assert fingerprint(tokens.access_token) in repr(tokens)
    assert f"refresh={fingerprint(tokens.refresh_token)}" in repr(tokens)
    assert fingerprint(make_jwt(NOW)) != fingerprint(make_jwt(NOW + 1))


def test_sign_out_messages_name_the_device_that_took_over() -> None:
    message = sign_out_message(
        "superseded",
        {"revoked_by": {"device_type": "pc", "device_name": "Office PC"}, "revoked_at": NOW},
    )
    assert message.startswith("Signed out: you signed in on PC 'Office PC' at ")
    assert "administrator" in sign_out_message("forced")
    assert "stolen" in sign_out_message("reuse_detected")


def test_the_token_type_may_be_omitted_or_in_any_case_but_must_be_bearer_or_dpop() -> None:
    body = token_body(NOW)
    del body["token_type"]
    assert TokenSet.from_response(body, NOW).access_token == body["access_token"]
    for spelling in ("bearer", "BEARER", "Bearer"):
        TokenSet.from_response({**body, "token_type": spelling}, NOW)
    for spelling in ("dpop", "DPoP"):  # RFC 9449: bound to the device's key
        assert TokenSet.from_response({**body, "token_type": spelling}, NOW).token_type == "DPoP"
    with pytest.raises(ValueError, match=r"^unsupported token_type 'MAC'$"):
        TokenSet.from_response({**body, "token_type": "MAC"}, NOW)
    with pytest.raises(ValueError, match=r"^refresh_token must be a string$"):
        TokenSet.from_response({**body, "refresh_token": ["x"]}, NOW)
    with pytest.raises(ValueError, match=r"^the token response has no access_token$"):
        TokenSet.from_response({**body, "access_token": 5}, NOW)


def test_the_scope_comes_from_the_response_then_the_token_then_the_previous_set() -> None:
    body = token_body(NOW)
    assert TokenSet.from_response({**body, "scope": "profile"}, NOW).scope == "profile"
    del body["scope"]
    assert TokenSet.from_response(body, NOW).scope == ""  # neither says: empty
    with_claim = {**body, "access_token": make_jwt(NOW + 30, scope="messages")}
    assert TokenSet.from_response(with_claim, NOW).scope == "messages"
    previous = TokenSet.from_response(token_body(NOW), NOW)
    assert TokenSet.from_response(body, NOW, previous=previous).scope == "profile messages"


def test_a_session_id_that_is_not_text_is_not_a_session_id() -> None:
    body = {**token_body(NOW), "access_token": make_jwt(NOW + 30, sid=7)}  # type: ignore[arg-type]
    assert TokenSet.from_response(body, NOW).sid is None


def test_the_session_start_is_kept_across_refreshes_of_one_session_only() -> None:
    first = TokenSet.from_response(token_body(NOW), NOW)
    refreshed = TokenSet.from_response(token_body(NOW + 40), NOW + 40, previous=first)
    assert refreshed.session_start == NOW
    other = TokenSet.from_response(token_body(NOW + 50, sid="sid-2"), NOW + 50, previous=first)
    assert other.session_start == NOW + 50
    assert TokenSet.from_response(token_body(NOW + 60), NOW + 60).session_start == NOW + 60


def test_a_fingerprint_is_a_hash_prefix_never_the_token() -> None:
    import hashlib

    token = make_jwt(NOW)
    assert fingerprint(token) == "#" + hashlib.sha256(token.encode()).hexdigest()[:8]
    assert fingerprint(None) == fingerprint("") == "-"


def test_a_fractional_margin_still_refreshes_early() -> None:
    tokens = TokenSet.from_response(token_body(NOW), NOW)
    assert needs_refresh(tokens, NOW + 29.6, 0.5)
    assert not needs_refresh(tokens, NOW + 29.4, 0.5)
