"""`callpop run`: open the operator console (migrating the database first, and saying so)."""

from __future__ import annotations

import argparse
import gc
import sys

from console.app import make_app
from console.commands import UserError
from console.config import Settings
from console.database import open_engine
from console.demo_load import database_is_empty, load_demo
from store.outcomes import OutcomesError, load_outcomes

DEMO_CUSTOMERS_ON_FIRST_RUN = 2_000
DEMO_SEED = 7


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("run", help="open the operator console", parents=parents)
    parser.add_argument("--operator", help="who sits at this console (default: CALLPOP_OPERATOR)")
    parser.add_argument("--extension", help="extension this console answers (default: CALLPOP_EXTENSION)")
    parser.add_argument(
        "--demo-if-empty",
        action="store_true",
        help=f"load {DEMO_CUSTOMERS_ON_FIRST_RUN:,} demo customers when the database has none (make run)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    updates = {name: getattr(args, name) for name in ("operator", "extension") if getattr(args, name)}
    settings = settings.model_copy(update=updates)
    try:
        load_outcomes(settings.outcomes_file)  # a bad file is refused before anything opens
    except OutcomesError as error:
        raise UserError(str(error)) from None
    engine = open_engine(settings)
    if args.demo_if_empty and database_is_empty(engine):
        print(f"callpop: first run, loading {DEMO_CUSTOMERS_ON_FIRST_RUN:,} demo customers", file=sys.stderr)
        load_demo(engine, customers=DEMO_CUSTOMERS_ON_FIRST_RUN, seed=DEMO_SEED)
    app = make_app(settings, engine=engine)
    # Everything loaded so far lives as long as the console: keep it out of the cyclic collector,
    # whose full passes otherwise stall a search or a pop for 50-90 ms (measured; 7-19 ms frozen).
    gc.freeze()
    app.run()
    return 0
