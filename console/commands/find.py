"""`callpop find QUERY`: the console's customer search, for scripts and for a quick look.

Exit status: 0 found, 1 nobody matches, 2 the query cannot be searched (with a hint why).
Read-only: it never migrates the database.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings
    from store.search import Match


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "find", help="search customers by phone, name, e-mail, account or ticket", parents=parents
    )
    parser.add_argument("query", help="a number in any format, its last digits, a name (typos welcome), ...")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.add_argument("--limit", type=int, default=20, help="most results to show (default 20)")
    parser.add_argument("--region", help="country for numbers without +prefix (default: settings)")
    parser.set_defaults(handler=run)


COLUMNS = ("score", "name", "id", "phone", "city", "age", "status", "why")


def table_lines(matches: list[Match]) -> list[str]:
    """The matches as an aligned table (console.text_table), a match a line so `grep` and `head`
    keep whole rows, each value cleaned of control characters and escapes."""
    from console.text_table import aligned
    from store.sanitize import clean_line

    rows = [list(COLUMNS)]
    for m in matches:
        cells = [f"{m.score:.0f}", m.display_name, m.external_id, m.masked_phone, m.city]
        cells += ["" if m.age is None else str(m.age), m.status, m.reason]
        rows.append([clean_line(cell) for cell in cells])
    return aligned(rows, right={COLUMNS.index("score"), COLUMNS.index("age")})


def run(args: argparse.Namespace, settings: Settings) -> int:
    import json
    import sys
    from dataclasses import asdict

    from console.acting import cli_actor
    from console.config import check_region
    from console.database import open_engines, open_for_reading
    from store import access
    from store.policy import Action

    if not 1 <= args.limit <= 500:
        raise UserError("--limit must be between 1 and 500")
    try:
        region = check_region(args.region or settings.default_region)
    except ValueError as error:
        raise UserError(f"--region: {error}") from None
    engine = open_for_reading(settings)
    actor = cli_actor(engine, Action.SEARCH)
    assert actor is not None
    result = access.search(open_engines(settings, engine), actor, args.query, region=region, limit=args.limit)
    if not result.matches and result.hint and not args.json:
        raise UserError(result.hint)
    if not result.matches and not args.json:
        print("no customer matches", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([asdict(m) for m in result.matches], default=str, ensure_ascii=False, indent=2))
    else:
        print("\n".join(table_lines(result.matches)))
    return 0
