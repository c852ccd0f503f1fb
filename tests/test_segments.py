"""Computed segments on a base built for the test, with the answers worked out by hand."""

from __future__ import annotations

import csv
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.db import write_session
from store.imports import ImportOptions, import_file
from store.imports.products import HOLDING_HEADER
from store.models import (
    Customer,
    CustomerStatus,
    Holding,
    HoldingStatus,
    Product,
    ProductCategory,
    Role,
    Warranty,
)
from store.models.base import table_of
from store.models.segments import CustomerRfm, SegmentMember
from store.policy import Actor
from store.segments.refresh import refresh_segments, segment_counts
from store.segments.rules import SegmentError, read_segments
from store.timeutil import utcnow
from tests.factories import make_customer

TODAY = utcnow().date()


def _products(engine: Engine) -> dict[str, Product]:
    specs = {
        "GEN": ProductCategory.SERVICE,
        "MTG": ProductCategory.MORTGAGE,
        "INS-HOME": ProductCategory.INSURANCE,
        "CARD": ProductCategory.CREDIT_CARD,
    }
    with write_session(engine) as session:
        products = {
            code: Product(code=code, name=code, category=category) for code, category in specs.items()
        }
        session.add_all(products.values())
    return products


def _hold(
    engine: Engine,
    customer: Customer,
    product: Product,
    *,
    days_ago: int,
    closed: bool = False,
    warranty_in_days: int | None = None,
) -> None:
    with write_session(engine) as session:
        holding = Holding(
            customer_id=customer.id,
            product_id=product.id,
            opened_on=TODAY - timedelta(days_ago),
            price_paid=Decimal("100.00"),
            status=HoldingStatus.CLOSED if closed else HoldingStatus.ACTIVE,
        )
        session.add(holding)
        session.flush()
        if warranty_in_days is not None:
            session.add(
                Warranty(
                    holding_id=holding.id,
                    starts_on=TODAY - timedelta(days_ago),
                    ends_on=TODAY + timedelta(warranty_in_days),
                )
            )


def _base(engine: Engine) -> tuple[list[Customer], dict[str, Product]]:
    """Customer i (1-10) holds i products of 100.00 each, all bought 10*i days ago; one prospect
    holds nothing. Recency cut points are 28/46/64/82 days, frequency and money 2.8/4.6/6.4/8.2."""
    products = _products(engine)
    special = {
        2: ["GEN", "GEN*"],  # one with a warranty ending in 10 days
        3: ["MTG", "GEN", "GEN"],  # mortgage, no home insurance
        4: ["MTG", "INS-HOME", "GEN", "GEN"],
        5: ["CARD-", "GEN", "GEN", "GEN", "GEN"],  # a closed card, no card now: lapsed
        6: ["CARD-", "CARD", "GEN", "GEN", "GEN", "GEN"],
    }
    customers = []
    for i in range(1, 11):
        customer = make_customer(engine, f"Cust{i}", "Base")
        for code in special.get(i, ["GEN"] * i):
            _hold(
                engine,
                customer,
                products[code.rstrip("*-")],
                days_ago=10 * i,
                closed=code.endswith("-"),
                warranty_in_days=10 if code.endswith("*") else None,
            )
        customers.append(customer)
    make_customer(engine, "Nobody", "Prospect", status=CustomerStatus.PROSPECT)
    return customers, products


