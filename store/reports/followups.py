"""Reports on what calls leave behind: callbacks promised (kept or missed) and tickets (opened,
resolved, overdue). Callbacks are grouped by their assignee and due time, tickets by their
assignee, their own team and the time they were opened."""

from __future__ import annotations

import sqlalchemy as sa

from store.models import Ticket
from store.models.callbacks import Callback, CallbackStatus
from store.reports.base import Column, Kind, Scope, count_if, ratio
from store.reports.calls import GROUP

_callback = sa.inspect(Callback).local_table
_ticket = sa.inspect(Ticket).local_table

CALLBACK_COLUMNS = (
    GROUP,
    Column("due", "Due"),
    Column("kept", "Kept"),
    Column("missed", "Missed"),
    Column("pending", "Pending"),
    Column("kept_pct", "Kept %", Kind.PERCENT),
)


def callbacks_query(scope: Scope) -> sa.Select:
    """Callbacks due in the period (cancelled ones left out): kept = done by the due time; missed =
    the due time has passed without that (done late or still open); pending = open, not yet due."""
    frame = scope.frame(_callback, _callback.c.assignee, _callback.c.due_at)
    done = _callback.c.status == CallbackStatus.DONE.value
    kept = sa.and_(done, _callback.c.done_at <= _callback.c.due_at)
    pending = sa.and_(_callback.c.status == CallbackStatus.OPEN.value, _callback.c.due_at >= scope.now)
    missed = sa.and_(~kept, ~pending)
    return (
        sa.select(
            frame.label,
            sa.func.count(),
            count_if(kept),
            count_if(missed),
            count_if(pending),
            ratio(count_if(kept), count_if(kept) + count_if(missed)),
        )
        .select_from(frame.source)
        .where(*frame.where, _callback.c.status != CallbackStatus.CANCELLED.value)
        .group_by(frame.key)
        .order_by(frame.key)
    )


TICKET_COLUMNS = (
    GROUP,
    Column("opened", "Opened"),
    Column("resolved", "Resolved"),
    Column("overdue", "Overdue"),
)


def tickets_query(scope: Scope) -> sa.Select:
    """Tickets opened in the period; of those, how many are resolved, and how many went past
    their SLA (resolved after it, or still unresolved now that it has passed)."""
    frame = scope.frame(_ticket, _ticket.c.assignee, _ticket.c.created_at, _ticket.c.team)
    finished = sa.func.coalesce(_ticket.c.resolved_at, scope.now)
    overdue = sa.and_(_ticket.c.sla_due.is_not(None), finished > _ticket.c.sla_due)
    return (
        sa.select(frame.label, sa.func.count(), sa.func.count(_ticket.c.resolved_at), count_if(overdue))
        .select_from(frame.source)
        .where(*frame.where)
        .group_by(frame.key)
        .order_by(frame.key)
    )
