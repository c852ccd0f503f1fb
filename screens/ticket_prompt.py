"""The one question a ticket action asks before it runs: its value (an assignee, a priority, a
note, a resolution) and, for a bulk action, the confirmation of how many tickets it changes."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from screens.back_key import EscapeLeaves, back_key
from screens.i18n import N_, _, ngettext
from screens.widgets.typed import TypedInput


class TicketPromptScreen(EscapeLeaves, ModalScreen[str | None]):
    """Dismissed with the typed value ("" when `placeholder` is None: nothing to type), or None
    when cancelled. Enter applies, escape cancels; a value that is asked for may not be empty."""

    DEFAULT_CSS = """
    TicketPromptScreen { align: center middle; }
    TicketPromptScreen > Vertical {
        width: 70; height: auto; max-width: 100%; border: round $warning; padding: 0 1;
        background: $surface;
    }
    TicketPromptScreen #prompt-hint { color: $text-muted; }
    """
    LEAVE_ACTION = "cancel"
    BINDINGS = [
        back_key("cancel", N_("Cancel"), "ticket_prompt.cancel"),
        Binding("enter", "apply", N_("Apply"), id="ticket_prompt.apply", show=False),
    ]

    def __init__(self, question: str, placeholder: str | None = None) -> None:
        super().__init__()
        self._question = question
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._question), id="prompt-question")
            if self._placeholder is not None:
                yield TypedInput(placeholder=self._placeholder, id="prompt-value")
            yield Static(Text(_("enter apply · escape cancel")), id="prompt-hint")

    def on_mount(self) -> None:
        if self._placeholder is not None:
            self.query_one("#prompt-value", Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()

    def action_apply(self) -> None:
        if self._placeholder is None:
            self.dismiss("")
            return
        value = self.query_one("#prompt-value", Input).value.strip()
        if not value:
            self.query_one("#prompt-hint", Static).update(Text(_("Type a value first (escape cancels).")))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)


TICKET_ACTIONS: dict[str, tuple[str, str | None]] = {
    "reassign": (N_("Reassign to"), N_("username")),
    "priority": (N_("New priority"), N_("low, normal, high or urgent")),
    "escalate": (N_("Escalate one priority up?"), None),
    "note": (N_("Internal note"), N_("never shown to the customer")),
    "close": (N_("Close with a resolution note"), N_("what was done (required)")),
}
"""What each ticket action asks (store.ticket_review.ACTIONS does it): a question and, when it
needs a value, the input's placeholder."""


def ticket_prompt(action: str, count: int | None = None) -> TicketPromptScreen:
    """The question for `action`; on `count` tickets (a bulk action) it says how many."""
    question, placeholder = TICKET_ACTIONS[action]
    text = _(question)
    if count is not None:
        text += " " + ngettext("({count} ticket)", "({count} tickets)", count).format(count=count)
    return TicketPromptScreen(text, None if placeholder is None else _(placeholder))
