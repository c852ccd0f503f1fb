"""The offers report: next best offers presented during calls and accepted, by offer and the
customer's segment at the time (conversion = accepted / presented).

That segment is the stored `customer.segment` label copied onto the presentation when it was
answered (store/offers/responses.py), not the computed RFM segment: it is the key the offer
ranking learns its propensities by (`OfferStat`), so this report shows the very counts it learns from.
"""

from __future__ import annotations

import sqlalchemy as sa

from store.models import OfferPresentation
from store.reports.base import Column, Kind, Scope, count_if, ratio
from store.reports.calls import GROUP

_shown = sa.inspect(OfferPresentation).local_table

OFFER_COLUMNS = (
    GROUP,
    Column("offer", "Offer", Kind.TEXT),
    Column("segment", "Segment", Kind.TEXT),
    Column("presented", "Presented"),
    Column("accepted", "Accepted"),
    Column("conversion_pct", "Conversion %", Kind.PERCENT),
)


def offers_query(scope: Scope) -> sa.Select:
    """Offers answered in the period (an offer the operator marked "not presented" is left out)."""
    frame = scope.frame(_shown, _shown.c.operator, _shown.c.presented_at)
    keys = (frame.key, _shown.c.offer_code, _shown.c.segment)
    accepted = count_if(_shown.c.response == "accepted")
    return (
        sa.select(frame.label, *keys[1:], sa.func.count(), accepted, ratio(accepted, sa.func.count()))
        .select_from(frame.source)
        .where(*frame.where, _shown.c.response != "not_presented")
        .group_by(*keys)
        .order_by(*keys)
    )
