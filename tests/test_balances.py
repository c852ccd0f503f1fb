"""Balance history on both databases: a snapshot when a balance changes, the import writing them,
and the balance on a day read from the latest snapshot by then."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from store.balances import balances_on, record_balances
from store.db import write_session
from store.imports.products import HOLDING_HEADER
from store.models import BalanceSnapshot, Holding, Product, ProductCategory
from tests.factories import make_customer, make_holding, make_product
from tests.test_import_customers import person, run, write_csv
from tests.test_import_kinds import _import

TODAY = date.today()  # the import's day


def _history(engine: Engine) -> list[tuple[int, str, Decimal]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(BalanceSnapshot.holding_id, BalanceSnapshot.taken_on, BalanceSnapshot.balance).order_by(
                BalanceSnapshot.holding_id, BalanceSnapshot.taken_on
            )
        )
        return [(holding_id, day.isoformat(), balance) for holding_id, day, balance in rows]


def test_a_snapshot_is_written_only_when_the_balance_changes(engine: Engine) -> None:
    customer = make_customer(engine)
    account = make_product(engine, "ACC", ProductCategory.CURRENT_ACCOUNT)
    first, second = (make_holding(engine, customer, account, reference=r) for r in ("A1", "A2"))
    assert first.id is not None and second.id is not None
    week_ago, yesterday = TODAY - timedelta(7), TODAY - timedelta(1)
    with write_session(engine) as session:
        connection = session.connection()
        assert record_balances(connection, {first.id: Decimal("100.00"), second.id: None}, week_ago) == 1
        assert record_balances(connection, {first.id: Decimal("100")}, yesterday) == 0  # unchanged
        assert record_balances(connection, {first.id: Decimal("60.00")}, TODAY) == 1
        assert record_balances(connection, {first.id: Decimal("40.00")}, TODAY) == 1  # replaces today's
    assert _history(engine) == [
        (first.id, week_ago.isoformat(), Decimal("100.00")),
        (first.id, TODAY.isoformat(), Decimal("40.00")),
    ]
    accounts = Product.category == ProductCategory.CURRENT_ACCOUNT.value
    with engine.connect() as connection:
        assert dict(connection.execute(balances_on(yesterday, accounts)).all()) == {customer.id: Decimal(100)}
        assert dict(connection.execute(balances_on(TODAY, accounts)).all()) == {customer.id: Decimal(40)}
        assert connection.execute(balances_on(week_ago - timedelta(1), accounts)).all() == []


def test_importing_holdings_records_their_balances_as_they_change(engine: Engine, tmp_path: Path) -> None:
    """Regression: the churn model could not see a balance fall, because an import overwrote the
    holding's balance and kept no history. You should see a snapshot for each imported balance,
    none for a re-import of the same file, and a new one when the balance moved."""
    run(engine, write_csv(tmp_path / "c.csv", [person(1)]))
    make_product(engine, "ACC", ProductCategory.CURRENT_ACCOUNT)
    make_product(engine, "WASHER", ProductCategory.APPLIANCE)

    def holdings(balance: str) -> Path:
        rows = [
            {"customer_external_id": "E1", "product_code": "ACC", "reference": "IT60X", "balance": balance},
            {
                "customer_external_id": "E1",
                "product_code": "WASHER",
                "reference": "SN-1",
                "price_paid": "499.00",
            },
        ]
        return write_csv(tmp_path / f"h{balance}.csv", rows, header=HOLDING_HEADER)

    _import(engine, "holdings", holdings("1000.00"))
    _import(engine, "holdings", holdings("1000.00"))
    with engine.connect() as connection:
        account = connection.scalar(sa.select(Holding.id).where(Holding.reference == "IT60X"))
    assert _history(engine) == [(account, TODAY.isoformat(), Decimal("1000.00"))]
    _import(engine, "holdings", holdings("600.00"))
    assert _history(engine) == [(account, TODAY.isoformat(), Decimal("600.00"))]  # the same day: replaced
