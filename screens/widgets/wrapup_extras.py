"""The wrap-up's follow-up fields: a ticket to open or update, a callback, a campaign code.

Each widget id maps to the `WrapUpForm` field it fills ("ticket-action" -> `ticket_action`):
widget ids stay on this floor, the store sees only the typed form.
"""

from __future__ import annotations

from contextlib import suppress

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Label, Select
from textual.widgets.select import InvalidSelectValueError

from screens.i18n import N_, _
from screens.language import LanguageChanged
from screens.widgets.typed import TypedInput
from screens.widgets.wrapup_picks import shown_label
from store.models import TicketPriority, TicketStatus
from store.wrapup import TicketRule, WrapUpForm
from store.wrapup.config import Outcome

PLACEHOLDERS = {
    "ticket-subject": N_("subject"),
    "ticket-category": N_("category"),
    "ticket-assignee": N_("assignee"),
    "callback-when": N_("+2h, 14:30 or 2026-12-01 09:15"),
    "callback-who": N_("who (default: me)"),
    "campaign-code": N_("campaign or coupon code the customer quoted"),
}
"""Each input's placeholder (marked N_, translated when the field is built)."""
INPUTS = tuple(PLACEHOLDERS)
SELECTS = ("ticket-action", "ticket-status", "ticket-priority")
FIELDS = {widget_id: widget_id.replace("-", "_") for widget_id in INPUTS + SELECTS}


def _input(field_id: str) -> Input:
    return TypedInput(placeholder=_(PLACEHOLDERS[field_id]), id=field_id, compact=True)


def _label(text: str, classes: str = "") -> Label:
    """A field's name; `text` (the English msgid) is kept as the widget's name for a relabel."""
    return Label(_(text), name=text, classes=classes)


def _select(field_id: str, options: list[tuple[str, str]], value: str) -> Select[str]:
    return Select(options, value=value, allow_blank=False, id=field_id, compact=True)


class WrapUpExtras(VerticalScroll):
    """Ticket, callback and campaign-code rows under the notes."""

    def compose(self) -> ComposeResult:
        """One labelled box after another, a row each, so every box keeps its name once it is filled
        and the last row (Code) still shows at 80x24."""
        with Horizontal(classes="row"):
            yield _label(N_("Ticket"))
            yield _select("ticket-action", [(_("No ticket"), "none")], "none")
            yield _label(N_("Subject"), "inner")
            yield _input("ticket-subject")
        with Horizontal(classes="row"):
            yield _label(N_("Status"))
            yield _select("ticket-status", [(s.value, s.value) for s in TicketStatus], "open")
            yield _label(N_("Priority"), "inner")
            yield _select("ticket-priority", [(p.value, p.value) for p in TicketPriority], "normal")
        with Horizontal(classes="row"):
            yield _label(N_("Category"))
            yield _input("ticket-category")
            yield _label(N_("Assignee"), "inner")
            yield _input("ticket-assignee")
        with Horizontal(classes="row"):
            yield _label(N_("Callback"))
            yield _input("callback-when")
            yield _label(N_("Who"), "inner")
            yield _input("callback-who")
        with Horizontal(classes="row"):
            yield _label(N_("Code"))
            yield _input("campaign-code")

    @on(LanguageChanged)
    def _relabel(self) -> None:
        for label in self.query(Label):
            label.update(_(label.name or ""))
        for field_id in INPUTS:
            self.query_one(f"#{field_id}", Input).placeholder = _(PLACEHOLDERS[field_id])

    def show(self, form: WrapUpForm) -> None:
        """Fill the fields from `form` (a restored draft)."""
        for field_id in INPUTS:
            self.query_one(f"#{field_id}", Input).value = getattr(form, FIELDS[field_id])
        for field_id in SELECTS:
            with suppress(InvalidSelectValueError):  # a ticket closed since the draft was kept
                self.query_one(f"#{field_id}", Select).value = getattr(form, FIELDS[field_id])

    def typed(self) -> dict[str, str]:
        """What the fields hold, keyed by `WrapUpForm` field."""
        values = {FIELDS[field_id]: self.query_one(f"#{field_id}", Input).value for field_id in INPUTS}
        return values | {
            FIELDS[field_id]: str(self.query_one(f"#{field_id}", Select).value) for field_id in SELECTS
        }

    def prepare_for(self, outcome: Outcome) -> str:
        """Ready what `outcome` needs and say how to finish it ("" when nothing): one that needs a
        ticket gets "New ticket" (ctrl+t changes it); one that needs a callback time says ctrl+b."""
        action = self.query_one("#ticket-action", Select)
        if outcome.ticket is TicketRule.REQUIRED and action.value == "none":
            action.value = "new"
            return _("'{outcome}' opens a new ticket (ctrl+t to pick an open one)").format(
                outcome=shown_label(outcome)
            )
        if outcome.callback and not self.query_one("#callback-when", Input).value:
            return _("'{outcome}' needs a callback time: ctrl+b").format(outcome=shown_label(outcome))
        return ""
