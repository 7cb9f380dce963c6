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

from client.i18n import QT_TR_NOOP, tr
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
    at = tr(" at {time}").format(time=at_format(when)) if isinstance(when, int | float) else ""
    by = detail.get("revoked_by") if isinstance(detail.get("revoked_by"), dict) else None
    if reason == "superseded":
        if by:
            kind = tr(device_word(str(by.get("device_type"))))
            return tr("Signed out: you signed in on {kind} '{name}'{at}").format(
                kind=kind, name=by.get("device_name"), at=at
            )
        return tr("Signed out: your account signed in on another device{at}").format(at=at)
    if reason == "logout":
        if by:
            return tr("Signed out from '{name}'{at}").format(name=by.get("device_name"), at=at)
        return tr("Signed out{at}").format(at=at)
    texts = {
        "forced": tr("Signed out: an administrator ended this session{at}"),
        "reuse_detected": tr(
            "Signed out: a refresh token of this session was used twice — it may have "
            "been stolen, so the server revoked the session{at}"
        ),
        "refresh_expired": tr("Signed out: the session expired; sign in again"),
        "rejected": tr("Sign-in refused: the account is already signed in on another device"),
        "keyring_error": tr("Signed out: the tokens could not be kept in the keyring"),
        "key_retired": tr("Signed out: the server retired the key that signed this session"),
        "code_reuse": tr(
            "Signed out: the sign-in's authorization code was presented a second time — "
            "it may have been intercepted, so the server revoked the session{at}"
        ),
    }
    return texts.get(reason, tr("Signed out ({reason}){at}")).format(reason=reason, at=at)


def signed_out_because(error: object) -> str:
    """The device lost its tokens for a reason of its own (a failing token store)."""
    return tr("Signed out: {error}").format(error=error)


def sign_in_failed(error: object) -> str:
    return tr("Sign-in failed: {error}").format(error=error)


def sign_out_not_told(error: object) -> str:
    return tr("Could not tell the server about the sign-out: {error}").format(error=error)


def session_left_open(error: object) -> str:
    return tr(
        "The tokens could not be kept, and the server could not be told to end "
        "the session ({error}): it stays active there until it expires"
    ).format(error=error)


def tokens_not_cleared(error: object) -> str:
    return tr("Could not clear stored tokens: {error}").format(error=error)


# --- the token endpoint -----------------------------------------------------------------------


def server_failed(status: int) -> str:
    return tr("the server failed ({status}); will retry later").format(status=status)


def refresh_backed_off(seconds: float) -> str:
    return tr("the server was failing; next refresh in {seconds:.0f} s").format(seconds=seconds)


def too_many_sign_ins(retry_after: float) -> str:
    return tr("too many failed sign-ins; try again in {retry_after:.0f} s").format(
        retry_after=retry_after
    )


def no_oauth_error(status: int) -> str:
    return tr("the token endpoint answered {status} without an OAuth error").format(status=status)


def refresh_refused(description: str) -> str:
    return tr("the token endpoint refused the refresh: {description}").format(
        description=description
    )


def token_response_unusable(problem: object) -> str:
    return tr("the token response is unusable: {problem}").format(problem=problem)


def revocation_failed(status: int) -> str:
    return tr("revocation failed ({status})").format(status=status)


# --- signing in through a browser, or on a TV ------------------------------------------


def callback_timeout(seconds: float) -> str:
    return tr("no sign-in came back from the browser within {s} s").format(s=f"{seconds:g}")


def autopilot_stuck(url: str, status: int) -> str:
    return tr("the scripted browser found no way on at {url} (HTTP {status})").format(
        url=url, status=status
    )


def callback_state_mismatch() -> str:
    return tr("the browser's answer does not belong to this sign-in (state): refused")


def callback_issuer_mismatch(iss: str, issuer: str) -> str:
    return tr(
        "the browser's answer names issuer {iss!r}, not {issuer!r} (RFC 9207): refused"
    ).format(iss=iss, issuer=issuer)


def authorization_refused(error: str, description: str) -> str:
    return tr("the server refused the sign-in: {error} ({description})").format(
        error=error, description=description
    )


def no_endpoint(name: str) -> str:
    return tr("the server publishes no {name}: it does not offer this way to sign in").format(
        name=name
    )


