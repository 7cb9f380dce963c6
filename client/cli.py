"""``jwt-lab``: the lab's command line.

    jwt-lab [gui] [--server URL --admin-key K] [--demo --screenshot FILE]
    jwt-lab serve [--port N] …     the mock auth server alone (uvicorn)
    jwt-lab api --auth-server URL --id ID --secret S --verify-mode MODE   a resource server
    jwt-lab decode TOKEN [--jwks URL | --server URL]
    jwt-lab scenario list | run NAME|FILE… | run --all [--json FILE] [--junit FILE]

The launcher is the one place in ``client`` allowed to start the bundled
server; everything else talks to a server over HTTP only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from client.i18n import QT_TR_NOOP, language, set_language, system_language, tr


def _add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # The server's own command line (mock_server/cli.py, also `python -m mock_server`).
    from mock_server import cli as server_cli

    p = sub.add_parser(
        "serve",
        help="run the mock auth server",
        description="Run the mock OAuth 2.0 / JWT server on a loopback port.",
    )
    server_cli.add_arguments(p)
    p.set_defaults(func=server_cli.serve)
    p = sub.add_parser(
        "api",
        help="run a resource server of its own (the lab's /api/*) against an auth server",
        description="Run a resource server that checks the auth server's access tokens in "
        "one of four ways, and takes its logout tokens (OpenID Back-Channel Logout).",
    )
    server_cli.add_api_arguments(p)
    p.set_defaults(func=server_cli.api)


def _add_decode(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "decode",
        help="decode and explain a JWT",
        description="Decode a JWT: header, claims with human times, time left, and — given "
        "--jwks or --server — whether the signature verifies.",
    )
    p.add_argument("token", help="the JWT, or - to read it from standard input")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--jwks", metavar="URL", help="a JWK Set to check the signature against")
    source.add_argument("--server", metavar="URL", help="a server whose metadata names its JWKS")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_language_argument(p)
    p.set_defaults(func=_decode)


def _fetch_jwks(args: argparse.Namespace) -> dict[str, Any] | None:
    # A one-shot command: plain synchronous httpx, not the engine's LabClient.
    import httpx

    from client.oauth import metadata_urls

    url = args.jwks
    try:
        if args.server:
            base = args.server.rstrip("/")
            url = f"{base}/.well-known/jwks.json"
            for place in metadata_urls(base):  # RFC 8414, then OpenID Connect
                meta = httpx.get(place, timeout=10)
                if meta.status_code == 200 and isinstance(meta.json(), dict):
                    url = meta.json().get("jwks_uri") or url
                    break
        if url is None:
            return None
        response = httpx.get(url, timeout=10)
        response.raise_for_status()
        jwks = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SystemExit(
            "jwt-lab decode: " + tr("cannot fetch the JWK Set: {error}").format(error=exc)
        ) from exc
    if not isinstance(jwks, dict):
        raise SystemExit("jwt-lab decode: " + tr("the JWK Set is not a JSON object"))
    return jwks


def _decode(args: argparse.Namespace) -> int:
    import time

    from client.inspect import format_report, inspect_token

    token = sys.stdin.read() if args.token == "-" else args.token  # noqa: S105
    try:
        report = inspect_token(token, time.time(), _fetch_jwks(args))
    except ValueError as exc:
        print(f"jwt-lab decode: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_report(report))
    return 1 if report.signature_ok is False else 0


def _add_scenario(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("scenario", help="list or run scripted scenarios")
    actions = p.add_subparsers(dest="scenario_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the built-in scenarios")
    add_language_argument(listing)
    listing.set_defaults(func=_scenario_list)
    run = actions.add_parser(
        "run",
        help="run scenarios by name or file",
        description="Play scenarios on a virtual clock and check their expectations. "
        "Exit 0 when every expectation holds, 1 when any fails, 2 when a file is invalid.",
    )
    run.add_argument("scenarios", nargs="*", metavar="NAME|FILE")
    run.add_argument("--all", action="store_true", help="every built-in scenario")
    run.add_argument("--json", type=Path, metavar="FILE", help="write a JSON report")
    run.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML")
    run.add_argument("--realtime", action="store_true", help="wait real time between steps")
    run.add_argument("--speed", type=float, default=1.0, help="with --realtime: N× faster")
    run.add_argument("--server", metavar="URL", help="an external server (--virtual-clock)")
    run.add_argument("--admin-key", metavar="KEY", help="the external server's admin key")
    run.add_argument("-q", "--quiet", action="store_true", help="only the summary")
    add_language_argument(run)
    run.set_defaults(func=_scenario_run)


_NO_BUILTINS = QT_TR_NOOP(
    "no scenarios found: the built-in library is missing from this installation"
)


def _scenario_list(args: argparse.Namespace) -> int:
    from client.scenarios import ScenarioError, builtin_scenarios, load_scenario

    paths = builtin_scenarios()
    if not paths:
        print(f"jwt-lab scenario list: {tr(_NO_BUILTINS)}", file=sys.stderr)
        return 2
    for path in paths:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            print(f"{path.stem:<28} " + tr("(invalid: {error})").format(error=exc))
            continue
        print(f"{scenario.name:<28} {scenario.title_in(language())}")
    return 0


def _scenario_run(args: argparse.Namespace) -> int:
    import asyncio

    from client.scenarios import (
        Scenario,
        ScenarioError,
        ScenarioRunner,
        builtin_scenarios,
        load_scenario,
        resolve,
    )
    from client.scenarios.environment import external_environment, in_process_environment
    from client.scenarios.report import (
        format_api_windows,
        format_step,
        format_summary,
        format_windows,
        write_json,
        write_junit,
    )

    if not args.scenarios and not args.all:
        print(
            "jwt-lab scenario run: " + tr("name scenarios or files, or give --all"),
            file=sys.stderr,
        )
        return 2
    if args.server and not args.admin_key:
        print("jwt-lab scenario run: " + tr("--server needs --admin-key"), file=sys.stderr)
        return 2
    paths = builtin_scenarios() if args.all else []
    scenarios: list[Scenario] = []
    try:
        paths += [resolve(name) for name in args.scenarios]
        scenarios = [load_scenario(path) for path in paths]
    except ScenarioError as exc:
        print(tr("invalid scenario: {error}").format(error=exc), file=sys.stderr)
        return 2
    if not scenarios:
        # Running nothing is not a pass: a broken install looks exactly like this.
        print(f"jwt-lab scenario run: {tr(_NO_BUILTINS)}", file=sys.stderr)
        return 2
    environment = (
        external_environment(args.server, args.admin_key) if args.server else in_process_environment
    )
    quiet = args.quiet

    def show(step: object) -> None:
        if not quiet:
            print("\n".join(format_step(step)), flush=True)  # type: ignore[arg-type]

    runner = ScenarioRunner(environment, realtime=args.realtime, speed=args.speed, on_step=show)

    async def play() -> list:  # type: ignore[type-arg]
        results = []
        for scenario in scenarios:
            if not quiet:
                print(f"\n{scenario.name} — {scenario.title_in(language())}")
            result = await runner.run(scenario)
            if not quiet:
                for line in [*format_windows(result), *format_api_windows(result)]:
                    print(line)
            print(format_summary(result), flush=True)
            results.append(result)
        return results

    results = asyncio.run(play())
    passed = sum(r.passed for r in results)
    print("\n" + tr("{passed}/{n} scenarios passed").format(passed=passed, n=len(results)))
    if args.json:
        write_json(results, args.json)
    if args.junit:
        write_junit(results, args.junit)
    return 0 if passed == len(results) else 1


def _add_gui(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("gui", help="the desktop lab (the default command)")
    add_gui_arguments(p)


def add_gui_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--server", metavar="URL", help="drive an external server instead")
    p.add_argument("--admin-key", metavar="KEY", help="the external server's admin key")
    p.add_argument(
        "--port",
        type=int,
        default=8765,
        help="port of the embedded server (default %(default)s; a free one if taken)",
    )
    from mock_server.cli import default_db_path  # the embedded server's own default

    p.add_argument("--db", help=f"the embedded server's SQLite file (default {default_db_path()})")
    p.add_argument(
        "--memory-tokens",
        action="store_true",
        help="keep tokens in memory only, not in the OS keyring",
    )
    p.add_argument(
        "--demo",
        nargs="?",
        const="dual-login",
        choices=("dual-login", "stolen-token", "revocation"),
        help="sign the default devices in and play a short demo: dual-login (the default: "
        "the seed's dual login, stateless), stolen-token (a thief copies a bearer and "
        "a DPoP-bound access token) or revocation (four resource servers of their own, "
        "one per way to verify, after the phone's session is revoked)",
    )
    p.add_argument(
        "--screenshot",
        type=Path,
        metavar="FILE",
        help="with --demo: save a PNG of the window and exit",
    )
    p.add_argument(
        "--theme",
        choices=("system", "light", "dark"),
        default="system",
        help="the window's colours (default: the desktop's scheme, following its changes)",
    )
    add_language_argument(p)
    p.set_defaults(func=_gui)


def add_language_argument(p: argparse.ArgumentParser) -> None:
    from client.i18n import LANGUAGES

    p.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="the language of the window and the messages (default: the system locale's)",
    )


def _no_display(env: Mapping[str, str], platform: str) -> bool:
    """Would Qt find nothing to draw on? (Linux and BSD without X11 or Wayland,
    and no platform plugin chosen.)"""
    if platform.startswith(("win", "darwin")) or env.get("QT_QPA_PLATFORM"):
        return False
    return not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def _gui(args: argparse.Namespace) -> int:
    if args.screenshot and not args.demo:
        args.demo = "dual-login"
    if _no_display(os.environ, sys.platform):
        if not args.screenshot:
            print(
                "jwt-lab gui: "
                + tr(
                    "there is no display to open a window on (neither DISPLAY nor "
                    "WAYLAND_DISPLAY is set). Run it in a desktop session; on a server, try "
                    "`jwt-lab scenario run --all`, or render the window to a file with "
                    "`QT_QPA_PLATFORM=offscreen jwt-lab gui --demo --screenshot window.png`."
                ),
                file=sys.stderr,
            )
            return 2
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # a screenshot needs no screen
    from client.gui.app import LaunchOptions, main

    return main(
        LaunchOptions(
            server=args.server,
            admin_key=args.admin_key,
            port=args.port,
            db=args.db,
            memory_tokens=args.memory_tokens,
            demo=bool(args.demo),
            demo_name=args.demo or "dual-login",
            screenshot=args.screenshot,
            lang=language(),
            theme=args.theme,
        )
    )


def _version() -> str:
    from client.paths import installed_version

    return installed_version()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jwt-lab",
        description="JWT Device Lab: devices, a mock auth server, JWT trade-offs made visible.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_serve(sub)
    _add_decode(sub)
    _add_scenario(sub)
    _add_gui(sub)
    add_gui_arguments(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    set_language(getattr(args, "lang", None) or system_language())
    result: int = args.func(args)  # no command: the GUI
    return result


if __name__ == "__main__":
    sys.exit(main())
