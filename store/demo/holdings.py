"""What a demo customer holds: accounts (with a balance history), masked cards, loans, insurance and
appliances with warranties.

Appliance purchase dates are drawn backwards from the warranty end the demo wants (expired,
expiring within 30 days, or active), so every state shows up relative to `today`.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from store.demo.balances import add_balance_history
from store.demo.batch import Batch
from store.demo.catalogue import PRODUCT_BY_CODE, ProductSpec, product_mix
from store.models import HoldingStatus, ProductCategory, WarrantyKind

EXPIRING_DAYS = 30
_IBAN_LENGTH = {"IT": 27, "ES": 24, "PT": 25, "DE": 22, "GB": 22, "BR": 29}
_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


@dataclass(frozen=True)
class Owner:
    """The customer the holdings are generated for."""

    customer_id: int
    country: str
    segment: str
    since: date
    left_on: date | None
    """When a former customer closed everything; None while they are a customer."""
    in_arrears: bool
    warranty_end: date | None = None
    """Forces when every appliance's standard warranty ends (for the memorable customers)."""


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _money(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choices(_DIGITS, k=count))


def iban(rng: random.Random, country: str) -> str:
    """An IBAN with correct check digits (a US account number where there are no IBANs)."""
    length = _IBAN_LENGTH.get(country)
    if length is None:
        return _digits(rng, 12)
    bban = (
        "".join(rng.choices(_LETTERS, k=4))
        if country == "GB"
        else rng.choice(_LETTERS)
        if country == "IT"
        else ""
    )
    bban += _digits(rng, length - 4 - len(bban))
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def add_holdings(
    rng: random.Random,
    batch: Batch,
    owner: Owner,
    product_ids: dict[str, int],
    today: date,
    count: int,
    codes: tuple[str, ...] = (),
) -> list[tuple[int, ProductSpec]]:
    """`count` holdings for `owner` (a current account first) with their warranties, or exactly `codes`."""
    mix, weights = product_mix(owner.segment)
    chosen = codes or [mix[0]] + rng.choices(mix, weights=weights, k=count - 1)
    made = []
    for code in chosen:
        spec = PRODUCT_BY_CODE[code]
        made.append((_add_holding(rng, batch, owner, spec, product_ids[code], today), spec))
    return made


def _add_holding(
    rng: random.Random, batch: Batch, owner: Owner, spec: ProductSpec, product_id: int, today: date
) -> int:
    end = owner.left_on or today
    opened = owner.since + timedelta(days=rng.randint(0, max(0, (end - owner.since).days)))
    row: dict[str, Any] = {
        "reference": "",
        "balance": None,
        "price_paid": None,
        "next_payment_on": None,
        "next_payment_amount": None,
        "closed_on": None,
        "status": HoldingStatus.ACTIVE,
    }
    category = spec.category
    if category is ProductCategory.APPLIANCE:
        opened = _appliance_purchase(rng, spec, today, owner.warranty_end)
        row["reference"] = (
            f"{spec.code[4:6]}{opened:%y}{''.join(rng.choices(_LETTERS, k=2))}{_digits(rng, 7)}"
        )
        row["price_paid"] = _money(float(spec.list_price or 0) * rng.uniform(0.85, 1.0))
    elif category is ProductCategory.CURRENT_ACCOUNT:
        row["reference"] = iban(rng, owner.country)
        row["balance"] = _money(rng.lognormvariate(7.5, 1.2) * (1 if rng.random() > 0.08 else -0.1))
    elif category is ProductCategory.CREDIT_CARD:
        row["reference"] = f"{spec.card_bin}******{_digits(rng, 4)}"
        row["balance"] = _money(rng.uniform(0, 3000))
        _next_payment(rng, row, today, row["balance"] * Decimal("0.1"))
    elif category in (ProductCategory.MORTGAGE, ProductCategory.CAR_LOAN):
        mortgage = category is ProductCategory.MORTGAGE
        row["reference"] = f"{'MTG' if mortgage else 'CAR'}-{_digits(rng, 8)}"
        row["balance"] = _money(rng.uniform(40_000, 350_000) if mortgage else rng.uniform(2_000, 30_000))
        _next_payment(rng, row, today, row["balance"] / (240 if mortgage else 48))
    else:
        row["reference"] = f"{spec.code[:3]}-{_digits(rng, 9)}"
        row["price_paid"] = _money(float(spec.list_price or 0) * rng.uniform(0.9, 1.2))
        row["next_payment_on"] = add_months(opened, 12 * ((today - opened).days // 365 + 1))
    held = row["balance"]  # before a leaver's closing empties it
    if owner.left_on is not None and category is not ProductCategory.APPLIANCE:
        row.update(
            status=HoldingStatus.CLOSED,
            closed_on=owner.left_on,
            balance=row["balance"] and Decimal("0.00"),
            next_payment_on=None,
            next_payment_amount=None,
        )
    elif owner.in_arrears and category in (
        ProductCategory.CREDIT_CARD,
        ProductCategory.CAR_LOAN,
        ProductCategory.MORTGAGE,
    ):
        row["status"] = HoldingStatus.ARREARS
    holding_id = batch.add(
        "holding", customer_id=owner.customer_id, product_id=product_id, opened_on=opened, **row
    )
    if category is ProductCategory.CURRENT_ACCOUNT:
        add_balance_history(
            rng, batch, holding_id, balance=held, opened=opened, left_on=owner.left_on, today=today
        )
    if category is ProductCategory.APPLIANCE:
        # A story's warranty that "ends in 12 days" must not already be extended.
        _add_warranties(rng, batch, holding_id, spec, opened, may_extend=owner.warranty_end is None)
    return holding_id


def _next_payment(rng: random.Random, row: dict, today: date, amount: Decimal) -> None:
    row["next_payment_on"] = today + timedelta(days=rng.randint(1, 30))
    row["next_payment_amount"] = _money(float(amount))


def _appliance_purchase(rng: random.Random, spec: ProductSpec, today: date, forced_end: date | None) -> date:
    """A purchase date such that the standard warranty is expired, expiring soon, or active."""
    months = spec.standard_warranty_months
    roll = rng.random()
    if forced_end is not None:
        warranty_end = forced_end
    elif roll < 0.2:
        warranty_end = today + timedelta(days=rng.randint(1, EXPIRING_DAYS))
    elif roll < 0.55:
        warranty_end = today - timedelta(days=rng.randint(1, 900))
    else:
        warranty_end = today + timedelta(days=rng.randint(EXPIRING_DAYS + 1, months * 30 - 5))
    return add_months(warranty_end, -months)


def _add_warranties(
    rng: random.Random, batch: Batch, holding_id: int, spec: ProductSpec, bought: date, *, may_extend: bool
) -> None:
    standard_end = add_months(bought, spec.standard_warranty_months)
    claims = rng.choices((0, 1, 2), weights=(85, 12, 3))[0]
    batch.add(
        "warranty",
        holding_id=holding_id,
        kind=WarrantyKind.STANDARD,
        starts_on=bought,
        ends_on=standard_end,
        price=None,
        covers="parts and labour",
        claims=claims,
    )
    if may_extend and rng.random() < 0.25:
        extra = rng.choice((12, 24, 36))
        batch.add(
            "warranty",
            holding_id=holding_id,
            kind=WarrantyKind.EXTENDED,
            starts_on=standard_end,
            ends_on=add_months(standard_end, extra),
            price=_money(float(spec.list_price or 0) * 0.04 * extra / 12),
            covers="parts, labour and accidental damage",
            claims=0,
        )
