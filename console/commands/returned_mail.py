"""`callpop returned-mail FILE` marks the addresses of returned mail undeliverable, in bulk;
`callpop returned-mail --worklist` lists the customers whose postal details need updating."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "returned-mail",
        parents=parents,
        help="mark returned mail from a file of customer ids or addresses; --worklist: who to update",
    )
    parser.add_argument(
        "file",
        type=Path,
        nargs="?",
        metavar="FILE",
        help="one entry a line: a customer id, an external id (C00000042) or `line1, postcode`",
    )
    parser.add_argument("--campaign", metavar="CODE", help="the campaign whose mailing came back")
    parser.add_argument("--reason", default="returned mail", help="why it came back (default: returned mail)")
    parser.add_argument("--dry-run", action="store_true", help="only say what would be marked")
    parser.add_argument("--worklist", action="store_true", help="list customers whose address returns mail")
    parser.add_argument("--limit", type=int, default=None, help="with --worklist: at most this many")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.worklist:
        if args.file:
            raise UserError("give either FILE or --worklist, not both")
        return _worklist(args, settings)
    if args.file is None:
        raise UserError("give the FILE of returned mail (or --worklist to see who needs updating)")
    return _mark(args, settings)


def _mark(args: argparse.Namespace, settings: Settings) -> int:
    import json
    from datetime import date

    import sqlalchemy as sa

    from console.acting import cli_actor
    from console.database import open_engine
    from store.models import Campaign
    from store.models.base import table_of
    from store.policy import Action
    from store.returned_mail import apply_returned_mail, match_entries, read_entries
    from store.sanitize import clean_line

    try:
        text = args.file.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as error:
        raise UserError(f"cannot read {args.file}: {error.strerror or error}") from error
    reason = clean_line(args.reason)
    if not reason:
        raise UserError("--reason must not be empty")
    entries = read_entries(text.splitlines())
    if not entries:
        raise UserError(f"{args.file} holds no entries (one customer id or `line1, postcode` a line)")
    engine = open_engine(settings)
    actor = cli_actor(engine, Action.IMPORT)  # a bulk change from a file, as an import is
    assert actor is not None
    with engine.connect() as connection:
        if args.campaign:
            campaign = table_of(Campaign).c
            if connection.scalar(sa.select(campaign.id).where(campaign.code == args.campaign)) is None:
                raise UserError(f"no campaign with code {args.campaign!r}: see `callpop campaigns list`")
        matching = match_entries(connection, entries)
    marked = 0
    if not args.dry_run:
        marked = apply_returned_mail(
            engine,
            matching.targets,
            on=date.today(),
            reason=reason,
            operator=actor.username,
            campaign_code=args.campaign,
        )
    unmatched = [
        {"line": entry.line_number, "entry": entry.text, "problem": why} for entry, why in matching.unmatched
    ]
    if args.json:
        print(
            json.dumps(
                {
                    "entries": len(entries),
                    "addresses": len({t.address_id for t in matching.targets}),
                    "marked": marked,
                    "dry_run": args.dry_run,
                    "unmatched": unmatched,
                },
                indent=2,
            )
        )
        return 0
    addresses = len({t.address_id for t in matching.targets})
    verb = "would mark" if args.dry_run else f"marked {marked} of"
    print(f"{len(entries)} entries: {verb} {addresses} address{'es' if addresses != 1 else ''} undeliverable")
    for entry, why in sorted(matching.unmatched, key=lambda pair: pair[0].line_number):
        print(f"  line {entry.line_number}: {entry.text[:80]}: {why}")
    return 0


def _worklist(args: argparse.Namespace, settings: Settings) -> int:
    import json
    from dataclasses import asdict

    from console.acting import cli_actor
    from console.database import open_for_reading
    from store.policy import Action
    from store.returned_mail_worklist import undeliverable_customers

    if args.limit is not None and args.limit < 1:
        raise UserError("--limit must be at least 1")
    engine = open_for_reading(settings)
    cli_actor(engine, Action.RETURNED_MAIL_WORKLIST)  # supervisors and admins, as on the screen
    with engine.connect() as connection:
        rows = undeliverable_customers(connection, limit=args.limit)
    if args.json:
        print(json.dumps([asdict(row) for row in rows], indent=2, default=str))
        return 0
    if not rows:
        print("no customer's address returns mail")
        return 0
    print(f"{len(rows)} customer{'s' if len(rows) != 1 else ''} to update (confirm or replace the address):")
    for row in rows:
        print(
            f"  {row.customer_id:>8}  {row.name[:28]:<28}  {row.address[:40]:<40}  "
            f"{row.since or '-'}  {row.reason}"
        )
    return 0
