"""`callpop run` (or `callpop` alone): open the operator console, migrating the database first
(under the migration lock, so consoles starting together do not race) and saying so."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings

DEMO_CUSTOMERS_ON_FIRST_RUN = 2_000
DEMO_SEED = 7


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("run", help="open the operator console", parents=parents)
    parser.add_argument("--operator", help="pre-fill the sign-in username (grants nothing; CALLPOP_OPERATOR)")
    parser.add_argument(
        "--extension", help="the extension to answer; only your own is accepted (default: yours)"
    )
    parser.add_argument(
        "--demo-if-empty",
        action="store_true",
        help=f"load {DEMO_CUSTOMERS_ON_FIRST_RUN:,} demo customers when the database has none (make run)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    import os

    from console.malloc_arenas import limit_malloc_arenas

    limit_malloc_arenas()  # before any thread starts (issue #14: RSS per console)
    if settings.forced_session:  # before Textual is imported: it reads its variables then
        from console.forced_session import scrub_environment

        scrub_environment()
    from console.low_bandwidth import prepare_environment, wanted

    if wanted(settings.low_bandwidth, settings.low_bandwidth_over_ssh, os.environ):
        prepare_environment()
    import gc
    import sys

    from console.acting import os_account
    from console.app import make_app
    from console.database import open_console_engine
    from console.demo_load import database_is_empty, load_demo
    from console.terminal_input import read_input_as_typed
    from store.identity import SignInRefused
    from store.wrapup import OutcomesError, load_outcomes

    updates = {name: getattr(args, name) for name in ("operator", "extension") if getattr(args, name)}
    settings = settings.model_copy(update=updates)
    try:
        load_outcomes(settings.outcomes_file)  # a bad file is refused before anything opens
    except OutcomesError as error:
        raise UserError(str(error)) from None
    engine = open_console_engine(settings)
    if args.demo_if_empty and database_is_empty(engine):
        print(f"callpop: first run, loading {DEMO_CUSTOMERS_ON_FIRST_RUN:,} demo customers", file=sys.stderr)
        load_demo(engine, customers=DEMO_CUSTOMERS_ON_FIRST_RUN, seed=DEMO_SEED, admin=os_account())
    try:
        app = make_app(settings, engine=engine)
    except SignInRefused as refused:
        raise UserError(str(refused)) from None
    # Everything loaded so far lives as long as the console: keep it out of the cyclic collector,
    # whose full passes otherwise stall a search or a pop for 50-90 ms (measured; 7-19 ms frozen).
    gc.freeze()
    read_input_as_typed()
    if app.low_bandwidth and sys.platform != "win32":
        from console.frame_diff import DiffingDriver

        app.driver_class = DiffingDriver  # only the cells that changed go to the terminal
    app.run(mouse=not app.low_bandwidth)
    return 0
