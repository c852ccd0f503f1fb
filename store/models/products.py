"""The catalogue and what each customer holds: accounts, loans, cards, appliances (their
warranties are `store.models.warranties`, their balance history `store.models.balances`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlmodel import Field, SQLModel

import store.models.customers  # noqa: F401  (foreign keys: holding.customer_id -> customer)
from store.models.base import enum_field, money_field, text_field


class ProductCategory(StrEnum):
    CURRENT_ACCOUNT = "current_account"
    CREDIT_CARD = "credit_card"
    MORTGAGE = "mortgage"
    CAR_LOAN = "car_loan"
    INSURANCE = "insurance"
    APPLIANCE = "appliance"
    SERVICE = "service"

    @property
    def is_bank(self) -> bool:
        return self in _BANK


_BANK = {
    ProductCategory.CURRENT_ACCOUNT,
    ProductCategory.CREDIT_CARD,
    ProductCategory.MORTGAGE,
    ProductCategory.CAR_LOAN,
}


class HoldingStatus(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"
    ARREARS = "arrears"


class Product(SQLModel, table=True):
    """Something the business sells, bank or retail."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = text_field(max_length=120)
    category: ProductCategory = enum_field(index=True)
    standard_warranty_months: int = 0
    list_price: Decimal | None = money_field()


class Holding(SQLModel, table=True):
    """One product a customer holds or held: an account, a loan, a card or a purchased item.

    `reference` is the account number or serial number; a card's is stored masked (first 6 and
    last 4 digits only), never the full PAN.
    """

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    product_id: int = Field(foreign_key="product.id", index=True)
    reference: str = Field(default="", max_length=40, index=True)
    opened_on: date | None = None
    closed_on: date | None = None
    status: HoldingStatus = enum_field(HoldingStatus.ACTIVE)
    balance: Decimal | None = money_field()
    price_paid: Decimal | None = money_field()
    next_payment_on: date | None = None
    next_payment_amount: Decimal | None = money_field()
