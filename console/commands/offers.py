"""`callpop offers load|list|for`: the offer catalogue and what a customer would be offered now.

`load` writes (and migrates first); `list` and `for` only read and never migrate.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from console.commands import UserError

if TYPE_CHECKING:
    from console.config import Settings

CHANNELS = ("voice", "chat")
"""store.models.Channel's values, spelled out so that building the parser imports no model."""


def register(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("offers", help="offer catalogue: load, list, suggest for a customer")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = actions.add_parser(
        "load",
        parents=parents,
        help="validate a catalogue TOML and load it (the built-in one: store/data/offers.toml)",
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.set_defaults(handler=run_load)
    listing = actions.add_parser("list", parents=parents, help="the active offers and how they have done")
    listing.set_defaults(handler=run_list)
    suggest = actions.add_parser(
        "for", parents=parents, help="the ranked offers for a customer, with the why"
    )
    suggest.add_argument("customer_id", type=int, metavar="CUSTOMER_ID")
    suggest.add_argument("--channel", default="voice", choices=CHANNELS)
    suggest.add_argument("--limit", type=int, default=3)
    suggest.add_argument(
        "--all", action="store_true", help="also list every other offer and why it is not made"
    )
    suggest.add_argument("--json", action="store_true", help="print JSON")
    suggest.set_defaults(handler=run_for)


def run_load(args: argparse.Namespace, settings: Settings) -> int:
    from console.acting import cli_actor, os_account
    from console.database import open_engine
    from store import audit
    from store.db import write_session
    from store.offers import CatalogueError, load_catalogue, read_catalogue
    from store.policy import Action
    from store.sanitize import clean_line

    try:
        catalogue = read_catalogue(args.file)
    except CatalogueError as error:
        raise UserError(str(error)) from error
    engine = open_engine(settings)
    actor = cli_actor(engine, Action.LOAD_OFFERS, bootstrap=True)
    with write_session(engine) as session:
        result = load_catalogue(session, catalogue)
        who = actor.username if actor else os_account()
        audit.record(session, who, "offers.load", target=clean_line(str(args.file))[:200])
    print(f"loaded {len(catalogue.offers)} offers: {result.added} new, {result.updated} updated, "
          f"{result.retired} retired")  # fmt: skip
    for warning in result.warnings:
        print(f"warning: {warning}")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    import sqlalchemy as sa
    from sqlmodel import select

    from console.acting import cli_actor
    from console.database import open_for_reading
    from store.db import read_session
    from store.models.offers import Offer, OfferStat
    from store.policy import Action

    engine = open_for_reading(settings)
    cli_actor(engine, Action.SEARCH)
    with read_session(engine) as session:
        offers = session.exec(select(Offer).where(Offer.active == True).order_by(Offer.code)).all()  # noqa: E712
        totals = {
            code: (shown, accepted)
            for code, shown, accepted in session.exec(
                select(
                    OfferStat.offer_code, sa.func.sum(OfferStat.shown), sa.func.sum(OfferStat.accepted)
                ).group_by(OfferStat.offer_code)
            ).all()
        }
    if not offers:
        print("no active offers: load a catalogue with `callpop offers load FILE`")
        return 0
    print(f"{'CODE':<24} {'CATEGORY':<8} {'VALUE':>8} {'WEIGHT':>6} {'ACCEPTED':>14}  CHANNELS")
    for offer in offers:
        shown, accepted = totals.get(offer.code, (0, 0))
        so_far = f"{accepted}/{shown} ({accepted / shown:.0%})" if shown else "new"
        print(f"{offer.code:<24} {offer.category:<8} {offer.value:>8.2f} {offer.weight:>6.2f} {so_far:>14}  "
              f"{offer.channels.replace(',', ' ')}")  # fmt: skip
    return 0


def run_for(args: argparse.Namespace, settings: Settings) -> int:
    import json
    from dataclasses import asdict

    from console.acting import cli_actor
    from console.database import open_for_reading
    from store.offers import explain_offers, rank_offers
    from store.policy import Action
    from store.sanitize import clean_line

    engine = open_for_reading(settings)
    cli_actor(engine, Action.VIEW_CUSTOMER)
    decisions = explain_offers(engine, args.customer_id, channel=args.channel)
    if not decisions:
        raise UserError(f"no customer with id {args.customer_id}, or no active offers (load a catalogue)")
    suggestions = rank_offers(engine, args.customer_id, channel=args.channel, limit=args.limit)
    shown = {s.offer_code for s in suggestions}
    others = [d for d in decisions if d.offer_code not in shown] if args.all else []
    if args.json:
        payload = {
            "customer_id": args.customer_id,
            "offers": [asdict(s) for s in suggestions],
            "not_offered": [asdict(d) for d in others],
        }
        print(json.dumps(payload, indent=2, default=str))
        return 0
    if not suggestions:
        print("nothing to offer now")
    for rank, suggestion in enumerate(suggestions, 1):
        so_far = (
            f"{suggestion.acceptance_rate:.0%} of {suggestion.presented_count} accepted"
            if suggestion.acceptance_rate is not None
            else "not offered yet"
        )
        title = clean_line(suggestion.title)
        print(f"{rank}. {suggestion.offer_code}  {title}  (value {suggestion.value:.2f}, {so_far}, "
              f"score {suggestion.score:.2f})")  # fmt: skip
        for why in suggestion.why:
            print(f"     why: {clean_line(why)}")
        print(f"     say: {clean_line(suggestion.script)}")
    for decision in others:
        if not decision.eligible:
            because = "not eligible: " + "; ".join(decision.reasons)
        else:
            because = decision.suppressed_by or "eligible, ranked lower"
        print(f"   - {decision.offer_code}: {clean_line(because)}")
    return 0
