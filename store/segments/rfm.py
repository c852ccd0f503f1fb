"""RFM: recency, frequency and monetary value scored 1-5 against quintile cut points of the base.

Recency is days since the customer's latest purchase or opening (any holding, closed or not),
frequency the number of holdings ever opened, monetary what they paid or borrowed (`price_paid`)
or, for accounts, the balance held. Customers with no holding at all get no score.

The measures and the scores are computed by the database (`facts` and `scored`, one aggregate
over the holdings and comparisons with the cut points bound as values): a million customers'
holdings never travel to Python one by one. Only the distinct values of the measures with their
counts do, for the cut points (`Breakpoints.of`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from store.models import Holding
from store.models.base import table_of
from store.models.segments import CustomerRfm

QUINTILES = (0.2, 0.4, 0.6, 0.8)
NO_PURCHASES = ""
Histogram = Sequence[tuple[float, int]]
"""Distinct values of a measure, each with how many customers have it."""

_holding = table_of(Holding).c
_REFRESHED_AT = table_of(CustomerRfm).c.refreshed_at.type
_MONEY = sa.func.round(sa.func.sum(sa.func.coalesce(_holding.price_paid, _holding.balance, 0)), 2)
"""Rounded to the cents the column holds: SQLite sums the amounts as floating point."""


@dataclass(frozen=True)
class Breakpoints:
    """The four cut points of each measure, computed on the whole base by a full refresh."""

    recency_days: tuple[float, ...]
    frequency: tuple[float, ...]
    monetary: tuple[float, ...]

    @classmethod
    def of(cls, recency: Histogram, frequency: Histogram, monetary: Histogram) -> Breakpoints:
        """The quintiles of each measure over every customer, from its histogram."""

        def cuts(histogram: Histogram) -> tuple[float, ...]:
            if not histogram:
                return (0.0,) * len(QUINTILES)
            values, counts = zip(*histogram, strict=True)
            every = np.repeat(np.asarray(values, dtype=float), np.asarray(counts, dtype=np.int64))
            return tuple(float(v) for v in np.quantile(every, QUINTILES))

        return cls(cuts(recency), cuts(frequency), cuts(monetary))

    def as_json(self) -> dict[str, list[float]]:
        return {
            "recency_days": list(self.recency_days),
            "frequency": list(self.frequency),
            "monetary": list(self.monetary),
        }

    @classmethod
    def from_json(cls, raw: dict[str, list[float]]) -> Breakpoints:
        return cls(tuple(raw["recency_days"]), tuple(raw["frequency"]), tuple(raw["monetary"]))


def facts(where: sa.ColumnElement[bool] | None = None) -> sa.Subquery:
    """Per customer with a holding (among `where`): `last` opened, `frequency`, `monetary`."""
    query = sa.select(
        _holding.customer_id,
        sa.func.max(_holding.opened_on).label("last"),
        sa.func.count().label("frequency"),
        _MONEY.label("monetary"),
    )
    if where is not None:
        query = query.where(where)
    return query.group_by(_holding.customer_id).subquery("rfm_facts")


def histograms(connection: sa.Connection, today: date) -> Breakpoints:
    """The cut points over the whole base, from one aggregate: each combination of the three
    measures with its count (a few thousand rows where a million customers share values)."""
    base = facts()
    rows = connection.execute(
        sa.select(base.c.last, base.c.frequency, base.c.monetary, sa.func.count()).group_by(
            base.c.last, base.c.frequency, base.c.monetary
        )
    ).all()
    recency = [((today - last).days, n) for last, _f, _m, n in rows if last is not None]
    return Breakpoints.of(recency, [(f, n) for _l, f, _m, n in rows], [(float(m), n) for *_, m, n in rows])


def scored(where: sa.ColumnElement[bool], cuts: Breakpoints, today: date, now: datetime) -> sa.Select[Any]:
    """The CustomerRfm rows of the customers with a holding among `where`, in column order,
    refreshed `now`."""
    base = facts(where)
    r = sa.case(
        (base.c.last.is_(None), 1), else_=5 - _above(_days_over(base.c.last, cuts.recency_days, today))
    )
    f = 1 + _above([base.c.frequency > _float(c) for c in cuts.frequency])
    m = 1 + _above([base.c.monetary > _float(c) for c in cuts.monetary])
    scores = sa.select(base, r.label("r"), f.label("f"), m.label("m")).subquery("rfm_scores")
    grid = sa.case(
        {10 * rs + fs: rfm_segment(rs, fs) for rs in range(1, 6) for fs in range(1, 6)},
        value=10 * scores.c.r + scores.c.f,
    )
    return sa.select(
        scores.c.customer_id,
        scores.c.last,
        scores.c.frequency,
        scores.c.monetary,
        scores.c.r,
        scores.c.f,
        scores.c.m,
        grid,
        sa.literal(now, _REFRESHED_AT),
    )


COLUMNS = ("customer_id", "last_purchase_on", "frequency", "monetary", "r", "f", "m", "rfm_segment",
           "refreshed_at")  # fmt: skip
"""The CustomerRfm columns `scored` fills, in its order."""


def _days_over(last: sa.ColumnElement[Any], cuts: tuple[float, ...], today: date) -> list[Any]:
    """`(today - last).days > cut` for each cut, as date comparisons (portable: no date
    arithmetic in SQL). Whole days above a cut are at least floor(cut) + 1."""
    return [last <= sa.literal(today - timedelta(days=math.floor(c) + 1), sa.Date()) for c in cuts]


def _above(conditions: list[Any]) -> sa.ColumnElement[int]:
    """How many of `conditions` hold: the cut points a value is above (ascending quantiles)."""
    total: Any = sa.literal(0)
    for condition in conditions:
        total = total + sa.case((condition, 1), else_=0)
    return total


def _float(value: float) -> sa.ColumnElement[float]:
    return sa.literal(value, sa.Float())


def rfm_segment(r: int, f: int) -> str:
    """The usual RFM grid on recency and frequency, named for what a marketer does with it."""
    if r >= 4 and f >= 4:
        return "champions"
    if r >= 3 and f >= 4:
        return "loyal"
    if r >= 4 and f == 1:
        return "new"
    if r >= 4:
        return "promising"
    if r <= 2 and f >= 3:
        return "at_risk"
    if r <= 2:
        return "hibernating"
    return "need_attention"


RFM_SEGMENTS = ("champions", "loyal", "new", "promising", "need_attention", "at_risk", "hibernating")
