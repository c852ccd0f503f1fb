"""The queries behind each part of the customer 360, one function per section.

List sections take (offset, limit) and return (total, rows) so a customer with thousands of
tickets costs one page of rows, never the whole history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from store.models import (
    Address,
    Call,
    Campaign,
    CampaignContact,
    Customer,
    Holding,
    HoldingStatus,
    Interaction,
    Product,
    ProductCategory,
    Role,
    Ticket,
    TicketStatus,
    Warranty,
)
from store.permissions import sees_birth_date
from store.policy import Action, allowed
from store.profile.rows import (
    AddressRow,
    CampaignRow,
    Header,
    HoldingRow,
    PurchaseSummary,
    TimelineRow,
    WarrantyRow,
    mask_card,
    warranty_status,
)
from store.sanitize import clean_line
from store.segments.summary import marketing_of
from store.timeutil import UTCDateTime, age_on

OPEN_STATUSES = (TicketStatus.OPEN.value, TicketStatus.PENDING.value)
_RETAIL = [c.value for c in ProductCategory if not c.is_bank]


def header(
    session: Session, customer: Customer, addresses: tuple[AddressRow, ...], today: date, role: Role
) -> Header:
    assert customer.id is not None
    flags = []
    if any(a.undeliverable and a.current for a in addresses):
        flags.append("address undeliverable")
    complaints = count(
        session, Ticket, customer.id, Ticket.category == "complaint", col(Ticket.status).in_(OPEN_STATUSES)
    )
    if complaints:
        flags.append("open complaint")
    if customer.vip:
        flags.append("VIP")
    if customer.collections:
        flags.append("collections")
    consents = ("voice", "email", "sms", "post")
    return Header(
        customer_id=customer.id,
        external_id=clean_line(customer.external_id),
        name=clean_line(customer.display_name) or clean_line(f"{customer.given_name} {customer.family_name}"),
        status=customer.status,
        age=age_on(customer.birth_date, today),
        birth_date=customer.birth_date if sees_birth_date(role) else None,
        segment=clean_line(customer.segment),
        loyalty_tier=clean_line(customer.loyalty_tier),
        loyalty_points=customer.loyalty_points,
        points_expiring=customer.points_expiring,
        points_expire_on=customer.points_expire_on,
        preferred_language=clean_line(customer.preferred_language),
        preferred_channel=customer.preferred_channel,
        consents=tuple(c for c in consents if getattr(customer, f"consent_{c}")),
        flags=tuple(flags),
        version=customer.version,
        marketing=marketing_of(session, customer.id),
    )


def count(session: Session, model: Any, customer_id: int, *where: Any) -> int:
    query = select(sa.func.count()).select_from(model).where(model.customer_id == customer_id, *where)
    return int(session.exec(query).one())


def contacts(model: Any, customer_id: int) -> Any:
    return (
        select(model).where(model.customer_id == customer_id).order_by(col(model.is_primary).desc(), model.id)
    )


def addresses(session: Session, customer_id: int, role: Role = Role.OPERATOR) -> tuple[AddressRow, ...]:
    """The customer's addresses, current first; the street only for roles that may see it."""
    full = allowed(role, Action.SEE_FULL_ADDRESS)
    query = select(Address).where(Address.customer_id == customer_id)
    query = query.order_by(col(Address.valid_to).is_(None).desc(), col(Address.id).desc())
    return tuple(
        AddressRow(
            a.id or 0,
            a.kind,
            ", ".join(
                p
                for p in map(
                    clean_line,
                    (a.line1, a.line2, a.postcode, a.city, a.region, a.country)
                    if full
                    else (a.city, a.country),
                )
                if p
            ),
            a.undeliverable,
            a.undeliverable_on,
            clean_line(a.undeliverable_reason),
            a.valid_from,
            a.valid_to,
        )
        for a in session.exec(query)
    )


def _holdings(session: Session, customer_id: int, _today: date, offset: int, limit: int) -> tuple[int, list]:
    status_rank = sa.case(
        {HoldingStatus.ARREARS.value: 0, HoldingStatus.ACTIVE.value: 1}, value=Holding.status, else_=2
    )
    query = (
        select(Holding, Product)
        .join(Product, col(Product.id) == Holding.product_id)
        .where(Holding.customer_id == customer_id)
        .order_by(
            status_rank, col(Product.category).in_(_RETAIL), col(Holding.opened_on).desc(), col(Holding.id)
        )
    )
    rows = [_holding_row(h, p) for h, p in session.exec(query.offset(offset).limit(limit))]
    return count(session, Holding, customer_id), rows


