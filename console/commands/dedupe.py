"""`callpop dedupe`: probable duplicate customers with a score and the reasons (supervisors, admins)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings
    from store.dedupe import DuplicatePair


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("dedupe", help="list probable duplicate customers", parents=parents)
    parser.add_argument(
        "--min-score", type=float, default=80, metavar="N", help="lowest score shown (0-100, 80)"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.set_defaults(handler=run)


def _plain(pair: DuplicatePair) -> dict[str, object]:
    def side(record: object) -> dict[str, object]:
        data = asdict(record)  # type: ignore[call-overload]
        return {k: sorted(v) if isinstance(v, frozenset) else v for k, v in data.items() if k != "given"}

    return {"score": pair.score, "reasons": pair.reasons, "a": side(pair.a), "b": side(pair.b)}


def run(args: argparse.Namespace, settings: Settings) -> int:
    if not 0 <= args.min_score <= 100:
        raise UserError("--min-score must be between 0 and 100")
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from console.acting import cli_actor
    from console.database import open_engine
    from store.dedupe import find_duplicates
    from store.policy import Action
    from store.sanitize import clean_line

    engine = open_engine(settings, quiet=args.json)
    try:
        actor = cli_actor(engine, Action.DEDUPE)
        assert actor is not None  # no bootstrap: an operator row or a UserError
        pairs = find_duplicates(engine, actor=actor, min_score=args.min_score)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps([_plain(p) for p in pairs], ensure_ascii=False, indent=2))
        return 0
    table = Table("score", "id", "name", "id", "name", "why")
    for p in pairs:
        cells = [f"{p.score:.0f}", p.a.external_id, p.a.display_name, p.b.external_id, p.b.display_name]
        table.add_row(*(Text(clean_line(cell)) for cell in [*cells, ", ".join(p.reasons)]))
    Console(highlight=False).print(table)
    print(f"{len(pairs)} probable duplicate pairs (score >= {args.min_score:g}); merge with callpop merge")
    return 0
