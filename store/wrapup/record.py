"""One wrap-up as plain data: what the operator logged for a call, ready for the journal.

It is JSON-serialisable because it may wait in the seat's local journal (store.wrapup.journal)
until the database is back.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from store.offers.responses import OfferResponse
from store.pan import redact_text
from store.sanitize import clean_line, clean_text
from store.tickets import TicketChange


@dataclass(frozen=True)
class CallbackRequest:
    due_at: datetime
    assignee: str
    phone: str = ""
    note: str = ""


@dataclass(frozen=True)
class WrapUp:
    """Everything the operator logged for one call; plain data so it can wait in the journal."""

    call_id: str
    operator: str
    extension: str = ""
    customer_id: int | None = None
    reason: str = ""
    outcome: str = ""
    notes: str = ""
    campaign_code: str = ""
    channel: str = "voice"
    direction: str = "inbound"
    """"manual" for a contact started from a lookup (outbound or walk-in) rather than a ring."""
    started_at: datetime | None = None
    ticket: TicketChange | None = None
    callback: CallbackRequest | None = None
    offer_responses: tuple[OfferResponse, ...] = field(default_factory=tuple)
    """Offers presented in this call and their answers, recorded in the same transaction."""

    def cleaned(self) -> WrapUp:
        """The same wrap-up with every typed string sanitised (card numbers masked, store.pan) and
        cut to its column."""
        ticket = self.ticket and replace(
            self.ticket,
            subject=redact_text(clean_line(self.ticket.subject))[:200],
            category=clean_line(self.ticket.category)[:40],
            assignee=clean_line(self.ticket.assignee)[:64],
        )
        callback = self.callback and replace(
            self.callback,
            assignee=clean_line(self.callback.assignee)[:64],
            phone=clean_line(self.callback.phone)[:32],
            note=redact_text(clean_line(self.callback.note))[:500],
        )
        return replace(
            self,
            notes=redact_text(clean_text(self.notes)).strip()[:8000],
            campaign_code=clean_line(self.campaign_code).upper()[:40],
            ticket=ticket,
            callback=callback,
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_encode)

    @classmethod
    def from_json(cls, text: str) -> WrapUp:
        data = json.loads(text)
        if data.get("started_at"):
            data["started_at"] = datetime.fromisoformat(data["started_at"])
        if data.get("ticket"):
            data["ticket"] = TicketChange(**data["ticket"])
        if data.get("callback"):
            callback = data["callback"]
            data["callback"] = CallbackRequest(
                **{**callback, "due_at": datetime.fromisoformat(callback["due_at"])}
            )
        data["offer_responses"] = tuple(OfferResponse(**item) for item in data.get("offer_responses", ()))
        return cls(**data)


def _encode(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot journal {type(value).__name__}")
