"""Messages between screens and the console app. Navigation: a screen says what the operator
wants and the app decides which screen shows it, so screens never import each other or the
console. Live changes: the app owns the one change feed and forwards what it hears to the
screens that show it (`LiveScreen`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from textual.message import Message
from textual.widget import Widget

from screens.i18n import _
from store.models import CallStatus
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


@dataclass
class OpenTicketReview(Message):
    """Show a supervisor's review of ticket `ticket_id` (its timeline and actions)."""

    ticket_id: int


@dataclass
class OpenMerge(Message):
    """Show the merge of customer `other_id` into `keep_id` (admins: the policy decides)."""

    keep_id: int
    other_id: int


@runtime_checkable
class Navigator(Protocol):
    """An app that can open a screen at once for a navigation message (the console can)."""

    def navigate(self, message: Message) -> bool:
        """Act on `message` now; False when this kind of message is left to its handler."""
        ...


def navigate(source: Widget, message: Message) -> None:
    """Open what `message` asks for before the app dispatches the next key, where the app can:
    keys typed in the same burst as `w` must reach the wrap-up, not the profile it covers. Used
    from priority bindings, which run as the app reads the key; elsewhere it just posts."""
    app = source.app
    if not (isinstance(app, Navigator) and app.navigate(message)):
        source.post_message(message)


@runtime_checkable
class LiveScreen(Protocol):
    """A screen that shows something that can change elsewhere. The app asks every screen on its
    stack (each time the stack changes) and follows those subjects on its change feed."""

    def live_subjects(self) -> Collection[str]:
        """The change-feed subjects shown (`store.notify.customer_subject`, `call_subject`)."""
        ...

    def post_message(self, message: Message) -> bool:
        """Every screen has it; the app forwards the news of those subjects with it."""
        ...


class LiveSubjectsChanged(Message):
    """Posted by a live screen whose subjects changed while it stayed on the stack (a worklist
    loaded another page): the app follows them anew on its change feed."""


@dataclass
class CustomerChanged(Message):
    """Posted by the app to screens showing `customer_id`: it was saved somewhere (any console,
    import or API), or the database came back after an outage and it may have been."""

    customer_id: int


@dataclass
class TicketsChanged(Message):
    """Posted by the app to screens following tickets (the `ticket` topic, or `ticket:<id>`):
    these tickets were changed somewhere (a review, a wrap-up, any console)."""

    ticket_ids: list[int]


@dataclass
class CallEnded(Message):
    """Posted by the app to screens showing call `call_id`: the platform says it is over."""

    call_id: str
    status: CallStatus

    @property
    def says(self) -> str:
        """What the operator is told, in words rather than the status code."""
        if self.status == CallStatus.MISSED:
            return _("the call has ended: nobody answered it (missed)")
        if self.status == CallStatus.ABANDONED:
            return _("the call has ended: the caller hung up before an answer")
        return _("the call has ended")


DatabaseState = Literal["ok", "unavailable"]


@dataclass
class DatabaseStateChanged(Message):
    """The console's change feed lost (`unavailable`) or regained (`ok`) the database; the app
    keeps the latest in `app.db_state`."""

    state: DatabaseState


class FloorChanged(Message):
    """Posted by the app to a floor screen: a console's presence or a call changed somewhere."""
