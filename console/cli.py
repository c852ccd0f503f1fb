"""`callpop VERB ...`: every verb is a module in `console.commands`, found at start-up."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from console import commands
from console.config import load_settings


def build_parser() -> argparse.ArgumentParser:
    """The full parser: one sub-command per module of `console.commands`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database", metavar="URL", help="SQLAlchemy database URL (default: CALLPOP_DATABASE_URL)"
    )
    parser = argparse.ArgumentParser(prog="callpop", description="Terminal support console for operators.")
    subparsers = parser.add_subparsers(dest="verb", metavar="VERB", required=True)
    for module in commands.discover():
        module.register(subparsers, [common])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `callpop` script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    settings = load_settings(database_url=getattr(args, "database", None))
    try:
        return int(args.handler(args, settings) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `callpop find ... | head`: the reader has what it wanted
        sys.stderr.close()
        return 0
    except commands.UserError as error:
        print(f"callpop {args.verb}: {error}", file=sys.stderr)
        return 2
    except OperationalError as error:
        where = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
        print(f"callpop {args.verb}: the database at {where} is unavailable: {error.orig}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
