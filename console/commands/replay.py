"""`callpop journal status|replay`: wrap-ups this seat saved while the database was away.

The console replays its journal by itself in the background; this verb is for an administrator
(a console that will not start again, or a look at what is waiting and what was refused).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("journal", help="wrap-ups queued in this seat's journal", parents=parents)
    parser.add_argument("action", choices=["status", "replay"])
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    import sys

    from store.wrapup import LocalFileError

    try:
        return _run(args, settings)
    except LocalFileError as error:
        print(
            f"callpop journal: the local journal in {settings.data_dir} failed: {error.detail}",
            file=sys.stderr,
        )
        return 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from store.wrapup.journal import failed_entries, journal_counts, replay_pending

    if args.action == "replay":
        from console.database import open_engine

        report = replay_pending(open_engine(settings), settings.data_dir)
        print(
            f"saved {report.saved}, already saved {report.already_saved}, "
            f"still queued {report.still_queued}, refused {report.failed}"
        )
        return 1 if report.still_queued or report.failed else 0
    counts = journal_counts(settings.data_dir)
    print(f"pending {counts['pending']}, done {counts['done']} (kept 7 days), refused {counts['failed']}")
    for call_id, error in failed_entries(settings.data_dir):
        print(f"refused {call_id}: {error}")
    return 0
