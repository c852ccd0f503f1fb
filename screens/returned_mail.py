"""The supervisors' returned-mail worklist (palette: "Returned mail worklist"): the customers whose
address returns mail, oldest flag first, a page at a time. Enter opens the customer; confirming or
replacing the address in their contact form (`e` on the profile) takes the row off.

Rows are keyed by address and follow the change feed: a customer on the page who is saved
anywhere is re-read from the primary, and their rows updated or dropped in place.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Static

from screens.back_key import EscapeLeaves, back_key
from screens.context import actor_of, context_of
from screens.formatting import format_date, format_number
from screens.i18n import N_, _, ngettext
from screens.language import LanguageChanged
from screens.messages import CustomerChanged, LiveSubjectsChanged, OpenLookup, OpenProfile, navigate
from screens.outage import database_guard
from screens.widgets.footer import Footer
from screens.widgets.sized_columns import sized_columns
from store.notify import customer_subject
from store.policy import Forbidden
from store.returned_mail_worklist import (
    WorklistCursor,
    WorklistPage,
    WorklistRow,
    worklist_page,
    worklist_rows_of,
)
from store.sanitize import clean_line

PALETTE_TITLE = N_("Returned mail worklist")
PALETTE_HELP = N_("Customers whose address returns mail: open one to confirm or replace it")
"""The palette command that opens this screen (console/supervisor_nav.py offers it)."""
COLUMNS = (
    ("name", N_("Customer")),
    ("address", N_("Address")),
    ("since", N_("Since")),
    ("returned", N_("Returned")),
    ("last", N_("Last contact")),
    ("reason", N_("Reason")),
)
"""At 80 columns the customer, the address, since when and the mailings returned fit."""
WIDTHS = {"name": 20, "address": 30}


@dataclass
class _Page(Message):
    page: WorklistPage | None


@dataclass
class _CustomerRows(Message):
    customer_id: int
    rows: list[WorklistRow]


def _date(value: date | None) -> str:
    return format_date(value, length="short") if value else "-"


def row_cells(row: WorklistRow) -> dict[str, Text]:
    """A row's cells by column key; customer text stays literal."""
    last = row.last_contact.astimezone().date() if row.last_contact else None
    return {
        "name": Text(clean_line(row.name)[: WIDTHS["name"]]),
        "address": Text(clean_line(row.address)[: WIDTHS["address"]]),
        "since": Text(_date(row.since)),
        "returned": Text(format_number(row.returned_mailings), justify="right"),
        "last": Text(_date(last)),
        "reason": Text(clean_line(row.reason)),
    }


