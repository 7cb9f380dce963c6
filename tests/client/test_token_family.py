"""The inspector's token family, from the server's lineage and the device's causes."""

from __future__ import annotations

from client.inspect import token_family


def at(t: float) -> str:
    return f"T+{t:g}"


LINEAGE = {
    "sid": "S1",
    "user": "alice",
    "device_name": "Alice's phone",
    "created_at": 0.0,
    "tokens": [
        {
            "id": "aaa",
            "issued_at": 0.0,
            "expires_at": 180.0,
            "rotated_at": 25.0,
            "successor": "bbb",
        },
        {
            "id": "bbb",
            "issued_at": 25.0,
            "expires_at": 180.0,
            "rotated_at": 55.0,
            "successor": "ccc",
        },
        {
            "id": "ccc",
            "issued_at": 55.0,
            "expires_at": 180.0,
            "rotated_at": None,
            "successor": None,
        },
    ],
    "ended": None,
}


def test_each_token_leads_to_its_successor_with_why_it_came() -> None:
    causes = {"aaa": "login", "bbb": "proactive", "ccc": "401+grace"}
    members, end = token_family(LINEAGE, causes, at)
    assert [(m.index, m.id, m.issued) for m in members] == [
        (1, "aaa", "T+0"),
        (2, "bbb", "T+25"),
        (3, "ccc", "T+55"),
    ]
    assert [m.cause for m in members] == [
        "sign-in",
        "refreshed before the access token expired",
        "refreshed after the API refused the access token (401), "
        "then again within the reuse grace period",
    ]
    assert [m.then for m in members] == [
        "rotated at T+25 → #2",
        "rotated at T+55 → #3",
        "current (expires at T+180)",
    ]
    assert end == ""


def test_the_end_names_the_rule_and_who_fired_it() -> None:
    superseded = {
        **LINEAGE,
        "ended": {
            "reason": "superseded",
            "revoked_at": 70.0,
            "revoked_by": {"device_type": "pc", "device_name": "Office PC", "signed_in_at": 70.0},
        },
    }
    members, end = token_family(superseded, {}, at)
    assert members[-1].then == "ended with the session"
    assert members[1].cause == ""  # this device does not know: it says nothing
    assert end == "Signed out: you signed in on PC 'Office PC' at T+70"
    reuse = {**LINEAGE, "ended": {"reason": "reuse_detected", "revoked_at": 90.0}}
    _, end = token_family(reuse, {}, at)
    assert end.startswith("Signed out: a refresh token of this session was used twice")
    assert "at T+90" in end and "the thief's and the owner's" in end
    forced = {**LINEAGE, "ended": {"reason": "forced", "revoked_at": 95.0}}
    assert token_family(forced, {}, at)[1] == (
        "Signed out: an administrator ended this session at T+95"
    )
