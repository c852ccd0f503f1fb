"""Navigation messages. A screen says what the operator wants; the console app decides which
screen shows it, so screens never import each other or the console."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from store.offers import OfferResponse


@dataclass
class OpenProfile(Message):
    """Show the customer 360 for `customer_id` (during `call_id`, when there is a call)."""

    customer_id: int
    call_id: str | None = None


@dataclass
class OpenLookup(Message):
    """Back to the lookup, optionally prefilled (an unknown caller) and with a notice."""

    prefill: str = ""
    notice: str = ""
    call_id: str | None = None


@dataclass
class StartWrapUp(Message):
    """Log the outcome of `call_id` (or of a contact started by hand when it is None), with the
    customer's answers to the offers made during the call."""

    call_id: str | None = None
    customer_id: int | None = None
    offer_responses: tuple[OfferResponse, ...] = ()


@dataclass
class WrapUpFinished(Message):
    """The wrap-up of `call_id` is saved (or queued); the seat is free for the next call."""

    call_id: str
