"""The demo product catalogue: what a bank-and-retail business sells, with warranty terms."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from store.models import ProductCategory as Cat


@dataclass(frozen=True)
class ProductSpec:
    code: str
    name: str
    category: Cat
    standard_warranty_months: int = 0
    list_price: Decimal | None = None
    card_bin: str = ""
    """First six digits of the cards of this product (the only digits kept besides the last four)."""


PRODUCTS: tuple[ProductSpec, ...] = (
    ProductSpec("CA-CLASSIC", "Classic Current Account", Cat.CURRENT_ACCOUNT),
    ProductSpec("CA-PREMIUM", "Premium Current Account", Cat.CURRENT_ACCOUNT),
    ProductSpec("CA-STUDENT", "Student Account", Cat.CURRENT_ACCOUNT),
    ProductSpec("CA-BUSINESS", "Business Account", Cat.CURRENT_ACCOUNT),
    ProductSpec("CC-CLASSIC", "Visa Classic", Cat.CREDIT_CARD, card_bin="453912"),
    ProductSpec("CC-GOLD", "Visa Gold", Cat.CREDIT_CARD, card_bin="455673"),
    ProductSpec("CC-PLATINUM", "Mastercard Platinum", Cat.CREDIT_CARD, card_bin="552433"),
    ProductSpec("CC-BUSINESS", "Mastercard Business", Cat.CREDIT_CARD, card_bin="558874"),
    ProductSpec("MTG-FIXED", "Fixed-rate Mortgage", Cat.MORTGAGE),
    ProductSpec("MTG-VARIABLE", "Variable-rate Mortgage", Cat.MORTGAGE),
    ProductSpec("LOAN-CAR", "Car Loan", Cat.CAR_LOAN),
    ProductSpec("INS-HOME", "Home Insurance", Cat.INSURANCE, list_price=Decimal("240.00")),
    ProductSpec("INS-LIFE", "Life Insurance", Cat.INSURANCE, list_price=Decimal("480.00")),
    ProductSpec("INS-TRAVEL", "Travel Insurance", Cat.INSURANCE, list_price=Decimal("89.00")),
    ProductSpec("APP-WASHER", "Washing Machine WM-8 kg", Cat.APPLIANCE, 24, Decimal("549.00")),
    ProductSpec("APP-FRIDGE", "Fridge Freezer FF-300", Cat.APPLIANCE, 24, Decimal("799.00")),
    ProductSpec("APP-DISHWASHER", "Dishwasher DW-45", Cat.APPLIANCE, 24, Decimal("459.00")),
    ProductSpec("APP-TV55", "Smart TV 55 inch", Cat.APPLIANCE, 24, Decimal("899.00")),
    ProductSpec("APP-LAPTOP", "Laptop Pro 14", Cat.APPLIANCE, 12, Decimal("1299.00")),
    ProductSpec("APP-PHONE", "Smartphone X12", Cat.APPLIANCE, 24, Decimal("699.00")),
    ProductSpec("APP-ESPRESSO", "Espresso Machine Barista", Cat.APPLIANCE, 24, Decimal("329.00")),
    ProductSpec("APP-VACUUM", "Robot Vacuum R9", Cat.APPLIANCE, 12, Decimal("399.00")),
    ProductSpec("SVC-ASSIST", "Home Assistance Plan", Cat.SERVICE, list_price=Decimal("9.90")),
)

# Which products each segment tends to hold, as (code, weight).
_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "mass": (
        ("CA-CLASSIC", 30),
        ("CC-CLASSIC", 18),
        ("MTG-VARIABLE", 5),
        ("MTG-FIXED", 5),
        ("LOAN-CAR", 8),
        ("INS-HOME", 6),
        ("INS-TRAVEL", 3),
        ("SVC-ASSIST", 3),
    ),
    "affluent": (
        ("CA-PREMIUM", 25),
        ("CC-GOLD", 18),
        ("MTG-FIXED", 10),
        ("LOAN-CAR", 6),
        ("INS-HOME", 8),
        ("INS-LIFE", 8),
        ("INS-TRAVEL", 4),
    ),
    "private": (
        ("CA-PREMIUM", 25),
        ("CC-PLATINUM", 20),
        ("MTG-FIXED", 8),
        ("INS-LIFE", 12),
        ("INS-HOME", 8),
        ("INS-TRAVEL", 6),
    ),
    "small_business": (("CA-BUSINESS", 30), ("CC-BUSINESS", 20), ("LOAN-CAR", 10), ("INS-HOME", 5)),
    "student": (("CA-STUDENT", 35), ("CC-CLASSIC", 10), ("INS-TRAVEL", 5)),
}
_APPLIANCES = tuple(spec.code for spec in PRODUCTS if spec.category is Cat.APPLIANCE)
_APPLIANCE_WEIGHT = {"mass": 25, "affluent": 20, "private": 10, "small_business": 8, "student": 25}


def product_mix(segment: str) -> tuple[list[str], list[int]]:
    """Product codes and weights for a customer of `segment`, appliances included."""
    codes = [code for code, _ in _MIX[segment]] + list(_APPLIANCES)
    share = _APPLIANCE_WEIGHT[segment]
    weights = [weight for _, weight in _MIX[segment]] + [share] * len(_APPLIANCES)
    return codes, weights


PRODUCT_BY_CODE = {spec.code: spec for spec in PRODUCTS}
