"""Suppression, contact policy, the response log and the learned ranking, on both databases."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from store.db import write_session
from store.models import Customer, ProductCategory, TicketStatus
from store.models.offers import OfferPresentation, OfferStat
from store.models.segments import CustomerChurn
from store.offers import OfferResponse, explain_offers, rank_offers, record_responses
from store.offers.ranking import worth
from store.sanitize import clean_line
from tests.factories import make_customer, make_holding, make_product, make_ticket
from tests.test_offers_rules import load_offers, offer_toml


def codes(engine: Engine, customer: Customer, **kwargs: object) -> list[str]:
    assert customer.id is not None
    return [s.offer_code for s in rank_offers(engine, customer.id, **kwargs)]  # type: ignore[arg-type]


def suppressed_by(engine: Engine, customer: Customer, code: str, **kwargs: object) -> str | None:
    assert customer.id is not None
    decisions = {d.offer_code: d for d in explain_offers(engine, customer.id, **kwargs)}  # type: ignore[arg-type]
    return decisions[code].suppressed_by


def answer(engine: Engine, customer: Customer, call_id: str, *responses: OfferResponse) -> date:
    """Log the responses; the day they were logged on (the store's clock: a run across midnight
    must count from the day the answer was stored, not the day the test module was imported)."""
    assert customer.id is not None
    with write_session(engine) as session:
        record_responses(
            session, call_id=call_id, customer_id=customer.id, operator="anna", responses=responses
        )
        logged = session.exec(
            select(col(OfferPresentation.presented_at)).where(OfferPresentation.call_id == call_id)
        ).first()
    assert logged is not None
    return logged.date()


def test_no_marketing_consent_for_the_channel(engine: Engine) -> None:
    load_offers(engine, offer_toml("A", extra='channels = ["voice", "email"]'))
    customer = make_customer(engine, consent_voice=False, consent_email=True)
    assert codes(engine, customer) == []
    assert suppressed_by(engine, customer, "A") == "no marketing consent for voice"
    assert codes(engine, customer, channel="email") == ["A"]


def test_offer_not_made_on_other_channels(engine: Engine) -> None:
    load_offers(engine, offer_toml("A", extra='channels = ["voice"]'))
    customer = make_customer(engine, consent_voice=True, consent_sms=True)
    assert codes(engine, customer, channel="sms") == []
    assert suppressed_by(engine, customer, "A", channel="sms") == "not offered on sms"


def test_already_holds_the_product(engine: Engine) -> None:
    gold = make_product(engine, "CC-GOLD", ProductCategory.CREDIT_CARD)
    body = 'code = "GOLD"\ntitle = "Gold"\nproduct = "CC-GOLD"\nvalue = 10.0\nscript = "Go gold."'
    load_offers(engine, body)
    holder, other = make_customer(engine, consent_voice=True), make_customer(engine, consent_voice=True)
    make_holding(engine, holder, gold)
    assert codes(engine, holder) == [] and suppressed_by(engine, holder, "GOLD") == "already holds CC-GOLD"
    assert codes(engine, other) == ["GOLD"]


def test_declined_stays_away_for_the_cool_down(engine: Engine) -> None:
    load_offers(engine, offer_toml("A", extra="cooldown_days = 30"))
    customer = make_customer(engine, consent_voice=True)
    day = answer(engine, customer, "call-1", OfferResponse("A", "declined", "too expensive"))
    assert codes(engine, customer, today=day + timedelta(days=29)) == []
    reason = suppressed_by(engine, customer, "A", today=day + timedelta(days=1))
    assert reason == f"declined on {day}: cool-down until {day + timedelta(days=30)}"
    assert codes(engine, customer, today=day + timedelta(days=30)) == ["A"]


def test_maybe_later_comes_back_after_the_delay(engine: Engine) -> None:
    load_offers(engine, offer_toml("A", extra="later_days = 7\ncooldown_days = 90"))
    customer = make_customer(engine, consent_voice=True)
    day = answer(engine, customer, "call-1", OfferResponse("A", "maybe_later"))
    assert codes(engine, customer, today=day + timedelta(days=6)) == []
    assert codes(engine, customer, today=day + timedelta(days=7)) == ["A"]


def test_not_presented_suppresses_nothing(engine: Engine) -> None:
    load_offers(engine, offer_toml("A"))
    customer = make_customer(engine, consent_voice=True)
    answer(engine, customer, "call-1", OfferResponse("A", "not_presented"))
    assert codes(engine, customer) == ["A"]


def test_contact_policy_per_30_days(engine: Engine) -> None:
    policy = "[policy]\nmax_per_30_days = 2\nmax_per_call = 3\n"
    load_offers(engine, *(offer_toml(code, extra="cooldown_days = 1") for code in "ABCD"), policy=policy)
    customer = make_customer(engine, consent_voice=True)
    day = answer(engine, customer, "call-1", OfferResponse("A", "accepted"))
    assert len(codes(engine, customer, today=day + timedelta(days=2))) == 1
    later = answer(engine, customer, "call-2", OfferResponse("B", "declined", "bad timing"))
    assert codes(engine, customer, today=day + timedelta(days=2)) == []
    assert suppressed_by(engine, customer, "C", today=day + timedelta(days=2)) == (
        "contact policy: 2 offers in the last 30 days (at most 2)"
    )
    assert len(codes(engine, customer, today=later + timedelta(days=30))) == 2  # the window has moved on


def test_contact_policy_per_call(engine: Engine) -> None:
    policy = "[policy]\nmax_per_30_days = 10\nmax_per_call = 2\n"
    load_offers(engine, *(offer_toml(code) for code in "ABC"), policy=policy)
    customer = make_customer(engine, consent_voice=True)
    assert len(codes(engine, customer, call_id="call-1")) == 2
    answer(engine, customer, "call-1", OfferResponse("A", "declined"), OfferResponse("B", "maybe_later"))
    assert codes(engine, customer, call_id="call-1") == []
    assert codes(engine, customer, call_id="call-2") == ["C"]


def test_open_complaint_suppresses_sales_not_service(engine: Engine) -> None:
    load_offers(engine, offer_toml("SALE"), offer_toml("HELP", extra='category = "service"'))
    customer = make_customer(engine, consent_voice=True)
    make_ticket(engine, customer, category="complaint", status=TicketStatus.PENDING)
    assert codes(engine, customer) == ["HELP"]
    assert suppressed_by(engine, customer, "SALE") == "open complaint: no sales offers"


def test_closed_complaint_suppresses_nothing(engine: Engine) -> None:
    load_offers(engine, offer_toml("SALE"))
    customer = make_customer(engine, consent_voice=True)
    make_ticket(engine, customer, category="complaint", status=TicketStatus.RESOLVED)
    assert codes(engine, customer) == ["SALE"]


def test_customer_in_collections_gets_none(engine: Engine) -> None:
    load_offers(engine, offer_toml("SALE"), offer_toml("HELP", extra='category = "service"'))
    customer = make_customer(engine, consent_voice=True, collections=True)
    assert codes(engine, customer) == []
    assert suppressed_by(engine, customer, "HELP") == "customer is in collections: no offers"


def test_validity_dates(engine: Engine) -> None:
    load_offers(engine, offer_toml("SUMMER", extra="valid_from = 2026-06-01\nvalid_to = 2026-08-31"))
    customer = make_customer(engine, consent_voice=True)
    assert codes(engine, customer, today=date(2026, 7, 1)) == ["SUMMER"]
    assert codes(engine, customer, today=date(2026, 9, 1)) == []
    assert codes(engine, customer, today=date(2026, 5, 31)) == []


def test_unknown_customer_gets_nothing(engine: Engine) -> None:
    load_offers(engine, offer_toml("A"))
    assert rank_offers(engine, 424242) == []


def _stats(engine: Engine) -> list[tuple[str, str, int, int]]:
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT offer_code, segment, shown, accepted FROM offerstat"))
        return sorted(tuple(row) for row in rows)  # type: ignore[misc]


def test_record_responses_is_idempotent_and_counts(engine: Engine) -> None:
    load_offers(engine, offer_toml("A"), offer_toml("B"), offer_toml("C"))
    customer = make_customer(engine, consent_voice=True, segment="affluent")
    responses = (
        OfferResponse("A", "accepted"),
        OfferResponse("B", "declined", "no"),
        OfferResponse("C", "not_presented"),
    )
    answer(engine, customer, "call-1", *responses)
    answer(engine, customer, "call-1", *responses)  # the journal replays the wrap-up
    assert _stats(engine) == [("A", "affluent", 1, 1), ("B", "affluent", 1, 0)]
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM offerpresentation")).scalar() == 3


def test_a_changed_answer_moves_the_counters(engine: Engine) -> None:
    load_offers(engine, offer_toml("A"))
    customer = make_customer(engine, consent_voice=True)
    answer(engine, customer, "call-1", OfferResponse("A", "accepted"))
    answer(engine, customer, "call-1", OfferResponse("A", "declined", "changed their mind"))
    assert _stats(engine) == [("A", "mass", 1, 0)]


def test_record_rejects_unknown_offers_and_responses(engine: Engine) -> None:
    load_offers(engine, offer_toml("A"))
    customer = make_customer(engine, consent_voice=True)
    with pytest.raises(ValueError, match="unknown offer code"):
        answer(engine, customer, "call-1", OfferResponse("NOPE", "accepted"))
    with pytest.raises(ValueError, match="unknown offer response"):
        answer(engine, customer, "call-1", OfferResponse("A", "yes please"))
    assert _stats(engine) == []


def test_decline_reason_is_sanitised(engine: Engine, hostile: str) -> None:
    load_offers(engine, offer_toml("A"))
    customer = make_customer(engine, consent_voice=True)
    answer(engine, customer, "call-1", OfferResponse("A", "declined", hostile))
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT reason FROM offerpresentation")).scalar()
    assert stored == clean_line(hostile)[:200]


def test_suggestions_show_acceptance_of_the_customers_segment(engine: Engine) -> None:
    load_offers(engine, offer_toml("A", extra="cooldown_days = 0"))
    mass = [make_customer(engine, consent_voice=True) for _ in range(4)]
    days = [
        answer(engine, customer, f"call-{n}", OfferResponse("A", "accepted" if n == 0 else "declined"))
        for n, customer in enumerate(mass)
    ]
    private = make_customer(engine, consent_voice=True, segment="private")
    assert mass[0].id is not None and private.id is not None
    (suggestion,) = rank_offers(engine, mass[0].id, today=max(days) + timedelta(days=1))
    assert (suggestion.acceptance_rate, suggestion.presented_count) == (0.25, 4)
    (fresh,) = rank_offers(engine, private.id)
    assert (fresh.acceptance_rate, fresh.presented_count) == (None, 0)


def test_ranking_learns_from_answers(engine: Engine) -> None:
    """With equal value, the offer customers accept rises above the one they keep declining."""
    load_offers(
        engine,
        offer_toml("TAKEN", extra="cooldown_days = 0"),
        offer_toml("SHUNNED", extra="cooldown_days = 0"),
    )
    customers = [make_customer(engine, consent_voice=True) for _ in range(30)]
    days = []
    for index, customer in enumerate(customers):
        taken = OfferResponse("TAKEN", "accepted" if index % 2 else "declined")
        days.append(
            answer(
                engine,
                customer,
                f"call-{index}",
                taken,
                OfferResponse("SHUNNED", "declined", "not interested"),
            )
        )
    rng = random.Random(7)
    firsts = [
        codes(engine, customers[0], today=max(days) + timedelta(days=1), rng=rng, limit=1) for _ in range(20)
    ]
    assert firsts.count(["TAKEN"]) == 20


def test_a_retention_offer_ranks_by_the_customers_churn_risk(engine: Engine) -> None:
    """Regression: a retention offer ranked on its value alone, the same for a customer about to
    leave as for one who never would. You should see it first for the customer at 90% risk and
    behind a sales offer for one at 5% (its worth is value x weight x risk: 180 vs 10, against
    the sales offer's 100), with equal, well-known acceptance for both offers."""
    load_offers(
        engine,
        offer_toml("RETAIN", value=200.0, extra='category = "retention"\ncooldown_days = 0'),
        offer_toml("SELL", value=100.0, extra="cooldown_days = 0"),
    )
    leaving, staying = (make_customer(engine, consent_voice=True) for _ in range(2))
    with write_session(engine) as session:
        session.add_all(
            OfferStat(offer_code=code, segment="mass", shown=10_000, accepted=2_500)
            for code in ("RETAIN", "SELL")
        )
        session.add_all(
            [
                CustomerChurn(customer_id=leaving.id, risk=0.9),
                CustomerChurn(customer_id=staying.id, risk=0.05),
            ]
        )
    rng = random.Random(7)
    assert all(codes(engine, leaving, rng=rng, limit=1) == ["RETAIN"] for _ in range(10))
    assert all(codes(engine, staying, rng=rng, limit=1) == ["SELL"] for _ in range(10))
    assert worth(200.0, 1.5, "retention", None) == 0.0 and worth(200.0, 1.5, "sales", None) == 300.0
