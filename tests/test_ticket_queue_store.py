"""The supervisor's ticket queue and review in the store: who reaches them, paging, filters, SLA
deadlines, and that two writers never overwrite each other silently (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from store import ticket_review as review
from store.db import read_session, write_session
from store.models import Operator, Role, Ticket, TicketEvent, TicketStatus
from store.policy import Actor, Forbidden
from store.replica import Engines
from store.tickets import TicketChange
from store.tickets_queue import QueueFilter, queue_page, queue_row
from store.timeutil import utcnow
from store.wrapup.record import WrapUp
from store.wrapup.save import save_wrapup
from tests.factories import make_customer, make_ticket
from tests.harness import operator_row

NORTH = Actor("sam", Role.SUPERVISOR, team="north")
SOUTH = Actor("sue", Role.SUPERVISOR, team="south")
ADMIN = Actor("ada", Role.ADMIN)
OPERATOR = Actor("anna", Role.OPERATOR, team="north")


def _tickets(engine: Engine, count: int, **fields: object) -> list[Ticket]:
    customer = make_customer(engine, "Maria", "Rossi")
    now = utcnow()
    return [
        make_ticket(
            engine,
            customer,
            f"Case {n}",
            team="north",
            sla_due=now + timedelta(hours=n - 2, minutes=30),
            created_at=now - timedelta(days=n),
            **fields,
        )
        for n in range(count)
    ]


def test_an_operator_reaches_none_of_it_in_the_store(engine: Engine) -> None:
    ticket = _tickets(engine, 1)[0]
    assert ticket.id is not None
    with pytest.raises(Forbidden):
        queue_page(Engines.single(engine), OPERATOR, QueueFilter())
    with pytest.raises(Forbidden):
        queue_row(engine, OPERATOR, QueueFilter(), ticket.id)
    with pytest.raises(Forbidden):
        review.load_review(engine, OPERATOR, ticket.id)
    for action in review.ACTIONS:
        with pytest.raises(Forbidden):
            review.ACTIONS[action](engine, OPERATOR, ticket.id, ticket.version, "x")
    with read_session(engine) as session:
        assert session.exec(select(TicketEvent)).all() == []


def test_a_supervisor_sees_and_changes_only_their_team(engine: Engine) -> None:
    ticket = _tickets(engine, 1)[0]
    assert ticket.id is not None
    assert [row.id for row in queue_page(Engines.single(engine), NORTH, QueueFilter()).rows] == [ticket.id]
    assert queue_page(Engines.single(engine), SOUTH, QueueFilter()).rows == []
    assert queue_page(Engines.single(engine), SOUTH, QueueFilter(team="north")).rows == []
    assert len(queue_page(Engines.single(engine), ADMIN, QueueFilter()).rows) == 1
    with pytest.raises(Forbidden):
        review.add_note(engine, SOUTH, ticket.id, ticket.version, "not mine")


@pytest.mark.parametrize("sort", ["sla", "newest", "oldest"])
def test_pages_follow_one_another_without_gaps_or_repeats(engine: Engine, sort: str) -> None:
    tickets = _tickets(engine, 7)
    review.close(engine, ADMIN, tickets[0].id or 0, 1, "done")
    seen, after = [], None
    while True:
        page = queue_page(Engines.single(engine), NORTH, QueueFilter(sort=sort), after=after, limit=2)
        seen += [row.id for row in page.rows]
        if page.next is None:
            break
        after = page.next
    ids = [t.id for t in tickets[1:]]
    expected = {"sla": ids, "newest": ids, "oldest": ids[::-1]}[sort]
    assert seen == expected


def test_breached_first_and_the_sla_filters(engine: Engine) -> None:
    tickets = _tickets(engine, 5)  # due in -1.5, -0.5, 0.5, 1.5, 2.5 hours
    rows = queue_page(Engines.single(engine), NORTH, QueueFilter()).rows
    assert [row.id for row in rows] == [t.id for t in tickets]
    breached = queue_page(Engines.single(engine), NORTH, QueueFilter(sla="breached")).rows
    assert [row.id for row in breached] == [t.id for t in tickets[:2]]
    soon = queue_page(Engines.single(engine), NORTH, QueueFilter(sla="due_soon")).rows
    assert [row.id for row in soon] == [t.id for t in tickets[2:4]]


def test_filters_and_search(engine: Engine) -> None:
    tickets = _tickets(engine, 3)
    other = make_customer(engine, "Luigi", "Verdi")
    urgent = make_ticket(engine, other, "Broken boiler", team="north", priority="urgent", assignee="bob")
    assert [r.id for r in queue_page(Engines.single(engine), NORTH, QueueFilter(priority="urgent")).rows] == [
        urgent.id
    ]
    assert [r.id for r in queue_page(Engines.single(engine), NORTH, QueueFilter(assignee="bob")).rows] == [
        urgent.id
    ]
    assert [r.id for r in queue_page(Engines.single(engine), NORTH, QueueFilter(search="verdi")).rows] == [
        urgent.id
    ]
    assert [r.id for r in queue_page(Engines.single(engine), NORTH, QueueFilter(search="boiler")).rows] == [
        urgent.id
    ]
    assert {r.id for r in queue_page(Engines.single(engine), NORTH, QueueFilter(min_age_days=1)).rows} == {
        t.id for t in tickets[1:]
    }
    assert queue_page(Engines.single(engine), NORTH, QueueFilter(search="100%")).rows == []


def test_two_supervisors_never_overwrite_each_other(engine: Engine) -> None:
    ticket = _tickets(engine, 1)[0]
    assert ticket.id is not None
    seen_by_both = review.load_review(engine, NORTH, ticket.id).ticket.version
    review.reassign(engine, NORTH, ticket.id, seen_by_both, "bob")
    with pytest.raises(review.StaleTicket, match="changed by someone else"):
        review.set_priority(engine, ADMIN, ticket.id, seen_by_both, "urgent")
    after = review.load_review(engine, ADMIN, ticket.id)
    assert (after.ticket.assignee, after.ticket.priority) == ("bob", "normal")
    result = review.bulk(engine, ADMIN, "escalate", [(ticket.id, seen_by_both)], "")
    assert (result.done, result.stale) == ([], [ticket.number])
    review.set_priority(engine, ADMIN, ticket.id, after.ticket.version, "urgent")
    assert [item.kind for item in review.load_review(engine, ADMIN, ticket.id).timeline] == [
        "reassign",
        "priority",
    ]


def test_close_needs_a_resolution_note_and_clears_the_deadline(engine: Engine) -> None:
    ticket = _tickets(engine, 1)[0]
    assert ticket.id is not None
    with pytest.raises(review.ReviewError, match="resolution note"):
        review.close(engine, NORTH, ticket.id, 1, "   ")
    review.add_note(engine, NORTH, ticket.id, 1, "called the bank")
    review.close(engine, NORTH, ticket.id, 2, "Refunded the fee")
    closed = review.load_review(engine, NORTH, ticket.id)
    assert (closed.ticket.status, closed.ticket.sla_due, closed.resolution) == (
        "closed",
        None,
        "Refunded the fee",
    )


def test_a_stale_wrap_up_does_not_reopen_a_closed_ticket(engine: Engine) -> None:
    ticket = _tickets(engine, 1)[0]
    assert ticket.id is not None
    # The operator picked the open ticket in the wrap-up; a supervisor closed it meanwhile.
    review.close(engine, NORTH, ticket.id, 1, "Solved by phone")
    change = TicketChange(ticket_id=ticket.id, status="open", priority="normal")
    wrapup = WrapUp(
        call_id="c-late", operator="anna", customer_id=ticket.customer_id, notes="rang again", ticket=change
    )
    assert save_wrapup(engine, wrapup)
    after = review.load_review(engine, NORTH, ticket.id)
    assert (after.ticket.status, after.ticket.version, after.resolution) == ("closed", 2, "Solved by phone")
    kinds = [item.kind for item in after.timeline]
    assert kinds == ["close", "contact", "late_contact"]
    assert "rang again" in after.timeline[1].text


def test_a_wrap_up_on_an_open_ticket_moves_its_version_and_first_response(engine: Engine) -> None:
    ticket = _tickets(engine, 1)[0]
    assert ticket.id is not None
    change = TicketChange(ticket_id=ticket.id, status="pending", priority="high")
    save_wrapup(engine, WrapUp(call_id="c-1", operator="anna", customer_id=ticket.customer_id, ticket=change))
    with read_session(engine) as session:
        row = session.get(Ticket, ticket.id)
        assert row is not None
        assert (row.status, row.version) == (TicketStatus.PENDING, 2)
        assert row.first_response_at is not None and row.sla_due is not None
        assert row.sla_due > row.first_response_at  # now the resolution target
    with pytest.raises(review.StaleTicket):
        review.add_note(engine, NORTH, ticket.id, 1, "I had the old one")


def test_a_wrap_up_never_undoes_a_supervisors_escalation(engine: Engine) -> None:
    """Regression: the wrap-up form's priority starts at "normal", and saving it on a ticket a
    supervisor had escalated put it back to normal without a word. You should see the ticket stay
    urgent, and a wrap-up that asks for more than the ticket has still raise it."""
    ticket = _tickets(engine, 1)[0]
    assert ticket.id is not None
    review.set_priority(engine, NORTH, ticket.id, 1, "urgent")
    change = TicketChange(ticket_id=ticket.id, status="open", priority="normal")
    save_wrapup(
        engine, WrapUp(call_id="c-esc", operator="anna", customer_id=ticket.customer_id, ticket=change)
    )
    other = _tickets(engine, 1)[0]
    assert other.id is not None
    raise_it = TicketChange(ticket_id=other.id, status="open", priority="high")
    save_wrapup(
        engine, WrapUp(call_id="c-up", operator="anna", customer_id=other.customer_id, ticket=raise_it)
    )
    with read_session(engine) as session:
        kept, raised = session.get(Ticket, ticket.id), session.get(Ticket, other.id)
        assert kept is not None and raised is not None
        assert (kept.priority, raised.priority) == ("urgent", "high")


def test_the_queue_row_of_a_ticket_that_left_the_filter_is_none(engine: Engine) -> None:
    ticket = _tickets(engine, 1)[0]
    assert ticket.id is not None
    assert queue_row(engine, NORTH, QueueFilter(), ticket.id) is not None
    review.close(engine, NORTH, ticket.id, 1, "done")
    assert queue_row(engine, NORTH, QueueFilter(), ticket.id) is None


def test_a_ticket_opened_in_a_wrap_up_belongs_to_the_operators_team(engine: Engine) -> None:
    operator_row(engine, "anna")
    with write_session(engine) as session:
        anna = session.exec(select(Operator).where(Operator.username == "anna")).one()
        anna.team = "north"
    customer = make_customer(engine, "Maria", "Rossi")
    change = TicketChange(subject="Card lost", priority="urgent")
    save_wrapup(engine, WrapUp(call_id="c-new", operator="anna", customer_id=customer.id, ticket=change))
    (row,) = queue_page(Engines.single(engine), NORTH, QueueFilter()).rows
    assert (row.subject, row.team, row.priority) == ("Card lost", "north", "urgent")
    assert row.sla_due is not None  # the first response is owed
