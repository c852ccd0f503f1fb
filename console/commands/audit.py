"""`callpop audit verify` and `callpop audit show --customer ID | --operator NAME [--from --to] [--json]`.

`verify` checks the whole hash chain and names the first broken row (exit 1). `show` is for
supervisors and admins; reading the audit log is itself audited. A row whose customer was erased
shows `[erased]` for its target and detail (store.audit_seal).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("audit", help="the audit log: verify the chain, show who did what")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", parents=parents, help="check the hash chain; exit 1 if broken")
    verify.set_defaults(handler=run_verify)
    show = actions.add_parser("show", parents=parents, help="rows about a customer or by an operator")
    who = show.add_mutually_exclusive_group(required=True)
    who.add_argument("--customer", type=int, metavar="ID")
    who.add_argument("--operator", metavar="NAME")
    show.add_argument("--from", dest="since", type=_day_or_instant, metavar="YYYY-MM-DD[THH:MM]")
    show.add_argument("--to", dest="until", type=_day_or_instant, metavar="YYYY-MM-DD[THH:MM]")
    show.add_argument("--json", action="store_true", help="print JSON lines")
    show.set_defaults(handler=run_show)


def _day_or_instant(text: str) -> datetime:
    """A UTC day (its start) or instant."""

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("write it as 2026-11-30 or 2026-11-30T14:00 (UTC)") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def run_verify(_args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor
    from console.database import open_engine
    from store import audit
    from store.policy import Action

    engine = open_engine(settings)
    cli_actor(engine, Action.READ_AUDIT)
    checked, broken = audit.verify(engine)
    if broken is not None:
        print(f"audit chain BROKEN at row seq {broken.seq} (id {broken.row_id}): {broken.why}; "
              f"{checked} rows before it are intact")  # fmt: skip
        return 1
    print(f"audit chain intact: {checked} rows")
    return 0


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor
    from console.database import open_engine
    from store import audit
    from store.policy import Action
    from store.sanitize import clean_line

    engine = open_engine(settings, quiet=args.json)
    actor = cli_actor(engine, Action.READ_AUDIT)
    assert actor is not None
    until = args.until
    if until is not None and until.time() == time(0):
        until += timedelta(days=1)  # --to 2026-11-30 includes that day
    if args.since and until and until <= args.since:
        raise UserError("--to must be after --from")
    rows = audit.search(
        engine, actor, customer_id=args.customer, actor_name=args.operator, since=args.since, until=until
    )
    for row in rows:
        if args.json:
            fields = ("seq", "actor", "action", "customer_id", "target", "origin")
            item = {name: getattr(row, name) for name in fields} | {"at": row.at.isoformat()}
            detail = json.loads(row.detail or "{}") if row.detail[:1] in ("", "{") else row.detail
            print(json.dumps(item | {"detail": detail}, ensure_ascii=False))
        else:
            customer = "" if row.customer_id is None else f"customer {row.customer_id} "
            where = f"[{clean_line(row.origin)}]"
            print(f"{row.at:%Y-%m-%d %H:%M:%S} #{row.seq} {clean_line(row.actor)} {row.action} {customer}"
                  f"{clean_line(row.target)} {clean_line(row.detail)} {where}")  # fmt: skip
    if not rows and not args.json:
        print("no audit rows match")
    return 0
