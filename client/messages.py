"""Every sentence the client core shows a user, in one place.

Devices, the token session, the OAuth client, the token store and the lab
build their errors and notices from these functions and constants, never from
inline text — so wording stays consistent and a translation has one module to
cover. The window's own labels live in ``client/gui``; the server's words
(reasons, rejections) in ``contract``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from contract import device_word

# --- a session that ended -------------------------------------------------------------------


def wall_time(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%H:%M:%S")


def sign_out_message(
    reason: str,
    detail: dict[str, Any] | None = None,
    at_format: Callable[[float], str] = wall_time,
) -> str:
    """A sentence a user understands, from the server's reason and details; times
    as ``at_format`` writes them (the wall clock unless told otherwise).

    >>> sign_out_message("superseded", {"revoked_by": {"device_type": "pc",
    ...     "device_name": "Office PC"}, "revoked_at": 0})
    "Signed out: you signed in on PC 'Office PC' at 00:00:00"
    """
    detail = detail or {}
    when = detail.get("revoked_at")
    at = f" at {at_format(when)}" if isinstance(when, int | float) else ""
    by = detail.get("revoked_by") if isinstance(detail.get("revoked_by"), dict) else None
    if reason == "superseded":
        if by:
            kind = device_word(str(by.get("device_type")))
            return f"Signed out: you signed in on {kind} '{by.get('device_name')}'{at}"
        return f"Signed out: your account signed in on another device{at}"
    if reason == "logout":
        if by:
            return f"Signed out from '{by.get('device_name')}'{at}"
        return f"Signed out{at}"
    texts = {
        "forced": f"Signed out: an administrator ended this session{at}",
        "reuse_detected": (
            "Signed out: a refresh token of this session was used twice — it may have "
            f"been stolen, so the server revoked the session{at}"
        ),
        "refresh_expired": "Signed out: the session expired; sign in again",
        "rejected": "Sign-in refused: the account is already signed in on another device",
        "keyring_error": "Signed out: the tokens could not be kept in the keyring",
        "key_retired": "Signed out: the server retired the key that signed this session",
    }
    return texts.get(reason, f"Signed out ({reason}){at}")


SIGNED_OUT = "Signed out"
NOT_SIGNED_IN = "the device is not signed in"
NO_REFRESH_TOKEN = "there is no refresh token; sign in again"


def signed_out_because(error: object) -> str:
    """The device lost its tokens for a reason of its own (a failing token store)."""
    return f"Signed out: {error}"


def sign_in_failed(error: object) -> str:
    return f"Sign-in failed: {error}"


def sign_out_not_told(error: object) -> str:
    return f"Could not tell the server about the sign-out: {error}"


def session_left_open(error: object) -> str:
    return (
        f"The tokens could not be kept, and the server could not be told to end "
        f"the session ({error}): it stays active there until it expires"
    )


def tokens_not_cleared(error: object) -> str:
    return f"Could not clear stored tokens: {error}"


# --- the token endpoint -----------------------------------------------------------------------

WRONG_PASSWORD = "wrong username or password"
TOKEN_RESPONSE_NOT_JSON = "the token response is not JSON"


def server_failed(status: int) -> str:
    return f"the server failed ({status}); will retry later"


def refresh_backed_off(seconds: float) -> str:
    return f"the server was failing; next refresh in {seconds:.0f} s"


def too_many_sign_ins(retry_after: float) -> str:
    return f"too many failed sign-ins; try again in {retry_after:.0f} s"


def no_oauth_error(status: int) -> str:
    return f"the token endpoint answered {status} without an OAuth error"


def refresh_refused(description: str) -> str:
    return f"the token endpoint refused the refresh: {description}"


def token_response_unusable(problem: object) -> str:
    return f"the token response is unusable: {problem}"


def revocation_failed(status: int) -> str:
    return f"revocation failed ({status})"


# --- finding and reaching the server ---------------------------------------------------------


def unreachable(server: str, what: str) -> str:
    return f"cannot reach the server at {server}: {what}"


def keys_unreadable(status: int) -> str:
    return f"the server's public keys could not be read (HTTP {status})"


def metadata_failed(status: int) -> str:
    return f"the server's metadata failed ({status})"


def no_metadata_at(url: str, status: int) -> str:
    answer = "not JSON metadata" if status == 200 else f"HTTP {status}"
    return f"{url}: {answer}"


def metadata_of_another_issuer(url: str, issuer: str, server: str) -> str:
    named = repr(issuer) if issuer else "no issuer"
    return f"{url} names {named}, not {server!r} (RFC 8414 §3.3)"


def metadata_without_token_endpoint(url: str) -> str:
    return f"{url} names no token_endpoint"


def conventional_endpoints(server: str, problems: list[str], token_endpoint: str) -> str:
    return (
        f"{server} publishes no usable metadata ({'; '.join(problems)}); "
        f"using the conventional endpoints ({token_endpoint})"
    )


# --- the token store and the lab's files ------------------------------------------------------

MEMORY_STORE = "memory only (tokens are lost when the app exits)"
NO_KEYRING_HINT = (
    "no OS keyring is available (on Linux, install and unlock gnome-keyring or "
    "KWallet; or continue with memory-only tokens)"
)
KEYRING_LOCKED = "the OS keyring is locked; unlock it and try again"
NO_KEYRING = "no OS keyring is available"


def keyring_failed(detail: str) -> str:
    return f"the OS keyring failed: {detail}"


def keyring_name(backend: str) -> str:
    return f"OS keyring ({backend})"


def entry_incomplete(entry: str) -> str:
    return f"keyring entry {entry!r} is missing some of its chunks"


def entry_checksum(entry: str) -> str:
    return f"keyring entry {entry!r} does not match its checksum"


def entry_not_text(entry: str) -> str:
    return f"keyring entry {entry!r} is not text"


def device_list_not_saved(error: object) -> str:
    return f"could not save the device list: {error}"


def stored_tokens(device_id: str, problem: str) -> str:
    """``problem``: ``incomplete``, ``not_a_token``, ``unreadable`` or ``torn``."""
    where = f"the stored tokens of {device_id!r}"
    return {
        "incomplete": f"{where} are incomplete",
        "not_a_token": f"{where} hold something that is not a token",
        "unreadable": f"{where} have an unreadable meta entry",
        "torn": f"{where} do not belong together (a torn or foreign write)",
    }[problem]


def memory_fallback(error: object) -> str:
    return f"{error} — tokens are now kept in memory only and will not survive a restart"


# --- the admin API ----------------------------------------------------------------------------

ADMIN_KEY_REFUSED = "the server refused the admin key"


def admin_refused(status: int, description: str | None) -> str:
    return description or f"HTTP {status}"


def cannot_follow_events(status: int) -> str:
    return f"cannot follow events: HTTP {status}"


def event_stream_broke(server: str, error: object) -> str:
    return f"the event stream of {server} broke: {error}"


# --- devices and their list -------------------------------------------------------------------


def bad_device_id(device_id: str) -> str:
    return f"device id {device_id!r}: use 1-64 letters, digits and . _ : -"


def bad_device_type(device_type: str, known: tuple[str, ...]) -> str:
    return f"device type {device_type!r}: use one of {', '.join(known)}"


NO_USER = "a device needs a user"
NEGATIVE_MARGIN = "refresh_margin cannot be negative"


def bad_server_url(server: str) -> str:
    return f"server {server!r} must be an http(s) URL"


def incomplete_device(problem: object) -> str:
    return f"incomplete device: {problem}"


def duplicate_device(device_id: str) -> str:
    return f"there is already a device {device_id!r}"


def no_such_device(device_id: str) -> str:
    return f"no device {device_id!r}"


def registry_unreadable(path: object, error: object) -> str:
    return f"cannot read {path}: {error}"


def lab_busy(db: object) -> str:
    return (
        f"Another JWT Device Lab already runs its bundled server on {db}. "
        "Close that window first, or give this one a database of its own (--db FILE), "
        "or open it against a running server (--server URL --admin-key KEY)."
    )


REGISTRY_SHAPE = "expected {'devices': [...]}"


def registry_damaged(path: object, problem: object, moved_to: str) -> str:
    return f"{path} was damaged ({problem}); it was moved to {moved_to}"


# --- token responses --------------------------------------------------------------------------

NO_ACCESS_TOKEN = "the token response has no access_token"
REFRESH_TOKEN_NOT_TEXT = "refresh_token must be a string"


def unsupported_token_type(token_type: object) -> str:
    return f"unsupported token_type {token_type!r}"
