"""``KeyManager`` on its own: which key signs, which verify, what retiring does."""

from __future__ import annotations

import pytest

from mock_server import SqliteStore, VirtualClock
from mock_server.errors import Conflict, NotFound
from mock_server.keys import KeyManager


@pytest.fixture
def keys(clock: VirtualClock) -> KeyManager:
    return KeyManager(SqliteStore(":memory:"), clock)


async def test_retiring_by_kid_and_by_default(keys: KeyManager, clock: VirtualClock) -> None:
    first = await keys.ensure("EdDSA")
    second = await keys.rotate("EdDSA")
    third = await keys.rotate("EdDSA")
    assert keys.current("EdDSA") == third
    clock.advance(7)
    retired = await keys.retire(second.kid, keep=third.kid)
    assert (retired.kid, retired.alg, retired.retired_at) == (second.kid, "EdDSA", clock.now())
    assert (retired.signing, retired.verifying) == (second.signing, second.verifying)
    assert retired.created_at == second.created_at
    assert keys.verifying_key(second.kid) is None and keys.is_retired(second.kid)
    # Without a kid: the oldest active key that is not the current one.
    assert (await keys.retire(keep=third.kid)).kid == first.kid
    assert [k.describe()["state"] for k in keys.all()] == ["retired", "retired", "active"]
    assert keys.verifying_key(third.kid) == third
    assert not keys.is_retired(third.kid) and not keys.is_retired("nope")


async def test_what_cannot_be_retired(keys: KeyManager) -> None:
    only = await keys.ensure("EdDSA")
    with pytest.raises(
        Conflict, match=r"^no key to retire: only the current signing key is active$"
    ):
        await keys.retire(keep=only.kid)
    with pytest.raises(
        Conflict, match=r"^the current signing key cannot be retired; rotate first$"
    ):
        await keys.retire(only.kid, keep=only.kid)
    with pytest.raises(NotFound, match=r"^no signing key 'nope'$"):
        await keys.retire("nope", keep=only.kid)
    newer = await keys.rotate("EdDSA")
    await keys.retire(only.kid, keep=newer.kid)
    with pytest.raises(Conflict, match=f"^key '{only.kid}' is already retired$"):
        await keys.retire(only.kid, keep=newer.kid)


async def test_retirement_survives_a_restart(clock: VirtualClock) -> None:
    store = SqliteStore(":memory:")
    keys = KeyManager(store, clock)
    old = await keys.ensure("ES256")
    new = await keys.rotate("ES256")
    clock.advance(3)
    await keys.retire(old.kid, keep=new.kid)
    again = KeyManager(store, clock)
    await again.load()
    assert again.is_retired(old.kid)
    assert again.all()[0].retired_at == clock.now()
    assert again.current("ES256") is not None and again.current("ES256").kid == new.kid  # type: ignore[union-attr]
    assert again.jwks() == {"keys": [new.public_jwk]}


async def test_keys_of_other_algorithms_do_not_sign_for_this_one(keys: KeyManager) -> None:
    ed = await keys.ensure("EdDSA")
    es = await keys.ensure("ES256")
    hs = await keys.ensure("HS256")
    assert keys.current("EdDSA") == ed and keys.current("ES256") == es
    assert keys.current("RS256") is None
    assert hs.public_jwk is None and hs.kid.startswith("hs-")
    # The JWKS publishes public keys only: never the HMAC secret.
    assert {j["kid"] for j in keys.jwks()["keys"]} == {ed.kid, es.kid}


async def test_a_key_describes_itself(keys: KeyManager, clock: VirtualClock) -> None:
    key = await keys.ensure("ES256")
    assert key.describe() == {
        "kid": key.kid,
        "alg": "ES256",
        "created_at": clock.now(),
        "retired_at": None,
        "state": "active",
    }
