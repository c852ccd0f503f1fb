"""Campaigns and how they did: who was sent what, whose mail came back, who responded.

The response rate counts responses against the mailings that reached someone (sent less returned).
Coupon calls are calls whose wrap-up logged the campaign's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from store.models import Call, Campaign, CampaignContact
from store.models.base import table_of
from store.sanitize import clean_line

_campaign, _contact, _call = table_of(Campaign).c, table_of(CampaignContact).c, table_of(Call).c


@dataclass(frozen=True)
class CampaignSummary:
    code: str
    name: str
    channel: str
    starts_on: date | None
    ends_on: date | None
    sent: int
    returned: int
    responded: int
    coupon_calls: int

    @property
    def reached(self) -> int:
        return self.sent - self.returned

    @property
    def response_rate(self) -> float | None:
        """Responses per mailing that reached someone; None before any did."""
        return self.responded / self.reached if self.reached else None


def campaign_summaries(connection: Connection, code: str | None = None) -> list[CampaignSummary]:
    """Every campaign (or the one with `code`), newest first, with its counts."""
    counts = (
        sa.select(
            _contact.campaign_id,
            sa.func.count().label("sent"),
            sa.func.sum(sa.case((_contact.returned_mail.is_(True), 1), else_=0)).label("returned"),
            sa.func.sum(sa.case((_contact.responded_on.is_not(None), 1), else_=0)).label("responded"),
        )
        .group_by(_contact.campaign_id)
        .subquery()
    )
    calls = (
        sa.select(_call.campaign_code, sa.func.count().label("calls"))
        .where(_call.campaign_code != "")
        .group_by(_call.campaign_code)
        .subquery()
    )
    query = (
        sa.select(table_of(Campaign), counts.c.sent, counts.c.returned, counts.c.responded, calls.c.calls)
        .outerjoin(counts, counts.c.campaign_id == _campaign.id)
        .outerjoin(calls, calls.c.campaign_code == _campaign.code)
        .order_by(_campaign.starts_on.desc(), _campaign.code)
    )
    if code is not None:
        query = query.where(_campaign.code == code)
    return [
        CampaignSummary(
            code=clean_line(row.code),
            name=clean_line(row.name),
            channel=row.channel,
            starts_on=row.starts_on,
            ends_on=row.ends_on,
            sent=row.sent or 0,
            returned=int(row.returned or 0),
            responded=int(row.responded or 0),
            coupon_calls=row.calls or 0,
        )
        for row in connection.execute(query)
    ]
