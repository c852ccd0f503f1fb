"""`callpop merge KEEP OTHER`: two records of one person become one (admins only).

Shows both records side by side and asks before merging, unless `--yes`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from rich.table import Table

    from console.config import Settings

PICKABLE = ("given_name", "family_name", "birth_date", "segment", "preferred_language", "status")
"""`store.merge.PICKABLE`, here so `--help` loads no store (a test holds them equal)."""


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "merge", help="merge a duplicate customer into another (admin)", parents=parents
    )
    parser.add_argument("keep", metavar="KEEP", help="the survivor: id or external id")
    parser.add_argument("other", metavar="OTHER", help="the duplicate: id or external id")
    parser.add_argument(
        "--take",
        default="",
        metavar="FIELDS",
        help=f"fields to take from OTHER, comma-separated ({', '.join(PICKABLE)})",
    )
    parser.add_argument("--yes", action="store_true", help="merge without asking")
    parser.set_defaults(handler=run)


def _side_by_side(keep: dict[str, object], other: dict[str, object]) -> Table:
    from rich.table import Table
    from rich.text import Text

    from store.sanitize import clean_line

    table = Table("field", "KEEP", "OTHER")
    for name in keep:
        values = [keep[name], other[name]]
        cells = [
            "; ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else str(v)) for v in values
        ]
        table.add_row(Text(name), *(Text(clean_line(cell)) for cell in cells))
    return table


def run(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console

    from console.acting import cli_actor
    from console.database import open_engine
    from store.merge import MergeRefused, customer_summary, merge_customers, resolve_customer
    from store.policy import Action
    from store.sanitize import clean_line

    take = tuple(name.strip() for name in args.take.split(",") if name.strip())
    engine = open_engine(settings)
    try:
        actor = cli_actor(engine, Action.MERGE)  # before either record is shown
        assert actor is not None  # no bootstrap: an operator row or a UserError
        with engine.connect() as connection:
            ids = [resolve_customer(connection, ident) for ident in (args.keep, args.other)]
        for ident, found in zip((args.keep, args.other), ids, strict=True):
            if found is None:
                raise UserError(f"no customer {clean_line(ident)!r} (give an id or an external id)")
        if ids[0] == ids[1]:
            raise UserError(
                f"{clean_line(args.other)!r} is already customer {ids[0]} (merged, or the same id)"
            )
        keep, other = (customer_summary(engine, i, actor=actor) for i in ids)  # type: ignore[arg-type]
        if keep and other:
            Console(highlight=False, stderr=True).print(_side_by_side(keep, other))
        if not args.yes:
            if not sys.stdin.isatty():
                raise UserError("add --yes to merge without a terminal to confirm on")
            if input(f"merge {ids[1]} into {ids[0]}? [y/N] ").strip().lower() not in ("y", "yes"):
                print("nothing merged")
                return 1
        shown = (keep["version"], other["version"]) if keep and other else None  # as confirmed
        result = merge_customers(
            engine,
            ids[0],  # type: ignore[arg-type]
            ids[1],  # type: ignore[arg-type]
            actor=actor,
            take=take,
            versions=shown,  # type: ignore[arg-type]
        )
    except MergeRefused as error:
        raise UserError(str(error)) from None
    finally:
        engine.dispose()
    moved = (
        ", ".join(f"{table} {count}" for table, count in sorted(result.moved.items()) if count) or "nothing"
    )
    print(f"merged customer {result.other_id} into {result.keep_id} (moved: {moved})")
    return 0
