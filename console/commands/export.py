"""`callpop export customers --out FILE`: who may be contacted, for another system (admins only)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings

CONSENTS = ("email", "sms", "post", "voice")
FORMATS = ("csv", "jsonl")
"""The issue's option values, here so `--help` loads no store (tests hold them to the store's)."""


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export", help="export customers who may be contacted (admin)", parents=parents
    )
    parser.add_argument("kind", choices=["customers"], metavar="KIND", help="customers")
    parser.add_argument(
        "--segment",
        metavar="S",
        help="only this segment: a label (mass, affluent, ...), an RFM or a rule segment",
    )
    parser.add_argument("--consent", choices=CONSENTS, help="only who consented to this channel")
    parser.add_argument("--city", metavar="C", help="only this city (current home address)")
    parser.add_argument("--holds", metavar="PRODUCT", help="only holders of this product code")
    parser.add_argument("--format", choices=FORMATS, default=None, help="csv or jsonl (default: from --out)")
    parser.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="where to write (created 0600)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    fmt = args.format or ("jsonl" if args.out.suffix.lower() in (".jsonl", ".ndjson") else "csv")
    if not args.out.parent.is_dir():
        raise UserError(f"{args.out.parent} is not a directory")
    if args.out.is_dir():
        raise UserError(f"{args.out} is a directory: give a file name")
    from console.acting import cli_actor
    from console.database import open_engine
    from store.exports.customers import ExportFilter, export_customers
    from store.policy import Action

    engine = open_engine(settings)
    try:
        actor = cli_actor(engine, Action.EXPORT)
        assert actor is not None  # no bootstrap: an operator row or a UserError
        flt = ExportFilter(segment=args.segment, consent=args.consent, city=args.city, holds=args.holds)
        count = export_customers(engine, flt, fmt=fmt, out=args.out, actor=actor)
    except PermissionError as error:
        raise UserError(f"cannot write {args.out}: {error.strerror}") from None
    finally:
        engine.dispose()
    print(f"exported {count:,} customers to {args.out} ({fmt})")
    return 0
