"""`callpop report NAME --from DATE --to DATE [--by operator|team|day|hour] [--csv FILE] [--bom]
[--json]` and `callpop report --list`: the supervisor reports (store/reports/) from the shell.

Supervisors (their team's rows) and admins (every row); the store refuses an operator. Dates are
inclusive UTC days. Output is English: a table, or JSON, or a CSV file safe to open in a
spreadsheet (`--bom` for Excel).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings
    from store.reports import ReportResult

GROUPINGS = ("operator", "team", "day", "hour")


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report",
        parents=parents,
        help="supervisor reports over a date range (--list names them)",
        description="Run report NAME over the inclusive UTC days --from..--to, grouped --by.",
    )
    parser.add_argument("name", nargs="?", metavar="NAME", help="the report (`callpop report --list`)")
    parser.add_argument("--list", action="store_true", help="name every report and what it shows")
    parser.add_argument("--from", dest="first", type=_day, metavar="YYYY-MM-DD", help="first day (inclusive)")
    parser.add_argument("--to", dest="last", type=_day, metavar="YYYY-MM-DD", help="last day (inclusive)")
    parser.add_argument(
        "--by", choices=GROUPINGS, default="operator", help="group rows by (default: operator)"
    )
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write the rows to FILE as CSV")
    parser.add_argument("--bom", action="store_true", help="start the CSV with a UTF-8 BOM (for Excel)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as 2026-11-30") from None


def run(args: argparse.Namespace, settings: Settings) -> int:
    from store.reports import REPORTS

    if args.list:
        if args.name:
            raise UserError("--list names every report; give it no NAME")
        for report in REPORTS.values():
            print(f"{report.name:<10} {report.title}: {', '.join(c.key for c in report.columns[1:])}")
        return 0
    if not args.name:
        raise UserError("which report? give a NAME (`callpop report --list` names them)")
    if args.name not in REPORTS:
        raise UserError(f"no report {args.name!r}: one of {', '.join(REPORTS)}")
    if args.first is None or args.last is None:
        raise UserError("give the period: --from YYYY-MM-DD --to YYYY-MM-DD")
    if args.first > args.last:
        raise UserError(f"--from {args.first} is after --to {args.last}")
    if args.bom and not args.csv:
        raise UserError("--bom is for the CSV file; give --csv FILE")
    return _run(args, settings)


def _run(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from console.acting import cli_actor
    from console.database import open_engine, open_engines
    from store.policy import Action
    from store.reports import By, Period, run_report
    from store.reports.output import as_json, write_csv

    engine = open_engine(settings, quiet=args.json)
    actor = cli_actor(engine, Action.READ_REPORTS)
    assert actor is not None
    engines = open_engines(settings, engine)
    try:
        result = run_report(engines, actor, args.name, Period(args.first, args.last), By(args.by))
    finally:
        if engines.replicated:
            engines.reader.dispose()
    if args.csv:
        with args.csv.open("w", encoding="utf-8", newline="") as stream:
            write_csv(result, stream, bom=args.bom)
    if args.json:
        print(json.dumps(as_json(result), ensure_ascii=False, indent=2))
    elif args.csv:
        print(f"wrote {len(result.rows)} rows to {args.csv}")
    else:
        print_table(result)
    return 0


def print_table(result: ReportResult) -> None:
    """The rows as an aligned text table under a line saying what they are."""
    from console.text_table import aligned
    from store.reports import Kind
    from store.sanitize import clean_line

    columns = result.report.columns
    print(f"{result.report.title}, {result.period.first} to {result.period.last}, by {result.by.value}")
    cells = [[c.title for c in columns]]
    for row in result.rows:
        cells.append(["-" if v is None else clean_line(v) if isinstance(v, str) else f"{v:,}" for v in row])
    for line in aligned(cells, right={i for i, c in enumerate(columns) if c.kind is not Kind.TEXT}):
        print(line)
    if not result.rows:
        print("no rows in this period")
