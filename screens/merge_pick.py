"""Which record is the same person? For the profile's "Merge with another customer…": first the
customer's likely duplicates (`store.dedupe`), then a lookup (name, phone, e-mail, account) as
soon as something is typed; the customer shown is left out of both."""

from __future__ import annotations

from dataclasses import dataclass, replace

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from screens.back_key import EscapeLeaves, back_key
from screens.context import actor_of, context_of
from screens.i18n import N_, _, said
from screens.outage import database_guard
from screens.widgets.match_table import MatchTable, WhyLine
from screens.widgets.typed import TypedInput
from store import access
from store.dedupe import likely_duplicates
from store.policy import Forbidden
from store.search import Match

SUGGEST_FROM_SCORE = 60.0
"""Pairs scored this high are offered before anything is typed (a household caps at 60)."""


@dataclass
class CandidatesFound(Message):
    query: str
    matches: list[Match]
    hint: str


class MergePickScreen(EscapeLeaves, ModalScreen[int | None]):
    """Dismissed with the id of the customer picked to merge with `customer_id`, or None."""

    DEFAULT_CSS = """
    MergePickScreen { align: center middle; }
    MergePickScreen > Vertical {
        width: 100%; max-width: 110; height: 80%; border: round $warning; padding: 0 1;
        background: $surface;
    }
    MergePickScreen #merge-pick-hint { height: auto; color: $text-muted; }
    """
    LEAVE_ACTION = "cancel"
    BINDINGS = [
        back_key("cancel", N_("Cancel"), "merge_pick.cancel"),
        Binding("down", "cursor(1)", N_("Next"), id="merge_pick.next", show=False),
        Binding("up", "cursor(-1)", N_("Previous"), id="merge_pick.previous", show=False),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id
        self._shown_query = ""
        """The query the table answers (Enter picks only from the answer to what is typed)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(_("Merge with which customer? Type a name, phone, e-mail or account.")))
            yield TypedInput(id="merge-pick-query")
            yield Static("", id="merge-pick-hint", markup=False)
            yield MatchTable(id="merge-pick-results")
            yield WhyLine(id="merge-pick-why")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._search("")

    @on(Input.Changed, "#merge-pick-query")
    def _changed(self, event: Input.Changed) -> None:
        self._search(event.value if event.value.strip() else "")

    @work(thread=True, exclusive=True, group="merge-pick")
    def _search(self, query: str) -> None:
        """The lookup's matches for `query`; for "" the likely duplicates."""
        context = context_of(self.app)
        with database_guard(self, _("searching")):
            if not query:
                self.post_message(CandidatesFound("", self._likely_duplicates(), ""))
                return
            result = access.search(context.engines, actor_of(self.app), query, region=context.default_region)
            others = [match for match in result.matches if match.customer_id != self.customer_id]
            self.post_message(CandidatesFound(query, others, result.hint))

    def _likely_duplicates(self) -> list[Match]:
        try:
            found = likely_duplicates(
                context_of(self.app).engine,
                actor=actor_of(self.app),
                customer_id=self.customer_id,
                min_score=SUGGEST_FROM_SCORE,
            )
        except Forbidden:
            return []
        return [replace(match, reason=", ".join(said(reason) for reason in why)) for match, why in found]

    @on(CandidatesFound)
    def _found(self, message: CandidatesFound) -> None:
        if message.query != self.query_one(Input).value:
            return  # an older query's answer
        self._shown_query = message.query
        self.query_one(MatchTable).show_matches(message.matches)
        if not message.query:
            likely = _("Likely the same person:")
            hint = likely if message.matches else _("No likely duplicate; type to search.")
        else:
            hint = said(message.hint) or ("" if message.matches else _("No other customer matches."))
        self.query_one("#merge-pick-hint", Static).update(Text(hint))
        self._show_why()

    @on(DataTable.RowHighlighted, "#merge-pick-results")
    def _show_why(self) -> None:
        self.query_one(WhyLine).show(self.query_one(MatchTable).highlighted_match())

    def action_cursor(self, step: int) -> None:
        table = self.query_one(MatchTable)
        table.move_cursor(row=table.cursor_row + step)

    @on(Input.Submitted)
    @on(DataTable.RowSelected)
    def _picked(self) -> None:
        match = self.query_one(MatchTable).highlighted_match()
        if match is not None and self._shown_query == self.query_one(Input).value:
            self.dismiss(match.customer_id)

    def action_cancel(self) -> None:
        self.dismiss(None)
