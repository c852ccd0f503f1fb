"""`callpop demo --customers N --seed S`: fill the database with reproducible demo data."""

from __future__ import annotations

import argparse
from datetime import date

from console.commands import UserError
from console.config import Settings
from console.database import open_engine
from console.demo_load import load_demo
from store.demo import DemoRefused


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("demo", help="load reproducible demo customers", parents=parents)
    parser.add_argument("--customers", type=_positive, default=2_000, metavar="N", help="how many (2000)")
    parser.add_argument("--seed", type=int, default=7, metavar="S", help="same seed, same data (default 7)")
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the data is relative to (default: today)",
    )
    parser.add_argument(
        "--append", action="store_true", help="add demo customers even though the database has customers"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_engine(settings)
    try:
        stats, index_seconds = load_demo(
            engine, customers=args.customers, seed=args.seed, today=args.today, append=args.append
        )
    except DemoRefused as refused:
        raise UserError(str(refused)) from None
    finally:
        engine.dispose()
    rows = ", ".join(f"{table} {count:,}" for table, count in stats.rows.items() if count)
    print(f"loaded {stats.customers:,} demo customers in {stats.seconds:.1f} s ({rows})")
    print(f"search index rebuilt in {index_seconds:.1f} s")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
