"""Events out, to the other systems (CRM, e-commerce, marketing automation): the outbox.

A writer calls `enqueue(session, type, payload)` inside its own transaction, so the event exists
exactly when the change does. The dispatcher (`deliver.py`, run by `callpop serve` and `callpop
outbox deliver`) posts each event, signed (`signing.py`), to every endpoint the webhooks file
(`config.py`) subscribes to its type, at least once, with retries and backoff (`ledger.py`).

A payload carries ids and codes, the minimum a receiver needs to fetch or act: never free text a
customer or operator typed (notes, ticket subjects), never a card number (every string is run
through store.pan), and for an erasure nothing but the customer's id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from sqlmodel import Session

from store.models.outbox import OutboxEvent
from store.pan import redact_text

EVENT_TYPES = ("wrapup.saved", "ticket.changed", "prospect.created", "customer.merged", "customer.erased")
"""Every event type an endpoint may subscribe to."""
ERASURE_FIELDS = frozenset({"customer_id", "erased_at"})
"""All an erasure event may say: which id to erase downstream, and when it was erased here."""
_SCALARS = (str, int, float, bool, type(None))


class OutboxError(ValueError):
    """An event the outbox refuses (unknown type, a payload that is not flat JSON of ids)."""


def enqueue(session: Session, type: str, payload: Mapping[str, object]) -> str:  # noqa: A002  (the issue's name)
    """Add event `type` with `payload` to `session`'s open transaction; returns its event id.

    The payload is a flat object of scalars (or lists of scalars); strings are stripped of card
    numbers. Nothing is sent here: the row commits, or rolls back, with the caller's change."""
    if type not in EVENT_TYPES:
        raise OutboxError(f"unknown outbox event type {type!r} (one of {', '.join(EVENT_TYPES)})")
    if type == "customer.erased" and not set(payload) <= ERASURE_FIELDS:
        raise OutboxError(f"an erasure event carries only {sorted(ERASURE_FIELDS)}, not {sorted(payload)}")
    event = OutboxEvent(type=type, payload=json.dumps(_scrubbed(payload), sort_keys=True))
    session.add(event)
    session.flush()
    return event.id


def _scrubbed(payload: Mapping[str, object]) -> dict[str, object]:
    clean: dict[str, object] = {}
    for key, value in payload.items():
        if isinstance(value, list | tuple) and all(isinstance(item, _SCALARS) for item in value):
            clean[key] = [redact_text(item) if isinstance(item, str) else item for item in value]
        elif isinstance(value, _SCALARS):
            clean[key] = redact_text(value) if isinstance(value, str) else value
        else:
            raise OutboxError(f"outbox payload field {key!r} is a {type(value).__name__}, not a scalar")
    return clean


__all__ = ["EVENT_TYPES", "OutboxError", "enqueue"]
