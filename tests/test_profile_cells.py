"""Cells of the holdings table never crash on partial data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from screens.widgets.profile_tables import holding_cells
from store.profile.rows import HoldingRow


def _loan(amount: Decimal | None) -> HoldingRow:
    return HoldingRow(
        id=1, product="Car loan", category="car_loan", is_bank=True, reference="CL-1", status="active",
        opened_on=date(2024, 1, 1), balance=Decimal("9000"), next_payment_on=date(2026, 12, 1),
        next_payment_amount=amount, price_paid=None,
    )  # fmt: skip


def test_next_payment_without_an_amount_shows_the_date() -> None:
    """Regression: a loan with a next payment date but no amount crashed the profile (and with it
    the console on a pop). You should see "due 2026-12-01" in the payment cell."""
    assert holding_cells(_loan(None))[4].plain == "due 2026-12-01"
    assert holding_cells(_loan(Decimal("312.5")))[4].plain == "312.50 on 2026-12-01"