class ReturnedMailScreen(EscapeLeaves, Screen[None]):
    """The worklist; enter opens the customer under the cursor."""

    CSS_PATH = "returned_mail.tcss"
    BINDINGS = [
        Binding("enter", "open", N_("Open customer"), id="returned_mail.open"),
        Binding("n", "next_page", N_("Next page"), id="returned_mail.next"),
        Binding("p", "previous_page", N_("Previous page"), id="returned_mail.previous"),
        Binding("r", "refresh_list", N_("Refresh"), id="returned_mail.refresh"),
        back_key("back", N_("Back"), "returned_mail.back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._starts: list[WorklistCursor | None] = [None]
        """Where each page seen so far starts; the last is the one shown."""
        self._next: WorklistCursor | None = None
        self._rows: dict[int, WorklistRow] = {}
        """The rows shown, by address id, in their order."""
        self._notice = ""
        self.loads = 0
        """How many pages have landed (tests wait on it)."""

    def compose(self) -> ComposeResult:
        yield Static(Text(self._title()), id="returned-title")
        yield DataTable(id="returned-table", cursor_type="row", zebra_stripes=True)
        yield Static(Text(""), id="returned-status")
        yield Footer()

    def _title(self) -> str:
        return _("Returned mail: details to update (oldest first)")

    def on_mount(self) -> None:
        self._fill()
        self.query_one(DataTable).focus()
        self.action_refresh_list()

    def live_subjects(self) -> Collection[str]:
        """The customers on the page: a save of one may take their row off."""
        return {customer_subject(row.customer_id) for row in self._rows.values()}

    @on(LanguageChanged)
    def _relabel(self) -> None:
        self.query_one("#returned-title", Static).update(
            Text(_("Returned mail: details to update (oldest first)"))
        )
        table = self.query_one(DataTable)
        row = table.cursor_row
        self._fill()
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))

    # --- pages ---------------------------------------------------------------------------------

    def action_refresh_list(self) -> None:
        self._load(self._starts[-1])

    def action_next_page(self) -> None:
        if self._next is not None:
            self._starts.append(self._next)
            self._load(self._next)

    def action_previous_page(self) -> None:
        if len(self._starts) > 1:
            self._starts.pop()
            self._load(self._starts[-1])

    @work(thread=True, exclusive=True, group="returned-mail-page")
    def _load(self, after: WorklistCursor | None) -> None:
        with database_guard(self, _("listing the returned-mail worklist")):
            try:
                page = worklist_page(context_of(self.app).engines, actor_of(self.app), after)
            except Forbidden:
                self.post_message(_Page(None))
                return
            self.post_message(_Page(page))

    @on(_Page)
    def _show(self, message: _Page) -> None:
        self.loads += 1
        self._rows = {}
        if message.page is None:
            self._notice = _("The returned-mail worklist is for supervisors and admins only.")
        else:
            self._notice = ""
            self._rows = {row.address_id: row for row in message.page.rows}
            self._next = message.page.next
        self._fill()
        self._status()
        self.post_message(LiveSubjectsChanged())

    def _fill(self) -> None:
        """The table remade from `_rows`, its columns as wide as their cells (in the current language)."""
        keys = [key for key, _label in COLUMNS]
        rows = [[cells[key] for key in keys] for cells in map(row_cells, self._rows.values())]
        table = self.query_one(DataTable)
        sized_columns(table, [label for _key, label in COLUMNS], rows, keys=keys)
        for address_id, cells in zip(self._rows, rows, strict=True):
            table.add_row(*cells, key=str(address_id))

    def _status(self) -> None:
        count = len(self._rows)
        page = _("page {number}").format(number=len(self._starts))
        shown = (
            ngettext("{count} address to update", "{count} addresses to update", count).format(count=count)
            if count
            else _("no customer's address returns mail")
        )
        more = _("n next page") if self._next else ""
        hint = _("enter opens the customer; e there: confirm or replace the address")
        line = " · ".join(part for part in (self._notice or page, shown, more) if part)
        self.query_one("#returned-status", Static).update(Text(f"{line}\n{hint}" if count else line))

    # --- customers changed elsewhere -----------------------------------------------------------

    @on(CustomerChanged)
    def _changed(self, message: CustomerChanged) -> None:
        if any(row.customer_id == message.customer_id for row in self._rows.values()):
            self._reload_customer(message.customer_id)

    @work(thread=True, group="returned-mail-rows")
    def _reload_customer(self, customer_id: int) -> None:
        context, actor = context_of(self.app), actor_of(self.app)
        with database_guard(self, _("updating the returned-mail worklist")):
            try:
                rows = worklist_rows_of(context.engine, actor, customer_id)
            except Forbidden:
                return
            self.post_message(_CustomerRows(customer_id, rows))

    @on(_CustomerRows)
    def _update_customer(self, message: _CustomerRows) -> None:
        """The customer's rows on this page updated in place; the ones fixed meanwhile dropped
        (an address newly flagged shows at the next refresh, in its place in the order)."""
        table = self.query_one(DataTable)
        found = {row.address_id: row for row in message.rows}
        for address_id, row in list(self._rows.items()):
            if row.customer_id != message.customer_id:
                continue
            if address_id not in found:
                table.remove_row(str(address_id))
                del self._rows[address_id]
                continue
            self._rows[address_id] = found[address_id]
            for key, cell in row_cells(found[address_id]).items():
                table.update_cell(str(address_id), key, cell)
        self._status()
        self.post_message(LiveSubjectsChanged())

    # --- opening a customer --------------------------------------------------------------------

    def _current(self) -> WorklistRow | None:
        table = self.query_one(DataTable)
        if not self._rows or table.cursor_row >= table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._rows.get(int(key)) if key is not None else None

    @on(DataTable.RowSelected)
    def _chosen(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        row = self._current()
        if row is not None:
            self.post_message(OpenProfile(row.customer_id))

    def action_back(self) -> None:
        navigate(self, OpenLookup())
