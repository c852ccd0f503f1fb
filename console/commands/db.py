"""`callpop db upgrade|status|grants`: schema migrations, and the console role's PostgreSQL grants.

While the schema is behind, or no admin exists yet, anyone who can reach the database may
upgrade it (there is no operator table to check against yet); after that these are admin verbs.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("db", help="database schema: upgrade, status, grants", parents=parents)
    parser.add_argument("action", choices=["upgrade", "status", "grants"])
    parser.add_argument(
        "--role",
        metavar="PGROLE",
        help="grants: the PostgreSQL role consoles connect as (audit: INSERT/SELECT only)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor
    from console.database import open_engine, open_existing
    from store.migrate import pending_revisions, upgrade
    from store.policy import Action

    engine = open_existing(settings) if args.action != "upgrade" else open_engine(settings, migrate=False)
    todo = pending_revisions(engine)
    if todo and args.action == "grants":
        raise UserError("the schema is behind: run `callpop db upgrade` first")
    if not todo:
        cli_actor(engine, Action.ADMINISTER_DATABASE, bootstrap=args.action != "grants")
    if args.action == "grants":
        return _grants(engine, args.role)
    if args.action == "status":
        print("up to date" if not todo else "pending: " + ", ".join(todo))
        return 0
    applied = upgrade(engine)
    print("applied: " + ", ".join(applied) if applied else "already up to date")
    return 0


def _grants(engine: Engine, role: str | None) -> int:
    """Grant the console's role what it needs; on the audit log only INSERT and SELECT."""
    from store.audit import grant_statements
    from store.db import is_sqlite

    if is_sqlite(engine):
        raise UserError("grants are for PostgreSQL; a SQLite file is protected by its 0600 mode")
    if not role:
        raise UserError("name the PostgreSQL role the consoles connect as: --role PGROLE")
    with engine.begin() as connection:
        for statement in grant_statements(role):
            connection.exec_driver_sql(statement)
    print(f"granted {role}: tables read/write, auditlog INSERT and SELECT only")
    return 0
