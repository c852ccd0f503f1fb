"""`callpop gdpr export|erase CUSTOMER`: a person's right of access and right to erasure (admins)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("gdpr", help="export or erase everything about a person (admin)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="everything stored about the person, as JSON", parents=parents)
    export.add_argument("customer", metavar="CUSTOMER", help="id or external id")
    export.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (0600) instead of stdout")
    export.set_defaults(handler=run_export)
    erase = actions.add_parser("erase", help="anonymise the person everywhere", parents=parents)
    erase.add_argument("customer", metavar="CUSTOMER", help="id or external id")
    erase.add_argument("--yes", action="store_true", help="erase without asking")
    erase.set_defaults(handler=run_erase)


def _customer_id(engine: Engine, ident: str) -> int:
    from store.merge import resolve_customer
    from store.sanitize import clean_line

    with engine.connect() as connection:
        found = resolve_customer(connection, ident)
    if found is None:
        raise UserError(f"no customer {clean_line(ident)!r} (give an id or an external id)")
    return found


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor
    from console.database import open_engine
    from store.gdpr import subject_access
    from store.policy import Action

    engine = open_engine(settings)
    try:
        actor = cli_actor(engine, Action.SUBJECT_ACCESS)
        assert actor is not None  # no bootstrap: an operator row or a UserError
        data = subject_access(engine, _customer_id(engine, args.customer), actor=actor)
    finally:
        engine.dispose()
    text = json.dumps(data, ensure_ascii=True, indent=2, default=str) + "\n"  # escapes: safe on a terminal
    if args.out is None:
        sys.stdout.write(text)
        return 0
    with open(
        os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8"
    ) as handle:
        handle.write(text)
    print(f"wrote everything about customer {data['customer']['id'] if data else '?'} to {args.out}")
    return 0


def run_erase(args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor
    from console.database import open_engine
    from store.gdpr import erase_customer
    from store.gdpr.erase import NoSuchCustomer
    from store.policy import Action

    engine = open_engine(settings)
    try:
        actor = cli_actor(engine, Action.ERASE)
        assert actor is not None  # no bootstrap: an operator row or a UserError
        customer_id = _customer_id(engine, args.customer)
        if not args.yes:
            if not sys.stdin.isatty():
                raise UserError("add --yes to erase without a terminal to confirm on")
            if (
                input(f"erase customer {customer_id} everywhere? This cannot be undone. [y/N] ").lower()
                != "y"
            ):
                print("nothing erased")
                return 1
        report = erase_customer(
            engine, customer_id, actor=actor, data_dir=settings.data_dir, cache_dir=settings.cache_dir
        )
    except NoSuchCustomer as error:
        raise UserError(str(error)) from None
    finally:
        engine.dispose()
    rows = ", ".join(f"{table} {n}" for table, n in sorted(report.rows.items()) if n)
    local = f"{report.local_entries} local drafts/journal entries"
    print(f"erased customer {customer_id} ({rows or 'no other rows'}; {local})")
    if not report.file_clean:
        print(
            "callpop gdpr: another process holds the database open, so its WAL still holds old pages; "
            "close the consoles and run this erase again",
            file=sys.stderr,
        )
        return 1
    return 0
