"""The wrap-up's follow-up fields: a ticket to open or update, a callback, a campaign code.

Field ids are the keys of the wrap-up form (and of its draft), so the screen reads them by id.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select

from store.models import TicketPriority, TicketStatus

PLACEHOLDERS = {
    "ticket-subject": "subject",
    "ticket-category": "category",
    "ticket-assignee": "assignee",
    "callback-when": "+2h, 14:30 or 2026-12-01 09:15",
    "callback-who": "who (default: me)",
    "campaign-code": "campaign or coupon code the customer quoted",
}
INPUTS = tuple(PLACEHOLDERS)
SELECTS = ("ticket-action", "ticket-status", "ticket-priority")


def _input(field_id: str) -> Input:
    return Input(placeholder=PLACEHOLDERS[field_id], id=field_id, compact=True)


def _select(field_id: str, options: list[tuple[str, str]], value: str) -> Select[str]:
    return Select(options, value=value, allow_blank=False, id=field_id, compact=True)


class WrapUpExtras(VerticalScroll):
    """Ticket, callback and campaign-code rows under the notes."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="row"):
            yield Label("Ticket")
            yield _select("ticket-action", [("No ticket", "none")], "none")
            yield _input("ticket-subject")
        with Horizontal(classes="row"):
            yield Label("")
            yield _select("ticket-status", [(s.value, s.value) for s in TicketStatus], "open")
            yield _select("ticket-priority", [(p.value, p.value) for p in TicketPriority], "normal")
            yield _input("ticket-category")
            yield _input("ticket-assignee")
        with Horizontal(classes="row"):
            yield Label("Callback")
            yield _input("callback-when")
            yield _input("callback-who")
        with Horizontal(classes="row"):
            yield Label("Code")
            yield _input("campaign-code")
