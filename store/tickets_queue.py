"""The supervisor's ticket queue: filtered, sorted pages of tickets, keyset-paged on indexed
columns so the first page of 100,000 open tickets costs what the first page of 100 does.

A page is asked for `after` the last row of the one before (its sort value and id), never by
offset. Supervisors see their team's tickets only (`policy.team_scope`); operators none. Pages
may lag a little and are read on the reader (store.replica); a row reloaded because it changed
(`queue_row`) is read where the caller says, the primary, which has the change for sure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from store.db import read_session
from store.messages import N_
from store.models import Customer, Ticket, TicketStatus
from store.models.callbacks import Callback, CallbackStatus
from store.models.segments import SegmentMember
from store.policy import Action, Actor, team_scope
from store.replica import Engines
from store.sla import DUE_SOON
from store.timeutil import utcnow

SORTS = ("sla", "newest", "oldest")
"""sla: the soonest deadline first (so breaches first), tickets without one last; newest/oldest
by opening time."""
SLA_STATES = ("", "breached", "due_soon")
OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.PENDING)
PAGE = 50


@dataclass(frozen=True)
class QueueFilter:
    """What the queue shows; empty fields do not filter."""

    statuses: tuple[str, ...] = tuple(OPEN_STATUSES)
    priority: str = ""
    category: str = ""
    min_age_days: int = 0
    sla: str = ""
    """"breached", "due_soon" (within `store.sla.DUE_SOON`) or "" (any)."""
    assignee: str = ""
    team: str = ""
    segment: str = ""
    open_callbacks: bool = False
    """Only tickets whose customer has an open callback."""
    search: str = ""
    """Part of the ticket number, the subject or the customer's name."""
    sort: str = "sla"


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last row's sort value and id."""

    value: datetime | None
    id: int


@dataclass(frozen=True)
class QueueRow:
    """One ticket as the queue shows it, detached from any session."""

    id: int
    number: str
    subject: str
    customer_id: int
    customer_name: str
    status: str
    priority: str
    category: str
    assignee: str
    team: str
    created_at: datetime
    sla_due: datetime | None
    version: int

    def cursor(self, sort: str) -> Cursor:
        return Cursor(self.sla_due if sort == "sla" else self.created_at, self.id)


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    next: Cursor | None = None
    """Where the next page starts; None when this one is the last."""
    filter: QueueFilter = field(default_factory=QueueFilter)


FILTER_KEYS = (
    "status",
    "priority",
    "category",
    "age",
    "sla",
    "assignee",
    "team",
    "segment",
    "callbacks",
    "sort",
)
"""What the queue's search box understands as `key:value` (the rest of the text is searched)."""


class QueueQueryError(ValueError):
    """A `key:value` in the queue's search box that means nothing; the message says what would."""


def parse_queue_query(text: str) -> QueueFilter:
    """The filter typed in the queue's one box: `key:value` words (FILTER_KEYS; `status:all`,
    `age:3` for 3 days or older, `sla:breached` or `sla:soon`, `callbacks:yes`) and free text."""
    values: dict[str, Any] = {}
    words = []
    for word in text.split():
        key, colon, value = word.partition(":")
        if not colon or key.lower() not in FILTER_KEYS:
            words.append(word)
            continue
        key, value = key.lower(), value.strip()
        if key == "status":
            chosen = () if value == "all" else tuple(value.split(","))
            if any(status not in set(TicketStatus) for status in chosen):
                raise QueueQueryError(
                    N_(
                        "status:{value}: use all or some of {choices}",
                        value=value,
                        choices=",".join(TicketStatus),
                    )
                )
            values["statuses"] = chosen
        elif key == "age":
            if not value.isdigit():
                raise QueueQueryError(N_("age:{value}: a number of days, such as age:3", value=value))
            values["min_age_days"] = int(value)
        elif key == "sla":
            if value not in ("breached", "soon"):
                raise QueueQueryError(N_("sla:{value}: use sla:breached or sla:soon", value=value))
            values["sla"] = "due_soon" if value == "soon" else value
        elif key == "callbacks":
            values["open_callbacks"] = value.lower() in ("yes", "y", "1", "open")
        elif key == "sort":
            if value not in SORTS:
                raise QueueQueryError(
                    N_("sort:{value}: use one of {choices}", value=value, choices=", ".join(SORTS))
                )
            values["sort"] = value
        else:
            values[key] = value
    return QueueFilter(search=" ".join(words), **values)


def queue_page(
    engines: Engines, actor: Actor, queue_filter: QueueFilter, after: Cursor | None = None, limit: int = PAGE
) -> QueuePage:
    """One page of the queue after `after` (None: the first page), read on the reader.

    The SLA order is two index walks: tickets with a deadline by (sla_due, id), then those
    without one by id (an ORDER BY on `sla_due IS NULL` would sort the whole table instead)."""
    query = _query(actor, queue_filter, utcnow())
    return engines.read(lambda engine: _page(engine, query, queue_filter, after, limit))


