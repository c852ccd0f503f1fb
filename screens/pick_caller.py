"""Who is calling? A ring from a number several customers share (a household line) lists them
with what tells them apart; the operator asks and picks one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Static

from screens.i18n import N_, ngettext
from screens.language import LanguageChanged
from screens.messages import OpenLookup, OpenProfile, navigate
from screens.widgets.footer import Footer
from screens.widgets.match_table import MatchTable, WhyLine
from store.sanitize import clean_line
from store.search import Match


class CallerTable(MatchTable):
    """The callers; Enter is the table's own key, so it follows the arrow keys typed before it
    (a screen binding with priority would act on the row highlighted before they arrived)."""

    BINDINGS = [Binding("enter", "select_cursor", N_("Open"), id="pick_caller.open")]


class PickCallerScreen(Screen[None]):
    """The customers reachable at the ringing number; Enter opens one, Escape searches instead."""

    CSS_PATH = "pick_caller.tcss"
    BINDINGS = [
        # Priority, so it acts as the app reads it: a name typed behind it is the search.
        Binding("escape", "search", N_("Someone else"), id="pick_caller.search", priority=True)
    ]

    def __init__(self, matches: list[Match], *, number: str, call_id: str | None = None) -> None:
        super().__init__()
        self._matches = list(matches)
        self._number = number
        self._call_id = call_id

    def compose(self) -> ComposeResult:
        yield Static(Text(self._title()), id="title", markup=False)
        yield CallerTable(id="callers")
        yield WhyLine(id="why")
        yield Footer()

    def _title(self) -> str:
        count = len(self._matches)
        text = ngettext(
            "{count} customer shares {number}: ask who is calling",
            "{count} customers share {number}: ask who is calling",
            count,
        )
        return text.format(count=count, number=clean_line(self._number))

    @on(LanguageChanged)
    def _relabel(self) -> None:
        self.query_one("#title", Static).update(Text(self._title()))

    def on_mount(self) -> None:
        table = self.query_one(MatchTable)
        table.show_matches(self._matches)
        table.focus()

    @on(DataTable.RowHighlighted, "#callers")
    def _show_why(self) -> None:
        self.query_one(WhyLine).show(self.query_one(MatchTable).highlighted_match())

    @on(DataTable.RowSelected, "#callers")
    def _row_selected(self) -> None:
        self.action_pick()

    def action_pick(self) -> None:
        match = self.query_one(MatchTable).highlighted_match()
        if match is not None:
            self.dismiss()
            self.app.post_message(OpenProfile(match.customer_id, call_id=self._call_id))

    def action_search(self) -> None:
        navigate(self, OpenLookup(prefill=self._number, call_id=self._call_id))
