"""A thief: someone who copied a device's access token — and, for a DPoP-bound
token, the last proof the device sent, as a man in the middle would — and tries
it on the API.

The window's *Steal token* starts one (``Lab.steal_token``); the scenario steps
``steal_access`` and ``replay_access`` make the same tries. Each try is a
``ThiefTried`` event on the thief's own lane of the timeline, so what the copy
was worth is plain to see: a bearer token lets the thief in until it expires; a
DPoP-bound one is refused every time, each try with the check that stopped it
(RFC 9449 §7).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
import jwt

from client.auth import rejection_reason
from client.dpop import DPoPKey
from client.errors import ServerUnreachable
from client.events import ThiefTried

API_PATH = "/api/me"
# What a thief of a DPoP-bound token can try, in turn: the captured request
# again, a proof of a key of its own, the token as a plain bearer token.
BOUND_TRIES = ("copied_proof", "own_key", "bearer")
HOWS = ("bearer", "own_key", "copied_proof")


@dataclass(slots=True)
class Thief:
    """What a thief holds: the device's access token (and its last proof)."""

    victim: str  # the device's id
    token: str
    proof: str | None
    bound: bool
    access_exp: float
    key: DPoPKey | None = None  # its own, made for its first own_key try
    tries: int = field(default=0)

    @property
    def sid(self) -> str | None:
        """The session of the stolen token (its claims, read without checking)."""
        try:
            claims = jwt.decode(self.token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return None
        sid = claims.get("sid") if isinstance(claims, dict) else None
        return sid if isinstance(sid, str) else None

    def next_how(self) -> str:
        """The thief's next try: a bearer token's only one, or a bound token's turn."""
        return BOUND_TRIES[self.tries % len(BOUND_TRIES)] if self.bound else "bearer"

    def headers(self, how: str, url: str, now: float) -> dict[str, str]:
        if how == "bearer":
            return {"Authorization": f"Bearer {self.token}"}
        if how == "own_key":
            if self.key is None:
                self.key = DPoPKey.generate()
            proof = self.key.proof("GET", url, now, access_token=self.token)
            return {"Authorization": f"DPoP {self.token}", "DPoP": proof}
        return {"Authorization": f"DPoP {self.token}", "DPoP": self.proof or ""}

    async def attempt(
        self, http: httpx.AsyncClient, server: str, now: float, how: str | None = None
    ) -> ThiefTried:
        """One try on the API (``how``: the next in turn unless given); never raises
        for the server's answer or an unreachable server."""
        how = how or self.next_how()
        self.tries += 1
        url = f"{server.rstrip('/')}{API_PATH}"
        try:
            response = await http.get(url, headers=self.headers(how, url, now))
        except ServerUnreachable as exc:
            return ThiefTried(self.victim, now, how, API_PATH, None, exc.kind)
        reason = None if response.status_code == 200 else refusal(response)
        return ThiefTried(self.victim, now, how, API_PATH, response.status_code, reason)


def refusal(response: httpx.Response) -> str:
    """The server's reason for a refusal, in a word or a few."""
    reason = rejection_reason(response)
    if reason is not None:
        return reason
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict) and (body.get("error_description") or body.get("error")):
        return str(body.get("error_description") or body.get("error"))
    return f"HTTP {response.status_code}"
