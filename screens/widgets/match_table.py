"""The table of customers a search or a ring found: what tells look-alikes apart, and why each matched."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from store.sanitize import clean_line
from store.search import Match

COLUMNS = ("Name", "Phone", "City", "Age", "Status", "Last contact", "Score", "Why")
WIDTHS = {"Name": 24, "City": 14, "Why": 30}
"""Longest text a cell shows before it is cut with an ellipsis."""


def _cell(value: object, column: str = "") -> Text:
    """Customer text as a literal `Text` (never markup), cleaned again on the way out."""
    text = clean_line(str(value)) if value is not None else ""
    limit = WIDTHS.get(column)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return Text(text, no_wrap=True)


class MatchTable(DataTable[Text]):
    """A row per match, keyed by customer id; the cursor picks whom to open."""

    DEFAULT_CSS = """
    MatchTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._matches: list[Match] = []

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def show_matches(self, matches: list[Match]) -> None:
        """Replace the rows with `matches`, cursor on the first."""
        self._matches = list(matches)
        self.clear()
        for match in self._matches:
            last = match.last_contact.date().isoformat() if match.last_contact else ""
            self.add_row(
                _cell(match.display_name, "Name"),
                _cell(match.masked_phone),
                _cell(match.city, "City"),
                _cell(match.age if match.age is not None else ""),
                _cell(match.status),
                _cell(last),
                Text(f"{match.score:.0f}", justify="right"),
                _cell(match.reason, "Why"),
                key=str(match.customer_id),
            )
        if self._matches:
            self.move_cursor(row=0)

    @property
    def matches(self) -> list[Match]:
        return list(self._matches)

    def highlighted_match(self) -> Match | None:
        """The match under the cursor, or None when the table is empty."""
        if not self._matches or not 0 <= self.cursor_row < len(self._matches):
            return None
        return self._matches[self.cursor_row]
