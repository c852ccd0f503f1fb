"""`callpop serve`: run the call-event HTTP API that makes consoles pop, and (with a webhooks
file) the outbox dispatcher that sends events to the other systems, on a background thread."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("serve", help="run the call-event HTTP API", parents=parents)
    parser.add_argument("--host", help="address to listen on (default: CALLPOP_API_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: CALLPOP_API_PORT or 8765)")
    parser.add_argument("--certfile", type=Path, help="TLS certificate (PEM); with --keyfile, serve HTTPS")
    parser.add_argument("--keyfile", type=Path, help="TLS private key (PEM) of --certfile")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from console.api_guard import MIN_TOKEN_LENGTH, server_config

    if not settings.api_token:
        raise UserError(
            "no API token: set CALLPOP_API_TOKEN (or api_token in the config file); "
            "the API refuses to run without one"
        )
    if len(settings.api_token) < MIN_TOKEN_LENGTH:
        raise UserError(
            f"the API token is {len(settings.api_token)} characters; use at least {MIN_TOKEN_LENGTH} "
            "(for example: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    if bool(args.certfile) != bool(args.keyfile):
        raise UserError("TLS needs both --certfile and --keyfile")
    for path in (args.certfile, args.keyfile):
        if path is not None and not path.is_file():
            raise UserError(f"no such file: {path}")
    host = args.host or settings.api_host
    port = args.port if args.port is not None else settings.api_port
    if not 0 < port < 65536:
        raise UserError(f"--port must be between 1 and 65535, not {port}")
    import uvicorn

    from console.api import make_api
    from console.commands.outbox import configured_endpoints, dispatcher_in_background
    from console.database import open_engine

    endpoints = configured_endpoints(settings, required=False)
    engine = open_engine(settings)
    app = make_api(engine, settings.api_token)
    config = server_config(
        app, host=host, port=port, certfile=args.certfile, keyfile=args.keyfile, log_level="info"
    )
    with dispatcher_in_background(engine, endpoints, lease_s=settings.outbox_lease_seconds):
        uvicorn.Server(config).run()
    return 0
