"""A profile read before its screen opens, so a pop's first paint is the loaded profile.

A popped profile used to open empty ("Loading…"), paint, then load, lay out and paint again, with
the offers panel filled and laid out a third time in between: three full layouts where one shows
the same screen, and the load's thread fighting the UI thread's paints for the interpreter. The
console's pop reads the profile and its offers first, in a thread worker (`preload`, audited as the
view like the screen's own load), and opens the screen with them (`ProfileScreen(preloaded=...)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import SQLAlchemyError

from screens.context import ConsoleContext
from store import access
from store.offers import OfferSuggestion, rank_offers
from store.policy import Actor
from store.profile import PAGE_SIZE, Profile


@dataclass(frozen=True)
class Preloaded:
    """What the screen would load first: the profile (None: no such customer) and the offers
    (None: not ranked, the panel ranks them itself)."""

    profile: Profile | None
    offers: list[OfferSuggestion] | None


def preload(
    context: ConsoleContext, actor: Actor, customer_id: int, *, call_id: str | None, today: date
) -> Preloaded:
    """The profile as the screen's first load reads it (audited as the view); in a thread worker.
    A database error is raised (the caller opens the screen without it: it loads and reports);
    offers that fail to rank are left to the panel, which says why."""
    profile = access.view_profile(
        context.engines, actor, customer_id, today=today, page_size=PAGE_SIZE, first=True
    )
    try:
        offers = rank_offers(context.engine, customer_id, call_id=call_id) if profile is not None else []
    except SQLAlchemyError:
        offers = None
    return Preloaded(profile, offers)
