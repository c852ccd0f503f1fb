"""Every kind `callpop import KIND` knows, by name."""

from __future__ import annotations

from store.imports.activity import CampaignKind, TicketKind
from store.imports.customers import CustomerKind
from store.imports.products import HoldingKind, WarrantyKindImport
from store.imports.types import ImportKind

KINDS: dict[str, ImportKind] = {
    kind.name: kind
    for kind in (CustomerKind(), HoldingKind(), WarrantyKindImport(), TicketKind(), CampaignKind())
}
