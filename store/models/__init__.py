"""Every table callpop stores, one module per concern; `from store.models import Customer` works
for each name in `__all__`.

A name's module is imported the first time the name is asked for, so a verb loads only the tables
it uses: each table model costs start-up (SQLModel builds a pydantic model and a mapper), and
`callpop find` needs about half of them. A table's module imports the modules of the tables its
foreign keys point at. What must see every table on `SQLModel.metadata` (Alembic, the GDPR
erasure and export, `doctor`, the demo) asks `every_table()`, never the metadata as it stands.
"""

# ruff: noqa: F401  (the TYPE_CHECKING imports are the names this package gives)
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what mypy sees of each lazy name (MODULES is what is imported when)
    from sqlalchemy import MetaData

    from store.models.auth import AuditKey, AuditRecord
    from store.models.balances import BalanceSnapshot
    from store.models.callbacks import Callback, CallbackStatus
    from store.models.calls import Call, CallStatus
    from store.models.campaigns import Campaign, CampaignContact
    from store.models.customers import (
        Address,
        AddressKind,
        Channel,
        Customer,
        CustomerStatus,
        Email,
        Phone,
        PhoneKind,
    )
    from store.models.data import CustomerAlias, CustomerErasure, ImportRun, ImportStaged
    from store.models.events import CallEmail, ChangeEventRecord
    from store.models.offers import Offer, OfferPolicy, OfferPresentation, OfferStat
    from store.models.operators import Operator, OperatorStatus, Role
    from store.models.outbox import DeliveryStatus, OutboxDelivery, OutboxEvent
    from store.models.products import Holding, HoldingStatus, Product, ProductCategory
    from store.models.search import search_token
    from store.models.segments import ChurnModel, CustomerChurn, CustomerRfm, SegmentMember, SegmentRun
    from store.models.sessions import ConsoleSession
    from store.models.ticket_events import TicketEvent
    from store.models.tickets import Interaction, Ticket, TicketPriority, TicketStatus
    from store.models.warranties import Warranty, WarrantyKind

MODULES = {
    "auth": ("AuditKey", "AuditRecord"),  # the audit log, its keys
    "balances": ("BalanceSnapshot",),  # balance history (the churn model)
    "callbacks": ("Callback", "CallbackStatus"),  # wrap-up callbacks
    "calls": ("Call", "CallStatus"),
    "campaigns": ("Campaign", "CampaignContact"),
    "customers": (
        "Address",
        "AddressKind",
        "Channel",
        "Customer",
        "CustomerStatus",
        "Email",
        "Phone",
        "PhoneKind",
    ),
    "data": ("CustomerAlias", "CustomerErasure", "ImportRun", "ImportStaged"),  # the data toolbox
    "events": ("CallEmail", "ChangeEventRecord"),  # change feed tables
    "offers": ("Offer", "OfferPolicy", "OfferPresentation", "OfferStat"),  # next best offer
    "operators": ("Operator", "OperatorStatus", "Role"),
    "outbox": ("DeliveryStatus", "OutboxDelivery", "OutboxEvent"),  # webhooks outbox
    "products": ("Holding", "HoldingStatus", "Product", "ProductCategory"),
    "search": ("search_token",),  # the search index tables
    "segments": ("ChurnModel", "CustomerChurn", "CustomerRfm", "SegmentMember", "SegmentRun"),
    "sessions": ("ConsoleSession",),  # signed-in consoles
    "ticket_events": ("TicketEvent",),
    "tickets": ("Interaction", "Ticket", "TicketPriority", "TicketStatus"),
    "warranties": ("Warranty", "WarrantyKind"),
}
"""Each table module and the names `store.models` gives of it (the same as the imports above)."""
_HOME = {name: module for module, names in MODULES.items() for name in names}

__all__ = [*_HOME, "every_table"]


def __getattr__(name: str) -> object:
    """A table model (or enum) of `__all__`, its module imported on first use."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next look-up is a plain attribute
    return value


def every_table() -> MetaData:
    """`SQLModel.metadata` with every callpop table on it (the modules not loaded yet are imported)."""
    from sqlmodel import SQLModel

    for module in MODULES:
        import_module(f"{__name__}.{module}")
    return SQLModel.metadata
