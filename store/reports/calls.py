"""Reports on the calls themselves: reasons and outcomes, handling times and first-contact
resolution, campaign responses quoted on a call, and the computed segments of the customers who
called.

Every one reads `call` through its `rang_at` index (the period), grouped as `Scope.frame` says.
"""

from __future__ import annotations

import sqlalchemy as sa

from store.models import Call
from store.models.segments import CustomerRfm
from store.reports.base import Column, Frame, Kind, PlusDays, Scope, SecondsBetween, count_if, ratio

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
    resolution: answered calls resolved with no repeat call on the same reason within FCR_DAYS.
    A call's next one on its customer and reason is `next_rang_at`, kept by the database
    (0019_call_next), so this is one pass over `ix_call_reports`: no probe for a later call per
    resolved call (a million probes took SQLite about a second)."""
    frame = _framed(scope)
    resolved = _call.c.outcome == "resolved"
    next_call = _call.c.next_rang_at
    not_again = sa.or_(next_call.is_(None), next_call > PlusDays(_call.c.rang_at, FCR_DAYS))
    answered = sa.func.count(_call.c.answered_at)
    first_contact = count_if(sa.and_(resolved, _call.c.answered_at.is_not(None), not_again))
    return (
        sa.select(
            frame.label,
            sa.func.count(),
            answered,
            sa.func.avg(SecondsBetween(_call.c.answered_at, _call.c.ended_at)),
            sa.func.avg(SecondsBetween(_call.c.ended_at, _call.c.wrapped_at)),
            count_if(resolved),
            ratio(first_contact, answered),
        )
        .select_from(frame.source)
        .where(*frame.where)
        .group_by(frame.key)
        .order_by(frame.key)
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
