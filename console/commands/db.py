"""`callpop db upgrade|status`: schema migrations."""

from __future__ import annotations

import argparse

from console.config import Settings
from console.database import open_engine
from store.migrate import pending_revisions, upgrade


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="database schema: upgrade or status", parents=parents)
    parser.add_argument("action", choices=["upgrade", "status"])
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    engine = open_engine(settings, migrate=False)
    if args.action == "status":
        todo = pending_revisions(engine)
        print("up to date" if not todo else "pending: " + ", ".join(todo))
        return 0
    applied = upgrade(engine)
    print("applied: " + ", ".join(applied) if applied else "already up to date")
    return 0
