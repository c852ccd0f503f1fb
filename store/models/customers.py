"""The customer and how to reach them: phones, emails, addresses."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from store.models.base import created_at_field, enum_field, text_field, timestamp_field


class CustomerStatus(StrEnum):
    PROSPECT = "prospect"
    ACTIVE = "active"
    FORMER = "former"


class Channel(StrEnum):
    """Contact channels, used for preferences, consents and interactions."""

    VOICE = "voice"
    CHAT = "chat"
    EMAIL = "email"
    SMS = "sms"
    POST = "post"


class PhoneKind(StrEnum):
    MOBILE = "mobile"
    HOME = "home"
    WORK = "work"


class AddressKind(StrEnum):
    HOME = "home"
    OFFICE = "office"
    BILLING = "billing"


class CustomerBase(SQLModel):
    """Fields an operator sees and edits; `Customer` adds identity and bookkeeping."""

    given_name: str = text_field(max_length=120)
    family_name: str = text_field(max_length=160)
    display_name: str = text_field(max_length=300)
    birth_date: date | None = None
    status: CustomerStatus = enum_field(CustomerStatus.PROSPECT, index=True)
    segment: str = text_field("mass", max_length=40, index=True)
    loyalty_tier: str = text_field("none", max_length=20)
    loyalty_points: int = 0
    points_expiring: int = 0
    points_expire_on: date | None = None
    preferred_language: str = text_field("en", max_length=8)
    preferred_channel: Channel = enum_field(Channel.VOICE)
    consent_voice: bool = False
    consent_email: bool = False
    consent_sms: bool = False
    consent_post: bool = False
    vip: bool = False
    collections: bool = False


class Customer(CustomerBase, table=True):
    """A person the business knows: a prospect, an active customer or a former one.

    `version` is bumped by every update and checked by it, so two operators editing the same
    customer never silently overwrite each other (optimistic locking).
    """

    id: int | None = Field(default=None, primary_key=True)
    external_id: str = Field(max_length=32, unique=True, index=True)
    version: int = Field(default=1, nullable=False)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class Phone(SQLModel, table=True):
    """A phone number in E.164; several customers may share one (a household landline)."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    e164: str = Field(max_length=20, index=True)
    kind: PhoneKind = enum_field(PhoneKind.MOBILE)
    is_primary: bool = False


class Email(SQLModel, table=True):
    """An e-mail address, stored lower-cased for lookup."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    address: str = Field(max_length=254, index=True)
    is_primary: bool = False


class Address(SQLModel, table=True):
    """A postal address; returned mail marks it undeliverable with the date and reason."""

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    kind: AddressKind = enum_field(AddressKind.HOME)
    line1: str = text_field(max_length=200)
    line2: str = text_field(max_length=200)
    city: str = text_field(max_length=120)
    postcode: str = text_field(max_length=20)
    region: str = text_field(max_length=80)
    country: str = text_field("", max_length=2)
    undeliverable: bool = False
    undeliverable_on: date | None = None
    undeliverable_reason: str = text_field(max_length=200)
    valid_from: date | None = None
    valid_to: date | None = Field(default=None, description="Set when a newer address replaced it")
    created_at: datetime = created_at_field()
    updated_at: datetime | None = timestamp_field()
