"""The rows of the customer 360: plain frozen dataclasses a screen can show without a session,
and the small pure rules behind them (age, warranty status text, card masking)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from store.messages import N_, ngettext
from store.segments.summary import Marketing

PAGE_SIZE = 50
EXPIRING_DAYS = 30


@dataclass(frozen=True)
class Header:
    customer_id: int
    external_id: str
    name: str
    status: str
    age: int | None
    birth_date: date | None
    """Only for roles allowed to see it (store.permissions); None otherwise."""
    segment: str
    loyalty_tier: str
    loyalty_points: int
    points_expiring: int
    points_expire_on: date | None
    preferred_language: str
    preferred_channel: str
    consents: tuple[str, ...]
    """Channels the customer agreed to be contacted on for marketing."""
    flags: tuple[str, ...]
    """Warnings the operator must see first: undeliverable address, open complaint, VIP, collections."""
    version: int
    marketing: Marketing = Marketing()
    """Computed segments and churn risk (store/segments, store/churn); empty before a refresh."""


@dataclass(frozen=True)
class HoldingRow:
    id: int
    product: str
    category: str
    is_bank: bool
    reference: str
    """Account or serial number; a card's is masked to its first 6 and last 4 digits."""
    status: str
    opened_on: date | None
    balance: Decimal | None
    next_payment_on: date | None
    next_payment_amount: Decimal | None
    price_paid: Decimal | None


@dataclass(frozen=True)
class WarrantyRow:
    id: int
    product: str
    reference: str
    kind: str
    starts_on: date
    ends_on: date
    covers: str
    claims: int
    status_text: str
    expiring: bool


@dataclass(frozen=True)
class TimelineRow:
    kind: str
    """ticket, interaction or call."""
    at: datetime
    channel: str
    title: str
    status: str
    ticket_id: int | None
    pinned: bool
    """An open ticket, shown above everything else."""
    who: str
    """The operator (or the ticket's assignee)."""


@dataclass(frozen=True)
class CampaignRow:
    code: str
    name: str
    channel: str
    sent_on: date
    coupon_code: str
    responded_on: date | None
    returned_mail: bool


@dataclass(frozen=True)
class PurchaseSummary:
    count: int
    total: Decimal
    last_purchase: date | None
    favourite_category: str


@dataclass(frozen=True)
class PhoneRow:
    id: int
    e164: str
    kind: str
    is_primary: bool


@dataclass(frozen=True)
class EmailRow:
    id: int
    address: str
    is_primary: bool


@dataclass(frozen=True)
class AddressRow:
    id: int
    kind: str
    text: str
    undeliverable: bool
    undeliverable_on: date | None
    undeliverable_reason: str
    valid_from: date | None
    valid_to: date | None

    @property
    def current(self) -> bool:
        return self.valid_to is None


@dataclass(frozen=True)
class Page:
    """One slice of a section: `rows` from `offset`, out of `total`."""

    section: str
    rows: tuple[Any, ...]
    offset: int
    total: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.rows) < self.total


@dataclass(frozen=True)
class Profile:
    header: Header
    holdings: Page
    warranties: Page
    timeline: Page
    campaigns: Page
    purchases: PurchaseSummary
    coupons_used: int
    returned_mail: int
    phones: tuple[PhoneRow, ...]
    emails: tuple[EmailRow, ...]
    addresses: tuple[AddressRow, ...]
    today: date


@dataclass(frozen=True)
class TicketHistory:
    """One ticket and every interaction on it, oldest first (it reads like a conversation)."""

    id: int
    number: str
    subject: str
    category: str
    priority: str
    status: str
    assignee: str
    created_at: datetime
    sla_due: datetime | None
    interactions: tuple[TimelineRow, ...]


def warranty_status(ends_on: date, today: date) -> tuple[str, bool]:
    """("expires in 12 days" | "expired 3 months ago" | "active", expiring within EXPIRING_DAYS);
    the text is a Phrase (the screen says it in the operator's language)."""
    days = (ends_on - today).days
    if days < 0:
        return _ago(-days), False
    if days == 0:
        return N_("expires today"), True
    if days <= EXPIRING_DAYS:
        return ngettext("expires in {count} day", "expires in {count} days", days, count=days), True
    return N_("active"), False


def _ago(days: int) -> str:
    if days < 31:
        return ngettext("expired {count} day ago", "expired {count} days ago", days, count=days)
    if days < 730:
        months = days * 12 // 365
        return ngettext("expired {count} month ago", "expired {count} months ago", months, count=months)
    years = days // 365
    return ngettext("expired {count} year ago", "expired {count} years ago", years, count=years)


def mask_card(reference: str) -> str:
    """First 6 and last 4 characters of a card number, the rest starred (PCI display rule)."""
    digits = "".join(ch for ch in reference if ch.isalnum() or ch == "*")
    if len(digits) < 10:
        return "*" * 6 + digits[-4:]
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