def wrong_approver(name: str) -> str:
    return tr("{name} cannot approve it: only another device of the same user can").format(
        name=name
    )


def page_said(text: str) -> str:
    return tr("the sign-in page said: {text}").format(text=text[:200])


def approval_failed(text: str) -> str:
    return tr("the sign-in could not be approved: {text}").format(text=text[:200])


# --- finding and reaching the server ---------------------------------------------------------


def unreachable(server: str, what: str) -> str:
    return tr("cannot reach the server at {server}: {what}").format(server=server, what=what)


def keys_unreadable(status: int) -> str:
    return tr("the server's public keys could not be read (HTTP {status})").format(status=status)


def metadata_failed(status: int) -> str:
    return tr("the server's metadata failed ({status})").format(status=status)


def no_metadata_at(url: str, status: int) -> str:
    answer = tr("not JSON metadata") if status == 200 else f"HTTP {status}"
    return tr("{url}: {answer}").format(url=url, answer=answer)


def metadata_of_another_issuer(url: str, issuer: str, server: str) -> str:
    named = repr(issuer) if issuer else "no issuer"
    return tr("{url} names {named}, not {server!r} (RFC 8414 §3.3)").format(
        url=url, named=named, server=server
    )


def metadata_without_token_endpoint(url: str) -> str:
    return tr("{url} names no token_endpoint").format(url=url)


def conventional_endpoints(server: str, problems: list[str], token_endpoint: str) -> str:
    return tr(
        "{server} publishes no usable metadata ({problems}); "
        "using the conventional endpoints ({token_endpoint})"
    ).format(server=server, problems="; ".join(problems), token_endpoint=token_endpoint)


# --- the token store and the lab's files ------------------------------------------------------


def keyring_failed(detail: str) -> str:
    return tr("the OS keyring failed: {detail}").format(detail=detail)


def keyring_name(backend: str) -> str:
    return tr("OS keyring ({backend})").format(backend=backend)


def entry_incomplete(entry: str) -> str:
    return tr("keyring entry {entry!r} is missing some of its chunks").format(entry=entry)


def entry_checksum(entry: str) -> str:
    return tr("keyring entry {entry!r} does not match its checksum").format(entry=entry)


def entry_not_text(entry: str) -> str:
    return tr("keyring entry {entry!r} is not text").format(entry=entry)


def device_list_not_saved(error: object) -> str:
    return tr("could not save the device list: {error}").format(error=error)


def stored_tokens(device_id: str, problem: str) -> str:
    """``problem``: ``incomplete``, ``not_a_token``, ``unreadable`` or ``torn``."""
    return {
        "incomplete": tr("the stored tokens of {device!r} are incomplete"),
        "not_a_token": tr("the stored tokens of {device!r} hold something that is not a token"),
        "unreadable": tr("the stored tokens of {device!r} have an unreadable meta entry"),
        "torn": tr(
            "the stored tokens of {device!r} do not belong together (a torn or foreign write)"
        ),
    }[problem].format(device=device_id)


def memory_fallback(error: object) -> str:
    return tr("{error} — tokens are now kept in memory only and will not survive a restart").format(
        error=error
    )


# --- the admin API ----------------------------------------------------------------------------


def admin_refused(status: int, description: str | None) -> str:
    return description or f"HTTP {status}"


def cannot_follow_events(status: int) -> str:
    return tr("cannot follow events: HTTP {status}").format(status=status)


def event_stream_broke(server: str, error: object) -> str:
    return tr("the event stream of {server} broke: {error}").format(server=server, error=error)


# --- devices and their list -------------------------------------------------------------------


def bad_device_id(device_id: str) -> str:
    return tr("device id {device_id!r}: use 1-64 letters, digits and . _ : -").format(
        device_id=device_id
    )


def bad_flow(flow: str, known: tuple[str, ...]) -> str:
    return tr("sign-in flow {flow!r}: use one of {known}").format(flow=flow, known=", ".join(known))


def bad_device_type(device_type: str, known: tuple[str, ...]) -> str:
    return tr("device type {device_type!r}: use one of {known}").format(
        device_type=device_type, known=", ".join(known)
    )


def bad_server_url(server: str) -> str:
    return tr("server {server!r} must be an http(s) URL").format(server=server)


