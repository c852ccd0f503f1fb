"""The profile's timeline: tickets, interactions (titled from their wrap-up's codes) and calls not
wrapped up, open tickets first, newest first, a page at a time (`store.profile.sections`)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from store.models import Call, Interaction, Ticket
from store.profile.rows import TimelineRow
from store.profile.statements import CUSTOMER, OPEN_STATUSES, paged
from store.sanitize import clean_line
from store.timeutil import UTCDateTime


def timeline(session: Session, customer_id: int, _today: date, offset: int, limit: int) -> tuple[int, list]:
    params = {"customer_id": customer_id, "offset": offset, "limit": limit}
    rows = [
        TimelineRow(
            r.kind,
            r.at,
            r.channel,
            _wrapup_title(r.title) if "\x1f" in (r.title or "") else clean_line(r.title),
            r.status,
            r.ticket_id,
            bool(r.pinned),
            clean_line(r.who),
        )
        for r in session.execute(_timeline_query(), params)
    ]
    return int(session.execute(_timeline_total(), params).scalar_one()), rows


@lru_cache(maxsize=1)
def _timeline_query() -> sa.Select[Any]:
    """Tickets, interactions (titled from their wrap-up's codes) and calls not wrapped up, open
    tickets first, newest first: built once (the union of three selects costs more to build than
    to run), executed with `customer_id`, `offset` and `limit`."""
    at = sa.type_coerce
    tickets = sa.select(
        sa.literal("ticket").label("kind"),
        at(Ticket.updated_at, UTCDateTime).label("at"),
        sa.literal("").label("channel"),
        (col(Ticket.number) + " " + col(Ticket.subject)).label("title"),
        col(Ticket.status).label("status"),
        col(Ticket.id).label("ticket_id"),
        sa.case((col(Ticket.status).in_(OPEN_STATUSES), 1), else_=0).label("pinned"),
        col(Ticket.assignee).label("who"),
    ).where(col(Ticket.customer_id) == CUSTOMER)
    # A wrap-up writes its call (codes) and an interaction (the note, a ticket link) in one go, at
    # one instant: the interaction is the one timeline row, titled from its call's labelled codes.
    wrap = aliased(Call)
    wrapped = sa.and_(
        col(wrap.customer_id) == col(Interaction.customer_id),
        at(wrap.wrapped_at, UTCDateTime) == at(Interaction.occurred_at, UTCDateTime),
    )
    interactions = (
        sa.select(
            sa.literal("interaction"),
            at(Interaction.occurred_at, UTCDateTime),
            col(Interaction.channel),
            sa.case(
                (
                    col(wrap.id).is_not(None),
                    col(wrap.reason) + "\x1f" + col(wrap.outcome) + "\x1f" + col(wrap.notes),
                ),
                else_=col(Interaction.summary),
            ),
            sa.literal(""),
            col(Interaction.ticket_id),
            sa.literal(0),
            col(Interaction.operator),
        )
        .join(wrap, wrapped, isouter=True)
        .where(col(Interaction.customer_id) == CUSTOMER)
    )
    calls = sa.select(
        sa.literal("call"),
        at(Call.rang_at, UTCDateTime),
        col(Call.channel),
        col(Call.reason) + "\x1f" + col(Call.outcome) + "\x1f",
        col(Call.status),
        sa.null(),
        sa.literal(0),
        col(Call.operator),
    ).where(*_unwrapped_calls())
    union = sa.union_all(tickets, interactions, calls).subquery()
    return paged(sa.select(union).order_by(union.c.pinned.desc(), union.c.at.desc()))


def _unwrapped_calls() -> tuple[Any, ...]:
    return col(Call.customer_id) == CUSTOMER, col(Call.wrapped_at).is_(None)


@lru_cache(maxsize=1)
def _timeline_total() -> sa.Select[Any]:
    """How many rows the timeline has (`_timeline_query` without the page), in one statement."""

    def counted(model: Any, *where: Any) -> Any:
        return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()

    return sa.select(
        counted(Ticket, col(Ticket.customer_id) == CUSTOMER)
        + counted(Interaction, col(Interaction.customer_id) == CUSTOMER)
        + counted(Call, *_unwrapped_calls())
    )


def _wrapup_title(packed: str) -> str:
    """ "Warranty claim · Resolved first contact: note" from the call's codes and note."""
    reason, outcome, notes = (packed.split("\x1f") + ["", ""])[:3]
    labels = outcome_labels()
    said = " · ".join(
        labels.get(code) or code.replace("_", " ").capitalize() for code in (reason, outcome) if code
    )
    note = clean_line(notes)
    return clean_line(f"{said}: {note}" if said and note else said or note) or "no wrap-up"


@lru_cache(maxsize=1)
def outcome_labels() -> dict[str, str]:
    """Reason and outcome codes -> the labels the operator picks them by (the built-in list; a code
    it does not know is shown humanised)."""
    from store.wrapup.config import load_outcomes  # here: the wrap-up package builds on this one

    config = load_outcomes()
    labels = {reason.key: reason.label for reason in config.reasons}
    return labels | {outcome.key: outcome.label for outcome in config.outcomes}
