"""`callpop demo --customers N --seed S`: fill the database with reproducible demo data."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings

MAX_CUSTOMERS = 1_000_000
"""A bigger demo is a typo: a million customers already take minutes and about a gigabyte."""
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2100, 12, 31)
"""`--today` bounds: the data reaches decades back (birth dates) and years ahead (warranties)."""


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("demo", help="load reproducible demo customers", parents=parents)
    parser.add_argument(
        "--customers", type=_customer_count, default=2_000, metavar="N", help="how many (2000)"
    )
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="same seed, same data (default 7)")
    parser.add_argument(
        "--today",
        type=_day,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the data is relative to (default: today)",
    )
    parser.add_argument(
        "--append", action="store_true", help="add demo customers even though the database has customers"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor, os_account
    from console.database import open_engine
    from console.demo_load import load_demo
    from store.demo import DemoRefused
    from store.policy import Action

    engine = open_engine(settings)
    cli_actor(engine, Action.LOAD_DEMO, bootstrap=True)
    admin = os_account()
    try:
        stats, index_seconds = load_demo(
            engine,
            customers=args.customers,
            seed=args.seed,
            today=args.today,
            append=args.append,
            admin=admin,
        )
    except DemoRefused as refused:
        raise UserError(str(refused)) from None
    finally:
        engine.dispose()
    rows = ", ".join(f"{table} {count:,}" for table, count in stats.rows.items() if count)
    print(f"loaded {stats.customers:,} demo customers in {stats.seconds:.1f} s ({rows})")
    print(f"search index rebuilt in {index_seconds:.1f} s")
    print(f"{admin} is an admin of this data at extension 100 (`callpop run` signs you in)")
    return 0


def _customer_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a whole number is needed, not {text!r}") from None
    if not 1 <= value <= MAX_CUSTOMERS:
        raise argparse.ArgumentTypeError(f"must be at least 1 and at most {MAX_CUSTOMERS:,}")
    return value


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a date like 2026-06-15 is needed, not {text!r}") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise argparse.ArgumentTypeError(f"must be between {EARLIEST_DAY} and {LATEST_DAY}")
    return day
