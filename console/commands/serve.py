"""`callpop serve`: run the call-event HTTP API that makes consoles pop."""

from __future__ import annotations

import argparse

import uvicorn

from console.api import make_api
from console.commands import UserError
from console.config import Settings
from console.database import open_engine


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("serve", help="run the call-event HTTP API", parents=parents)
    parser.add_argument("--host", help="address to listen on (default: CALLPOP_API_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default: CALLPOP_API_PORT or 8765)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.api_token:
        raise UserError(
            "no API token: set CALLPOP_API_TOKEN (or api_token in the config file); "
            "the API refuses to run without one"
        )
    host = args.host or settings.api_host
    port = args.port if args.port is not None else settings.api_port
    if not 0 < port < 65536:
        raise UserError(f"--port must be between 1 and 65535, not {port}")
    app = make_api(open_engine(settings), settings.api_token)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    return 0