def _holding_row(h: Holding, p: Product) -> HoldingRow:
    category = ProductCategory(p.category)
    reference = clean_line(h.reference)
    return HoldingRow(
        h.id or 0,
        clean_line(p.name),
        category.value,
        category.is_bank,
        mask_card(reference) if category is ProductCategory.CREDIT_CARD else reference,
        h.status,
        h.opened_on,
        h.balance,
        h.next_payment_on,
        h.next_payment_amount,
        h.price_paid,
    )


def _warranties(session: Session, customer_id: int, today: date, offset: int, limit: int) -> tuple[int, list]:
    expired = col(Warranty.ends_on) < today
    query = (
        select(Warranty, Holding.reference, Product.name)
        .join(Holding, col(Holding.id) == Warranty.holding_id)
        .join(Product, col(Product.id) == Holding.product_id)
        .where(Holding.customer_id == customer_id)
        .order_by(expired, sa.case((expired, None), else_=Warranty.ends_on), col(Warranty.ends_on).desc())
    )
    rows = []
    for w, reference, product in session.exec(query.offset(offset).limit(limit)):
        text, expiring = warranty_status(w.ends_on, today)
        rows.append(
            WarrantyRow(
                w.id or 0,
                clean_line(product),
                clean_line(reference),
                w.kind,
                w.starts_on,
                w.ends_on,
                clean_line(w.covers),
                w.claims,
                text,
                expiring,
            )
        )
    count = (
        select(sa.func.count()).select_from(Warranty).join(Holding, col(Holding.id) == Warranty.holding_id)
    )
    return int(session.exec(count.where(Holding.customer_id == customer_id)).one()), rows


def _timeline(session: Session, customer_id: int, _today: date, offset: int, limit: int) -> tuple[int, list]:
    params = {"customer_id": customer_id, "offset": offset, "limit": limit}
    rows = [
        TimelineRow(
            r.kind,
            r.at,
            r.channel,
            _wrapup_title(r.title) if "\x1f" in (r.title or "") else clean_line(r.title),
            r.status,
            r.ticket_id,
            bool(r.pinned),
            clean_line(r.who),
        )
        for r in session.execute(_timeline_query(), params)
    ]
    return int(session.execute(_timeline_total(), params).scalar_one()), rows


_CUSTOMER = sa.bindparam("customer_id", type_=sa.Integer)
"""The customer of a statement built once (`_timeline_query`): given when it is executed."""


@lru_cache(maxsize=1)
def _timeline_query() -> sa.Select[Any]:
    """Tickets, interactions (titled from their wrap-up's codes) and calls not wrapped up, open
    tickets first, newest first: built once (the union of three selects costs more to build than
    to run), executed with `customer_id`, `offset` and `limit`."""
    at = sa.type_coerce
    tickets = sa.select(
        sa.literal("ticket").label("kind"),
        at(Ticket.updated_at, UTCDateTime).label("at"),
        sa.literal("").label("channel"),
        (col(Ticket.number) + " " + col(Ticket.subject)).label("title"),
        col(Ticket.status).label("status"),
        col(Ticket.id).label("ticket_id"),
        sa.case((col(Ticket.status).in_(OPEN_STATUSES), 1), else_=0).label("pinned"),
        col(Ticket.assignee).label("who"),
    ).where(col(Ticket.customer_id) == _CUSTOMER)
    # A wrap-up writes its call (codes) and an interaction (the note, a ticket link) in one go, at
    # one instant: the interaction is the one timeline row, titled from its call's labelled codes.
    wrap = aliased(Call)
    wrapped = sa.and_(
        col(wrap.customer_id) == col(Interaction.customer_id),
        at(wrap.wrapped_at, UTCDateTime) == at(Interaction.occurred_at, UTCDateTime),
    )
    interactions = (
        sa.select(
            sa.literal("interaction"),
            at(Interaction.occurred_at, UTCDateTime),
            col(Interaction.channel),
            sa.case(
                (
                    col(wrap.id).is_not(None),
                    col(wrap.reason) + "\x1f" + col(wrap.outcome) + "\x1f" + col(wrap.notes),
                ),
                else_=col(Interaction.summary),
            ),
            sa.literal(""),
            col(Interaction.ticket_id),
            sa.literal(0),
            col(Interaction.operator),
        )
        .join(wrap, wrapped, isouter=True)
        .where(col(Interaction.customer_id) == _CUSTOMER)
    )
    calls = sa.select(
        sa.literal("call"),
        at(Call.rang_at, UTCDateTime),
        col(Call.channel),
        col(Call.reason) + "\x1f" + col(Call.outcome) + "\x1f",
        col(Call.status),
        sa.null(),
        sa.literal(0),
        col(Call.operator),
    ).where(*_unwrapped_calls())
    union = sa.union_all(tickets, interactions, calls).subquery()
    return (
        sa.select(union)
        .order_by(union.c.pinned.desc(), union.c.at.desc())
        .offset(sa.bindparam("offset", type_=sa.Integer))
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )


