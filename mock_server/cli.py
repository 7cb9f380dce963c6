"""The mock server's command line: ``python -m mock_server`` (``jwt-lab serve``
is the same command). Every server setting of the contract is a flag with the
contract's type, default, range or choices and help."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import platformdirs

from contract import API_VERIFY_MODE_HELP, API_VERIFY_MODES, APP_NAME, SETTINGS, Setting


def default_db_path() -> Path:
    """Where the server keeps its SQLite file unless told otherwise."""
    return Path(platformdirs.user_data_dir(APP_NAME)) / "server.sqlite3"


def _flag_help(spec: Setting) -> str:
    text = spec.help.replace("`", "").replace("%", "%%")
    unit = " seconds" if spec.unit == "s" else ""
    bounds = f"{spec.minimum}-{spec.maximum}{unit}, " if spec.kind is int else ""
    live = "" if spec.live else "; fixed while the server runs"
    return f"{text} ({bounds}default %(default)s{live})"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The server's options, onto ``p``."""
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    p.add_argument(
        "--port", type=int, default=8765, help="port, 0 for any free one (default %(default)s)"
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow binding a non-loopback address (the server has no TLS)",
    )
    p.add_argument(
        "--db", default=None, help=f"SQLite file, or :memory: (default {default_db_path()})"
    )
    p.add_argument(
        "--store",
        default=None,
        metavar="SPEC",
        help="where the server keeps its state: sqlite:PATH (the default, with --db's path) "
        "or redis://HOST:PORT/DB, which several server processes may share",
    )
    p.add_argument("--admin-key", default="", help="admin API key (default: random, printed)")
    p.add_argument(
        "--password-profile",
        choices=("default", "fast"),
        default="default",
        help="Argon2 cost of the users' password hashes: fast for load tests and CI only",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="uvicorn worker processes on the one port (default 1); more than one needs "
        "--store redis://…, which they share",
    )
    p.add_argument(
        "--issuer",
        default=None,
        metavar="URL",
        help="the URL devices reach the server at (default: its own http://HOST:PORT); "
        "instances sharing one store behind one address give the same",
    )
    p.add_argument("--users", type=Path, help="JSON file of extra users: {name: password}")
    for spec in SETTINGS:
        choices = None if spec.name == "login_policy" or not spec.choices else list(spec.choices)
        p.add_argument(
            spec.flag,
            dest=spec.name,
            type=spec.kind,
            default=spec.default,
            choices=choices,
            metavar="N" if spec.kind is int else None,
            help=_flag_help(spec),
        )
    p.add_argument(
        "--sliding",
        action="store_const",
        dest="session_lifetime",
        const="sliding",
        help="the same as --session-lifetime sliding",
    )
    p.add_argument(
        "--resource-server",
        action="append",
        default=[],
        metavar="ID:SECRET[:BACKCHANNEL_URI]",
        help="a resource server of its own (jwt-lab api): its id, its secret (16+ "
        "characters), and where it takes logout tokens (repeatable)",
    )
    p.add_argument(
        "--virtual-clock",
        action="store_true",
        help="a clock that moves only through POST /admin/clock/advance",
    )
    p.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )


