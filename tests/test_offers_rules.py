"""Each eligibility rule kind, through the real queries on both databases, and the words it says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.engine import Engine

from store.db import write_session
from store.models import (
    Customer,
    Holding,
    HoldingStatus,
    ProductCategory,
    TicketStatus,
    Warranty,
    WarrantyKind,
)
from store.offers import OfferDecision, explain_offers, load_catalogue, parse_catalogue
from store.offers.rules import RuleError, parse_rule
from tests.factories import make_customer, make_holding, make_product, make_ticket

TODAY = date(2026, 6, 15)


def load_offers(engine: Engine, *offers: str, policy: str = "") -> None:
    """Load a catalogue made of `offers` (TOML bodies of [[offer]] tables) into `engine`."""
    text = policy + "".join(f"\n[[offer]]\n{body}\n" for body in offers)
    with write_session(engine) as session:
        load_catalogue(session, parse_catalogue(text))


def offer_toml(code: str = "TEST-OFFER", *, rule: str = "", extra: str = "", value: float = 100.0) -> str:
    """A minimal valid offer; `rule` is the inline TOML of its `eligible` table."""
    eligible = f"eligible = {rule}\n" if rule else ""
    return (
        f'code = "{code}"\ntitle = "Offer {code}"\nservice = "test"\nvalue = {value}\n'
        f'script = "Say the {code} words."\n{eligible}{extra}'
    )


def decide(engine: Engine, customer: Customer, rule: str, today: date = TODAY) -> OfferDecision:
    load_offers(engine, offer_toml(rule=rule))
    assert customer.id is not None
    (decision,) = explain_offers(engine, customer.id, today=today)
    return decision


def test_holds_product_and_not(engine: Engine) -> None:
    customer = make_customer(engine)
    gold = make_product(engine, "CC-GOLD", ProductCategory.CREDIT_CARD)
    make_holding(engine, customer, gold, reference="4556 7375 8689 1234")  # imported unmasked
    held = decide(engine, customer, '{ holds = "CC-GOLD" }')
    # the why quotes a card as the profile shows it: first 6 and last 4 only
    assert held.eligible and held.reasons == ("holds Cc-Gold 455673******1234",)
    lacks = decide(engine, customer, '{ not = { holds = "CC-PLATINUM" } }')
    assert lacks.eligible and lacks.reasons == ("does not hold CC-PLATINUM",)
    assert not decide(engine, customer, '{ not = { holds = "CC-GOLD" } }').eligible


def test_closed_holding_is_not_held(engine: Engine) -> None:
    customer = make_customer(engine)
    holding = make_holding(engine, customer, make_product(engine, "MTG-FIXED", ProductCategory.MORTGAGE))
    with write_session(engine) as session:
        row = session.get(Holding, holding.id)
        assert row is not None
        row.status = HoldingStatus.CLOSED
    decision = decide(engine, customer, '{ holds_category = "mortgage" }')
    assert not decision.eligible and decision.reasons == ("holds no mortgage",)


def test_holds_category(engine: Engine) -> None:
    customer = make_customer(engine)
    make_holding(
        engine, customer, make_product(engine, "APP-WASHER", ProductCategory.APPLIANCE), reference="W-1"
    )
    decision = decide(engine, customer, '{ holds_category = "appliance" }')
    assert decision.eligible and decision.reasons == ("holds appliance: App-Washer W-1",)
    assert not decide(engine, customer, '{ holds_category = "credit_card" }').eligible


def test_segment_and_loyalty_tier(engine: Engine) -> None:
    customer = make_customer(engine, segment="affluent", loyalty_tier="gold")
    assert decide(engine, customer, '{ segment = ["private", "affluent"] }').reasons == ("segment affluent",)
    assert not decide(engine, customer, '{ segment = "mass" }').eligible
    assert decide(engine, customer, '{ loyalty_tier = "gold" }').eligible
    assert not decide(engine, customer, '{ loyalty_tier = ["silver", "platinum"] }').eligible


def test_age_range_and_unknown_birth_date(engine: Engine) -> None:
    customer = make_customer(engine, birth_date=date(1980, 6, 16))  # 45, turning 46 tomorrow
    decision = decide(engine, customer, "{ age = { min = 40, max = 45 } }")
    assert decision.eligible and decision.reasons == ("aged 45",)
    assert not decide(engine, customer, "{ age = { min = 46 } }").eligible
    unknown = make_customer(engine, birth_date=None)
    assert decide(engine, unknown, "{ age = { min = 18 } }").reasons == ("age unknown (no birth date)",)


def test_tenure(engine: Engine) -> None:
    customer = make_customer(engine, created_at=datetime(2020, 3, 1, tzinfo=UTC))
    decision = decide(engine, customer, "{ tenure_years = { min = 5 } }")
    assert decision.eligible and decision.reasons == ("customer for 6 years",)
    assert not decide(engine, customer, "{ tenure_years = { max = 2 } }").eligible


def test_loyalty_points(engine: Engine) -> None:
    customer = make_customer(engine, loyalty_points=12400)
    assert decide(engine, customer, "{ loyalty_points = { min = 2000 } }").reasons == (
        "12,400 loyalty points",
    )
    assert not decide(engine, customer, "{ loyalty_points = { min = 20000 } }").eligible


def test_warranty_expiring_within_days(engine: Engine) -> None:
    customer = make_customer(engine)
    washer = make_product(engine, "APP-WASHER", ProductCategory.APPLIANCE)
    make_holding(engine, customer, washer, reference="W-123", warranty_ends_on=TODAY + timedelta(days=12))
    decision = decide(engine, customer, "{ warranty_expires_within_days = 30 }")
    assert decision.eligible and decision.reasons == ("warranty on App-Washer W-123 expires in 12 days",)
    assert not decide(engine, customer, "{ warranty_expires_within_days = 10 }").eligible
    later = decide(
        engine, customer, "{ warranty_expires_within_days = 30 }", today=TODAY + timedelta(days=13)
    )
    assert not later.eligible  # already expired


def test_extended_warranty_pushes_the_end_out(engine: Engine) -> None:
    customer = make_customer(engine)
    holding = make_holding(
        engine, customer, make_product(engine, "APP-TV55", ProductCategory.APPLIANCE),
        warranty_ends_on=TODAY + timedelta(days=5),
    )  # fmt: skip

    with write_session(engine) as session:
        session.add(Warranty(holding_id=holding.id, kind=WarrantyKind.EXTENDED, starts_on=TODAY,
                             ends_on=TODAY + timedelta(days=3 * 365)))  # fmt: skip
    assert not decide(engine, customer, "{ warranty_expires_within_days = 30 }").eligible


def _loan(engine: Engine, customer: Customer, balance: str, original: str) -> None:
    holding = make_holding(
        engine, customer, make_product(engine, f"LOAN-{balance}", ProductCategory.CAR_LOAN),
        reference="CL-9", price_paid=Decimal(original),
    )  # fmt: skip
    with write_session(engine) as session:
        row = session.get(Holding, holding.id)
        assert row is not None
        row.balance = Decimal(balance)


def test_loan_nearly_paid_by_ratio_and_balance(engine: Engine) -> None:
    customer = make_customer(engine)
    _loan(engine, customer, "1200.00", "15000.00")
    by_ratio = decide(engine, customer, '{ loan_nearly_paid = { category = "car_loan", max_ratio = 0.1 } }')
    assert by_ratio.eligible and by_ratio.reasons == (
        "Loan-1200.00 CL-9 has 1,200.00 left (8% of 15,000.00)",
    )
    assert decide(engine, customer, "{ loan_nearly_paid = { max_balance = 2000 } }").eligible
    assert not decide(engine, customer, "{ loan_nearly_paid = { max_balance = 1000 } }").eligible
    assert not decide(
        engine, customer, '{ loan_nearly_paid = { category = "mortgage", max_ratio = 0.5 } }'
    ).eligible


def test_recent_purchase(engine: Engine) -> None:
    customer = make_customer(engine)
    fridge = make_product(engine, "APP-FRIDGE", ProductCategory.APPLIANCE)
    make_holding(engine, customer, fridge, reference="F-7", opened_on=TODAY - timedelta(days=9))
    decision = decide(engine, customer, "{ recent_purchase = { days = 30 } }")
    assert decision.eligible and decision.reasons == ("bought App-Fridge F-7 9 days ago",)
    assert not decide(engine, customer, "{ recent_purchase = { days = 7 } }").eligible


def test_open_tickets(engine: Engine) -> None:
    customer = make_customer(engine)
    assert decide(engine, customer, "{ open_tickets = { max = 0 } }").reasons == ("no open tickets",)
    make_ticket(engine, customer, status=TicketStatus.OPEN)
    make_ticket(engine, customer, status=TicketStatus.PENDING)
    make_ticket(engine, customer, status=TicketStatus.CLOSED)
    decision = decide(engine, customer, "{ open_tickets = { min = 2 } }")
    assert decision.eligible and decision.reasons == ("2 open tickets",)
    assert not decide(engine, customer, "{ open_tickets = { max = 0 } }").eligible


def test_all_any_not_combine_and_explain(engine: Engine) -> None:
    customer = make_customer(engine, segment="mass", loyalty_points=3000)
    either = "{ any = [{ loyalty_points = { min = 5000 } }, { open_tickets = { max = 0 } }] }"
    rule = f'{{ all = [{{ segment = "mass" }}, {either}] }}'
    decision = decide(engine, customer, rule)
    assert decision.eligible and decision.reasons == ("segment mass", "no open tickets")
    failing = decide(engine, customer, '{ all = [{ segment = "mass" }, { not = { segment = "mass" } }] }')
    assert not failing.eligible and failing.reasons == ("segment mass",)


def test_no_rule_means_everyone(engine: Engine) -> None:
    customer = make_customer(engine)
    assert decide(engine, customer, "").reasons == ("open to every customer",)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"hold": "X"}, "eligible: unknown rule 'hold'"),
        ({"holds": "A", "segment": "b"}, "exactly one key"),
        ({"age": {"min": 60, "max": 20}}, "eligible.age: min 60 is greater than max 20"),
        ({"age": {"from": 2}}, "eligible.age: expects a table with 'min' and/or 'max'"),
        ({"holds_category": "boat"}, "unknown product category 'boat'"),
        ({"all": []}, "eligible.all: expects a non-empty list"),
        ({"any": [{"segment": []}]}, "eligible.any[0].segment: expects a name"),
        ({"loan_nearly_paid": {}}, "needs max_balance"),
        ({"recent_purchase": {"days": -3}}, "eligible.recent_purchase.days: expects a whole number"),
        ({"warranty_expires_within_days": "soon"}, "expects a whole number of days"),
    ],
)
def test_bad_rules_say_where_and_what(raw: object, message: str) -> None:
    with pytest.raises(RuleError) as caught:
        parse_rule(raw)
    assert message in str(caught.value)


def test_a_rule_decides_the_same_without_its_reasons() -> None:
    """Regression guard for the segment refresh's fast path: `explain=False` must decide exactly as
    the explained check. You should see every rule of the default catalogue and of the built-in
    segments agree on customers that pass and fail them, with no reasons when not asked."""
    from decimal import Decimal

    from store.offers import DEFAULT_CATALOGUE, read_catalogue
    from store.offers.facts import CustomerFacts, HeldItem
    from store.segments.rules import read_segments

    def item(code: str, category: str, **extra: object) -> HeldItem:
        fields: dict[str, object] = {
            "opened_on": TODAY - timedelta(days=20),
            "balance": None,
            "price_paid": None,
            "warranty_ends_on": None,
        }
        fields.update(extra)
        return HeldItem(code, code, category, "", **fields)  # type: ignore[arg-type]

    people = [
        CustomerFacts(1, "mass", None, TODAY, "none", 0, frozenset(), False),
        CustomerFacts(
            2,
            "affluent",
            date(1980, 1, 1),
            date(2015, 1, 1),
            "gold",
            30_000,
            frozenset({"voice", "post"}),
            False,
            holdings=(
                item("CA-CLASSIC", "current_account", balance=Decimal(5000)),
                item("MTG-FIXED", "mortgage", balance=Decimal(9000), price_paid=Decimal(200_000)),
                item("APP-WASHER", "appliance", warranty_ends_on=TODAY + timedelta(days=10)),
                item("CC-GOLD", "credit_card"),
            ),
            open_ticket_categories=("complaint",),
            segments=frozenset({"champions"}),
            churn_risk=0.6,
            closed_categories=frozenset({"credit_card"}),
        ),  # fmt: skip
        CustomerFacts(
            3,
            "student",
            date(2004, 5, 5),
            TODAY - timedelta(days=400),
            "silver",
            500,
            frozenset({"sms"}),
            False,
            holdings=(item("CA-STUDENT", "current_account", balance=Decimal(20)),),
            segments=frozenset({"new"}),
            churn_risk=0.05,
        ),  # fmt: skip
    ]
    offers = read_catalogue(DEFAULT_CATALOGUE).offers
    rules = [parse_rule(offer.eligibility) for offer in offers if offer.eligibility]
    rules += [spec.rule for spec in read_segments()]
    outcomes = set()
    for rule in rules:
        for facts in people:
            explained, bare = rule(facts, TODAY), rule(facts, TODAY, explain=False)
            assert (bare.ok, bare.reasons) == (explained.ok, ()), (facts.customer_id, explained)
            outcomes.add(explained.ok)
    assert outcomes == {True, False}
