"""`callpop web`: the console in a browser (textual-serve), for supervisors away from a terminal.

textual-serve starts `callpop run` once per browser session, as the Unix account that runs
`callpop web`. Signing in by OS account would therefore sign every browser in as that account,
so a web session always shows the sign-in screen: the child runs with CALLPOP_SIGNIN=password
(the environment outranks every config file) and CALLPOP_WEB_SESSION=1, which `Settings` reads
to refuse any other sign-in method. The server binds to loopback unless `--public` says
otherwise: put it behind a TLS reverse proxy (docs/DEPLOY.md), it speaks plain HTTP.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import shlex
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings

DEFAULT_PORT = 8000


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "web", help="serve the console to a browser (password sign-in only)", parents=parents
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    parser.add_argument(
        "--public",
        action="store_true",
        help="allow a --host other than loopback (plain HTTP: put a TLS proxy in front)",
    )
    parser.set_defaults(handler=run)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def child_command() -> str:
    """The shell command textual-serve runs for each browser session: this callpop's console."""
    return shlex.join([sys.executable, "-m", "console.cli", "run"])


def child_environment(environ: Mapping[str, str], settings: Settings) -> dict[str, str]:
    """The environment of every browser session's console: password sign-in, the same database,
    and no pre-filled username (the server's Unix account is nobody's name in a browser)."""
    from console.config import WEB_SESSION_VAR

    child = dict(environ)
    child.update({"CALLPOP_SIGNIN": "password", WEB_SESSION_VAR: "1", "CALLPOP_OPERATOR": ""})
    if settings.database_url:
        child["CALLPOP_DATABASE_URL"] = settings.database_url
    if settings.read_database_url:
        child["CALLPOP_READ_DATABASE_URL"] = settings.read_database_url
    return child


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not 0 < args.port < 65536:
        raise UserError(f"--port must be between 1 and 65535, not {args.port}")
    if not is_loopback(args.host):
        if not args.public:
            raise UserError(
                f"--host {args.host} is not a loopback address: anyone who reaches it gets the "
                "sign-in screen over plain HTTP; add --public to mean it (behind a TLS proxy)"
            )
        print(
            f"callpop web: WARNING: listening on {args.host}, beyond this machine, over plain HTTP",
            file=sys.stderr,
        )
    from textual_serve.server import Server

    # textual-serve hands its own environment to each session's console.
    os.environ.update(child_environment(os.environ, settings))
    print(f"callpop web: serving the console on http://{args.host}:{args.port}", file=sys.stderr)
    Server(child_command(), host=args.host, port=args.port, title="callpop").serve()
    return 0
