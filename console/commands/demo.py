"""`callpop demo --customers N --seed S`: fill the database with reproducible demo data."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date
from typing import TextIO

from console.commands import UserError
from console.config import Settings
from console.database import open_engine
from store.demo import DemoRefused, generate_demo


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
        stats = generate_demo(
            engine,
            customers=args.customers,
            seed=args.seed,
            today=args.today or date.today(),
            progress=progress_line(sys.stderr),
            append=args.append,
        )
    except DemoRefused as refused:
        raise UserError(str(refused)) from None
    finally:
        engine.dispose()
    rows = ", ".join(f"{table} {count:,}" for table, count in stats.rows.items() if count)
    print(f"loaded {stats.customers:,} demo customers in {stats.seconds:.1f} s ({rows})")
    return 0


def progress_line(stream: TextIO) -> Callable[[int, int], None] | None:
    """A progress bar redrawn in place on a terminal; nothing when `stream` is a file or a pipe."""
    if not stream.isatty():
        return None

    def show(done: int, total: int) -> None:
        filled = 30 * done // total
        stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} customers")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value
