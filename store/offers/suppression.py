"""Why an eligible offer must still not be made: consent, what the customer holds, earlier answers,
complaints, collections, and the contact policy.

Each check returns the reason in words (or None), so `callpop offers for --all` can say why an
offer is not on the screen.
"""

from __future__ import annotations

from datetime import date, timedelta

from store.offers.active import ActiveOffer
from store.offers.facts import CustomerFacts, PastAnswer

RESPONSES = ("accepted", "declined", "maybe_later", "not_presented")
HEARD = frozenset({"accepted", "declined", "maybe_later"})
"""Responses that mean the offer was read out (and count against the contact policy)."""
POLICY_WINDOW_DAYS = 30


def offer_suppression(offer: ActiveOffer, facts: CustomerFacts, *, channel: str, today: date) -> str | None:
    """The first reason `offer` must not be made to this customer now, or None."""
    if facts.collections:
        return "customer is in collections: no offers"
    if offer.valid_from and today < offer.valid_from:
        return f"not valid before {offer.valid_from}"
    if offer.valid_to and today > offer.valid_to:
        return f"ended on {offer.valid_to}"
    if channel not in offer.channels:
        return f"not offered on {channel}"
    if channel not in facts.consented_channels:
        return f"no marketing consent for {channel}"
    if channel == "post" and facts.mail_returned:
        return "mail comes back from the address: no post offers until it is confirmed or replaced"
    if offer.product_code and any(h.product_code == offer.product_code for h in facts.holdings):
        return f"already holds {offer.product_code}"
    if offer.category == "sales" and "complaint" in facts.open_ticket_categories:
        return "open complaint: no sales offers"
    return _answered(offer, facts.answers, today)


def _answered(offer: ActiveOffer, answers: tuple[PastAnswer, ...], today: date) -> str | None:
    heard = [a for a in answers if a.offer_code == offer.code and a.response in HEARD]
    if not heard:
        return None
    last = max(heard, key=lambda a: a.on)
    if last.response == "maybe_later":
        back = last.on + timedelta(days=offer.later_days)
        return f"asked to hear it later on {last.on}: back on {back}" if today < back else None
    back = last.on + timedelta(days=offer.cooldown_days)
    return f"{last.response} on {last.on}: cool-down until {back}" if today < back else None


def contact_allowance(
    facts: CustomerFacts, *, call_id: str | None, today: date, max_per_30_days: int, max_per_call: int
) -> tuple[int, str | None]:
    """How many more offers may be made now, and the policy reason when it is none."""
    since = today - timedelta(days=POLICY_WINDOW_DAYS)
    recent = [a for a in facts.answers if a.response in HEARD and a.on > since]
    this_call = sum(1 for a in recent if call_id is not None and a.call_id == call_id)
    left = min(max_per_30_days - len(recent), max_per_call - this_call)
    if left > 0:
        return left, None
    if this_call >= max_per_call:
        return 0, f"contact policy: already {this_call} offers in this call (at most {max_per_call})"
    days = POLICY_WINDOW_DAYS
    return 0, f"contact policy: {len(recent)} offers in the last {days} days (at most {max_per_30_days})"