def incomplete_device(problem: object) -> str:
    return tr("incomplete device: {problem}").format(problem=problem)


def resource_server_taken(rs_id: str) -> str:
    return tr("there is already a resource server {rs_id!r}").format(rs_id=rs_id)


def duplicate_device(device_id: str) -> str:
    return tr("there is already a device {device_id!r}").format(device_id=device_id)


def no_such_device(device_id: str) -> str:
    return tr("no device {device_id!r}").format(device_id=device_id)


def registry_unreadable(path: object, error: object) -> str:
    return tr("cannot read {path}: {error}").format(path=path, error=error)


def lab_busy(db: object) -> str:
    return tr(
        "Another JWT Device Lab already runs its bundled server on {db}. "
        "Close that window first, or give this one a database of its own (--db FILE), "
        "or open it against a running server (--server URL --admin-key KEY)."
    ).format(db=db)


def registry_damaged(path: object, problem: object, moved_to: str) -> str:
    return tr("{path} was damaged ({problem}); it was moved to {moved_to}").format(
        path=path, problem=problem, moved_to=moved_to
    )


# --- token responses --------------------------------------------------------------------------


def unsupported_token_type(token_type: object) -> str:
    return tr("unsupported token_type {token_type!r}").format(token_type=token_type)


REGISTRY_SHAPE = "expected {'devices': [...]}"  # a shape, not a sentence


# How sentences name device types (contract.device_word), for the catalogue.
DEVICE_WORDS = (
    QT_TR_NOOP("phone"),
    QT_TR_NOOP("PC"),
    QT_TR_NOOP("tablet"),
    QT_TR_NOOP("browser"),
    QT_TR_NOOP("TV"),
)

# Sentences without placeholders: ``say.NAME`` is translated when it is read.
_SENTENCES: dict[str, str] = {
    "SIGNED_OUT": QT_TR_NOOP("Signed out"),
    "NOT_SIGNED_IN": QT_TR_NOOP("the device is not signed in"),
    "NO_REFRESH_TOKEN": QT_TR_NOOP("there is no refresh token; sign in again"),
    "WRONG_PASSWORD": QT_TR_NOOP("wrong username or password"),
    "TOKEN_RESPONSE_NOT_JSON": QT_TR_NOOP("the token response is not JSON"),
    "MEMORY_STORE": QT_TR_NOOP("memory only (tokens are lost when the app exits)"),
    "KEYRING_LOCKED": QT_TR_NOOP("the OS keyring is locked; unlock it and try again"),
    "NO_KEYRING": QT_TR_NOOP("no OS keyring is available"),
    "ADMIN_KEY_REFUSED": QT_TR_NOOP("the server refused the admin key"),
    "NO_USER": QT_TR_NOOP("a device needs a user"),
    "NEGATIVE_MARGIN": QT_TR_NOOP("refresh_margin cannot be negative"),
    "NO_ACCESS_TOKEN": QT_TR_NOOP("the token response has no access_token"),
    "REFRESH_TOKEN_NOT_TEXT": QT_TR_NOOP("refresh_token must be a string"),
    "CALLBACK_DONE": QT_TR_NOOP(
        "Signed in: you can close this window and return to JWT Device Lab."
    ),
    "CALLBACK_NOT_HERE": QT_TR_NOOP("Nothing here: this address only takes one sign-in callback."),
    "NO_BROWSER": QT_TR_NOOP("no web browser could be opened for the sign-in page"),
    "DEVICE_DENIED": QT_TR_NOOP("Sign-in denied on the other device"),
    "DEVICE_CODE_EXPIRED": QT_TR_NOOP("The code expired before anyone approved it; sign in again"),
    "NO_PENDING_DEVICE": QT_TR_NOOP("no TV sign-in is waiting for approval"),
    "NOTHING_TO_STEAL": QT_TR_NOOP("the device holds no access token to steal"),
    "NO_KEYRING_HINT": QT_TR_NOOP(
        "no OS keyring is available (on Linux, install and unlock gnome-keyring or "
        "KWallet; or continue with memory-only tokens)"
    ),
}


def __getattr__(name: str) -> str:
    try:
        return tr(_SENTENCES[name])
    except KeyError:
        raise AttributeError(name) from None
