"""`callpop sessions list|end ID`: the consoles signed in now, and ending one (admin)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("sessions", help="signed-in consoles: list, end (admin)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", parents=parents, help="open sessions").set_defaults(handler=run_list)
    end = actions.add_parser("end", parents=parents, help="end a session: its console locks out at once")
    end.add_argument("session_id", type=int, metavar="ID")
    end.set_defaults(handler=run_end)


def run_list(_args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor
    from console.database import open_engine
    from store import sessions
    from store.policy import Action
    from store.sanitize import clean_line

    engine = open_engine(settings)
    actor = cli_actor(engine, Action.MANAGE_SESSIONS)
    assert actor is not None
    rows = sessions.list_open(engine, actor)
    if not rows:
        print("no open sessions")
        return 0
    print(f"{'ID':>6} {'OPERATOR':<20} {'HOW':<9} {'STARTED (UTC)':<17} {'EXPIRES (UTC)':<17} FROM")
    for row in rows:
        print(
            f"{row.id:>6} {row.username:<20} {row.method:<9} {row.started_at:%Y-%m-%d %H:%M} "
            f"{row.expires_at:%Y-%m-%d %H:%M} {clean_line(row.origin)}"
        )
    return 0


def run_end(args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor
    from console.database import open_engine
    from store import sessions
    from store.policy import Action

    engine = open_engine(settings)
    actor = cli_actor(engine, Action.MANAGE_SESSIONS)
    assert actor is not None
    if not sessions.end(engine, actor, args.session_id):
        raise UserError(f"no open session {args.session_id} (see `callpop sessions list`)")
    print(f"session {args.session_id} ended")
    return 0
