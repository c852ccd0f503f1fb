"""Reports on the calls themselves: reasons and outcomes, handling times and first-contact
resolution, campaign responses quoted on a call, and the computed segments of the customers who
called.

Every one reads `call` through its `rang_at` index (the period), grouped as `Scope.frame` says.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from store.models import Call
from store.models.segments import CustomerRfm
from store.reports.base import (
    Column,
    Frame,
    HourStart,
    Kind,
    PlusDays,
    Scope,
    SecondsBetween,
    count_if,
    ratio,
)

FCR_DAYS = 7
"""A resolved call counts as resolved at first contact unless its customer calls again about the
same reason within this many days after it."""

_call = sa.inspect(Call).local_table
_rfm = sa.inspect(CustomerRfm).local_table
GROUP = Column("group", "Group", Kind.TEXT)
NO_CUSTOMER = "(no customer)"
NOT_SCORED = "(not scored)"
"""The segments report's labels for calls outside every RFM segment (brackets: no segment is
named so, and scripts reading the CSV can tell them apart)."""


def _framed(scope: Scope) -> Frame:
    return scope.frame(_call, _call.c.operator, _call.c.rang_at)


CALLS_COLUMNS = (
    GROUP,
    Column("reason", "Reason", Kind.TEXT),
    Column("outcome", "Outcome", Kind.TEXT),
    Column("calls", "Calls"),
)


def calls_query(scope: Scope) -> sa.Select:
    """Calls rung in the period by reason and outcome (a missed call has no outcome)."""
    frame = _framed(scope)
    keys = (frame.key, _call.c.reason, _call.c.outcome)
    return (
        sa.select(frame.label, *keys[1:], sa.func.count())
        .select_from(frame.source)
        .where(*frame.where)
        .group_by(*keys)
        .order_by(*keys)
    )


HANDLING_COLUMNS = (
    GROUP,
    Column("calls", "Calls"),
    Column("answered", "Answered"),
    Column("handle_avg_s", "Avg handle (s)", Kind.SECONDS),
    Column("acw_avg_s", "Avg after-call work (s)", Kind.SECONDS),
    Column("resolved", "Resolved"),
    Column("fcr_pct", "First-contact resolution %", Kind.PERCENT),
)


def handling_query(scope: Scope) -> sa.Select:
    """Handle time (answered..ended), after-call work (ended..wrapped) and first-contact
    resolution: answered calls resolved with no repeat call on the same reason within FCR_DAYS
    (the call's `next_rang_at`, kept by the database: no probe for a later call per call).

    Totalled per operator and UTC hour first (`_hourly`), then per group: the group is a function
    of those two, so the figures are the same; SQLite reads the first step off `ix_call_hourly`
    in order instead of sorting a million calls by group."""
    resolved = _call.c.outcome == "resolved"
    next_call = _call.c.next_rang_at
    not_again = sa.or_(next_call.is_(None), next_call > PlusDays(_call.c.rang_at, FCR_DAYS))
    hourly = _hourly(
        scope,
        sa.func.count().label("calls"),
        sa.func.count(_call.c.answered_at).label("answered"),
        sa.func.sum(SecondsBetween(_call.c.answered_at, _call.c.ended_at)).label("handle"),
        _present(_call.c.answered_at, _call.c.ended_at).label("handled"),
        sa.func.sum(SecondsBetween(_call.c.ended_at, _call.c.wrapped_at)).label("acw"),
        _present(_call.c.ended_at, _call.c.wrapped_at).label("wrapped"),
        count_if(resolved).label("resolved"),
        count_if(sa.and_(resolved, _call.c.answered_at.is_not(None), not_again)).label("first_contact"),
    )
    frame = scope.frame(hourly, hourly.c.operator, hourly.c.hour)
    total = {name: sa.func.sum(hourly.c[name]) for name in hourly.c.keys()[2:]}
    return (
        sa.select(
            frame.label,
            total["calls"],
            total["answered"],
            total["handle"] / sa.func.nullif(total["handled"], 0),
            total["acw"] / sa.func.nullif(total["wrapped"], 0),
            total["resolved"],
            ratio(total["first_contact"], total["answered"]),
        )
        .select_from(frame.source)
        .where(*frame.where)
        .group_by(frame.key)
        .order_by(frame.key)
    )


def _present(*instants: ColumnElement[Any]) -> ColumnElement[Any]:
    """How many rows hold all of `instants`: those a duration between them is averaged over
    (counted without working the duration out again)."""
    return count_if(sa.and_(*(at.is_not(None) for at in instants)))


def _hourly(scope: Scope, *totals: ColumnElement[Any]) -> sa.Subquery:
    """`totals` of the calls rung in the period, per operator and UTC hour (columns `operator`,
    `hour`, then the totals). The hour's bounds repeat the instant's so SQLite ranges over
    `ix_call_hourly`."""
    hour = HourStart(_call.c.rang_at)
    start, end = scope.period.start, scope.period.end
    return (
        sa.select(_call.c.operator, hour.label("hour"), *totals)
        .where(_call.c.rang_at >= start, _call.c.rang_at < end, hour >= start, hour < end)
        .group_by(_call.c.operator, hour)
        .subquery("hourly")
    )


CAMPAIGN_COLUMNS = (
    GROUP,
    Column("campaign", "Campaign", Kind.TEXT),
    Column("responses", "Responses"),
    Column("customers", "Customers"),
)


def campaigns_query(scope: Scope) -> sa.Select:
    """Calls quoting a campaign code (a coupon, a mailing) and how many customers they were."""
    frame = _framed(scope)
    keys = (frame.key, _call.c.campaign_code)
    return (
        sa.select(frame.label, *keys[1:], sa.func.count(), sa.func.count(sa.distinct(_call.c.customer_id)))
        .select_from(frame.source)
        .where(*frame.where, _call.c.campaign_code != "")
        .group_by(*keys)
        .order_by(*keys)
    )


SEGMENT_COLUMNS = (
    GROUP,
    Column("segment", "Segment", Kind.TEXT),
    Column("calls", "Calls"),
    Column("share_pct", "Share %", Kind.PERCENT),
)


def segments_query(scope: Scope) -> sa.Select:
    """Which computed RFM segments called (`callpop segments refresh`; what the profile header
    shows), and each one's share of its group's calls; then the calls of customers with no RFM
    score yet (NOT_SCORED: no holding, or not refreshed since they came) and of no customer.

    Only the RFM segment: it puts every scored customer in exactly one segment, so the shares add
    up to 100. Rule segments overlap (a customer can be in several, or in none), so counting a
    call in each would not; `callpop segments list` counts those. Nor the stored
    `customer.segment` label: it is typed or imported, not computed. One primary-key probe of
    `customerrfm` per call; the two labels sort last on any collation.
    """
    frame = _framed(scope)
    unscored = sa.case((_call.c.customer_id.is_(None), NO_CUSTOMER), else_=NOT_SCORED)
    segment = sa.func.coalesce(_rfm.c.rfm_segment, unscored)  # most calls stop at the segment
    calls = sa.func.count()
    share = 100.0 * calls / sa.func.sum(calls).over(partition_by=frame.key)
    return (
        sa.select(frame.label, segment, calls, share)
        .select_from(frame.source.outerjoin(_rfm, _rfm.c.customer_id == _call.c.customer_id))
        .where(*frame.where)
        .group_by(frame.key, segment)
        .order_by(frame.key, segment == NO_CUSTOMER, segment == NOT_SCORED, segment)
    )
