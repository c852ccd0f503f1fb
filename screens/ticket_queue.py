"""The supervisor's ticket queue (F8): their team's tickets, breaches first, a page at a time.

One box filters and searches (`status:all priority:urgent sla:breached boiler`, see
store.tickets_queue.parse_queue_query). Rows are keyed by ticket id and follow the change feed:
a ticket changed anywhere is re-read and its row updated in place (or dropped when it no longer
matches). Space marks rows for a bulk action, which asks for confirmation first.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from screens.back_key import EscapeLeaves, back_key
from screens.context import actor_of, context_of
from screens.formatting import sla_state
from screens.i18n import N_, _, ngettext, said_error, said_status
from screens.messages import OpenLookup, OpenTicketReview, TicketsChanged, navigate
from screens.outage import database_guard
from screens.ticket_prompt import ticket_prompt
from screens.widgets.key_bar import KeyBar
from screens.widgets.sized_columns import sized_columns
from screens.widgets.typed import TypedInput
from store.notify import TICKETS
from store.policy import Forbidden
from store.sanitize import clean_line
from store.sla import DUE_SOON
from store.ticket_review import ReviewError, bulk
from store.tickets_queue import Cursor, QueueFilter, QueuePage, QueueQueryError, QueueRow, parse_queue_query
from store.tickets_queue import queue_page as load_queue_page
from store.tickets_queue import queue_row as load_queue_row
from store.timeutil import utcnow

COLUMNS = (
    ("mark", ""),
    ("sla", N_("SLA")),
    ("number", N_("Ticket")),
    ("priority", N_("Priority")),
    ("assignee", N_("Assignee")),
    ("customer", N_("Customer")),
    ("subject", N_("Subject")),
    ("status", N_("Status")),
    ("team", N_("Team")),
)
"""Most needed first: at 80 columns the deadline, ticket, priority, assignee and customer fit."""
SLA_STYLES = {"breached": "bold red", "soon": "yellow", "ok": "", "none": "dim"}


@dataclass
class QueuePainted(Message):
    """A page is on screen (the benchmark times the first one)."""

    rows: int


@dataclass
class _Page(Message):
    page: QueuePage | None
    notice: str = ""


@dataclass
class _Rows(Message):
    found: dict[int, QueueRow | None]
    notice: str = ""


def row_cells(row: QueueRow, marked: bool) -> dict[str, Text]:
    """A row's cells by column key; ticket and customer text stays literal."""
    words, state = sla_state(row.sla_due, utcnow(), soon=DUE_SOON)
    values = {
        "mark": Text("*" if marked else " "),
        "sla": Text(words, style=SLA_STYLES[state]),
        "number": Text(clean_line(row.number)),
        "priority": Text(said_status(row.priority), style="bold" if row.priority == "urgent" else ""),
        "status": Text(said_status(row.status)),
        "customer": Text(clean_line(row.customer_name)[:24]),
        "subject": Text(clean_line(row.subject)[:40]),
        "assignee": Text(clean_line(row.assignee)),
        "team": Text(clean_line(row.team)),
    }
    return values


