"""`callpop ring EXTENSION NUMBER`: post one ring event to the running API (tests and demos)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.commands import Unavailable, UserError

if TYPE_CHECKING:
    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("ring", help="ring an extension, as the switch would", parents=parents)
    parser.add_argument("extension", metavar="EXTENSION", help="the console's extension, e.g. 100")
    parser.add_argument("number", metavar="NUMBER", help='caller\'s number; "" or "anonymous" for withheld')
    parser.add_argument("--channel", choices=["voice", "chat"], default="voice")
    parser.add_argument("--email", default="", help="the chat visitor's e-mail")
    parser.add_argument("--call-id", help="call id (default: a new random one)")
    parser.add_argument("--url", help="API URL (default: http://CALLPOP_API_HOST:CALLPOP_API_PORT/calls)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    import uuid

    import httpx

    if not settings.api_token:
        raise UserError("no API token: set CALLPOP_API_TOKEN to the token `callpop serve` runs with")
    url = args.url or f"http://{settings.api_host}:{settings.api_port}/calls"
    body = {
        "call_id": args.call_id or f"ring-{uuid.uuid4().hex[:12]}",
        "caller": args.number,
        "extension": args.extension,
        "channel": args.channel,
    }
    if args.email:
        body["email"] = args.email
    try:
        response = httpx.post(
            url, json=body, headers={"Authorization": f"Bearer {settings.api_token}"}, timeout=10.0
        )
    except httpx.HTTPError as error:
        raise Unavailable(f"cannot reach the API at {url} ({error}): is `callpop serve` running?") from None
    if response.is_success:
        print(f"ext {args.extension} ringing: call {body['call_id']} ({response.status_code})")
        return 0
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    raise UserError(f"the API refused the event ({response.status_code}): {detail}")