def _load_users(path: Path) -> dict[str, tuple[str, str | None]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"jwt-lab serve: cannot read users from {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise SystemExit(f"jwt-lab serve: {path} must hold a JSON object {{name: password}}")
    users: dict[str, tuple[str, str | None]] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            users[name] = (value, None)
        elif isinstance(value, dict) and isinstance(value.get("password"), str):
            users[name] = (value["password"], value.get("display_name"))
        else:
            raise SystemExit(f"jwt-lab serve: user {name!r} in {path} needs a password")
    return users


def serve(args: argparse.Namespace) -> int:
    """Run the server in the foreground until interrupted."""
    from mock_server.backchannel import parse_resource_server
    from mock_server.backends import open_store
    from mock_server.clock import Clock, SystemClock, VirtualClock
    from mock_server.errors import ServerError
    from mock_server.runner import ServerThread, is_loopback
    from mock_server.service import check_user
    from mock_server.settings import Settings

    if not is_loopback(args.host) and not args.allow_remote:
        print(
            f"jwt-lab serve: refusing to bind {args.host}: the mock server has no TLS and is meant "
            "for loopback. Pass --allow-remote if you really mean it.",
            file=sys.stderr,
        )
        return 2
    values: dict[str, Any] = {spec.name: getattr(args, spec.name) for spec in SETTINGS}
    try:
        settings = Settings(
            admin_key=args.admin_key, password_profile=args.password_profile, **values
        )
    except ValueError as exc:
        print(f"jwt-lab serve: {exc}", file=sys.stderr)
        return 2
    db = args.db or str(default_db_path())
    clock: Clock = VirtualClock() if args.virtual_clock else SystemClock()
    try:
        resource_servers = [parse_resource_server(text) for text in args.resource_server]
    except ValueError as exc:
        print(f"jwt-lab serve: --resource-server {exc}", file=sys.stderr)
        return 2
    users = _load_users(args.users) if args.users else {}
    if args.store and args.db:
        print("jwt-lab serve: give --store or --db, not both", file=sys.stderr)
        return 2
    try:
        store = open_store(args.store or f"sqlite:{db}")
    except ValueError as exc:
        print(f"jwt-lab serve: --store {exc}", file=sys.stderr)
        return 2
    try:
        for name, (password, _) in users.items():
            check_user(name, password)
    except ServerError as exc:
        print(f"jwt-lab serve: {exc.description}", file=sys.stderr)
        return 2
    if args.workers != 1:
        if args.workers < 1 or args.workers > 64:
            print("jwt-lab serve: --workers takes 1 to 64", file=sys.stderr)
            return 2
        if not store.shared:
            print(
                "jwt-lab serve: --workers needs a store they can share: --store redis://HOST:PORT/DB",
                file=sys.stderr,
            )
            return 2
        return _serve_workers(args, settings, store.description, resource_servers)
    try:
        server = ServerThread(
            settings,
            clock=clock,
            store=store,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            resource_servers=resource_servers,
            users=users,
            issuer=args.issuer,
        )
    except OSError as exc:
        print(f"jwt-lab serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    except ServerError as exc:
        print(f"jwt-lab serve: --resource-server: {exc.description}", file=sys.stderr)
        return 2
    print(f"JWT Device Lab mock server on {server.url}", flush=True)
    print(f"  admin key   {server.admin_key}")
    print(f"  metadata    {server.url}/.well-known/oauth-authorization-server")
    print(f"  API docs    {server.url}/docs")
    print(f"  store       {store.description}")
    print(
        f"  clock       {'virtual (POST /admin/clock/advance)' if args.virtual_clock else 'real'}"
    )
    for rs_id, _, uri in resource_servers:
        print(f"  resource server {rs_id}" + (f" (logout tokens to {uri})" if uri else ""))
    print("  demo users  alice / alice-pass, bob / bob-pass", flush=True)
    server.run()
    return 0


WORKER_ARGS = "JWT_LAB_WORKER_ARGS"  # the serve arguments, for each worker process


def _serve_workers(
    args: argparse.Namespace,
    settings: Any,
    store: str,
    resource_servers: list[tuple[str, str, str | None]],
) -> int:
    """``--workers N``: uvicorn's supervisor forks N processes that accept on one
    socket bound here; each builds its app (``worker_app``) from the same
    arguments, with the admin key and issuer fixed here so that all agree."""
    import os
    import secrets

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from mock_server.runner import bind_socket

    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"jwt-lab serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    port = sock.getsockname()[1]
    url = f"http://{'[' + args.host + ']' if ':' in args.host else args.host}:{port}"
    shared = {
        **{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "admin_key": settings.admin_key or secrets.token_urlsafe(24),
        "issuer": args.issuer or url,
        "store": store,
        "workers": 1,
    }
    shared.pop("func", None)
    os.environ[WORKER_ARGS] = json.dumps(shared)
    config = uvicorn.Config(
        "mock_server.cli:worker_app",
        factory=True,
        workers=args.workers,
        log_level=args.log_level,
        lifespan="on",
        timeout_graceful_shutdown=1,
        access_log=False,
        proxy_headers=False,
    )
    print(f"JWT Device Lab mock server on {url}", flush=True)
    print(f"  workers     {args.workers} processes on one port")
    print(f"  admin key   {shared['admin_key']}")
    print(f"  issuer      {shared['issuer']}")
    print(f"  store       {store}")
    for rs_id, _, uri in resource_servers:
        print(f"  resource server {rs_id}" + (f" (logout tokens to {uri})" if uri else ""))
    print("  demo users  alice / alice-pass, bob / bob-pass", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[sock]).run()
    return 0


def worker_app() -> Any:
    """One worker of ``--workers N`` (uvicorn calls this in each process)."""
    from mock_server.app import create_app
    from mock_server.backchannel import parse_resource_server
    from mock_server.backends import open_store
    from mock_server.clock import SystemClock, VirtualClock
    from mock_server.settings import Settings

    given = json.loads(os.environ[WORKER_ARGS])
    values = {spec.name: given[spec.name] for spec in SETTINGS}
    settings = Settings(
        admin_key=given["admin_key"], password_profile=given["password_profile"], **values
    ).replace(issuer=given["issuer"])
    users = _load_users(Path(given["users"])) if given.get("users") else {}
    return create_app(
        settings,
        # A virtual clock stands where the store's does (AuthService.start).
        clock=VirtualClock() if given["virtual_clock"] else SystemClock(),
        store=open_store(given["store"]),
        resource_servers=[parse_resource_server(text) for text in given["resource_server"]],
        users=users,
    )


def add_api_arguments(p: argparse.ArgumentParser) -> None:
    """``jwt-lab api``: a resource server of its own."""
    p.add_argument("--auth-server", required=True, metavar="URL", help="the auth server's URL")
    p.add_argument("--id", required=True, dest="rs_id", help="this resource server's id")
    p.add_argument("--secret", required=True, help="its secret, as registered at the auth server")
    p.add_argument(
        "--verify-mode",
        choices=API_VERIFY_MODES,
        default="stateless",
        help="how access tokens are checked: "
        + "; ".join(f"{mode}: {text}" for mode, text in API_VERIFY_MODE_HELP.items())
        + " (default %(default)s)",
    )
    p.add_argument(
        "--introspect-cache",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="introspect mode: how long an answer is reused (0: ask on every request)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    p.add_argument("--port", type=int, default=0, help="port, 0 for any free one (default 0)")
    p.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )


def api(args: argparse.Namespace) -> int:
    """Run a resource server in the foreground until interrupted."""
    from mock_server.api_server import ApiConfig
    from mock_server.runner import ApiServerThread, is_loopback

    if not is_loopback(args.host):
        print(f"jwt-lab api: refusing to bind {args.host}: loopback only", file=sys.stderr)
        return 2
    try:
        config = ApiConfig(
            args.auth_server, args.rs_id, args.secret, args.verify_mode, args.introspect_cache
        )
        server = ApiServerThread(config, host=args.host, port=args.port, log_level=args.log_level)
    except ValueError as exc:
        print(f"jwt-lab api: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"jwt-lab api: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"JWT Device Lab resource server {args.rs_id} on {server.url}", flush=True)
    print(f"  auth server   {args.auth_server}")
    print(f"  verify mode   {args.verify_mode}")
    print(f"  back-channel  {server.backchannel_uri}", flush=True)
    server.run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mock_server",
        description="Run the mock OAuth 2.0 / JWT server on a loopback port.",
    )
    add_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return serve(build_parser().parse_args(argv))
