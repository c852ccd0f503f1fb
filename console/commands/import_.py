"""`callpop import KIND FILE`: customers (and their products, tickets, campaigns) from other systems.

Exit status: 0 imported (or a clean dry run), 1 bad rows found and nothing written, 2 a file or
option that cannot be used at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings
    from store.dedupe import DuplicatePair

KINDS = ("campaigns", "customers", "holdings", "tickets", "warranties")
"""`store.imports.KINDS`' names, here so `--help` loads no store (a test holds them equal)."""

_SHOWN = 20


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import customers, holdings, warranties, tickets or campaigns (CSV, JSON Lines)",
        parents=parents,
    )
    parser.add_argument("kind", choices=sorted(KINDS), metavar="KIND", help=", ".join(sorted(KINDS)))
    parser.add_argument("file", type=Path, metavar="FILE", help="a .csv or .jsonl file (UTF-8)")
    parser.add_argument(
        "--map", type=Path, metavar="FILE", help="JSON or TOML: file column -> callpop column"
    )
    parser.add_argument("--dry-run", action="store_true", help="check every row and report; write nothing")
    parser.add_argument(
        "--skip-bad", action="store_true", help="import the good rows, set the bad ones aside"
    )
    parser.add_argument("--rejects", type=Path, metavar="FILE", help="with --skip-bad: CSV of the bad rows")
    parser.add_argument("--restart", action="store_true", help="start over instead of resuming this file")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, metavar="N", help="processes checking rows (CPUs)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor
    from console.database import open_engine
    from console.progress import phase_progress
    from store.dedupe import find_duplicates
    from store.imports import ImportOptions, SourceError, import_file, read_mapping
    from store.policy import Action
    from store.sanitize import clean_line

    if args.rejects and not args.skip_bad:
        raise UserError("--rejects needs --skip-bad (without it, one bad row imports nothing)")
    if args.skip_bad and not args.rejects and not args.dry_run:
        raise UserError("--skip-bad needs --rejects FILE, so no bad row is lost")
    if not args.file.is_file():
        raise UserError(f"{args.file} is not a file")
    if not 1 <= args.workers <= 64:
        raise UserError("--workers must be between 1 and 64")
    try:
        mapping = read_mapping(args.map) if args.map else {}
    except SourceError as error:
        raise UserError(str(error)) from None
    options = ImportOptions(
        kind=args.kind,
        path=args.file,
        mapping=mapping,
        dry_run=args.dry_run,
        skip_bad=args.skip_bad,
        rejects=args.rejects,
        restart=args.restart,
        workers=args.workers if args.file.stat().st_size > 4_000_000 else 1,
    )
    engine = open_engine(settings)
    actor = cli_actor(engine, Action.IMPORT)
    assert actor is not None  # no bootstrap: an operator row or a UserError

    def reject(line: int, reason: str) -> None:
        print(f"line {line}: {clean_line(reason)}", file=sys.stderr)

    try:
        report = import_file(
            engine, options, actor=actor, on_reject=reject, progress=phase_progress(sys.stderr)
        )
        pairs = find_duplicates(engine, actor=actor, only=report.customers) if report.customers else []
    except SourceError as error:
        raise UserError(str(error)) from None
    except KeyboardInterrupt:
        print(
            f"callpop import: interrupted; run the same command again to resume {args.file}", file=sys.stderr
        )
        raise
    finally:
        engine.dispose()
    t = report.tally
    counts = f"{t.new:,} new, {t.updated:,} updated, {t.unchanged:,} unchanged, {t.rejected:,} rejected"
    if args.dry_run:
        print(f"dry run of {args.file}: {t.rejected:,} bad rows; nothing written")
        return 1 if t.rejected else 0
    if not report.applied:
        print(
            f"{args.file}: {t.rejected:,} bad rows, nothing imported "
            "(fix them, or use --skip-bad --rejects FILE)"
        )
        return 1
    resumed = f" (resumed after line {report.resumed_after_line:,})" if report.resumed_after_line else ""
    print(f"imported {args.kind} from {args.file}{resumed}: {counts}")
    if t.rejected and args.rejects:
        print(f"bad rows and their reasons: {args.rejects}")
    if args.kind == "customers":
        _report_duplicates(pairs, bulk=report.index_rebuilt)
    return 0


def _report_duplicates(pairs: list[DuplicatePair], *, bulk: bool) -> None:
    """Imported customers that look like someone already known (checked unless it was a bulk load)."""
    from store.sanitize import clean_line

    if bulk:
        print("bulk load: run `callpop dedupe` to look for duplicates")
        return
    for pair in pairs[:_SHOWN]:
        names = f"{clean_line(pair.a.display_name)} ({clean_line(pair.a.external_id)}) ~ "
        names += f"{clean_line(pair.b.display_name)} ({clean_line(pair.b.external_id)})"
        print(f"likely duplicate, score {pair.score:.0f}: {names}: {', '.join(pair.reasons)}")
    if len(pairs) > _SHOWN:
        print(f"... and {len(pairs) - _SHOWN} more: `callpop dedupe` lists them all")
