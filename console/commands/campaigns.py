"""`callpop campaigns list|show`: the campaigns and their response rates (store/campaigns.py).

Both only read. Campaigns come in through `callpop import campaigns` (or the demo data).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings
    from store.campaigns import CampaignSummary


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("campaigns", help="campaigns and their response rates")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", parents=parents, help="every campaign with sent, returned, responded"
    )
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_list)
    show = actions.add_parser("show", parents=parents, help="one campaign in full")
    show.add_argument("code", metavar="CODE")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=run_show)


def _as_json(summary: CampaignSummary) -> dict[str, object]:
    from dataclasses import asdict

    rate = summary.response_rate
    return {
        **asdict(summary),
        "reached": summary.reached,
        "response_rate": None if rate is None else round(rate, 4),
    }


def _rate(summary: CampaignSummary) -> str:
    return "-" if summary.response_rate is None else f"{summary.response_rate:.1%}"


def _summaries(settings: Settings, code: str | None = None) -> list[CampaignSummary]:
    from console.database import open_for_reading
    from store.campaigns import campaign_summaries

    engine = open_for_reading(settings)
    with engine.connect() as connection:
        return campaign_summaries(connection, code)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    import json

    summaries = _summaries(settings)
    if args.json:
        print(json.dumps([_as_json(s) for s in summaries], indent=2, default=str))
        return 0
    if not summaries:
        print("no campaigns: bring them in with `callpop import campaigns FILE`")
        return 0
    print(
        f"{'CODE':<16} {'CHANNEL':<7} {'STARTS':<10} {'SENT':>7} {'RETURNED':>8} "
        f"{'RESPONDED':>9} {'RATE':>6}  NAME"
    )
    for s in summaries:
        starts = s.starts_on.isoformat() if s.starts_on else "-"
        print(
            f"{s.code:<16} {s.channel:<7} {starts:<10} {s.sent:>7,} {s.returned:>8,} {s.responded:>9,} "
            f"{_rate(s):>6}  {s.name}"
        )
    return 0


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    import json

    found = _summaries(settings, args.code)
    if not found:
        raise UserError(f"no campaign with code {args.code!r}: see `callpop campaigns list`")
    s = found[0]
    if args.json:
        print(json.dumps(_as_json(s), indent=2, default=str))
        return 0
    period = f"{s.starts_on or '?'} to {s.ends_on or 'open'}"
    print(f"{s.code}  {s.name}")
    print(f"  channel        {s.channel}, {period}")
    print(f"  sent           {s.sent:,}")
    print(
        f"  returned mail  {s.returned:,}"
        + ("  (see `callpop returned-mail --worklist`)" if s.returned else "")
    )
    print(f"  responded      {s.responded:,} of {s.reached:,} reached ({_rate(s)})")
    print(f"  coupon calls   {s.coupon_calls:,}")
    return 0