def _page(
    engine: Engine, query: sa.Select[Ticket, str], queue_filter: QueueFilter, after: Cursor | None, limit: int
) -> QueuePage:
    sort = queue_filter.sort
    with read_session(engine) as session:
        if sort != "sla":
            rows = _rows(session, _keyset(query, sort, after), limit + 1)
        else:
            rows = []
            if after is None or after.value is not None:
                rows = _rows(session, _keyset(query, "sla", after), limit + 1)
            if len(rows) <= limit:
                without = _keyset(query, "sla_none", after if after and after.value is None else None)
                rows += _rows(session, without, limit + 1 - len(rows))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = rows[-1].cursor(sort) if more else None
    return QueuePage(rows, next_cursor, queue_filter)


def _rows(session: Session, query: sa.Select[Ticket, str], limit: int) -> list[QueueRow]:
    return [_row(found) for found in session.execute(query.limit(limit))]


def queue_row(engine: Engine, actor: Actor, queue_filter: QueueFilter, ticket_id: int) -> QueueRow | None:
    """Ticket `ticket_id` as the queue shows it, or None when it no longer matches the filter
    (or is not the actor's to see): what a live queue replaces a changed row with, so read on
    `engine` as given: the primary, which has the change the feed announced or a bulk action made."""
    query = _query(actor, queue_filter, utcnow()).where(col(Ticket.id) == ticket_id)
    with read_session(engine) as session:
        found = session.execute(query).first()
    return _row(found) if found is not None else None


def _query(actor: Actor, f: QueueFilter, now: datetime) -> sa.Select[Ticket, str]:
    scope = team_scope(actor, Action.REVIEW_TICKET)
    query = sa.select(Ticket, col(Customer.display_name)).join(
        Customer, col(Customer.id) == col(Ticket.customer_id)
    )
    conditions: list[sa.ColumnElement[bool]] = []
    if scope is not None:
        conditions.append(col(Ticket.team) == scope)
    if f.statuses:
        conditions.append(col(Ticket.status).in_(f.statuses))
    for column, value in (
        (Ticket.priority, f.priority),
        (Ticket.category, f.category),
        (Ticket.assignee, f.assignee),
        (Ticket.team, f.team),
    ):
        if value:
            conditions.append(col(column) == value)
    if f.min_age_days > 0:
        conditions.append(col(Ticket.created_at) <= now - timedelta(days=f.min_age_days))
    if f.sla == "breached":
        conditions.append(col(Ticket.sla_due) < now)
    elif f.sla == "due_soon":
        conditions.append(col(Ticket.sla_due).between(now, now + DUE_SOON))
    elif f.sla:
        raise ValueError(f"unknown SLA filter {f.sla!r}: one of {', '.join(filter(None, SLA_STATES))}")
    if f.segment:
        conditions.append(
            sa.exists().where(
                col(SegmentMember.customer_id) == col(Ticket.customer_id),
                col(SegmentMember.segment) == f.segment,
            )
        )
    if f.open_callbacks:
        conditions.append(
            sa.exists().where(
                col(Callback.customer_id) == col(Ticket.customer_id),
                col(Callback.status) == CallbackStatus.OPEN,
            )
        )
    if f.search.strip():
        pattern = "%" + f.search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            sa.or_(
                col(Ticket.number).ilike(pattern, escape="\\"),
                col(Ticket.subject).ilike(pattern, escape="\\"),
                col(Customer.display_name).ilike(pattern, escape="\\"),
            )
        )
    return query.where(*conditions)


def _keyset(query: sa.Select[Ticket, str], sort: str, after: Cursor | None) -> sa.Select[Ticket, str]:
    """Order by the sort's column then id, starting after `after`; each order is one walk of an
    ix_ticket_queue_* index (team first for a supervisor), status checked from the index."""
    ticket_id = col(Ticket.id)
    if sort == "sla_none":  # the tickets without a deadline, after those with one
        query = query.where(col(Ticket.sla_due).is_(None)).order_by(ticket_id)
        return query if after is None else query.where(ticket_id > after.id)
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}: one of {', '.join(SORTS)}")
    column = col(Ticket.sla_due) if sort == "sla" else col(Ticket.created_at)
    if sort == "sla":
        query = query.where(column.is_not(None))
    if sort == "newest":
        query = query.order_by(column.desc(), ticket_id.desc())
        if after is not None:
            query = query.where(sa.tuple_(column, ticket_id) < sa.tuple_(after.value, after.id))
        return query
    query = query.order_by(column, ticket_id)
    if after is not None:
        query = query.where(sa.tuple_(column, ticket_id) > sa.tuple_(after.value, after.id))
    return query


def _row(found: Any) -> QueueRow:
    ticket, name = found
    return QueueRow(
        ticket.id or 0,
        ticket.number,
        ticket.subject,
        ticket.customer_id,
        name or "",
        str(ticket.status),
        str(ticket.priority),
        ticket.category,
        ticket.assignee,
        ticket.team,
        ticket.created_at,
        ticket.sla_due,
        ticket.version,
    )