def _unwrapped_calls() -> tuple[Any, ...]:
    return col(Call.customer_id) == _CUSTOMER, col(Call.wrapped_at).is_(None)


@lru_cache(maxsize=1)
def _timeline_total() -> sa.Select[Any]:
    """How many rows the timeline has (`_timeline_query` without the page), in one statement."""

    def counted(model: Any, *where: Any) -> Any:
        return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()

    return sa.select(
        counted(Ticket, col(Ticket.customer_id) == _CUSTOMER)
        + counted(Interaction, col(Interaction.customer_id) == _CUSTOMER)
        + counted(Call, *_unwrapped_calls())
    )


def _wrapup_title(packed: str) -> str:
    """ "Warranty claim · Resolved first contact: note" from the call's codes and note."""
    reason, outcome, notes = (packed.split("\x1f") + ["", ""])[:3]
    labels = outcome_labels()
    said = " · ".join(
        labels.get(code) or code.replace("_", " ").capitalize() for code in (reason, outcome) if code
    )
    note = clean_line(notes)
    return clean_line(f"{said}: {note}" if said and note else said or note) or "no wrap-up"


@lru_cache(maxsize=1)
def outcome_labels() -> dict[str, str]:
    """Reason and outcome codes -> the labels the operator picks them by (the built-in list; a code
    it does not know is shown humanised)."""
    from store.wrapup.config import load_outcomes  # here: the wrap-up package builds on this one

    config = load_outcomes()
    labels = {reason.key: reason.label for reason in config.reasons}
    return labels | {outcome.key: outcome.label for outcome in config.outcomes}


def _campaigns(session: Session, customer_id: int, _today: date, offset: int, limit: int) -> tuple[int, list]:
    query = (
        select(CampaignContact, Campaign)
        .join(Campaign, col(Campaign.id) == CampaignContact.campaign_id)
        .where(CampaignContact.customer_id == customer_id)
        .order_by(col(CampaignContact.sent_on).desc(), col(CampaignContact.id).desc())
    )
    rows = [
        CampaignRow(
            clean_line(c.code),
            clean_line(c.name),
            c.channel,
            cc.sent_on,
            clean_line(cc.coupon_code),
            cc.responded_on,
            cc.returned_mail,
        )
        for cc, c in session.exec(query.offset(offset).limit(limit))
    ]
    return count(session, CampaignContact, customer_id), rows


def purchases(session: Session, customer_id: int) -> PurchaseSummary:
    retail = (Holding.customer_id == customer_id, col(Product.category).in_(_RETAIL))
    joined = select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(Holding.price_paid), 0), sa.func.max(Holding.opened_on)
    ).join(Product, col(Product.id) == Holding.product_id)
    count, total, last = session.exec(joined.where(*retail)).one()
    favourite = session.exec(
        select(Product.category)
        .join(Holding, col(Product.id) == Holding.product_id)
        .where(*retail)
        .group_by(Product.category)
        .order_by(sa.func.count().desc(), Product.category)
        .limit(1)
    ).first()
    return PurchaseSummary(int(count), Decimal(total or 0), last, favourite or "")


SECTIONS: dict[str, Callable[[Session, int, date, int, int], tuple[int, list]]] = {
    "holdings": _holdings,
    "warranties": _warranties,
    "timeline": _timeline,
    "campaigns": _campaigns,
}
