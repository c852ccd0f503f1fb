"""Marketing campaigns and who was contacted by them: mailings, coupon responses, returned mail."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel

from store.models.base import enum_field, text_field
from store.models.customers import Channel


class Campaign(SQLModel, table=True):
    """A mailing or campaign; its `code` is what a customer quotes from a coupon."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = text_field(max_length=120)
    channel: Channel = enum_field(Channel.POST)
    starts_on: date | None = None
    ends_on: date | None = None


class CampaignContact(SQLModel, table=True):
    """One customer reached by one campaign, and how they responded."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True, ondelete="CASCADE")
    customer_id: int = Field(foreign_key="customer.id", index=True, ondelete="CASCADE")
    sent_on: date
    coupon_code: str = text_field(max_length=40)
    responded_on: date | None = None
    returned_mail: bool = False