class TicketQueueScreen(EscapeLeaves, Screen[None]):
    """The queue; enter reviews the ticket under the cursor."""

    CSS_PATH = "ticket_queue.tcss"
    AUTO_FOCUS = "#tickets-table"
    """The table has the focus from the start (not the filter box first, then the table: two restyles)."""
    BINDINGS = [
        Binding("space", "mark", N_("Mark"), id="tickets.mark"),
        Binding("n", "next_page", N_("Next page"), id="tickets.next"),
        Binding("p", "previous_page", N_("Previous page"), id="tickets.previous"),
        Binding("a", "bulk('reassign')", N_("Reassign"), id="tickets.reassign"),
        Binding("e", "bulk('escalate')", N_("Escalate"), id="tickets.escalate"),
        Binding("c", "bulk('close')", N_("Close"), id="tickets.close"),
        Binding("slash", "filter", N_("Filter"), id="tickets.filter"),
        back_key("back", N_("Back"), "tickets.back"),
    ]

    def __init__(self, queue_filter: QueueFilter | None = None) -> None:
        super().__init__()
        self.queue_filter = queue_filter or QueueFilter()
        self._starts: list[Cursor | None] = [None]
        """Where each page seen so far starts; the last is the one shown."""
        self._next: Cursor | None = None
        self._rows: dict[int, QueueRow] = {}
        self._marked: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Static(Text(_("Tickets (breaches first)")), id="tickets-title")
        yield TypedInput(
            placeholder=_("filter: sla:breached priority:urgent status:all … or search"), id="tickets-filter"
        )
        yield DataTable(id="tickets-table", cursor_type="row", zebra_stripes=True)
        yield Static(Text(""), id="tickets-status")
        yield KeyBar(id="tickets-keys")

    def on_mount(self) -> None:
        self._columns([])
        self._load(self.queue_filter, None)

    def _columns(self, cells: list[dict[str, Text]]) -> None:
        """(Re)make the columns as wide as this page's cells, so the first paint already fits them."""
        keys = [key for key, _label in COLUMNS]
        rows = [[line[key] for key in keys] for line in cells]
        sized_columns(self.query_one(DataTable), [label for _key, label in COLUMNS], rows, keys=keys)

    def live_subjects(self) -> Collection[str]:
        return {TICKETS}

    # --- loading pages -------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="tickets-page")
    def _load(self, queue_filter: QueueFilter, after: Cursor | None) -> None:
        with database_guard(self, _("listing tickets")):
            try:
                page = load_queue_page(context_of(self.app).engines, actor_of(self.app), queue_filter, after)
            except Forbidden:
                self.post_message(_Page(None, _("The ticket queue is for supervisors and admins only.")))
                return
            self.post_message(_Page(page))

    @on(_Page)
    def _show(self, message: _Page) -> None:
        table = self.query_one(DataTable)
        self._rows = {}
        if message.page is None:
            table.clear()
            self._status(message.notice)
            return
        cells = [row_cells(row, row.id in self._marked) for row in message.page.rows]
        self._columns(cells)
        for row, line in zip(message.page.rows, cells, strict=True):
            self._rows[row.id] = row
            table.add_row(*(line[key] for key, _label in COLUMNS), key=str(row.id))
        self._next = message.page.next
        self._status(message.notice)
        self.post_message(QueuePainted(len(message.page.rows)))

    def _status(self, notice: str) -> None:
        count = len(self._rows)
        page = _("page {number}").format(number=len(self._starts))
        shown = (
            ngettext("{count} ticket", "{count} tickets", count).format(count=count)
            if count
            else _("no tickets")
        )
        more = _("n next page") if self._next else ""
        marked = _("{count} marked").format(count=len(self._marked)) if self._marked else ""
        line = " · ".join(part for part in (notice, page, shown, marked, more) if part)
        self.query_one("#tickets-status", Static).update(Text(line))

    def action_next_page(self) -> None:
        if self._next is not None:
            self._starts.append(self._next)
            self._load(self.queue_filter, self._next)

    def action_previous_page(self) -> None:
        if len(self._starts) > 1:
            self._starts.pop()
            self._load(self.queue_filter, self._starts[-1])

    def action_filter(self) -> None:
        self.query_one("#tickets-filter", Input).focus()

    @on(Input.Submitted, "#tickets-filter")
    def _filtered(self, event: Input.Submitted) -> None:
        try:
            self.queue_filter = parse_queue_query(event.value)
        except QueueQueryError as error:
            self._status(said_error(error))
            return
        self._starts, self._marked = [None], set()
        self.query_one(DataTable).focus()
        self._load(self.queue_filter, None)

    # --- rows changed elsewhere ----------------------------------------------------------------

    @on(TicketsChanged)
    def _changed(self, message: TicketsChanged) -> None:
        shown = [ticket_id for ticket_id in message.ticket_ids if ticket_id in self._rows]
        if shown:
            self._reload_rows(shown)

    @work(thread=True, group="tickets-rows")
    def _reload_rows(self, ticket_ids: list[int], notice: str = "") -> None:
        context, actor = context_of(self.app), actor_of(self.app)
        with database_guard(self, _("updating tickets")):
            found = {i: load_queue_row(context.engine, actor, self.queue_filter, i) for i in ticket_ids}
            self.post_message(_Rows(found, notice))

    @on(_Rows)
    def _update_rows(self, message: _Rows) -> None:
        table = self.query_one(DataTable)
        for ticket_id, row in message.found.items():
            if ticket_id not in self._rows:
                continue
            if row is None:  # no longer matches the filter (closed, moved to another team)
                table.remove_row(str(ticket_id))
                del self._rows[ticket_id]
                self._marked.discard(ticket_id)
                continue
            self._rows[ticket_id] = row
            self._paint_row(ticket_id)
        self._status(message.notice)

    def _paint_row(self, ticket_id: int) -> None:
        table = self.query_one(DataTable)
        cells = row_cells(self._rows[ticket_id], ticket_id in self._marked)
        for key, _label in COLUMNS:
            table.update_cell(str(ticket_id), key, cells[key])

    # --- review, marks and bulk actions --------------------------------------------------------

    def _current(self) -> int | None:
        table = self.query_one(DataTable)
        if not self._rows or table.cursor_row >= table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return int(key) if key is not None else None

    @on(DataTable.RowSelected)
    def _chosen(self) -> None:
        ticket_id = self._current()
        if ticket_id is not None:
            self.post_message(OpenTicketReview(ticket_id))

    def action_mark(self) -> None:
        ticket_id = self._current()
        if ticket_id is None:
            return
        self._marked.symmetric_difference_update({ticket_id})
        self._paint_row(ticket_id)
        self._status("")

    def action_bulk(self, action: str) -> None:
        targets = sorted(self._marked & self._rows.keys()) or [t for t in [self._current()] if t is not None]
        if not targets:
            return
        versions = [(ticket_id, self._rows[ticket_id].version) for ticket_id in targets]

        def answered(value: str | None) -> None:
            if value is not None:
                self._marked.clear()
                self._apply(action, versions, value)

        self.app.push_screen(ticket_prompt(action, len(versions)), answered)

    @work(thread=True, group="tickets-rows")
    def _apply(self, action: str, versions: list[tuple[int, int]], value: str) -> None:
        context, actor = context_of(self.app), actor_of(self.app)
        with database_guard(self, _("changing tickets")):
            try:
                result = bulk(context.engine, actor, action, versions, value)
            except (ReviewError, Forbidden) as error:
                self.post_message(_Rows({}, clean_line(said_error(error))))
                return
            notice = ngettext("{count} ticket changed", "{count} tickets changed", len(result.done)).format(
                count=len(result.done)
            )
            if result.stale:
                notice += "; " + _("changed by someone else meanwhile, left alone: {numbers}").format(
                    numbers=", ".join(result.stale)
                )
            found = {i: load_queue_row(context.engine, actor, self.queue_filter, i) for i, _v in versions}
            self.post_message(_Rows(found, notice))

    def action_back(self) -> None:
        navigate(self, OpenLookup())
