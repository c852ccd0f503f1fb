"""Every table callpop stores, re-exported so Alembic and callers see one metadata."""

from store.models.audit import AuditEntry  # noqa: F401  (customer edit audit trail)
from store.models.callbacks import Callback, CallbackStatus  # noqa: F401  (wrap-up callbacks)
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
from store.models.events import CallEmail, ChangeEventRecord  # noqa: F401  (change feed tables)
from store.models.offers import Offer, OfferPolicy, OfferPresentation, OfferStat  # noqa: F401  (next best offer)
from store.models.operators import Operator, Role
from store.models.products import Holding, HoldingStatus, Product, ProductCategory, Warranty, WarrantyKind
from store.models.search import search_token  # noqa: F401  (search index tables and flush hook)
from store.models.tickets import Interaction, Ticket, TicketPriority, TicketStatus

__all__ = [
    "Address",
    "AddressKind",
    "Call",
    "CallStatus",
    "Campaign",
    "CampaignContact",
    "Channel",
    "Customer",
    "CustomerStatus",
    "Email",
    "Holding",
    "HoldingStatus",
    "Interaction",
    "Operator",
    "Phone",
    "PhoneKind",
    "Product",
    "ProductCategory",
    "Role",
    "Ticket",
    "TicketPriority",
    "TicketStatus",
    "Warranty",
    "WarrantyKind",
]
