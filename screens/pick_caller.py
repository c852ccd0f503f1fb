"""Who is calling? A ring from a number several customers share (a household line) lists them
with what tells them apart; the operator asks and picks one."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from screens.messages import OpenLookup, OpenProfile
from screens.widgets.match_table import MatchTable
from store.sanitize import clean_line
from store.search import Match


class PickCallerScreen(Screen[None]):
    """The customers reachable at the ringing number; Enter opens one, Escape searches instead."""

    CSS_PATH = "pick_caller.tcss"
    BINDINGS = [
        Binding("enter", "pick", "Open", id="pick_caller.open", priority=True),
        Binding("escape", "search", "Someone else", id="pick_caller.search"),
    ]

    def __init__(self, matches: list[Match], *, number: str, call_id: str | None = None) -> None:
        super().__init__()
        self._matches = list(matches)
        self._number = number
        self._call_id = call_id

    def compose(self) -> ComposeResult:
        title = f"{len(self._matches)} customers share {clean_line(self._number)}: ask who is calling"
        yield Static(Text(title), id="title", markup=False)
        yield MatchTable(id="callers")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(MatchTable)
        table.show_matches(self._matches)
        table.focus()

    @on(DataTable.RowSelected, "#callers")
    def _row_selected(self) -> None:
        self.action_pick()

    def action_pick(self) -> None:
        match = self.query_one(MatchTable).highlighted_match()
        if match is not None:
            self.dismiss()
            self.app.post_message(OpenProfile(match.customer_id, call_id=self._call_id))

    def action_search(self) -> None:
        self.dismiss()
        self.app.post_message(OpenLookup(prefill=self._number, call_id=self._call_id))
