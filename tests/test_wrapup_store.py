"""Saving a wrap-up on both backends: one transaction, idempotent by call_id, text cleaned."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from store.db import read_session, write_session
from store.models import Call, CallStatus, Campaign, CampaignContact, Interaction, Ticket
from store.models.callbacks import Callback
from store.models.offers import Offer, OfferPresentation, OfferStat
from store.offers.responses import OfferResponse
from store.tickets import FollowUpError, TicketChange, open_tickets
from store.wrapup import CallbackRequest, WrapUp, WrapUpRejected, save_wrapup
from tests.factories import make_customer, make_ticket


def _count(engine: Engine, table: type) -> int:
    with read_session(engine) as session:
        return session.exec(select(sa.func.count()).select_from(table)).one()


def test_wrapup_updates_the_ringing_call_and_writes_the_timeline(engine: Engine) -> None:
    customer = make_customer(engine)
    answered = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with write_session(engine) as session:
        session.add(Call(call_id="c-1", extension="100", status=CallStatus.ANSWERED, answered_at=answered))
    wrapup = WrapUp("c-1", "anna", "100", customer.id, "billing", "resolved", "Paid twice, refunded")
    assert save_wrapup(engine, wrapup) is True
    with read_session(engine) as session:
        call = session.exec(select(Call)).one()
        interaction = session.exec(select(Interaction)).one()
    assert (call.status, call.reason, call.outcome, call.customer_id) == (
        "done",
        "billing",
        "resolved",
        customer.id,
    )
    assert call.answered_at == answered and call.wrapped_at is not None
    assert interaction.summary == "[billing / resolved] Paid twice, refunded"
    assert interaction.operator == "anna"


def test_saving_twice_lands_once(engine: Engine) -> None:
    customer = make_customer(engine)
    wrapup = WrapUp(
        "c-2",
        "anna",
        customer_id=customer.id,
        reason="complaint",
        outcome="callback",
        direction="manual",
        ticket=TicketChange(subject="Broken oven"),
        callback=CallbackRequest(datetime.now(UTC) + timedelta(hours=2), "bruno"),
    )
    assert save_wrapup(engine, wrapup) is True
    assert save_wrapup(engine, wrapup) is False
    assert [_count(engine, t) for t in (Call, Ticket, Callback, Interaction)] == [1, 1, 1, 1]


def test_manual_contact_without_customer_creates_the_call(engine: Engine) -> None:
    save_wrapup(
        engine, WrapUp("walk-in-1", "anna", reason="other", outcome="wrong_number", direction="manual")
    )
    with read_session(engine) as session:
        call = session.exec(select(Call)).one()
    assert call.direction == "manual" and call.customer_id is None and call.status == "done"
    assert _count(engine, Interaction) == 0


def test_update_existing_open_ticket(engine: Engine) -> None:
    customer = make_customer(engine)
    ticket = make_ticket(engine, customer, "Invoice question", category="billing")
    assert [t.number for t in open_tickets(engine, customer.id)] == [ticket.number]
    change = TicketChange(ticket_id=ticket.id, status="resolved", priority="high", assignee="carla")
    save_wrapup(
        engine,
        WrapUp("c-3", "anna", customer_id=customer.id, reason="billing", outcome="resolved", ticket=change),
    )
    with read_session(engine) as session:
        stored = session.get(Ticket, ticket.id)
        interaction = session.exec(select(Interaction)).one()
    assert stored is not None and (stored.status, stored.priority, stored.assignee) == (
        "resolved",
        "high",
        "carla",
    )
    assert interaction.ticket_id == ticket.id
    assert open_tickets(engine, customer.id) == []


def test_someone_elses_ticket_is_refused_and_nothing_is_written(engine: Engine) -> None:
    mine, theirs = make_customer(engine), make_customer(engine, "Luca", "Bianchi")
    ticket = make_ticket(engine, theirs)
    wrapup = WrapUp(
        "c-4", "anna", customer_id=mine.id, outcome="resolved", ticket=TicketChange(ticket_id=ticket.id)
    )
    with pytest.raises(FollowUpError):
        save_wrapup(engine, wrapup)
    assert _count(engine, Call) == 0


def test_ticket_without_customer_is_refused(engine: Engine) -> None:
    with pytest.raises(WrapUpRejected):
        save_wrapup(engine, WrapUp("c-5", "anna", outcome="escalated", ticket=TicketChange(subject="x")))


def test_quoted_coupon_marks_the_campaign_response(engine: Engine) -> None:
    customer = make_customer(engine)
    with write_session(engine) as session:
        campaign = Campaign(code="SPRING26", name="Spring mailing")
        session.add(campaign)
        session.flush()
        session.add(
            CampaignContact(campaign_id=campaign.id, customer_id=customer.id, sent_on=date(2026, 3, 1))
        )
    save_wrapup(
        engine, WrapUp("c-6", "anna", customer_id=customer.id, outcome="sale", campaign_code=" spring26 ")
    )
    with read_session(engine) as session:
        contact = session.exec(select(CampaignContact)).one()
        call = session.exec(select(Call)).one()
    assert call.campaign_code == "SPRING26"
    assert contact.responded_on == date.today()


def test_hostile_notes_are_stored_cleaned(engine: Engine, hostile: str) -> None:
    customer = make_customer(engine)
    save_wrapup(
        engine, WrapUp("c-h", "anna", customer_id=customer.id, outcome="resolved", notes=f"note {hostile}")
    )
    with read_session(engine) as session:
        notes = session.exec(select(Call.notes)).one()
    assert "\x1b" not in notes and "\u202e" not in notes and "\x07" not in notes
    assert notes.startswith("note")


def test_offer_answers_land_in_the_same_transaction_and_once(engine: Engine) -> None:
    customer = make_customer(engine)
    with write_session(engine) as session:
        session.add(Offer(code="GOLD", title="Gold card"))
    answers = (OfferResponse("GOLD", "accepted", "wants travel insurance"),)
    wrapup = WrapUp("c-o", "anna", customer_id=customer.id, outcome="sale", offer_responses=answers)
    assert save_wrapup(engine, WrapUp.from_json(wrapup.to_json())) is True  # as replayed from the journal
    assert save_wrapup(engine, wrapup) is False
    with read_session(engine) as session:
        presented = session.exec(select(OfferPresentation)).one()
        stat = session.exec(select(OfferStat)).one()
    assert (presented.call_id, presented.response, stat.shown, stat.accepted) == ("c-o", "accepted", 1, 1)


def test_an_unknown_offer_rolls_the_whole_wrapup_back(engine: Engine) -> None:
    customer = make_customer(engine)
    wrapup = WrapUp(
        "c-x", "anna", customer_id=customer.id, offer_responses=(OfferResponse("NOPE", "declined"),)
    )
    with pytest.raises(ValueError, match="unknown offer code"):
        save_wrapup(engine, wrapup)
    assert _count(engine, Call) == 0 and _count(engine, Interaction) == 0
