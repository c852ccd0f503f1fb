"""The customer 360 read model: everything the profile shows, loaded in one short read.

Big customers (hundreds of holdings, thousands of tickets) are read a page at a time: every list
section is a `Page` with its total count and `load_page` fetches the next slice on demand, so the
profile pops in near-constant time whatever the customer holds. Text is cleaned on the way out.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from store.db import read_session
from store.models import CampaignContact, Customer, Email, Interaction, Phone, Role, Ticket
from store.profile import sections
from store.profile.rows import (
    PAGE_SIZE,
    AddressRow,
    CampaignRow,
    EmailRow,
    Header,
    HoldingRow,
    Page,
    PhoneRow,
    Profile,
    PurchaseSummary,
    TicketHistory,
    TimelineRow,
    WarrantyRow,
    mask_card,
    warranty_status,
)
from store.sanitize import clean_line, clean_text

__all__ = [
    "PAGE_SIZE",
    "AddressRow",
    "CampaignRow",
    "EmailRow",
    "Header",
    "HoldingRow",
    "Page",
    "PhoneRow",
    "Profile",
    "PurchaseSummary",
    "TicketHistory",
    "TimelineRow",
    "WarrantyRow",
    "load_page",
    "load_profile",
    "load_ticket",
    "mask_card",
    "warranty_status",
]

TICKET_HISTORY_LIMIT = 1000


def load_profile(
    engine: Engine, customer_id: int, *, today: date, page_size: int = PAGE_SIZE, role: Role = Role.OPERATOR
) -> Profile | None:
    """Everything `role` may see at once, with the first `page_size` rows of each list."""
    with read_session(engine) as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            return None
        addresses = sections.addresses(session, customer_id, role)
        pages = {name: _page(session, name, customer_id, today, 0, page_size) for name in sections.SECTIONS}
        return Profile(
            header=sections.header(session, customer, addresses, today, role),
            **pages,
            purchases=sections.purchases(session, customer_id),
            coupons_used=sections.count(
                session, CampaignContact, customer_id, CampaignContact.coupon_code != ""
            ),
            returned_mail=sections.count(
                session, CampaignContact, customer_id, col(CampaignContact.returned_mail)
            ),
            phones=tuple(
                PhoneRow(p.id or 0, clean_line(p.e164), p.kind, p.is_primary)
                for p in session.exec(sections.contacts(Phone, customer_id))
            ),
            emails=tuple(
                EmailRow(e.id or 0, clean_line(e.address), e.is_primary)
                for e in session.exec(sections.contacts(Email, customer_id))
            ),
            addresses=addresses,
            today=today,
        )


def load_page(
    engine: Engine, section: str, customer_id: int, *, today: date, offset: int, limit: int = PAGE_SIZE
) -> Page:
    """The next slice of one section ("holdings", "warranties", "timeline", "campaigns")."""
    with read_session(engine) as session:
        return _page(session, section, customer_id, today, offset, limit)


def load_ticket(engine: Engine, ticket_id: int) -> TicketHistory | None:
    """One ticket with its whole history of interactions, oldest first."""
    with read_session(engine) as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return None
        query = (
            select(Interaction)
            .where(Interaction.ticket_id == ticket_id)
            .order_by(col(Interaction.occurred_at), col(Interaction.id))
            .limit(TICKET_HISTORY_LIMIT)
        )
        history = tuple(
            TimelineRow(
                "interaction",
                i.occurred_at,
                i.channel,
                clean_text(i.summary),
                "",
                ticket_id,
                False,
                clean_line(i.operator),
            )
            for i in session.exec(query)
        )
        return TicketHistory(
            ticket_id,
            clean_line(ticket.number),
            clean_line(ticket.subject),
            clean_line(ticket.category),
            ticket.priority,
            ticket.status,
            clean_line(ticket.assignee),
            ticket.created_at,
            ticket.sla_due,
            history,
        )


def _page(session: Session, section: str, customer_id: int, today: date, offset: int, limit: int) -> Page:
    total, rows = sections.SECTIONS[section](session, customer_id, today, offset, limit)
    return Page(section, tuple(rows), offset, total)
