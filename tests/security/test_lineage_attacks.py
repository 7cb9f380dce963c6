"""GET /admin/sessions/{sid}/lineage under attack: the admin key is checked by
test_admin_boundary (every admin route); here, what a sid can carry."""

from __future__ import annotations

import httpx

from tests.server.helpers import ADMIN, login


async def test_unknown_and_malformed_sids_are_refused_with_a_code(
    client: httpx.AsyncClient,
) -> None:
    await login(client)  # a real session exists: none of these may reach it
    for sid, status, error in [
        ("nope", 404, "not_found"),
        ("..%2F..%2Fadmin%2Fstate", 404, "not_found"),
        ("%00", 404, "not_found"),
        ("' OR 1=1 --", 404, "not_found"),
        ("x" * 300, 400, "invalid_request"),
    ]:
        response = await client.get(f"/admin/sessions/{sid}/lineage", headers=ADMIN)
        assert response.status_code == status, (sid, response.text)
        assert response.json()["error"] == error, sid


async def test_a_session_of_another_user_is_only_an_admin_matter(client: httpx.AsyncClient) -> None:
    """The lineage holds names of refresh tokens, never tokens: even the admin
    cannot replay what it reads there."""
    tokens = await login(client)
    sid = (await client.get("/admin/sessions", headers=ADMIN)).json()["sessions"][0]["sid"]
    lineage = (await client.get(f"/admin/sessions/{sid}/lineage", headers=ADMIN)).json()
    name = lineage["tokens"][0]["id"]
    response = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": name, "client_id": "jwt-device-lab"},
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert tokens["refresh_token"] != name
