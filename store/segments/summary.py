"""One customer's computed marketing facts as the profile header shows them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from store.churn.bands import risk_band
from store.models.base import table_of
from store.models.segments import CustomerChurn, CustomerRfm, SegmentMember
from store.sanitize import clean_line

_rfm, _member, _churn = table_of(CustomerRfm).c, table_of(SegmentMember).c, table_of(CustomerChurn).c


@dataclass(frozen=True)
class Marketing:
    """The RFM segment and score, the rule segments, the churn risk with its band and reasons."""

    rfm_segment: str = ""
    rfm_score: str = ""
    """Like "545": recency, frequency, monetary, each 1-5."""
    segments: tuple[str, ...] = ()
    churn_risk: float | None = None
    churn_band: str = ""
    churn_reasons: str = ""

    @property
    def known(self) -> bool:
        return bool(self.rfm_segment or self.segments or self.churn_risk is not None)


def marketing_of(session: Session, customer_id: int) -> Marketing:
    """Three lookups by primary key or index; empty before the first refresh and scoring."""
    rfm = session.execute(
        sa.select(_rfm.rfm_segment, _rfm.r, _rfm.f, _rfm.m).where(_rfm.customer_id == customer_id)
    ).first()
    names = session.execute(
        sa.select(_member.segment).where(_member.customer_id == customer_id).order_by(_member.segment)
    ).scalars()
    churn = session.execute(
        sa.select(_churn.risk, _churn.reasons).where(_churn.customer_id == customer_id)
    ).first()
    return Marketing(
        rfm_segment=rfm.rfm_segment if rfm else "",
        rfm_score=f"{rfm.r}{rfm.f}{rfm.m}" if rfm else "",
        segments=tuple(clean_line(name) for name in names),
        churn_risk=churn.risk if churn else None,
        churn_band=risk_band(churn.risk) if churn else "",
        churn_reasons=clean_line(churn.reasons) if churn else "",
    )