def _rfm(engine: Engine) -> dict[int, tuple[int, int, int, str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(
                CustomerRfm.customer_id,
                CustomerRfm.r,
                CustomerRfm.f,
                CustomerRfm.m,
                CustomerRfm.rfm_segment,
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def _members(engine: Engine) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    with engine.connect() as connection:
        for segment, customer_id in connection.execute(
            sa.select(SegmentMember.segment, SegmentMember.customer_id)
        ):
            found.setdefault(segment, set()).add(customer_id)
    return found


def test_a_full_refresh_scores_rfm_on_the_base_and_fills_the_rule_segments(engine: Engine) -> None:
    customers, _ = _base(engine)
    seen: list[tuple[int, int]] = []
    result = refresh_segments(engine, today=TODAY, progress=lambda done, total: seen.append((done, total)))
    assert result.full and result.customers == 11 and seen[-1] == (11, 11)
    assert result.breakpoints.recency_days == pytest.approx((28, 46, 64, 82))
    assert result.breakpoints.frequency == pytest.approx((2.8, 4.6, 6.4, 8.2))
    expected_r, expected_f = (5, 5, 4, 4, 3, 3, 2, 2, 1, 1), (1, 1, 2, 2, 3, 3, 4, 4, 5, 5)
    names = (
        "new",
        "new",
        "promising",
        "promising",
        "need_attention",
        "need_attention",
        "at_risk",
        "at_risk",
        "at_risk",
        "at_risk",
    )
    scores = _rfm(engine)
    assert len(scores) == 10  # the prospect holds nothing and gets no score
    for customer, r, f, name in zip(customers, expected_r, expected_f, names, strict=True):
        assert scores[customer.id] == (r, f, f, name), customer.given_name
    ids = [c.id for c in customers]
    assert _members(engine) == {
        "warranty_expiring_30_days": {ids[1]},
        "mortgage_no_home_insurance": {ids[2]},
        "lapsed_card_holders": {ids[4]},
    }
    with engine.connect() as connection:
        counts = {c.name: c.customers for c in segment_counts(connection)}
    assert counts["at_risk"] == 4 and counts["champions"] == 0 and counts["lapsed_card_holders"] == 1


def test_a_second_refresh_the_same_day_recomputes_only_who_changed(engine: Engine) -> None:
    """Regression: an incremental refresh must pick up a purchase and a changed customer, and only
    them. You should see 2 customers recomputed against the full run's cut points."""
    customers, products = _base(engine)
    first = refresh_segments(engine, today=TODAY)
    _hold(engine, customers[0], products["GEN"], days_ago=0)
    with write_session(engine) as session:
        seventh = session.get(Customer, customers[6].id)
        assert seventh is not None
        seventh.loyalty_points, seventh.updated_at = 10, utcnow()
    _hold(engine, customers[6], products["MTG"], days_ago=70)  # opened long ago: found by the customer change
    again = refresh_segments(engine, today=TODAY)
    assert not again.full and again.customers == 2
    assert again.breakpoints == first.breakpoints
    assert _rfm(engine)[customers[0].id] == (5, 1, 1, "new")
    assert customers[6].id in _members(engine)["mortgage_no_home_insurance"]
    assert refresh_segments(engine, today=TODAY + timedelta(days=1)).full  # a new day: recency moved


def test_a_refresh_for_another_day_is_incremental_on_that_day(engine: Engine) -> None:
    """Regression: "the same day" was the date the last run's clock started on, so two refreshes
    for one `today` (a back-dated run, or a run begun before midnight) were both full. You should
    see the second run for that day reuse the first one's cut points."""
    customers, _products = _base(engine)
    yesterday = TODAY - timedelta(days=1)
    first = refresh_segments(engine, today=yesterday)
    with write_session(engine) as session:
        changed = session.get(Customer, customers[0].id)
        assert changed is not None
        changed.loyalty_points, changed.updated_at = 10, utcnow()
    again = refresh_segments(engine, today=yesterday)
    assert (first.full, again.full, again.customers) == (True, False, 1)
    assert refresh_segments(engine, today=TODAY).full


def test_a_refresh_after_an_import_is_full(engine: Engine, tmp_path: Path) -> None:
    """Regression: an import publishes no change event and a holding carries only its days, so a
    feed's holding opened months ago, imported after the day's first refresh, was missed by the
    next (incremental) one until the next day. You should see the refresh after the import full
    and the customer's new mortgage make them a member of the mortgage segment."""
    customers, _products = _base(engine)
    refresh_segments(engine, today=TODAY)
    first = customers[0]
    assert first.id is not None and first.id not in _members(engine)["mortgage_no_home_insurance"]
    feed = tmp_path / "holdings.csv"
    with feed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HOLDING_HEADER)
        writer.writeheader()
        opened = (TODAY - timedelta(days=200)).isoformat()
        writer.writerow({"customer_external_id": first.external_id, "product_code": "MTG",
                         "reference": "M-1", "opened_on": opened, "status": "active"})  # fmt: skip
    rejected: list[int] = []
    report = import_file(
        engine,
        ImportOptions(kind="holdings", path=feed),
        actor=Actor("admin", Role.ADMIN),
        on_reject=lambda line, _reason: rejected.append(line),
    )
    assert (report.tally.new, rejected) == (1, [])
    again = refresh_segments(engine, today=TODAY)
    assert again.full and first.id in _members(engine)["mortgage_no_home_insurance"]
    assert not refresh_segments(engine, today=TODAY).full  # nothing imported since


def test_a_segments_file_with_a_mistake_names_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "segments.toml"
    bad.write_text('[[segment]]\nname = "x"\ntitle = "X"\nrule = { holds_categry = "mortgage" }\n')
    with pytest.raises(SegmentError, match=r"segment x\.rule: unknown rule 'holds_categry'"):
        read_segments(bad)
    bad.write_text('[[segment]]\nname = "Has Space"\ntitle = "X"\nrule = { age = { min = 1 } }\n')
    with pytest.raises(SegmentError, match="segment\\[0\\].name"):
        read_segments(bad)
    assert [s.name for s in read_segments()] == [
        "mortgage_no_home_insurance",
        "warranty_expiring_30_days",
        "lapsed_card_holders",
    ]


def test_the_profile_header_shows_the_segments_and_the_churn_risk_with_why(engine: Engine) -> None:
    """Regression: the profile showed only the stored demo label. You should see the RFM segment
    with its score, the rule segments, and "churn risk high: <reasons>"."""
    from screens.widgets.profile_header import header_text
    from store.models.segments import CustomerChurn
    from store.profile import load_profile

    customers, _ = _base(engine)
    third = customers[2].id
    assert third is not None
    before = load_profile(engine, third, today=TODAY)
    assert before is not None and not before.header.marketing.known  # nothing computed yet: no line
    assert "Segments" not in header_text(before.header).plain
    refresh_segments(engine, today=TODAY)
    with write_session(engine) as session:
        session.add(
            CustomerChurn(customer_id=third, risk=0.4, reasons="2 complaints in 60 days; holds 1 product")
        )
    profile = load_profile(engine, third, today=TODAY)
    assert profile is not None
    shown = header_text(profile.header).plain.splitlines()[-1]
    assert shown == (
        "Segments promising (RFM 422), mortgage_no_home_insurance · "
        "churn risk high: 2 complaints in 60 days; holds 1 product"
    )


def test_a_segment_title_with_escape_sequences_is_kept_plain_text(tmp_path: Path, hostile: str) -> None:
    """Regression: a title in the business's segments file went raw to the terminal in `segments
    list`. You should see it cleaned of control characters, or the file refused, never a crash."""
    import tomli_w

    path = tmp_path / "segments.toml"
    path.write_text(
        tomli_w.dumps({"segment": [{"name": "x", "title": hostile, "rule": {"age": {"min": 1}}}]})
    )
    try:
        (spec,) = read_segments(path)
    except SegmentError as error:
        assert "segment[0].title" in str(error)  # nothing left once cleaned
        return
    assert spec.title and not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in spec.title)


def test_a_rule_without_a_sql_form_is_decided_on_the_facts_in_the_same_refresh(
    engine: Engine, tmp_path: Path
) -> None:
    """Regression guard: the database decides the rules it can (store/segments/rule_sql.py); a
    rule with the one other check (a loan nearly paid off) must still be decided, on the
    customers' facts and their new RFM segment. You should see both kinds filled, by a full and
    an incremental refresh."""
    customers, products = _base(engine)
    path = tmp_path / "segments.toml"
    path.write_text(
        '[[segment]]\nname = "mortgage"\ntitle = "M"\nrule = { holds_category = "mortgage" }\n'
        '[[segment]]\nname = "paid_off"\ntitle = "P"\nrule = { loan_nearly_paid = { max_balance = 10 } }\n'
        '[[segment]]\nname = "new_in_debt"\ntitle = "N"\n'
        'rule = { all = [{ in_segment = "new" }, { not = { loan_nearly_paid = { max_balance = 10 } } }] }\n'
    )
    ids = [c.id for c in customers]
    holding = table_of(Holding).c
    nearly_paid = (
        sa.update(table_of(Holding)).where(holding.product_id == products["MTG"].id).values(balance=5)
    )
    with write_session(engine) as session:
        session.execute(nearly_paid)
    refresh_segments(engine, today=TODAY, segments_file=path)
    assert _members(engine) == {
        "mortgage": {ids[2], ids[3]},
        "paid_off": {ids[2], ids[3]},
        "new_in_debt": set(ids[:2]),
    }
    _hold(engine, customers[0], products["MTG"], days_ago=0)
    with write_session(engine) as session:
        session.execute(nearly_paid)
    assert not refresh_segments(engine, today=TODAY, segments_file=path).full
    members = _members(engine)
    assert members["paid_off"] == {ids[0], ids[2], ids[3]} and members["new_in_debt"] == {ids[1]}


def test_a_refresh_updates_changed_scores_and_takes_out_who_no_longer_belongs(engine: Engine) -> None:
    """Regression guard: a refresh writes only the rows that change (upserts, and deletes of who
    left). You should see a closed mortgage leave its segment, a customer with no holding left
    lose the RFM row, fewer holdings lower the frequency, and everything as a refresh from empty
    tables writes it."""
    customers, _products = _base(engine)
    refresh_segments(engine, today=TODAY)
    ids = [c.id for c in customers]
    holding, product = table_of(Holding).c, table_of(Product).c
    with write_session(engine) as session:
        mortgage = sa.select(product.id).where(product.code == "MTG").scalar_subquery()
        session.execute(
            sa.update(table_of(Holding))
            .where(holding.customer_id == ids[2], holding.product_id == mortgage)
            .values(status=HoldingStatus.CLOSED.value, closed_on=TODAY)
        )
        session.execute(sa.delete(table_of(Holding)).where(holding.customer_id == ids[0]))
        two = sa.select(holding.id).where(holding.customer_id == ids[5]).order_by(holding.id.desc()).limit(2)
        session.execute(sa.delete(table_of(Holding)).where(holding.id.in_(two)))
    refresh_segments(engine, today=TODAY, full=True)
    updated, members = _rfm_rows(engine), _members(engine)
    assert ids[0] not in updated and updated[ids[5]][1] == 4
    assert members == {"warranty_expiring_30_days": {ids[1]}, "lapsed_card_holders": {ids[4]}}
    with write_session(engine) as session:
        session.execute(sa.delete(table_of(CustomerRfm)))
        session.execute(sa.delete(table_of(SegmentMember)))
    refresh_segments(engine, today=TODAY, full=True)
    assert (_rfm_rows(engine), _members(engine)) == (updated, members)


def _rfm_rows(engine: Engine) -> dict[int, tuple[object, ...]]:
    """Every stored RFM column but the instant of the refresh."""
    rfm = table_of(CustomerRfm).c
    with engine.connect() as connection:
        rows = connection.execute(sa.select(*(c for c in rfm if c.name != "refreshed_at"))).all()
    return {row[0]: tuple(row[1:]) for row in rows}
