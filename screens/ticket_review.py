"""A supervisor's review of one ticket: the operator's ticket view (screens.ticket_view) with the
whole timeline (contacts, offers, notes, reassignments, escalations, closes) and the actions.

Each action sends the version shown; when someone changed the ticket meanwhile the store refuses
(StaleTicket), the screen says so and shows the ticket as it is now: nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static

from screens.context import actor_of, context_of
from screens.formatting import format_datetime, sla_state
from screens.i18n import N_, _, said_error
from screens.messages import TicketsChanged
from screens.outage import database_guard
from screens.ticket_prompt import ticket_prompt
from screens.ticket_view import TicketViewScreen
from store.notify import ticket_subject
from store.policy import Forbidden
from store.sanitize import clean_line, clean_text
from store.sla import DUE_SOON
from store.ticket_review import ACTIONS, Review, ReviewError, StaleTicket, load_review
from store.timeutil import utcnow

KINDS = {
    "contact": N_("contact"),
    "offer": N_("offer"),
    "note": N_("internal note"),
    "reassign": N_("reassigned"),
    "priority": N_("priority changed"),
    "escalate": N_("escalated"),
    "close": N_("closed"),
    "late_contact": N_("contact after the close"),
}


@dataclass
class _Reviewed(Message):
    review: Review | None
    notice: str = ""


def review_text(review: Review, notice: str = "") -> Text:
    """Header, resolution, then the timeline oldest first; every stored text stays literal."""
    ticket = review.ticket
    text = Text()
    if notice:
        text.append(notice + "\n", style="bold yellow")
    text.append(f"{clean_line(ticket.number)}  {clean_line(ticket.subject)}\n", style="bold")
    sla, _state = sla_state(ticket.sla_due, utcnow(), soon=DUE_SOON)
    parts = [
        ticket.status,
        ticket.priority,
        clean_line(ticket.category) or _("no category"),
        _("assigned to {who}").format(who=clean_line(ticket.assignee) or _("nobody")),
        _("team {team}").format(team=clean_line(ticket.team) or "-"),
        clean_line(ticket.customer_name),
    ]
    text.append(" · ".join(part for part in [*parts, sla] if part) + "\n")
    if review.resolution:
        text.append(_("Resolution: {text}").format(text=clean_text(review.resolution)) + "\n")
    if not review.timeline:
        text.append("\n" + _("No interactions recorded on this ticket."), style="dim")
    for item in review.timeline:
        kind = _(KINDS[item.kind]) if item.kind in KINDS else clean_line(item.kind)
        text.append(f"\n{format_datetime(item.at)} {kind} {clean_line(item.who)}\n", style="bold")
        if item.text:
            text.append(clean_text(item.text) + "\n")
    return text


class TicketReviewScreen(TicketViewScreen):
    """One ticket for a supervisor; a/p/e/n/c act on it, escape goes back to the queue."""

    CSS_PATH = "ticket_view.tcss"
    BINDINGS = [
        Binding("a", "act('reassign')", N_("Reassign"), id="review.reassign"),
        Binding("p", "act('priority')", N_("Priority"), id="review.priority"),
        Binding("e", "act('escalate')", N_("Escalate"), id="review.escalate"),
        Binding("n", "act('note')", N_("Note"), id="review.note"),
        Binding("c", "act('close')", N_("Close"), id="review.close"),
    ]

    def __init__(self, ticket_id: int) -> None:
        super().__init__(ticket_id)
        self.version: int | None = None
        """The version shown: what every action says it is changing."""

    def live_subjects(self) -> Collection[str]:
        return {ticket_subject(self.ticket_id)}

    @work(thread=True, exclusive=True, group="ticket-load")
    def _load(self) -> None:
        with database_guard(self, _("opening the ticket")):
            self.post_message(self._reviewed(""))

    def _reviewed(self, notice: str) -> _Reviewed:
        """The ticket as it is now (runs in a worker)."""
        try:
            review = load_review(context_of(self.app).engine, actor_of(self.app), self.ticket_id)
        except Forbidden:
            return _Reviewed(None, _("Ticket reviews are for supervisors and admins only."))
        except ReviewError:
            return _Reviewed(None, _("This ticket no longer exists."))
        return _Reviewed(review, notice)

    @on(_Reviewed)
    def _show_review(self, message: _Reviewed) -> None:
        body = self.query_one("#ticket-body", Static)
        if message.review is None:
            self.version = None
            body.update(Text(message.notice))
            return
        self.version = message.review.ticket.version
        body.update(review_text(message.review, message.notice))

    @on(TicketsChanged)
    def _changed(self) -> None:
        self._load()

    def action_act(self, action: str) -> None:
        version = self.version
        if version is None:
            return

        def answered(value: str | None) -> None:
            if value is not None:
                self._apply(action, version, value)

        self.app.push_screen(ticket_prompt(action), answered)

    @work(thread=True, exclusive=True, group="ticket-load")
    def _apply(self, action: str, version: int, value: str) -> None:
        context, actor = context_of(self.app), actor_of(self.app)
        with database_guard(self, _("changing the ticket")):
            try:
                ACTIONS[action](context.engine, actor, self.ticket_id, version, value)
                notice = ""
            except StaleTicket:
                notice = _("Someone else changed this ticket meanwhile: nothing was saved. Here it is now.")
            except (ReviewError, Forbidden) as error:
                notice = clean_line(said_error(error))
            self.post_message(self._reviewed(notice))
