"""The table of customers a search or a ring found: what tells look-alikes apart, and why each matched."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.widgets import DataTable, Static

from screens.i18n import N_, _, said, said_status
from screens.language import LanguageChanged
from screens.widgets.sized_columns import sized_columns
from store.sanitize import clean_line
from store.search import Match

COLUMNS = (
    N_("Name"),
    N_("Phone"),
    N_("City"),
    N_("Age"),
    N_("Status"),
    N_("Last contact"),
    N_("Score"),
    N_("Why"),
)
WIDTHS = {"Name": 24, "City": 14, "Why": 30}
"""Longest text a cell shows before it is cut with an ellipsis."""
WHY_COLUMN_FROM = 110
"""Narrower than this, "Why" is not a column (it would be cut): the lookup's why line shows it whole."""


def _cell(value: object, column: str = "") -> Text:
    """Customer text as a literal `Text` (never markup), cleaned again on the way out."""
    text = clean_line(str(value)) if value is not None else ""
    limit = WIDTHS.get(column)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "\u2026"
    return Text(text, no_wrap=True)


def _cells(match: Match) -> tuple[Text, ...]:
    """A match's cells in COLUMNS' order."""
    last = match.last_contact.date().isoformat() if match.last_contact else ""
    return (
        _cell(match.display_name, "Name"),
        _cell(match.masked_phone),
        _cell(match.city, "City"),
        _cell(match.age if match.age is not None else ""),
        _cell(said_status(match.status)),
        _cell(last),
        Text(f"{match.score:.0f}", justify="right"),
        _cell(said(match.reason), "Why"),
    )


class MatchTable(DataTable[Text]):
    """A row per match, keyed by customer id; the cursor picks whom to open."""

    DEFAULT_CSS = """
    MatchTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._matches: list[Match] = []

    def on_mount(self) -> None:
        self.show_matches(self._matches)

    def on_resize(self) -> None:
        if self.wide != (len(self.columns) == len(COLUMNS)):
            self.show_matches(self._matches)

    @property
    def wide(self) -> bool:
        """Room for the "Why" column."""
        return self.size.width >= WHY_COLUMN_FROM

    @on(LanguageChanged)
    def _relabel(self) -> None:
        """The headers in the current language (after a language switch), rows and cursor kept."""
        row = self.cursor_row
        self.show_matches(self._matches)
        if self._matches:
            self.move_cursor(row=row)

    def show_matches(self, matches: list[Match]) -> None:
        """Replace the rows with `matches` (the columns sized to them), cursor on the first."""
        self._matches = list(matches)
        shown = COLUMNS if self.wide else COLUMNS[:-1]
        rows = [_cells(match)[: len(shown)] for match in self._matches]
        sized_columns(self, shown, rows, keys=shown)
        for match, cells in zip(self._matches, rows, strict=True):
            self.add_row(*cells, key=str(match.customer_id))
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


class WhyLine(Static):
    """The highlighted match's "why" in full, under a MatchTable (where it is no column at 80)."""

    DEFAULT_CSS = """
    WhyLine { height: auto; max-height: 2; padding: 0 1; background: $boost; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)

    def show(self, match: Match | None) -> None:
        why = clean_line(said(match.reason)) if match else ""
        self.update(Text.assemble((_("Why") + " ", "bold"), why) if match else Text(""))
