"""The queries behind each part of the customer 360, one function per section.

List sections take (offset, limit) and return (total, rows) so a customer with thousands of
tickets costs one page of rows, never the whole history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.models import (
    Address,
    Campaign,
    CampaignContact,
    Customer,
    Holding,
    HoldingStatus,
    Product,
    ProductCategory,
    Role,
    Ticket,
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
    WarrantyRow,
    mask_card,
    warranty_status,
)
from store.profile.statements import CUSTOMER, OPEN_STATUSES, paged
from store.profile.timeline import timeline
from store.sanitize import clean_line
from store.segments.summary import marketing_of
from store.timeutil import age_on

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


@cache
def _count_query(model: Any) -> Any:
    return select(sa.func.count()).select_from(model).where(model.customer_id == CUSTOMER)


def _count_of(session: Session, model: Any, customer_id: int) -> int:
    """`count` without conditions, from a statement built once per model."""
    return int(session.exec(_count_query(model), params={"customer_id": customer_id}).one())


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
    params = {"customer_id": customer_id, "offset": offset, "limit": limit}
    rows = [_holding_row(h, p) for h, p in session.exec(_holdings_query(), params=params)]
    return _count_of(session, Holding, customer_id), rows


@lru_cache(maxsize=1)
def _holdings_query() -> Any:
    """Arrears first, then active, bank products before retail, newest first (built once)."""
    status_rank = sa.case(
        {HoldingStatus.ARREARS.value: 0, HoldingStatus.ACTIVE.value: 1}, value=Holding.status, else_=2
    )
    return paged(
        select(Holding, Product)
        .join(Product, col(Product.id) == Holding.product_id)
        .where(Holding.customer_id == CUSTOMER)
        .order_by(
            status_rank, col(Product.category).in_(_RETAIL), col(Holding.opened_on).desc(), col(Holding.id)
        )
    )


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
    params = {"customer_id": customer_id, "offset": offset, "limit": limit, "today": today}
    rows = []
    for w, reference, product in session.exec(_warranties_query(), params=params):
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
    return int(session.exec(_warranties_total(), params=params).one()), rows


@lru_cache(maxsize=1)
def _warranties_query() -> Any:
    """Running ones first, the soonest to end first; then the expired, latest first (built once)."""
    expired = col(Warranty.ends_on) < sa.bindparam("today", type_=sa.Date)
    return paged(
        select(Warranty, Holding.reference, Product.name)
        .join(Holding, col(Holding.id) == Warranty.holding_id)
        .join(Product, col(Product.id) == Holding.product_id)
        .where(Holding.customer_id == CUSTOMER)
        .order_by(expired, sa.case((expired, None), else_=Warranty.ends_on), col(Warranty.ends_on).desc())
    )


@lru_cache(maxsize=1)
def _warranties_total() -> Any:
    count = (
        select(sa.func.count()).select_from(Warranty).join(Holding, col(Holding.id) == Warranty.holding_id)
    )
    return count.where(Holding.customer_id == CUSTOMER)


def _campaigns(session: Session, customer_id: int, _today: date, offset: int, limit: int) -> tuple[int, list]:
    params = {"customer_id": customer_id, "offset": offset, "limit": limit}
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
        for cc, c in session.exec(_campaigns_query(), params=params)
    ]
    return _count_of(session, CampaignContact, customer_id), rows


@lru_cache(maxsize=1)
def _campaigns_query() -> Any:
    return paged(
        select(CampaignContact, Campaign)
        .join(Campaign, col(Campaign.id) == CampaignContact.campaign_id)
        .where(CampaignContact.customer_id == CUSTOMER)
        .order_by(col(CampaignContact.sent_on).desc(), col(CampaignContact.id).desc())
    )


def purchases(session: Session, customer_id: int) -> PurchaseSummary:
    summary, favourite_of = _purchases_queries()
    params = {"customer_id": customer_id}
    count, total, last = session.exec(summary, params=params).one()
    favourite = session.exec(favourite_of, params=params).first()
    return PurchaseSummary(int(count), Decimal(total or 0), last, favourite or "")


@lru_cache(maxsize=1)
def _purchases_queries() -> tuple[Any, Any]:
    """Count, total and last of the retail purchases; their most bought category (built once)."""
    retail = (Holding.customer_id == CUSTOMER, col(Product.category).in_(_RETAIL))
    joined = select(
        sa.func.count(), sa.func.coalesce(sa.func.sum(Holding.price_paid), 0), sa.func.max(Holding.opened_on)
    ).join(Product, col(Product.id) == Holding.product_id)
    favourite = (
        select(Product.category)
        .join(Holding, col(Product.id) == Holding.product_id)
        .where(*retail)
        .group_by(Product.category)
        .order_by(sa.func.count().desc(), Product.category)
        .limit(1)
    )
    return joined.where(*retail), favourite


SECTIONS: dict[str, Callable[[Session, int, date, int, int], tuple[int, list]]] = {
    "holdings": _holdings,
    "warranties": _warranties,
    "timeline": timeline,
    "campaigns": _campaigns,
}
