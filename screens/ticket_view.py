"""One ticket's whole history, read like a conversation (oldest first)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.context import context_of
from screens.formatting import format_date, format_datetime
from screens.i18n import N_, _, said_status
from screens.outage import database_guard
from screens.widgets.footer import Footer
from store.profile import TicketHistory, load_ticket
from store.sanitize import clean_line, clean_text


@dataclass
class TicketLoaded(Message):
    ticket: TicketHistory | None


def ticket_text(ticket: TicketHistory) -> Text:
    """Header lines then one block per interaction; customer text stays literal."""
    text = Text()
    text.append(f"{clean_line(ticket.number)}  {clean_line(ticket.subject)}\n", style="bold")
    parts = [
        said_status(ticket.status),
        said_status(ticket.priority),
        clean_line(ticket.category) or _("no category"),
        _("assigned to {who}").format(who=clean_line(ticket.assignee) or _("nobody")),
        _("opened {date}").format(date=format_date(ticket.created_at)),
    ]
    if ticket.sla_due:
        parts.append(_("SLA {moment}").format(moment=format_datetime(ticket.sla_due)))
    text.append(" · ".join(parts) + "\n")
    if not ticket.interactions:
        text.append("\n" + _("No interactions recorded on this ticket."), style="dim")
    for item in ticket.interactions:
        text.append(
            f"\n{format_datetime(item.at)} {said_status(item.channel)} {clean_line(item.who)}\n", style="bold"
        )
        text.append(clean_text(item.title) + "\n")
    return text


class TicketViewScreen(ModalScreen[None]):
    """A ticket and every interaction on it; escape goes back to the profile."""

    CSS_PATH = "ticket_view.tcss"
    # Priority, so it closes as the app reads it: the keys typed behind it reach the profile.
    BINDINGS = [Binding("escape", "dismiss", N_("Back"), id="ticket.back", priority=True)]

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="ticket"):
            yield Static(_("Loading…"), id="ticket-body")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._load()
        self.query_one("#ticket", VerticalScroll).focus()

    @work(thread=True, exclusive=True, group="ticket-load")
    def _load(self) -> None:
        with database_guard(self, _("opening the ticket")):
            self.post_message(TicketLoaded(load_ticket(context_of(self.app).engine, self.ticket_id)))

    @on(TicketLoaded)
    def _show(self, message: TicketLoaded) -> None:
        body = self.query_one("#ticket-body", Static)
        body.update(
            ticket_text(message.ticket) if message.ticket else Text(_("This ticket no longer exists."))
        )
