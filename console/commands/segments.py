"""`callpop segments refresh|list`: computed RFM and rule segments (store/segments/).

`refresh` writes (and migrates first); `list` only reads.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("segments", help="computed segments: RFM scores and rule segments")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    refresh = actions.add_parser(
        "refresh",
        parents=parents,
        help="recompute (only what changed since the last run today; --full for everyone)",
    )
    refresh.add_argument("--full", action="store_true", help="recompute every customer and the cut points")
    refresh.add_argument("--file", type=Path, default=None, help="segments TOML (default: the built-in one)")
    refresh.add_argument("--json", action="store_true", help="print the result as JSON")
    refresh.set_defaults(handler=run_refresh)
    listing = actions.add_parser(
        "list", parents=parents, help="every segment and how many customers are in it"
    )
    listing.add_argument("--file", type=Path, default=None, help="segments TOML (default: the built-in one)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_list)


def _segments_file(args: argparse.Namespace) -> Path:
    from store.segments.rules import BUILT_IN, SegmentError, read_segments

    path: Path = args.file or BUILT_IN
    try:
        read_segments(path)
    except SegmentError as error:
        raise UserError(str(error)) from error
    return path


def run_refresh(args: argparse.Namespace, settings: Settings) -> int:
    import json
    import sys
    from datetime import date

    from console.database import open_engine
    from console.progress import phase_progress
    from store.segments.refresh import refresh_segments

    path = _segments_file(args)
    engine = open_engine(settings)
    show = phase_progress(sys.stderr)
    result = refresh_segments(
        engine,
        today=date.today(),
        full=args.full,
        segments_file=path,
        progress=lambda done, total: show("segments", done, total),
    )
    if args.json:
        payload = {
            "full": result.full,
            "customers": result.customers,
            "seconds": round(result.seconds, 3),
            "breakpoints": result.breakpoints.as_json(),
        }
        print(json.dumps(payload, indent=2))
        return 0
    kind = "full refresh" if result.full else "incremental refresh"
    print(f"{kind}: {result.customers:,} customers in {result.seconds:.1f} s")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    import json
    from dataclasses import asdict

    from console.database import open_for_reading
    from store.segments.refresh import last_run, segment_counts

    path = _segments_file(args)
    engine = open_for_reading(settings)
    with engine.connect() as connection:
        counts = segment_counts(connection, path)
        run = last_run(connection)
    if args.json:
        print(
            json.dumps(
                {
                    "refreshed_at": run.finished_at.isoformat() if run and run.finished_at else None,
                    "segments": [asdict(c) for c in counts],
                },
                indent=2,
            )
        )
        return 0
    if run is None:
        print("segments were never computed: run `callpop segments refresh`")
    else:
        print(f"as of {run.finished_at:%Y-%m-%d %H:%M} UTC ({'full' if run.full else 'incremental'} refresh)")
    print(f"{'KIND':<5} {'SEGMENT':<28} {'CUSTOMERS':>10}  TITLE")
    for count in counts:
        print(f"{count.kind:<5} {count.name:<28} {count.customers:>10,}  {count.title}")
    return 0
